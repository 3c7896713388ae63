"""The recent change in words: each series' last segment, its average over the last complete
years, its peak and the crossover of leader and runner-up, for the trend section and the headline.

The fits are those of ``survey.evidence.trends``, made once per report and source.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from survey import analysis
from survey.evidence import trends as trend_mod
from survey.evidence.complete_years import CompleteYears, complete_years
from survey.reporting.context import Context

@dataclass
class Fitted:
    part: pd.DataFrame  # method, task, year, count: the covered years, complete or not
    totals: dict[int, int]
    searchable: dict[int, int]  # works with an abstract per year, where the source counts them
    complete: CompleteYears
    series: list[trend_mod.Series]
    crossings: list[trend_mod.Crossover]

    @property
    def lead_measure(self) -> str:
        """Rates per 1,000 works where the source gives its totals: a count that grows with the
        literature is not a trend."""
        return "per_1000" if self.totals else "count"

    def get(self, task: str, method: str, measure: str) -> trend_mod.Series | None:
        return next((s for s in self.series if (s.task, s.method, s.measure) == (task, method, measure)), None)

    def fits(self, measure: str) -> dict:
        return {(s.task, s.method): s.fit for s in self.series if s.measure == measure and s.fit is not None}


def per_year(ctx: Context) -> pd.DataFrame:
    frame = analysis.per_year_frame(ctx.latest)
    lo, hi = ctx.matrix.trend.start, ctx.matrix.trend.end or ctx.now.year
    return frame[frame["method"].isin(ctx.methods) & frame["task"].isin(ctx.tasks)
                 & (frame["year"] >= lo) & (frame["year"] <= hi)]


def covered(ctx: Context, source: str, part: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, int]]:
    """The per-year counts of the years the source covers, and its year totals where it gives them."""
    years = sorted(int(y) for y in part["year"].unique())
    totals = {y: n for y, n in ctx.year_totals(source).items() if years and years[0] <= y <= years[-1]}
    if totals:
        # A year the source holds no works for is a gap in coverage, not a zero count.
        part = part[part["year"].isin([y for y in years if totals.get(y, 0) > 0])]
    return part[["method", "task", "year", "count"]], totals


def fitted(ctx: Context, source: str) -> Fitted | None:
    """The source's series, fitted once per report; None where it has no per-year counts."""
    cache = ctx.__dict__.setdefault("_recent_fits", {})  # the report's context lives as long as the report
    if source not in cache:
        cache[source] = _fit(ctx, source)
    return cache[source]


def recorded_complete(ctx: Context, source: str) -> tuple[int, str] | None:
    """A local corpus's last complete year as its import recorded it: from the corpus where it is
    here, else as the last report kept it under the corpus identity of the counts (a checkout with
    the committed counts but no corpus then fits the same years). None for an online source."""
    src = ctx.instances.get(source)
    identity = src.identity() if src is not None else ""
    if identity == "":
        return None  # online: its fetch dates say
    counted_in = next((o.corpus for o in ctx.latest if o.source == source and o.corpus), None)
    value = ctx.kept.from_source("complete", [source, counted_in], identity, lambda: list(src.corpus.complete_through))
    return (int(value[0]), str(value[1])) if value else None


def _fit(ctx: Context, source: str) -> Fitted | None:
    if ctx.matrix.trend is None:
        return None
    frame = per_year(ctx)
    part = frame[frame["source"] == source]
    if part.empty:
        return None
    part, totals = covered(ctx, source, part)
    fetched = [o.fetched for o in ctx.latest
               if o.source == source and o.year is not None and o.status == "ok" and o.fetched_at]
    from survey.refreshing import SEARCHABLE

    searchable = {o.year: o.count for o in ctx.latest if o.source == source and o.method == SEARCHABLE
                  and o.status == "ok" and o.year in totals and o.count is not None}
    complete = complete_years(fetched, ctx.matrix.trend, recorded_complete(ctx, source))
    found, crossings = trend_mod.series(part, source, ctx.methods, ctx.tasks, totals=totals, searchable=searchable,
                                        complete_through=complete.through)
    return Fitted(part, totals, searchable, complete, found, crossings)


# ---------------------------------------------------------------- words


def change_words(s: trend_mod.Series, slope: float, low: float, high: float) -> str:
    if s.measure == "share":
        return f"odds ratio {s.change(slope):.2f}/yr [{s.change(low):.2f}, {s.change(high):.2f}]"
    return f"{s.change(slope):+.0f}%/yr [{s.change(low):+.0f}, {s.change(high):+.0f}]"


def p_words(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def describe(s: trend_mod.Series) -> str:
    """The last segment first, then the one before, the recent average, the peak and the fit."""
    if s.fit is None:
        return s.note
    *before, last = s.fit.segments
    words = change_words(s, last.slope, last.low, last.high)
    if not before:
        text = (f"steady {words} over {last.start}–{last.end}" if last.clear(s.fit.level)
                else f"no significant change over {last.start}–{last.end} ({words}, {p_words(last.p_value)})")
    else:
        text = f"{words} since {last.start}"
        if last.p_value >= 1 - s.fit.level:
            text += f" (not significant, {p_words(last.p_value)})"
        elif not last.clear(s.fit.level):
            text += " (not clear: its interval, over the joinpoint years the data allow, includes no change)"
        prev = before[-1]
        text += f", after {change_words(s, prev.slope, prev.low, prev.high)} over {prev.start}–{prev.end}"
        average = s.average()
        if average:
            a, b, v, lo, hi = average
            shown = (f"{v:.2f} [{lo:.2f}, {hi:.2f}]" if s.measure == "share"
                     else f"{v:+.0f}%/yr [{lo:+.0f}, {hi:+.0f}]")
            text += f"; average {a}–{b} {shown}"
    if s.peak:
        text += f"; peak {s.peak}"
    if s.fit.poor_fit:
        text += f"; poor fit (dispersion {s.fit.dispersion:.1f})"
    return text


def crossing_words(c: trend_mod.Crossover) -> str:
    if not c.pair:
        return ""
    if c.year is None:
        return f"{c.leader} vs {c.runner_up}: no crossover ({c.note})"
    return f"{c.ahead} ahead of {c.behind} from {c.year:.1f} [{c.low:.1f}, {c.high:.1f}] (their fitted shares cross)"


def measure_words(measure: str) -> str:
    return {"count": "matches per year", "per_1000": "matches per 1,000 works",
            "per_1000_searchable": "matches per 1,000 works with an abstract",
            "share": "share of method matches"}[measure]


def headline_lines(ctx: Context) -> list[str]:
    """Per source with per-year counts: the recent change of each method in the overall column (every
    task where there is none), and where the lead changes."""
    lines = []
    for source in ctx.with_data:
        f = fitted(ctx, source)
        if f is None or not f.series:
            continue
        overall = [t for t in ctx.tasks if ctx.is_total(t)] or ctx.tasks
        items = []
        for task in overall:
            for m in ctx.methods:
                s = f.get(task, m, f.lead_measure)
                if s is not None:
                    where = "" if len(overall) == 1 else f" ({task})"
                    items.append(f"  - {m}{where}: {describe(s)}.")
            cross = next((c for c in f.crossings if c.task == task), None)
            if cross is not None and cross.pair:
                items.append(f"  - {crossing_words(cross)}.")
        through = f"complete years through {f.complete.through}" if f.complete.through else "every year fitted"
        # name what the lines are about, as the claims below name their tasks
        scope = ("overall" if overall == ["total"] else f"task {overall[0]}") if len(overall) == 1 else "each task"
        lines.append(f"- **Recent change in `{source}`, {scope}** ({measure_words(f.lead_measure)}, {through}; "
                     f"joinpoint segments, 95% intervals):")
        lines.extend(items)
    return lines
