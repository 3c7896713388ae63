"""Segmented trends per task and method: counts, rates per 1,000 works and shares, with joinpoints.

Each series is fitted by ``survey.evidence.joinpoint`` (connected segments on the log or logit
scale, the number of joinpoints chosen by a test, over-dispersion carried into every interval):

- ``count``: the method's matches per year (Poisson);
- ``per_1000``: the same with log(works that year) as offset, growth beyond the literature's own;
- ``per_1000_searchable``: with log(works with searchable text that year) as offset, where the
  source knows it (a local corpus: records with an abstract);
- ``share``: the method's matches out of all method matches of the task (binomial, logit).

A segment's change is the annual percent change 100 (exp(slope) - 1) for counts and rates, and
the odds ratio per year exp(slope) for a share. Only complete years are fitted (``complete_through``):
a year still being indexed would read as a fall. A task's series start at its first match: before
it the methods did not exist under these names, and those structural zeros would drive every fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.evidence import joinpoint
from survey.evidence.intervals import LEVEL

COLUMNS = ["source", "task", "method", "measure", "segment", "from", "to", "change", "low", "high", "p"]
MEASURES = ("count", "per_1000", "per_1000_searchable", "share")
RECENT_YEARS = 5  # the average APC is over the last five complete years, NCI's usual recent span


@dataclass
class Series:
    """One fitted (or unfittable) series."""

    source: str
    task: str
    method: str
    measure: str
    years: np.ndarray  # the complete years fitted
    fit: joinpoint.Fit | None
    note: str = ""  # why there is no fit

    def change(self, slope: float) -> float:
        """The segment's change as reported: odds ratio for a share, APC (%) otherwise."""
        return math.exp(slope) if self.measure == "share" else 100 * (math.exp(slope) - 1)

    @property
    def last(self) -> joinpoint.Segment | None:
        return self.fit.segments[-1] if self.fit else None

    def average(self, span: int = RECENT_YEARS) -> tuple[int, int, float, float, float] | None:
        """(first, last year, change, low, high) averaged over the last ``span`` complete years
        (the AAPC of Clegg et al. 2009), where the series covers them."""
        if self.fit is None or len(self.years) < span:
            return None
        end = int(self.years[-1])
        start = end - span + 1
        if int(self.years[0]) > start:
            return None
        v, lo, hi = self.fit.average(start, end)
        return start, end, self.change(v), self.change(lo), self.change(hi)

    @property
    def peak(self) -> int | None:
        """A joinpoint where a significant rise meets a significant fall (the highest such)."""
        if self.fit is None:
            return None
        found = [a.end for a, b in zip(self.fit.segments, self.fit.segments[1:])
                 if a.slope > 0 and b.slope < 0 and a.clear(self.fit.level) and b.clear(self.fit.level)]
        return max(found, key=lambda y: float(self.fit.eta([y])[0])) if found else None


@dataclass(frozen=True)
class Crossover:
    task: str
    pair: str  # "leader/runner-up" over the years fitted, "" where there is no pair
    year: float | None
    low: float | None
    high: float | None
    note: str  # "" where ``year`` is set, else why there is none
    ahead: str = ""  # the method ahead after the crossover
    behind: str = ""
    leader: str = ""  # the pair's methods, kept apart: a label may hold a slash itself
    runner_up: str = ""


def series(per_year: pd.DataFrame, source: str, methods: list[str], tasks: list[str], *,
           totals: dict[int, int] | None = None, searchable: dict[int, int] | None = None,
           complete_through: int | None = None, level: float = LEVEL) -> tuple[list[Series], list[Crossover]]:
    """Every series of one source's per-year counts (``per_year``: method, task, year, count), and
    each task's crossover between its leader and runner-up."""
    frame = per_year.dropna(subset=["count"])
    frame = frame.assign(year=frame["year"].astype("int64"), count=frame["count"].astype("int64"))
    if complete_through is not None:
        frame = frame[frame["year"] <= complete_through]
    totals = {int(y): int(n) for y, n in (totals or {}).items() if n}
    searchable = {int(y): int(n) for y, n in (searchable or {}).items() if n}
    if totals:
        frame = frame[frame["year"].isin(list(totals))]  # a year the source holds nothing for is a gap
    out: list[Series] = []
    crossings: list[Crossover] = []
    for task in tasks:
        wide = frame[frame["task"] == task].pivot_table(index="year", columns="method", values="count", aggfunc="sum")
        present = [m for m in methods if m in wide.columns]
        if len(present) < len(methods) or wide.empty:
            continue
        wide = wide[present].dropna()  # a year needs every method's count for its shares
        matched = wide.index[wide.sum(axis=1) > 0]
        wide = wide.loc[matched.min():] if len(matched) else wide.iloc[:0]
        years = wide.index.to_numpy(dtype="float64")
        everything = wide.sum(axis=1).to_numpy(dtype="float64")

        def add(method, measure, fitted, note=""):
            out.append(Series(source, task, method, measure, years.astype("int64"), fitted,
                              note or ("" if fitted else _why(years, wide[method]))))

        for m in present:
            y = wide[m].to_numpy(dtype="float64")
            add(m, "count", joinpoint.fit("poisson", years, y, level=level))
            for measure, works in (("per_1000", totals), ("per_1000_searchable", searchable)):
                if works:
                    exposure = np.array([works.get(int(t), 0) for t in years], dtype="float64")
                    add(m, measure, joinpoint.fit("poisson", years, y, exposure=exposure / 1000, level=level))
        shares: dict = {}
        if len(present) > 1:
            for m in present:
                if len(present) == 2 and shares:
                    # two methods: the other's share is one minus this one's, its fit the mirror image
                    shares[m] = joinpoint.mirror(next(iter(shares.values())))
                else:
                    y = wide[m].to_numpy(dtype="float64")
                    shares[m] = joinpoint.fit("binomial", years, y, m=everything, level=level)
                add(m, "share", shares[m])
        crossings.append(_crossover(task, wide, present, years, level, shares))
    return out, crossings


def _why(years, counts) -> str:
    if len(years) < joinpoint.MIN_YEARS:
        plural = "s" if len(years) != 1 else ""
        return f"too short to fit: {len(years)} complete year{plural} (at least {joinpoint.MIN_YEARS})"
    total = int(np.nansum(np.asarray(counts, dtype="float64")))
    if total < joinpoint.MIN_EVENTS:
        return f"too sparse to fit: {total} match{'es' if total != 1 else ''} (at least {joinpoint.MIN_EVENTS})"
    return "no usable fit (a share near 0 or 1 throughout, or a series the model cannot estimate)"


def _crossover(task: str, wide: pd.DataFrame, present: list[str], years, level: float, shares: dict) -> Crossover:
    if len(present) < 2:
        return Crossover(task, "", None, None, None, "one method only")
    a, b = sorted(present, key=lambda m: -wide[m].sum())[:2]
    pair = f"{a}/{b}"
    both = (wide[a] + wide[b]).to_numpy(dtype="float64")
    # with two methods the leader's share of all matches is its share against the runner-up
    fitted = (shares[a] if len(present) == 2
              else joinpoint.fit("binomial", years, wide[a].to_numpy(dtype="float64"), m=both, level=level))
    if fitted is None:
        return Crossover(task, pair, None, None, None, _why(years, both), leader=a, runner_up=b)
    found = fitted.crossing()
    if found is None:
        return Crossover(task, pair, None, None, None,
                         f"none in {int(fitted.years[0])}–{int(fitted.years[-1])}", leader=a, runner_up=b)
    year = found[0]
    after = fitted.eta([year + 1e-3])[0] > 0  # the leader's logit share just after the crossing
    ahead, behind = (a, b) if after else (b, a)
    return Crossover(task, pair, *found, "", ahead, behind, a, b)


def frame(fitted: list[Series]) -> pd.DataFrame:
    """One row per fitted segment, columns ``COLUMNS``: APC (%) for counts and rates, odds ratio per
    year for shares, each with its 95% interval and the p-value of no change within the segment."""
    rows = []
    for s in fitted:
        if s.fit is None:
            continue
        digits = 3 if s.measure == "share" else 1
        for i, seg in enumerate(s.fit.segments, 1):
            rows.append([s.source, s.task, s.method, s.measure, i, seg.start, seg.end,
                         *(round(s.change(v), digits) for v in (seg.slope, seg.low, seg.high)), seg.p_value])
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.astype({"segment": "int64", "from": "int64", "to": "int64", "change": "float64", "low": "float64",
                       "high": "float64", "p": "float64"})
