"""`survey shares` and `survey trend`: the evidence behind a count, as tables, CSV, JSON or Markdown."""

from __future__ import annotations

import json

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, format_option, pass_context, query_option
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
    CSV columns: source,window,year,task,method,count,share,ci_low,ci_high (year empty for
    window totals; share and bounds as fractions to 4 decimals).
    """
    from survey import api
    from survey.evidence.shares import to_csv

    kw = dict(window=window_name, by_year=by_year, home=ctx.home, config=ctx.config)
    frame = api.shares(query_path, names, **kw)
    if frame.empty:
        raise BadInput(f"the cache holds no {'per-year ' if by_year else ''}counts for {query_path}; run "
                       f"`survey refresh -q {query_path} -s SOURCE{' --by-year' if by_year else ''}` first")
    if fmt == "csv":
        click.echo(to_csv(frame), nl=False)
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
    """Tested trends per task and method: share odds ratio per year, count growth, crossover year.

    Binomial and quasi-Poisson regressions on year (statsmodels); the current, incomplete year
    is left out of every fit. Growth per work appears where the source gives yearly totals.
    """
    from survey import api

    frame = api.trend(query_path, name, home=ctx.home, config=ctx.config)
    if fmt == "csv":
        click.echo(frame.to_csv(index=False, lineterminator="\n"), nl=False)
        return
    if fmt == "json":
        click.echo(frame.to_json(orient="records", indent=2))
        return
    rounded = frame.copy()
    for col in rounded.columns:
        if rounded[col].dtype == "float64":
            rounded[col] = rounded[col].round(4)
    main = ["task", "method", "first_year", "last_year", "matches", "odds_ratio", "or_low", "or_high", "p_value",
            "growth", "growth_low", "growth_high", "growth_per_work", "literature_growth"]
    cross = rounded.drop_duplicates("task")[["task", "crossover_pair", "crossover", "crossover_low",
                                             "crossover_high", "crossover_note"]]
    click.echo(_frame_out(rounded[main], fmt, f"{name}: trends per task and method (complete years)"))
    click.echo()
    click.echo(_frame_out(cross, fmt, f"{name}: where the lead changes (leader/runner-up)"))
