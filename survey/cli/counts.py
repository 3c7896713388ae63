"""`survey plan`, `refresh` and `counts`: what would be sent, fetching it, and the tables."""

from __future__ import annotations

import sys

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, _console, _progress, format_option, pass_context, query_option
from survey.csv_cells import Writer, inert_frame
from survey.errors import BadInput


def _cached_word(item) -> str:
    if item.fresh:
        return "yes"
    if item.cached is not None and item.cached.status == "ok":
        return "stale"
    return "no"


def refresh_options(f):
    f = click.option("--force", is_flag=True, help="Refetch even fresh cells.")(f)
    f = click.option("--max-age", default="30d", show_default=True, help="Refetch cells older than this (30d, 12h, never).")(f)
    f = click.option("--by-year", is_flag=True, help="Also per-year counts over the query file's [trend] years.")(f)
    f = click.option("--all", "use_all", is_flag=True, help="Every configured source.")(f)
    f = click.option("-s", "--source", "names", multiple=True, help="Source name (repeatable); see `survey sources`.")(f)
    return query_option(f)


@cli_main.command("plan")
@refresh_options
@format_option("table", "csv")
@pass_context
def plan_cmd(ctx: Context, query_path, names, use_all, by_year, max_age, force, fmt):
    """Show the exact query each source will be sent per cell, and what is cached."""
    import io

    from survey import api

    items = api.plan(query_path, names, all_sources=use_all, by_year=by_year, max_age=max_age, force=force,
                     home=ctx.home, config=ctx.config, log=lambda m: ctx.echo(m, err=True))
    rows = [
        [i.source, i.window.name, i.cell.method, i.cell.task, "" if i.year is None else i.year,
         i.query if not i.unsupported else f"(unsupported: {i.unsupported})", _cached_word(i)]
        for i in items
    ]
    header = ["source", "window", "method", "task", "year", "query", "cached"]
    if fmt == "csv":
        out = io.StringIO()
        writer = Writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
        return
    from rich.table import Table

    table = Table(*header)
    for r in rows:
        table.add_row(*map(str, r))
    _console().print(table)
    due = [i for i in items if i.due and not i.unsupported]
    estimate = []
    rates = {i.source: i.rate for i in items}
    for name, rate in rates.items():
        n = sum(1 for i in due if i.source == name)
        if n and rate:
            estimate.append(f"{name}: {n} to fetch, about {n / rate:.0f} s at {rate:g}/s")
        elif n:
            estimate.append(f"{name}: {n} to fetch")
    cached = sum(1 for i in items if i.fresh)
    ctx.echo(f"{len(items)} counts: {cached} cached, {len(due)} to fetch. " + "; ".join(estimate))


@cli_main.command()
@refresh_options
@click.option("--offline", is_flag=True, help="Never touch the network; report what is missing.")
@pass_context
def refresh(ctx: Context, query_path, names, use_all, by_year, max_age, force, offline):
    """Fetch the counts that are missing or stale; every count is saved as it arrives."""
    from survey import api

    with _progress(ctx, None, "fetching") as advance:
        summary = api.refresh(query_path, names, all_sources=use_all, by_year=by_year, max_age=max_age, force=force,
                              offline=offline, home=ctx.home, config=ctx.config,
                              log=lambda m: ctx.echo(m, err=True), on_start=lambda n: advance(0, n),
                              on_observation=lambda o: advance())
    _print_summary(ctx, summary, query_path, by_year)
    if summary.failed:
        sys.exit(1)


def _print_summary(ctx: Context, summary, query_path, by_year: bool):
    parts = [f"{summary.fetched} fetched", f"{summary.cached} cached"]
    if summary.unsupported:
        parts.append(f"{summary.unsupported} unsupported")
    if summary.errors:
        parts.append(f"{len(summary.errors)} failed")
    if summary.blocked:
        parts.append(f"{len(summary.blocked)} blocked")
    if summary.skipped:
        parts.append(f"{len(summary.skipped)} not fetched")
    ctx.echo(", ".join(parts) + f" in {summary.seconds:.1f} s.", err=True)
    for source, why in summary.unreachable.items():
        ctx.echo(f"could not reach {source}: {why}", err=True)
    for obs in (summary.errors + summary.blocked)[:10]:
        ctx.echo(f"  {obs.status}: {obs.source} {obs.method}:{obs.task} ({obs.window}"
                 f"{'' if obs.year is None else ' ' + str(obs.year)}): {obs.error}", err=True)
    if len(summary.errors) + len(summary.blocked) > 10:
        ctx.echo(f"  ... and {len(summary.errors) + len(summary.blocked) - 10} more (see `survey cache stats`)", err=True)
    if summary.skipped:
        srcs = sorted({i.source for i in summary.skipped})
        again = f"`survey refresh -q {query_path} " + " ".join(f"-s {s}" for s in srcs) + (" --by-year" if by_year else "") + "`"
        if summary.interrupted:
            ctx.echo(f"interrupted: {len(summary.skipped)} counts from {', '.join(srcs)} not fetched; everything "
                     f"fetched so far is saved; rerun {again} to fetch the rest.", err=True)
        elif summary.offline or summary.unreachable:
            ctx.echo(f"not fetched: {len(summary.skipped)} counts from {', '.join(srcs)}; rerun {again} with network.", err=True)
        else:
            ctx.echo(f"not fetched: {len(summary.skipped)} counts from {', '.join(srcs)} (the source refused us); "
                     f"rerun {again} later.", err=True)
    elif summary.interrupted:
        ctx.echo("interrupted: everything fetched so far is saved; rerun to fetch the rest.", err=True)


@cli_main.command()
@query_option
@click.option("-s", "--source", "names", multiple=True, help="Only these sources (default: all with data).")
@click.option("--window", "window_name", help="Only this window (by name).")
@click.option("--by-year", is_flag=True, help="Per-year counts instead of window totals.")
@click.option("--reference", is_flag=True, help="Print the published tables the query file names, in the same layout.")
@click.option("--per", type=click.IntRange(min=1), default=None,
              help="Per-year matches per PER works of the year (e.g. 1000), where the source gives year totals; "
                   "implies --by-year.")
@format_option("table", "csv", "json", "markdown")
@pass_context
def counts(ctx: Context, query_path, names, window_name, by_year, reference, per, fmt):
    """Print the study-shaped tables from the cache (methods x tasks per source and window)."""
    from survey import analysis, api
    from survey.query_file import load_matrix

    matrix = load_matrix(query_path)
    if reference:
        from survey.reference import load_reference

        if matrix.reference is None:
            raise BadInput(f"{query_path}: names no published reference (add reference = \"FILE.toml\" to it)")
        references = load_reference(matrix.reference)
        tables = [analysis.reference_table(r, matrix) for r in references]
        _print_tables(ctx, tables, fmt, titles=[f"{r.label} study: {r.source_label}, {r.window.name}" for r in references],
                      ratios=matrix.ratios)
        for r in references:
            if r.unplaced:
                vals = "; ".join(f"{m} {', '.join(map(str, v))}" for m, v in r.unplaced.items())
                ctx.echo(f"{r.source_label} unplaced values ({vals}) belong to {', '.join(r.unplaced_columns)} "
                         "in an order the post does not show.", err=fmt in ("csv", "json"))
        return
    if per:
        frame = api.rates(matrix, names, per=per, home=ctx.home, config=ctx.config)
        if frame["works"].isna().all():
            raise BadInput(f"{names[0]} gives no yearly total of its works, so there is no rate per {per:,} works")
        _print_long(frame, fmt)
        return
    if by_year:
        frame = api.counts(matrix, names, by_year=True, home=ctx.home, config=ctx.config)
        frame = frame[frame["status"] != "not fetched"] if not names else frame
        if frame.empty:
            raise BadInput(f"no per-year counts cached for {query_path}; run "
                           f"`survey refresh -q {query_path} -s SOURCE --by-year` first")
        _print_long(frame[["source", "window", "method", "task", "year", "count"]], fmt)
        return
    tables, without = api.tables(matrix, names, window=window_name, home=ctx.home, config=ctx.config)
    if not tables:
        raise BadInput(f"the cache holds no counts for {query_path}; run `survey refresh -q {query_path} -s SOURCE` first")
    _print_tables(ctx, tables, fmt, titles=[f"{t.source}, {t.window.name} ({t.window.span})" for t in tables],
                  ratios=matrix.ratios)
    if without and not names:
        ctx.echo(f"no counts cached for this query file from: {', '.join(without)}", err=True)



def _print_long(frame, fmt):
    if fmt == "json":
        click.echo(frame.to_json(orient="records", indent=2))
    elif fmt == "markdown":
        from survey.table_text import markdown_table

        click.echo(markdown_table(frame.set_index("source").astype(str)))
    else:
        click.echo(inert_frame(frame).to_csv(index=False), nl=False) if fmt == "csv" else click.echo(frame.to_string(index=False))


def _print_tables(ctx: Context, tables, fmt, titles, ratios=()):
    from survey import analysis
    from survey.table_text import display, markdown_footnotes, markdown_table

    if fmt in ("csv", "json"):
        import pandas as pd

        frame = pd.concat([analysis.long_counts(t) for t in tables], ignore_index=True)
        if fmt == "csv":
            click.echo(inert_frame(frame[["source", "window", "method", "task", "count"]]).to_csv(index=False), nl=False)
        else:
            click.echo(frame.to_json(orient="records", indent=2))
        return
    for title, table in zip(titles, tables):
        d = display(table, ratios)
        if fmt == "markdown":
            click.echo(f"### {title}\n\n{markdown_table(d.frame)}\n")
            if d.footnotes:
                click.echo(markdown_footnotes(d.footnotes) + "\n")
            continue
        from rich.table import Table

        t = Table("method", title=title, title_justify="left")
        for column in d.frame.columns:
            t.add_column(str(column), justify="right")
        for idx, row in d.frame.iterrows():
            # a rule between the counts and the ratio rows, where there are any
            t.add_row(str(idx), *row.tolist(), end_section=bool(ratios) and idx == table.counts.index[-1])
        console = _console()
        console.print(t)
        for i, note in enumerate(d.footnotes, 1):
            console.print(f"  [{i}] {note}", highlight=False, markup=False)
        if table.fetched:
            a, b = table.fetched
            console.print(f"  fetched {a:%Y-%m-%d} to {b:%Y-%m-%d}" if a.date() != b.date() else f"  fetched {a:%Y-%m-%d}",
                          highlight=False)
        console.print()
