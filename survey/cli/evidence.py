"""`survey shares` and `survey trend`: the evidence behind a count, as tables, CSV, JSON or Markdown."""

from __future__ import annotations

import json

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, format_option, pass_context, query_option
from survey.csv_cells import inert_frame
from survey.errors import BadInput


def _frame_out(frame, fmt: str, title: str | None = None) -> str:
    if fmt == "json":
        return frame.to_json(orient="records", indent=2)
    text = frame.astype(object).where(frame.notna(), "n/a").astype(str)
    if fmt == "markdown":
        from survey.table_text import markdown_rows

        table = markdown_rows(list(text.columns), text.values.tolist(), "l" * len(text.columns))
        return f"### {title}\n\n{table}\n" if title else table
    return (f"{title}\n" if title else "") + text.to_string(index=False)


@cli_main.command()
@query_option
@click.option("-s", "--source", "names", multiple=True, help="Only these sources (default: all with data).")
@click.option("--window", "window_name", help="Only this window (by name).")
@click.option("--by-year", is_flag=True, help="Per-year shares (the [trend] years) instead of window totals.")
@format_option("table", "csv", "json", "markdown")
@pass_context
def shares(ctx: Context, query_path, names, window_name, by_year, fmt):
    """Each method's share of the task's method matches, with its 95% Wilson interval.

    A record that matches two methods counts once for each: shares are of method matches.
    CSV columns: source,window,year,task,method,count,share,ci_low,ci_high,p_holm,claim (year
    empty for window totals; share and bounds as fractions to 4 decimals; on window rows p_holm
    is the task's Holm-adjusted p-value over the tasks of its source and window, and claim is
    leads, trails, unclear or too few; per-year rows leave both empty). A source whose counts
    are documented estimates (Google Scholar, Semantic Scholar) gets no interval and no claim.
    """
    from survey import api
    from survey.evidence.shares import to_csv

    kw = dict(window=window_name, by_year=by_year, home=ctx.home, config=ctx.config)
    frame = api.shares(query_path, names, **kw)
    if frame.empty:
        raise BadInput(f"the cache holds no {'per-year ' if by_year else ''}counts for {query_path}; run "
                       f"`survey refresh -q {query_path} -s SOURCE{' --by-year' if by_year else ''}` first")
    if fmt == "csv":
        click.echo(to_csv(inert_frame(frame)), nl=False)
        return
    pairs = api.ratios(query_path, names, **kw)
    if fmt == "json":
        click.echo(json.dumps({"shares": json.loads(frame.to_json(orient="records")),
                               "ratios": json.loads(pairs.to_json(orient="records"))}, indent=2))
        return
    shown = frame.assign(year=frame["year"].astype("Int64"),
                         share=frame["share"].round(4), ci_low=frame["ci_low"].round(4),
                         ci_high=frame["ci_high"].round(4))
    click.echo(_frame_out(shown, fmt, "Shares of method matches (95% Wilson intervals)"))
    if not pairs.empty:
        click.echo()
        shown = pairs.assign(year=pairs["year"].astype("Int64"), ratio=pairs["ratio"].round(3),
                             ci_low=pairs["ci_low"].round(3), ci_high=pairs["ci_high"].round(3))
        click.echo(_frame_out(shown, fmt, "Ratios the query file asks for (interval from the conditional share)"))


@cli_main.command()
@query_option
@click.option("-s", "--source", "name", required=True, help="The source whose per-year counts to test.")
@format_option("table", "csv", "json", "markdown")
@pass_context
def trend(ctx: Context, query_path, name, fmt):
    """Segmented trends (joinpoint regression) per task, method and measure, one row per segment.

    CSV columns: source,task,method,measure,segment,from,to,change,low,high,p. measure: count,
    per_1000 (where the source gives year totals) or share; change: annual percent change, or
    the odds ratio per year for a share, with its 95% interval; p tests no change within the
    segment. Only complete years are fitted: as of the counts' fetch date, a local corpus's
    import, or the query file's [trend] complete_until.
    """
    from survey import api

    frame = api.trend(query_path, name, home=ctx.home, config=ctx.config)
    if fmt == "csv":
        click.echo(inert_frame(frame).to_csv(index=False, lineterminator="\n"), nl=False)
        return
    if fmt == "json":
        click.echo(frame.to_json(orient="records", indent=2))
        return
    complete = frame.attrs.get("complete_years", {})
    shown = frame.assign(p=frame["p"].map(lambda p: "< 0.001" if p < 0.001 else f"{p:.3f}"))
    click.echo(_frame_out(shown, fmt, f"{name}: segmented trends (change: % a year; odds ratio a year for a share)"))
    if complete.get("through") is not None:
        click.echo(f"\nFitted years end at {complete['through']}: {'; '.join(complete['reasons'])}.")
