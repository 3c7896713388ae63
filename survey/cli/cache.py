"""`survey cache`: stats, history of a cell, export and clear."""

from __future__ import annotations

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, pass_context
from survey.errors import BadInput

@cli_main.group()
def cache():
    """Inspect the count cache: stats, history of a cell, export, clear."""


@cache.command("stats")
@pass_context
def cache_stats(ctx: Context):
    """Observations per source and status, with fetch dates."""
    with ctx.store() as store:
        s = store.stats()
    click.echo(f"{s['path']}: {s['observations']} observations of {s['keys']} keys, {s['bytes'] / 1024:.0f} KiB")
    for r in s["by_source"]:
        click.echo(f"  {r['source']:<20} {r['status']:<12} {r['n']:>6}  {r['first'][:10]} to {r['last'][:10]}")


@cache.command("history")
@click.argument("cell")
@click.option("-q", "--query", "query_path", type=click.Path(dir_okay=False),
              help="Only the fetches of this query file's queries for CELL (default: every query so labelled).")
@click.option("-s", "--source", default=None, help="Only this source.")
@pass_context
def cache_history(ctx: Context, cell, query_path, source):
    """Every observation of CELL (METHOD:TASK), oldest first, grouped by the query that was sent."""
    from survey import api
    from survey.redaction import redact

    method, sep, task = cell.partition(":")
    if not sep or not method or not task:
        raise BadInput(f"cell {cell!r}: expected METHOD:TASK, e.g. LSTM:classification")
    rows = api.history(method, task, query_path, source, home=ctx.home, config=ctx.config)
    if not rows:
        raise BadInput(f"no observations of {cell}" + (f" from {source}" if source else ""))
    shown = None
    for o in rows:
        if (o.source, o.query, o.corpus) != shown:
            shown = (o.source, o.query, o.corpus)
            click.echo(redact(f"{o.source}: {o.query}" + (f"  [corpus {o.corpus}]" if o.corpus else "")))
        when = o.fetched_at[:19].replace("T", " ")
        year = "" if o.year is None else f" {o.year}"
        value = o.count if o.status == "ok" else f"{o.status}: {redact(o.error or '')}"
        click.echo(f"  {when}  {o.window + year:<16} {value}")


@cache.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("-q", "--query", "query_path", type=click.Path(dir_okay=False),
              help="Only the observations behind this query file's counts (every fetch of its queries).")
@click.option("-s", "--source", "names", multiple=True, help="Only these sources (with -q).")
@pass_context
def cache_export(ctx: Context, file, query_path, names):
    """Write observations to FILE as CSV (every field; `survey cache import` reads it back)."""
    from survey import api

    n = api.export_counts(file, query_path, names, home=ctx.home, config=ctx.config)
    ctx.echo(f"{n} observations written to {file}")


@cache.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@pass_context
def cache_import(ctx: Context, file):
    """Add the observations of a CSV written by `survey cache export` (rows already cached are skipped)."""
    from survey import api

    added, present = api.import_counts(file, home=ctx.home, config=ctx.config)
    ctx.echo(f"{added} observations imported from {file} ({present} already cached)")


@cache.command("clear")
@click.option("-s", "--source", default=None, help="Only this source's observations.")
@click.option("--yes", is_flag=True, help="Do not ask.")
@pass_context
def cache_clear(ctx: Context, source, yes):
    """Delete observations (all, or one source's). History goes too."""
    if source is not None:
        from survey import api

        with ctx.store() as store:
            if source not in store.sources():
                source = api.resolve_name(source, ctx.settings, store)
    what = f"every observation from {source}" if source else "every observation"
    if not yes and not click.confirm(f"Delete {what} in {ctx.settings.cache_path}?", default=False):
        raise click.Abort()
    with ctx.store() as store:
        n = store.clear(source)
    ctx.echo(f"{n} observations deleted")
