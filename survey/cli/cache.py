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
@click.option("-s", "--source", default=None, help="Only this source.")
@pass_context
def cache_history(ctx: Context, cell, source):
    """Every observation of CELL (METHOD:TASK), oldest first."""
    method, sep, task = cell.partition(":")
    if not sep or not method or not task:
        raise BadInput(f"cell {cell!r}: expected METHOD:TASK, e.g. LSTM:classification")
    with ctx.store() as store:
        rows = store.history(method, task, source)
    if not rows:
        raise BadInput(f"no observations of {cell}" + (f" from {source}" if source else ""))
    for o in rows:
        when = o.fetched_at[:19].replace("T", " ")
        year = "" if o.year is None else f" {o.year}"
        value = o.count if o.status == "ok" else f"{o.status}: {o.error}"
        click.echo(f"{when}  {o.source:<16} {o.window + year:<16} {value}")


@cache.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@pass_context
def cache_export(ctx: Context, file):
    """Write every observation to FILE as CSV."""
    with ctx.store() as store:
        n = store.export_csv(file)
    ctx.echo(f"{n} observations written to {file}")


@cache.command("clear")
@click.option("-s", "--source", default=None, help="Only this source's observations.")
@click.option("--yes", is_flag=True, help="Do not ask.")
@pass_context
def cache_clear(ctx: Context, source, yes):
    """Delete observations (all, or one source's). History goes too."""
    what = f"every observation from {source}" if source else "every observation"
    if not yes and not click.confirm(f"Delete {what} in {ctx.settings.cache_path}?", default=False):
        raise click.Abort()
    with ctx.store() as store:
        n = store.clear(source)
    ctx.echo(f"{n} observations deleted")
