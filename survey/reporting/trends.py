"""Section 4, trends: the recent change first, then per-year counts, shares and rates with their
fitted joinpoint segments, the segments themselves, and the per-year table.

The models are those of ``survey.evidence.trends`` and ``survey.evidence.joinpoint``; which years
are complete comes from the data (``survey.evidence.complete_years``): later years are drawn
hollow, marked in the table, and left out of every fit.
"""

from __future__ import annotations

import pandas as pd

from survey.evidence import shares as share_mod
from survey.evidence.claims import MIN_MATCHES
from survey.evidence.joinpoint import MIN_EVENTS, MIN_YEARS
from survey.evidence.joinpoint_grid import END, GAP
from survey.reporting import evidence_figures, figures
from survey.reporting.context import Context
from survey.reporting.recent import Fitted, change_words, crossing_words, describe, fitted, measure_words, p_words
from survey.reporting.text import slug, thousands, year_span
from survey.table_text import markdown_rows

MODELS = (
    "How the trends are fitted: joinpoint regression as in the US National Cancer Institute's Joinpoint program "
    "(Kim et al. 2000): connected straight segments on the log scale (counts, Poisson; rates per 1,000 works, "
    "Poisson with the year's works as exposure) or the logit scale (shares of the task's method matches, "
    "binomial), with 0 to 3 joinpoints on observed years (every segment at least {gap} years long, joinpoints "
    "counted in both), the number chosen by the Bayesian information criterion on the quasi-likelihood scale and "
    "kept only where each change of slope is significant after a Bonferroni bound over the placements searched. A "
    "segment's change is the annual percent change (APC), or the odds ratio per year for a share, with its 95% "
    "interval; the average over the last five complete years weighs each segment by its years in them (AAPC, Clegg "
    "et al. 2009). Paper counts vary between years more than Poisson noise allows: every interval is scaled by the "
    "fit's dispersion (Pearson χ² / df), and a dispersion above 2 is called a poor fit. A segment's interval also "
    "spans the other joinpoint years the data cannot tell apart (a likelihood-ratio region, Lerman 1980); the "
    "average, the bands and the crossover are conditional on the joinpoint years found, so they can be narrower. A "
    "series of under {years} complete years or {events} matches is not fitted. The crossover is the year where the "
    "fitted share of the leader (most matches) against the runner-up last crosses one half, in a segment whose "
    "change is significant, with a 95% interval from 4,000 parametric bootstrap draws of the coefficients. "
    "`survey trend --format csv` gives every segment of every measure."
).format(gap=min(GAP + 2, END + 1), years=MIN_YEARS, events=MIN_EVENTS)


def render(ctx: Context) -> str:
    if ctx.matrix.trend is None:
        return f"The query file `{ctx.query_shown}` has no `[trend]` table, so there are no per-year counts."
    found = {s: fitted(ctx, s) for s in ctx.names}
    out = [block(ctx, s, f) for s, f in found.items() if f is not None]
    if not out:
        out.append("No per-year counts are cached, so there is no trend to draw.")
    else:
        out.append(MODELS)
    lacking = [s for s in ctx.with_data if found[s] is None]
    if lacking:
        out.append(f"Per-year counts for {', '.join(f'`{s}`' for s in lacking)} come with "
                   f"`{ctx.refresh_command(lacking)}`.")
    return "\n\n".join(out)


def year_shares(part: pd.DataFrame) -> pd.DataFrame:
    frame = part.assign(source="", window="")
    out = share_mod.shares(frame)
    total = out.groupby(["task", "year"])["count"].transform("sum")
    return out.assign(total=total.astype("float64"))


def block(ctx: Context, source: str, f: Fitted) -> str:
    part, totals = f.part, f.totals
    years = sorted(int(y) for y in part["year"].unique())
    name = slug(source)
    through = f.complete.through
    incomplete = None if through is None else through + 1
    out = [f"### `{source}`, per publication year ({year_span(years[0], years[-1])})" if years else f"### `{source}`"]
    out.append(complete_words(f, years))
    out.append(recent_table(ctx, f))
    out.append(crossovers(f))
    figs = []
    if not totals:
        figs.append((figures.counts_by_year(part, source, ctx.figure(f"{name}_counts_by_year"),
                                            incomplete_from=incomplete, methods=ctx.methods, tasks=ctx.tasks,
                                            fits=f.fits("count")),
                     f"{source}: matching records per year for each method, one panel per task, with the fitted "
                     "segments"))
    if len(ctx.methods) >= 2:
        figs.append((evidence_figures.share_bands(
            year_shares(part), source, ctx.figure(f"{name}_share_by_year"), fits=f.fits("share"),
            min_total=MIN_MATCHES, incomplete_from=incomplete, methods=ctx.methods, tasks=ctx.tasks),
            f"{source}: each method's share of the year's method matches per task, with 95% Wilson bands and "
            "the fitted segments"))
    if totals:
        figs.append((figures.normalised_by_year(part, totals, source, ctx.figure(f"{name}_per_1000_by_year"),
                                                incomplete_from=incomplete, methods=ctx.methods, tasks=ctx.tasks,
                                                fits=f.fits("per_1000")),
                     f"{source}: matches per 1,000 records of the same year, one panel per task, with the fitted "
                     "segments"))
    drawn = [ctx.link(p, alt) for p, alt in figs if p is not None]
    out.extend(drawn or ["Every per-year count is zero, so there is nothing to draw."])
    notes = ["Dashed: the fitted segments with their 95% band, a tick at each joinpoint; none is drawn where no "
             "segment changes significantly."]
    if len(ctx.methods) >= 2:
        notes.append(f"Years where a task's methods match fewer than {MIN_MATCHES} records are drawn faint in the "
                     "share figure.")
    out.append(" ".join(notes))
    out.append(coverage_warning(f))
    out.append(segments_table(ctx, f))
    out.append(total_table(ctx, part, totals, through, f.searchable))
    return "\n\n".join(x for x in out if x)


def complete_words(f: Fitted, years: list[int]) -> str:
    through = f.complete.through
    if through is None:
        return "Every year shown is fitted: nothing records when the counts were taken."
    later = [y for y in years if y > through]
    text = f"Fitted years end at {through}: {'; '.join(f.complete.reasons)}."
    if later:
        text += (f" {year_span(later[0], later[-1])} {'is' if len(later) == 1 else 'are'} shown hollow (shaded) and "
                 "marked in the table, but not fitted.")
    return text


def recent_table(ctx: Context, f: Fitted) -> str:
    measure = f.lead_measure
    body = []
    for task in ctx.tasks:
        for m in ctx.methods:
            s = f.get(task, m, measure)
            if s is not None:
                body.append([task, m, describe(s)])
    if not body:
        return ""
    return (f"**The recent change** ({measure_words(measure)}): the last segment's change and since when, the one "
            "before it, the average over the last five complete years, and the peak where a significant rise meets "
            "a significant fall:\n\n" + markdown_rows(["task", "method", "recent change (95% interval)"], body, "lll"))


def crossovers(f: Fitted) -> str:
    body = [[c.task, crossing_words(c)] for c in f.crossings if c.pair]
    if not body:
        return ""
    return ("Where the lead changes: the year the fitted share of the leader against the runner-up crosses one "
            "half:\n\n" + markdown_rows(["task", "crossover (95% interval)"], body, "ll"))


def segments_table(ctx: Context, f: Fitted) -> str:
    body = []
    for measure in (f.lead_measure, *(["per_1000_searchable"] if f.searchable else []), "share"):
        for task in ctx.tasks:
            for m in ctx.methods:
                s = f.get(task, m, measure)
                if s is None or s.fit is None:
                    continue
                for i, seg in enumerate(s.fit.segments, 1):
                    fit = f"{s.fit.dispersion:.1f}" + (" (poor)" if s.fit.poor_fit else "")
                    body.append([task, m, measure, str(i), f"{seg.start}–{seg.end}",
                                 change_words(s, seg.slope, seg.low, seg.high), p_words(seg.p_value), fit])
    if not body:
        return "No series has enough complete years and matches to fit."
    return ("Every fitted segment (change: APC, or odds ratio per year for a share; dispersion: Pearson χ² / df):\n\n"
            + markdown_rows(["task", "method", "measure", "segment", "years", "change (95% interval)", "p",
                             "dispersion"], body, "lllrlrrr"))


COVERAGE_JUMP = 5  # percentage points of records with an abstract, within the fitted years


def coverage_warning(f: Fitted) -> str:
    """Where the share of records with an abstract moves by more than ``COVERAGE_JUMP`` points
    within the fitted years, a change per 1,000 works may be abstracts arriving, not the field."""
    through = f.complete.through
    fitted_years = {int(y) for s in f.series if s.fit is not None for y in s.years}
    share = {y: 100 * f.searchable[y] / f.totals[y] for y in sorted(fitted_years)
             if f.totals.get(y) and y in f.searchable and (through is None or y <= through)}
    if len(share) < 2 or max(share.values()) - min(share.values()) <= COVERAGE_JUMP:
        return ""
    low, high = min(share, key=share.get), max(share, key=share.get)
    return (f"**Coverage changes within the fitted years:** records with an abstract are {share[low]:.0f}% of "
            f"{low}'s and {share[high]:.0f}% of {high}'s (the per-year table gives each year). Matches are counted in "
            "titles and abstracts, so part of a change per 1,000 works can be abstracts arriving rather than the "
            "field moving. Two views free of it: the rate per 1,000 works with an abstract (`per_1000_searchable` in "
            "the segments below and in `survey trend`), and the title-only variant of the robustness section "
            "(`fields = \"title\"` in a query file).")


def total_table(ctx: Context, part: pd.DataFrame, totals: dict[int, int], through: int | None,
                searchable: dict[int, int] | None = None) -> str:
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
    if totals and searchable:
        header.append("with abstract")
    from survey.evidence.intervals import wilson
    from survey.table_text import share_words

    rows = []
    for year, r in wide.iterrows():
        if r.isna().any():
            continue
        counts = {m: int(r[m]) for m in ctx.methods}
        both = sum(counts.values())
        label = f"{int(year)} (not fitted)" if through is not None and int(year) > through else str(int(year))
        row = [label, *[thousands(counts[m]) for m in ctx.methods]]
        for m in ctx.methods:
            row.append(share_words(counts[m] / both, *wilson(counts[m], both)) if both else "n/a (no match)")
        if totals:
            n = totals.get(int(year), 0)
            row += [thousands(n) if n else "n/a", *(f"{1000 * counts[m] / n:.1f}" if n else "n/a" for m in ctx.methods)]
            if searchable:
                k = searchable.get(int(year))
                row.append(f"{100 * k / n:.0f}%" if n and k is not None else "n/a")
        rows.append(row)
    if not rows:
        return ""
    caption = (f"Per-year counts for the `{task}` column (each method anywhere, any task); a share is of the year's "
               "method matches, with its 95% Wilson interval.")
    if totals:
        caption += " All records: the source's count of every record that year."
    if totals and searchable:
        caption += " With abstract: the share of those records with an abstract, what a match beyond the title needs."
    return caption + "\n\n" + markdown_rows(header, rows)
