"""Boundaries the other tests stepped over: freshness at exactly max_age, a per-year answer that
lacks a year, a one-year window. Each was a planted bug that no test caught."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from survey.errors import QueryFileError
from survey.matrix import Window
from survey.query_file import parse_matrix
from survey.refreshing import plan, run
from survey.sources.base import Capabilities, Source
from survey.observation import Observation, format_time, is_fresh
from survey.store import Store

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
DAY30 = timedelta(days=30)
TICK = timedelta(microseconds=1)  # the store keeps fetched_at to the microsecond

ONE_CELL = """
[methods]
A = ["alpha"]
[tasks]
total = []
[[windows]]
name = "all time"
[trend]
from = 2020
to = 2022
"""


def row(age: timedelta, status: str = "ok") -> Observation:
    return Observation(
        source="s", method="A", task="total", window="all time", year_from=None, year_to=None, year=None,
        query="q", count=5 if status == "ok" else None, status=status, fetched_at=format_time(NOW - age),
    )  # fmt: skip


@pytest.mark.parametrize("status", ["ok", "unsupported"])
def test_a_row_exactly_max_age_old_is_stale(status):
    assert is_fresh(row(DAY30 - TICK, status), DAY30, NOW) is True
    assert is_fresh(row(DAY30, status), DAY30, NOW) is False
    assert is_fresh(row(DAY30 + TICK, status), DAY30, NOW) is False
    assert is_fresh(row(timedelta(days=3650), status), None, NOW) is True


@pytest.mark.parametrize("status", ["error", "blocked"])
def test_failed_rows_are_never_fresh_even_just_fetched(status):
    assert is_fresh(row(timedelta(0), status), DAY30, NOW) is False
    assert is_fresh(row(timedelta(0), status), None, NOW) is False


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class OneCallPerYear(Source):
    """Answers count_by_year in one call, with the years it is told to drop left out."""

    name = "fake"
    capabilities = Capabilities(True, False, False, "titles", per_year_one_call=True)

    def __init__(self, counts: dict[int, int], drop=()):
        self.counts = counts
        self.drop = set(drop)
        self.by_year_calls: list[tuple[int, int]] = []

    def compile(self, query, start, end):
        return f"alpha [{start}-{end}]"

    def count(self, query, start, end):
        return 1000 + (start or 0)

    def count_by_year(self, query, start, end):
        self.by_year_calls.append((start, end))
        return {y: n for y, n in self.counts.items() if start <= y <= end and y not in self.drop}


def test_plan_refetches_a_row_exactly_max_age_old(tmp_path):
    clock = Clock(NOW - DAY30)
    m = parse_matrix(ONE_CELL)
    src = OneCallPerYear({})
    with Store(tmp_path / "c.sqlite", clock=clock) as store:
        run(plan(m, {"fake": src}, store), {"fake": src}, store)
        (item,) = plan(m, {"fake": src}, store, max_age=DAY30, now=NOW)
        assert item.cached is not None and item.cached.count == 1000 and item.due
        (item,) = plan(m, {"fake": src}, store, max_age=DAY30, now=NOW - TICK)
        assert not item.due


def test_a_year_missing_from_a_per_year_answer_is_an_error_to_refetch(tmp_path):
    m = parse_matrix(ONE_CELL)
    src = OneCallPerYear({2020: 7, 2021: 0, 2022: 9}, drop={2021})
    with Store(tmp_path / "c.sqlite", clock=Clock(NOW)) as store:
        summary = run(plan(m, {"fake": src}, store, by_year=True), {"fake": src}, store)
        years = {o.year: o for o in store.latest(years=True) if o.method == "A"}
        assert src.by_year_calls == [(2020, 2022)]
        assert (years[2020].status, years[2020].count) == ("ok", 7)
        assert (years[2022].status, years[2022].count) == ("ok", 9)
        missing = years[2021]
        assert (missing.status, missing.count) == ("error", None)
        assert missing.error == "no count for 2021 in the response"
        assert summary.failed and [o.year for o in summary.errors] == [2021]

        # The rerun asks again for exactly that year's cell; a true 0 is then stored as ok 0.
        src.drop = set()
        due = [i for i in plan(m, {"fake": src}, store, by_year=True) if i.due and i.cell.method == "A"]
        assert [i.year for i in due] == [2021]
        run(due, {"fake": src}, store)
        again = {o.year: o for o in store.latest(years=True) if o.method == "A"}
        assert (again[2021].status, again[2021].count) == ("ok", 0)


def window_file(lines: str) -> str:
    return f'[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "w"\n{lines}'


def test_a_window_may_start_and_end_in_the_same_year():
    (w,) = parse_matrix(window_file("from = 2010\nto = 2010\n")).windows
    assert w == Window("w", 2010, 2010)
    assert w.span == "2010"


def test_a_window_ending_the_year_before_it_starts_is_refused_with_its_line():
    with pytest.raises(QueryFileError) as err:
        parse_matrix(window_file("from = 2011\nto = 2010\n"), "q.toml")
    assert "window 'w': from 2011 is after to 2010" in str(err.value)
    assert "q.toml:5" in str(err.value)


def test_window_spans_name_open_ends():
    assert Window("w").span == "all years"
    assert Window("w", 2006).span == "2006–now"
    assert Window("w", None, 2015).span == "…–2015"
    assert Window("w", 2006, 2015).span == "2006–2015"


def test_a_trend_may_cover_one_year_and_not_end_before_it_starts():
    one = parse_matrix(ONE_CELL.replace("from = 2020\nto = 2022", "from = 2021\nto = 2021"))
    assert one.trend.years(2030) == [2021]
    with pytest.raises(QueryFileError, match="trend: from 2022 is after to 2021"):
        parse_matrix(ONE_CELL.replace("from = 2020\nto = 2022", "from = 2022\nto = 2021"))
    open_ended = parse_matrix(ONE_CELL.replace("from = 2020\nto = 2022", "from = 2024"))
    assert open_ended.trend.years(2026) == [2024, 2025, 2026]
