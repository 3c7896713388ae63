"""From observations to study-shaped tables, ratios and per-year series (pandas; no network).

A study table has the matrix's methods as rows and its tasks as columns, for one source and
one window. Cells without a usable count stay missing (pandas NA) and carry a status and a
note saying why, so that renderers print n/a with a footnote instead of a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from survey.matrix import Matrix, Window
from survey.reference import ReferenceTable
from survey.observation import Observation

NOT_FETCHED = "not fetched"


@dataclass
class StudyTable:
    source: str
    window: Window
    counts: pd.DataFrame  # methods x tasks, nullable Int64
    status: pd.DataFrame  # methods x tasks: ok, unsupported, error, blocked, not fetched
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    fetched: tuple[datetime, datetime] | None = None

    @property
    def has_data(self) -> bool:
        return bool(self.counts.notna().to_numpy().any())

    def ratio(self, numerator: str, denominator: str) -> pd.Series:
        """numerator / denominator per task; NA where either is missing or the denominator is 0."""
        a = self.counts.loc[numerator].astype("Float64")
        b = self.counts.loc[denominator].astype("Float64")
        return (a / b.where(b != 0)).rename(f"{numerator}:{denominator}")


def study_table(observations: list[Observation], matrix: Matrix, source: str, window: Window) -> StudyTable:
    """The window totals of one source, shaped like the study, from the observations answering its cells."""
    methods, tasks = list(matrix.methods), list(matrix.tasks)
    counts = pd.DataFrame(pd.NA, index=pd.Index(methods, name="method"), columns=tasks, dtype="Int64")
    status = pd.DataFrame(NOT_FETCHED, index=counts.index, columns=tasks, dtype=object)
    notes: dict[tuple[str, str], str] = {}
    times: list[datetime] = []
    for o in observations:
        if (
            o.source != source
            or o.year is not None
            or (o.year_from, o.year_to) != (window.start, window.end)
            or o.method not in counts.index
            or o.task not in counts.columns
        ):
            continue
        status.loc[o.method, o.task] = o.status
        times.append(o.fetched)
        if o.status == "ok":
            counts.loc[o.method, o.task] = o.count
        else:
            notes[(o.method, o.task)] = o.error or o.status
    fetched = (min(times), max(times)) if times else None
    return StudyTable(source, window, counts, status, notes, fetched)


def reference_table(ref: ReferenceTable, matrix: Matrix) -> StudyTable:
    """A published table in the same layout; cells the publication does not place stay NA."""
    methods, tasks = list(matrix.methods), list(matrix.tasks)
    counts = pd.DataFrame(pd.NA, index=pd.Index(methods, name="method"), columns=tasks, dtype="Int64")
    status = pd.DataFrame("not published", index=counts.index, columns=tasks, dtype=object)
    notes = {}
    for m in methods:
        for t in tasks:
            value = ref.count(m, t)
            if value is not None:
                counts.loc[m, t] = value
                status.loc[m, t] = "ok"
            elif t in ref.unplaced_columns and ref.unplaced.get(m):
                notes[(m, t)] = "published, but the column is not shown (see unplaced values)"
                status.loc[m, t] = "unplaced"
    return StudyTable(ref.source, ref.window, counts, status, notes)


def per_year_frame(observations: list[Observation]) -> pd.DataFrame:
    """Per-year ok counts: columns source, method, task, year, count."""
    rows = [
        {"source": o.source, "method": o.method, "task": o.task, "year": o.year, "count": o.count}
        for o in observations
        if o.year is not None and o.status == "ok"
    ]
    frame = pd.DataFrame(rows, columns=["source", "method", "task", "year", "count"])
    return frame.astype({"year": "Int64", "count": "Int64"}).sort_values(["source", "method", "task", "year"])


def long_counts(table: StudyTable) -> pd.DataFrame:
    """One row per cell: source, window, method, task, count (NA where there is none)."""
    frame = table.counts.stack(future_stack=True).rename("count").reset_index()
    frame.columns = ["method", "task", "count"]
    frame.insert(0, "window", table.window.name)
    frame.insert(0, "source", table.source)
    frame["status"] = [table.status.loc[m, t] for m, t in zip(frame["method"], frame["task"])]
    return frame


def sources_in(observations: list[Observation]) -> list[str]:
    return sorted({o.source for o in observations})


# ---------------------------------------------------------------- agreement between sources


@dataclass
class Agreement:
    """How two tables rank the same cells: Spearman's rho and the cells ranked most differently."""

    a: str
    b: str
    window: str
    cells: int  # cells with a count in both
    rho: float | None  # None: fewer than 3 shared cells, or one side has no spread
    disagreements: pd.DataFrame  # method, task, count_a, count_b, rank_a, rank_b, gap (largest first)


def spearman(x, y) -> float | None:
    """Spearman's rank correlation with average ranks for ties (no scipy needed)."""
    a = pd.Series(x, dtype="float64").rank(method="average")
    b = pd.Series(y, dtype="float64").rank(method="average")
    if len(a) < 3 or a.nunique() < 2 or b.nunique() < 2:
        return None
    return float(a.reset_index(drop=True).corr(b.reset_index(drop=True)))


def agreement(a: StudyTable, b: StudyTable, a_label: str | None = None, b_label: str | None = None, top: int = 3) -> Agreement:
    """Compare the cells both tables have counts for.

    A cell's disagreement is the gap between its rank positions in the two tables, as a
    fraction of the shared cells: counts from different sources differ in scale, ranks do not.
    """
    left = long_counts(a).set_index(["method", "task"])["count"]
    right = long_counts(b).set_index(["method", "task"])["count"]
    both = pd.DataFrame({"count_a": left, "count_b": right}).dropna()
    n = len(both)
    columns = ["method", "task", "count_a", "count_b", "rank_a", "rank_b", "gap"]
    if n == 0:
        empty = pd.DataFrame(columns=columns)
        return Agreement(a_label or a.source, b_label or b.source, a.window.name, 0, None, empty)
    both = both.astype("int64")
    # Rank 1 is the largest count, as a reader expects of a league table.
    both["rank_a"] = both["count_a"].rank(method="min", ascending=False).astype(int)
    both["rank_b"] = both["count_b"].rank(method="min", ascending=False).astype(int)
    both["gap"] = (both["rank_a"] - both["rank_b"]).abs() / n
    rho = spearman(both["count_a"], both["count_b"])
    worst = both[both["gap"] > 0].sort_values(["gap", "count_a"], ascending=[False, False]).head(top)
    worst = worst.reset_index()[columns]
    return Agreement(a_label or a.source, b_label or b.source, a.window.name, n, rho, worst)


# ---------------------------------------------------------------- drift


DRIFT_COLUMNS = [
    "source", "method", "task", "window", "year", "previous", "latest",
    "previous_at", "latest_at", "change", "relative",
]  # fmt: skip


def drift(observations: list[Observation], top: int | None = 10) -> pd.DataFrame:
    """Keys fetched ok at least twice: the last two counts, largest relative move first.

    The key includes the compiled query, so an edited query file shows up as a new key, not
    as drift. ``relative`` is the change over the previous count (NA when that was 0).
    Pass every observation (``store.all()``), not only the latest.
    """
    ok = [o for o in observations if o.status == "ok" and o.count is not None]
    by_key: dict = {}
    for o in sorted(ok, key=lambda o: (o.fetched_at, o.id or 0)):
        by_key.setdefault(o.key, []).append(o)
    rows = []
    for key, seen in by_key.items():
        if len(seen) < 2:
            continue
        prev, last = seen[-2], seen[-1]
        change = last.count - prev.count
        rows.append({
            "source": key.source, "method": last.method, "task": last.task, "window": last.window,
            "year": key.year, "previous": prev.count, "latest": last.count,
            "previous_at": prev.fetched, "latest_at": last.fetched, "change": change,
            "relative": change / prev.count if prev.count else float("nan"),
        })
    frame = pd.DataFrame(rows, columns=DRIFT_COLUMNS)
    if frame.empty:
        return frame
    frame["year"] = frame["year"].astype("Int64")
    frame["relative"] = frame["relative"].astype("Float64")
    # A move from 0 has no relative size; it ranks by its absolute change after every finite one.
    order = frame.assign(_rel=frame["relative"].abs().fillna(-1.0), _abs=frame["change"].abs())
    order = order.sort_values(["_rel", "_abs"], ascending=False).drop(columns=["_rel", "_abs"])
    return order.head(top).reset_index(drop=True) if top else order.reset_index(drop=True)
