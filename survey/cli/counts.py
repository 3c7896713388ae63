"""`survey plan`, `refresh` and `counts`: what would be sent, fetching it, and the tables."""

from __future__ import annotations

import csv
import io
import sys

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, format_option, pass_context, _console, _progress, parse_max_age, query_option, resolve_sources
from survey.errors import BadInput
from survey.matrix import load_matrix

def _plan(ctx, query_path, names, use_all, by_year, max_age, force):
    from survey.refresh import plan

    matrix = load_matrix(query_path)
    srcs = resolve_sources(ctx, names, use_all)
    store = ctx.store()
    items = plan(matrix, srcs, store, by_year=by_year, max_age=parse_max_age(max_age), force=force)
    return matrix, srcs, store, items


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
    matrix, srcs, store, items = _plan(ctx, query_path, names, use_all, by_year, max_age, force)
    store.close()
    for s in srcs.values():
        s.close()
    rows = [
        [i.source, i.window.name, i.cell.method, i.cell.task, "" if i.year is None else i.year,
         i.query if not i.unsupported else f"(unsupported: {i.unsupported})", _cached_word(i)]
        for i in items
    ]
    header = ["source", "window", "method", "task", "year", "query", "cached"]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
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
    for name, s in srcs.items():
        n = sum(1 for i in due if i.source == name)
        if n and s.rate_limit:
            estimate.append(f"{name}: {n} to fetch, about {n / s.rate_limit:.0f} s at {s.rate_limit:g}/s")
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
    from survey.refresh import run

    matrix, srcs, store, items = _plan(ctx, query_path, names, use_all, by_year, max_age, force)
    due = [i for i in items if i.due]
    with store, _progress(ctx, len(due), "fetching") as advance:
        summary = run(items, srcs, store, offline=offline, on_observation=lambda o: advance())
    for s in srcs.values():
        s.close()
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
@click.option("--reference", is_flag=True, help="Print the 2016 study's tables in the same layout.")
@format_option("table", "csv", "json", "markdown")
@pass_context
def counts(ctx: Context, query_path, names, window_name, by_year, reference, fmt):
    """Print the study-shaped tables from the cache (methods x tasks per source and window)."""
    from survey import analysis

    matrix = load_matrix(query_path)
    if reference:
        from survey.reference import load_reference

        references = load_reference()
        tables = [analysis.reference_table(r, matrix) for r in references]
        _print_tables(ctx, tables, fmt, titles=[f"2016 study: {r.source_label}, {r.window.name}" for r in references])
        for r in references:
            if r.unplaced:
                vals = "; ".join(f"{m} {', '.join(map(str, v))}" for m, v in r.unplaced.items())
                ctx.echo(f"{r.source_label} unplaced values ({vals}) belong to {', '.join(r.unplaced_columns)} "
                         "in an order the post does not show.", err=fmt in ("csv", "json"))
        return
    with ctx.store() as store:
        observations = store.latest(per_query=False)
    wanted = list(names) or analysis.sources_in(observations)
    if not wanted:
        raise BadInput(f"the cache at {ctx.settings.cache_path} holds no counts; run `survey refresh -q {query_path} -s SOURCE` first")
    if by_year:
        frame = analysis.per_year_frame(observations)
        frame = frame[frame["source"].isin(wanted)]
        frame = frame[frame["method"].isin(matrix.methods) & frame["task"].isin(matrix.tasks)]
        frame.insert(1, "window", "trend")
        _print_long(frame[["source", "window", "method", "task", "year", "count"]], fmt)
        return
    windows = [matrix.window(window_name)] if window_name else matrix.windows
    tables = [analysis.study_table(observations, matrix, s, w) for s in wanted for w in windows]
    _print_tables(ctx, tables, fmt, titles=[f"{t.source}, {t.window.name} ({t.window.span})" for t in tables])


def _print_long(frame, fmt):
    if fmt == "json":
        click.echo(frame.to_json(orient="records", indent=2))
    elif fmt == "markdown":
        from survey.tables import markdown_table

        click.echo(markdown_table(frame.set_index("source").astype(str)))
    else:
        click.echo(frame.to_csv(index=False), nl=False) if fmt == "csv" else click.echo(frame.to_string(index=False))


def _print_tables(ctx: Context, tables, fmt, titles):
    from survey import analysis
    from survey.tables import display, markdown_footnotes, markdown_table

    if fmt in ("csv", "json"):
        import pandas as pd

        frame = pd.concat([analysis.long_counts(t) for t in tables], ignore_index=True)
        if fmt == "csv":
            click.echo(frame[["source", "window", "method", "task", "count"]].to_csv(index=False), nl=False)
        else:
            click.echo(frame.to_json(orient="records", indent=2))
        return
    for title, table in zip(titles, tables):
        d = display(table)
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
            t.add_row(str(idx), *row.tolist(), end_section=idx == d.frame.index[-2])
        console = _console()
        console.print(t)
        for i, note in enumerate(d.footnotes, 1):
            console.print(f"  [{i}] {note}", highlight=False, markup=False)
        if table.fetched:
            a, b = table.fetched
            console.print(f"  fetched {a:%Y-%m-%d} to {b:%Y-%m-%d}" if a.date() != b.date() else f"  fetched {a:%Y-%m-%d}",
                          highlight=False)
        console.print()
