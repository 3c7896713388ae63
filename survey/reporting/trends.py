"""Section 4, trends: per-year counts, shares with bands, counts per 1,000 works, and tested trends.

The models are those of ``survey.evidence.trends``; the current, incomplete year is drawn
hollow and left out of every fit.
"""

from __future__ import annotations

import math

import pandas as pd

from survey import analysis
from survey.evidence import shares as share_mod
from survey.evidence import trends as trend_mod
from survey.evidence.claims import MIN_MATCHES
from survey.reporting import evidence_figures, figures
from survey.reporting.context import Context
from survey.reporting.text import slug, thousands, year_span
from survey.table_text import markdown_rows

MODELS = (
    "How the tests read: *odds ratio per year* is exp(slope) of a binomial regression of the method's matches "
    "on year, out of all method matches of the task that year (above 1: the share grows). *Growth* is exp(slope) "
    "− 1 of a Poisson regression of the yearly count on year; *per 1,000 works* adds the log of the source's "
    "yearly total as an offset, so it is growth beyond the literature's own. Both are quasi-likelihood fits "
    "(variance scaled by Pearson's χ² where counts vary more than the model allows), with 95% intervals. The "
    "crossover is the year where the fitted share of the leader against the runner-up reaches one half, with a "
    "95% interval from 4,000 parametric bootstrap draws of the coefficients."
)


def per_year(ctx: Context) -> pd.DataFrame:
    frame = analysis.per_year_frame(ctx.latest)
    lo, hi = ctx.matrix.trend.start, ctx.matrix.trend.end or ctx.now.year
    return frame[frame["method"].isin(ctx.methods) & frame["task"].isin(ctx.tasks)
                 & (frame["year"] >= lo) & (frame["year"] <= hi)]


def render(ctx: Context) -> str:
    if ctx.matrix.trend is None:
        return f"The query file `{ctx.query_shown}` has no `[trend]` table, so there are no per-year counts."
    frame = per_year(ctx)
    parts = {s: frame[frame["source"] == s] for s in ctx.names}
    out = [block(ctx, s, part) for s, part in parts.items() if not part.empty]
    if not out:
        out.append("No per-year counts are cached, so there is no trend to draw.")
    else:
        out.append(MODELS)
    lacking = [s for s in ctx.with_data if parts[s].empty]
    if lacking:
        out.append(f"Per-year counts for {', '.join(f'`{s}`' for s in lacking)} come with "
                   f"`{ctx.refresh_command(lacking)}`.")
    return "\n\n".join(out)


def covered(ctx: Context, source: str, part: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, int]]:
    """The per-year counts of the years the source covers, and its year totals where it gives them."""
    years = sorted(int(y) for y in part["year"].unique())
    totals = {y: n for y, n in ctx.year_totals(source).items() if years and years[0] <= y <= years[-1]}
    if totals:
        # A year the source holds no works for is a gap in coverage, not a zero count.
        part = part[part["year"].isin([y for y in years if totals.get(y, 0) > 0])]
    return part[["method", "task", "year", "count"]], totals


def year_shares(part: pd.DataFrame) -> pd.DataFrame:
    frame = part.assign(source="", window="")
    out = share_mod.shares(frame)
    total = out.groupby(["task", "year"])["count"].transform("sum")
    return out.assign(total=total.astype("float64"))


def block(ctx: Context, source: str, part: pd.DataFrame) -> str:
    part, totals = covered(ctx, source, part)
    years = sorted(int(y) for y in part["year"].unique())
    name = slug(source)
    incomplete = ctx.now.year
    fits: dict = {}
    fitted = trend_mod.trends(part, source, ctx.methods, ctx.tasks, totals=totals, incomplete_from=incomplete,
                              fits=fits)
    out = [f"### `{source}`, per publication year ({year_span(years[0], years[-1])})" if years else f"### `{source}`"]
    figs = []
    if not totals:
        # Where the source gives its year totals, matches per 1,000 works replace the raw counts (which the
        # per-year table below still gives): a count that grows with the literature is not a trend.
        figs.append((figures.counts_by_year(part, source, ctx.figure(f"{name}_counts_by_year"),
                                            incomplete_from=incomplete, methods=ctx.methods, tasks=ctx.tasks),
                     f"{source}: matching records per year for each method, one panel per task"))
    if len(ctx.methods) >= 2:
        figs.append((evidence_figures.share_bands(
            year_shares(part), source, ctx.figure(f"{name}_share_by_year"), fits=fits,
            min_total=MIN_MATCHES, incomplete_from=incomplete, methods=ctx.methods, tasks=ctx.tasks),
            f"{source}: each method's share of the year's method matches per task, with 95% Wilson bands and "
            "the fitted trend"))
    if totals:
        figs.append((figures.normalised_by_year(part, totals, source, ctx.figure(f"{name}_per_1000_by_year"),
                                                incomplete_from=incomplete, methods=ctx.methods, tasks=ctx.tasks),
                     f"{source}: matches per 1,000 records of the same year, one panel per task"))
    drawn = [ctx.link(p, alt) for p, alt in figs if p is not None]
    out.extend(drawn or ["Every per-year count is zero, so there is nothing to draw."])
    if incomplete in years:
        out.append(f"{incomplete} is the current year and still incomplete: drawn hollow (and shaded), and left "
                   "out of every fit.")
    if len(ctx.methods) >= 2:
        faint = f"Years where a task's methods match fewer than {MIN_MATCHES} records are drawn faint in the share figure."
        out.append(faint)
    out.append(tests_table(fitted, bool(totals)))
    out.append(literature(fitted, source, totals, incomplete))
    out.append(crossovers(fitted))
    out.append(total_table(ctx, part, totals))
    return "\n\n".join(x for x in out if x)


def _p(p: float) -> str:
    return "n/a" if pd.isna(p) else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def _signed(v: float) -> str:
    n = round(100 * v)
    return f"{n:+d}" if n else "0"


def _growth(v, lo, hi) -> str:
    if pd.isna(v):
        return "n/a"
    return f"{_signed(v)}% [{_signed(lo)}, {_signed(hi)}]"


def _or(v, lo, hi) -> str:
    return "n/a" if pd.isna(v) else f"{v:.2f} [{lo:.2f}–{hi:.2f}]"


def tests_table(fitted: pd.DataFrame, with_totals: bool) -> str:
    if fitted.empty:
        return "Too few complete years with every method's count to fit a trend (at least 3 are needed)."
    header = ["task", "method", "years fitted", "matches", "share: odds ratio per year", "p", "count growth per year"]
    if with_totals:
        header.append("growth per 1,000 works")
    body = []
    for r in fitted.itertuples():
        row = [r.task, r.method, f"{r.first_year}–{r.last_year}" if r.years else "no match", thousands(r.matches),
               _or(r.odds_ratio, r.or_low, r.or_high), _p(r.p_value), _growth(r.growth, r.growth_low, r.growth_high)]
        if with_totals:
            row.append(_growth(r.growth_per_work, r.growth_per_work_low, r.growth_per_work_high))
        body.append(row)
    return ("Tested trends, complete years only (n/a: the method never or always matched, or fewer than 3 years):"
            "\n\n" + markdown_rows(header, body, "ll" + "r" * (len(header) - 2)))


def literature(fitted: pd.DataFrame, source: str, totals: dict[int, int], incomplete: int | None) -> str:
    if not totals or fitted.empty or fitted["literature_growth"].isna().all():
        return ("" if totals else f"`{source}` gives no yearly total of its works, so counts cannot be set against "
                "the literature's own growth here.")
    last = fitted[fitted["task"] == fitted["task"].iloc[-1]]  # the query file's last task: its overall column
    r = last.iloc[0]
    lit = _growth(r.literature_growth, r.literature_growth_low, r.literature_growth_high)
    lines = [f"Over {r.first_year}–{r.last_year} (the `{r.task}` column's complete years), `{source}` itself grew "
             f"{lit} a year (all its works). Beside it:"]
    for row in last.itertuples():
        if pd.isna(row.growth):
            continue
        lines.append(f"- {row.method}: {_growth(row.growth, row.growth_low, row.growth_high)} a year; per 1,000 "
                     f"works {_growth(row.growth_per_work, row.growth_per_work_low, row.growth_per_work_high)}.")
    return "\n".join(lines)


def _year(v) -> str:
    if v is None or pd.isna(v):
        return "n/a"
    return "−∞" if v == -math.inf else "∞" if v == math.inf else f"{v:.1f}"


def crossovers(fitted: pd.DataFrame) -> str:
    if fitted.empty:
        return ""
    body = []
    for task, rows in fitted.groupby("task", sort=False):
        r = rows.iloc[0]
        if not r.crossover_pair:
            continue
        a, b = r.crossover_pair.split("/", 1)
        if pd.isna(r.crossover):
            when, ci = r.crossover_note, "n/a"
        else:
            when, ci = _year(r.crossover), f"[{_year(r.crossover_low)}, {_year(r.crossover_high)}]"
        body.append([task, f"{a} vs {b}", when, ci])
    if not body:
        return ""
    return ("Where the lead changes: the year the fitted share of the leader (most matches over the years fitted) "
            "against the runner-up crosses one half:\n\n" + markdown_rows(
                ["task", "leader vs runner-up", "crossover year", "95% interval"], body, "llrr"))


def total_table(ctx: Context, part: pd.DataFrame, totals: dict[int, int]) -> str:
    task = next((t for t in ctx.tasks if ctx.is_total(t)), None)
    if task is None or len(ctx.methods) < 2:
        return ""
    sub = part[part["task"] == task]
    if sub.empty:
        return ""
    # A method without a count for a year leaves that year out: a share needs every method's count.
    wide = sub.pivot_table(index="year", columns="method", values="count", aggfunc="sum").reindex(columns=ctx.methods)
    header = ["year", *ctx.methods, *(f"{m} share" for m in ctx.methods)]
    if totals:
        header += ["all records", *(f"{m} per 1,000" for m in ctx.methods)]
    from survey.evidence.intervals import wilson
    from survey.table_text import share_words

    rows = []
    for year, r in wide.iterrows():
        if r.isna().any():
            continue
        counts = {m: int(r[m]) for m in ctx.methods}
        both = sum(counts.values())
        label = f"{int(year)} (incomplete)" if int(year) >= ctx.now.year else str(int(year))
        row = [label, *[thousands(counts[m]) for m in ctx.methods]]
        for m in ctx.methods:
            row.append(share_words(counts[m] / both, *wilson(counts[m], both)) if both else "n/a (no match)")
        if totals:
            n = totals.get(int(year), 0)
            row += [thousands(n) if n else "n/a", *(f"{1000 * counts[m] / n:.1f}" if n else "n/a" for m in ctx.methods)]
        rows.append(row)
    if not rows:
        return ""
    caption = (f"Per-year counts for the `{task}` column (each method anywhere, any task); a share is of the year's "
               "method matches, with its 95% Wilson interval.")
    if totals:
        caption += " All records: the source's count of every record that year."
    return caption + "\n\n" + markdown_rows(header, rows)
