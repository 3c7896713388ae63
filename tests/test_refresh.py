from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from survey.errors import Blocked, SourceError, Unreachable, Unsupported
from survey.query_file import parse_matrix
from survey.refreshing import SEARCHABLE, WORKS, plan, run
from survey.sources.base import Capabilities, Source
from survey.store import Store

QUERY = """
[methods]
A = ["alpha"]
B = ["beta", "beta gamma"]
[tasks]
x = ["ex"]
total = []
[[windows]]
name = "recent"
from = 2020
[[windows]]
name = "all time"
[trend]
from = 2020
to = 2022
"""


class FakeSource(Source):
    """Counts = length of the compiled query, so every cell differs; can fail on demand."""

    capabilities = Capabilities(boolean=True, phrases=False, stemming=False, fields="titles", per_year_one_call=False)

    def __init__(self, name="fake", fail=None, per_year_one_call=False, concurrency=1):
        self.name = name
        self.fail = fail or {}  # method:task -> exception
        self.calls: list[tuple] = []
        self.concurrency = concurrency
        self.lock = threading.Lock()
        if per_year_one_call:
            self.capabilities = Capabilities(True, False, False, "titles", per_year_one_call=True)

    def compile(self, query, start, end):
        words = [a.text for group in query.items for a in group.items]
        if "beta gamma" in words:
            raise Unsupported("no phrases")
        return f"{' OR '.join(words)} [{start}-{end}]"

    def _check(self, query):
        words = {a.text for group in query.items for a in group.items}
        for label, exc in self.fail.items():
            if label in words:
                raise exc

    def count(self, query, start, end):
        with self.lock:
            self.calls.append(("count", start, end))
        self._check(query)
        return len(self.compile(query, start, end))

    def count_by_year(self, query, start, end):
        with self.lock:
            self.calls.append(("by_year", start, end))
        self._check(query)
        return {y: y - 2000 for y in range(start, end + 1)}


class Clock:
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def store(tmp_path):
    clock = Clock()
    with Store(tmp_path / "c.sqlite", clock=clock) as s:
        yield s


def test_plan_compiles_each_cell_and_marks_unsupported(store):
    m = parse_matrix(QUERY)
    src = FakeSource()
    items = plan(m, {"fake": src}, store, by_year=True)
    # 4 cells x 2 windows + 4 cells x 3 years + the year's total output per year
    assert len(items) == 8 + 12 + 3
    works = [i for i in items if i.cell.method == WORKS]
    assert [i.year for i in works] == [2020, 2021, 2022]
    assert all(i.unsupported == "fake cannot count all of its works per year" for i in works)
    b_total = [i for i in items if i.cell.label == "B:total" and i.year is None]
    assert all(i.unsupported == "no phrases" for i in b_total)
    a_x = next(i for i in items if i.cell.label == "A:x" and i.window.name == "recent")
    assert a_x.query == "alpha OR ex [2020-None]" and a_x.due and a_x.cached is None


def test_run_fetches_then_serves_from_cache(store):
    m = parse_matrix(QUERY)
    src = FakeSource()
    summary = run(plan(m, {"fake": src}, store, by_year=True), {"fake": src}, store)
    assert summary.fetched == 2 * 2 + 2 * 3 and summary.unsupported == 2 * 2 + 2 * 3 + 3
    assert not summary.failed
    rows = {(o.method, o.task, o.window, o.year): o for o in store.latest()}
    assert rows[("A", "x", "recent", None)].count == len("alpha OR ex [2020-None]")
    assert rows[("A", "total", "trend", 2021)].count == len("alpha [2021-2021]")
    assert rows[("B", "x", "all time", None)].status == "unsupported"
    calls = len(src.calls)
    again = run(plan(m, {"fake": src}, store, by_year=True), {"fake": src}, store)
    assert len(src.calls) == calls, "a fully cached rerun sends nothing"
    assert again.cached == 23 and again.fetched == 0


class TotalsSource(FakeSource):
    def totals_query(self, start, end):
        return f"everything [{start}-{end}]"

    def year_totals(self, start, end):
        self.calls.append(("totals", start, end))
        return {y: 1000 + y for y in range(start, end + 1)}


def test_year_totals_are_fetched_in_one_call_and_cached_like_counts(store):
    m = parse_matrix(QUERY)
    src = TotalsSource()
    run(plan(m, {"fake": src}, store, by_year=True), {"fake": src}, store)
    assert src.calls.count(("totals", 2020, 2022)) == 1
    works = {o.year: o for o in store.latest() if o.method == WORKS}
    assert {y: o.count for y, o in works.items()} == {2020: 3020, 2021: 3021, 2022: 3022}
    assert works[2021].query == "everything [2021-2021]" and works[2021].status == "ok"
    calls = len(src.calls)
    run(plan(m, {"fake": src}, store, by_year=True), {"fake": src}, store)
    assert len(src.calls) == calls


def test_a_year_missing_from_an_answer_is_an_error_not_a_zero(store):
    class Gappy(TotalsSource):
        def year_totals(self, start, end):
            return {start: 5}

    m = parse_matrix(QUERY)
    summary = run(plan(m, {"fake": Gappy()}, store, by_year=True), {"fake": Gappy()}, store)
    works = {o.year: o for o in store.latest() if o.method == WORKS}
    assert works[2020].count == 5
    assert works[2021].status == "error" and works[2021].count is None and "no count for 2021" in works[2021].error
    assert summary.failed


def test_stale_and_forced_cells_are_refetched(store):
    m = parse_matrix(QUERY)
    src = FakeSource()
    run(plan(m, {"fake": src}, store), {"fake": src}, store)
    later = Clock.now + timedelta(days=31)
    stale = plan(m, {"fake": src}, store, max_age=timedelta(days=30), now=later)
    assert sum(i.due and not i.unsupported for i in stale) == 4
    fresh = plan(m, {"fake": src}, store, max_age=timedelta(days=60), now=later)
    assert not any(i.due for i in fresh)
    forced = plan(m, {"fake": src}, store, force=True)
    assert all(i.due for i in forced)


def test_per_year_in_one_call(store):
    m = parse_matrix(QUERY)
    src = FakeSource(per_year_one_call=True)
    run(plan(m, {"fake": src}, store, by_year=True), {"fake": src}, store)
    by_year_calls = [c for c in src.calls if c[0] == "by_year"]
    assert by_year_calls == [("by_year", 2020, 2022)] * 2  # A:x and A:total; B cells unsupported
    assert sorted(o.count for o in store.latest(years=True) if o.status == "ok") == [20, 20, 21, 21, 22, 22]


def test_errors_are_saved_and_the_run_goes_on(store):
    m = parse_matrix(QUERY)
    src = FakeSource(fail={"ex": SourceError("HTTP 500 after 3 tries")})
    summary = run(plan(m, {"fake": src}, store), {"fake": src}, store)
    assert summary.failed
    assert len(summary.errors) == 2 and summary.fetched == 2
    assert {o.error for o in summary.errors} == {"HTTP 500 after 3 tries"}
    # errors are never fresh: the rerun retries exactly them
    src.fail = {}
    rerun = run(plan(m, {"fake": src}, store), {"fake": src}, store)
    assert rerun.fetched == 2 and not rerun.failed


def test_block_stops_that_source_only(store):
    m = parse_matrix(QUERY)
    blocked = FakeSource("scholar", fail={"alpha": Blocked("captcha page")})
    other = FakeSource("other")
    srcs = {"scholar": blocked, "other": other}
    summary = run(plan(m, srcs, store), srcs, store)
    assert len(summary.blocked) == 1
    assert all(i.source == "scholar" for i in summary.skipped) and len(summary.skipped) == 3
    assert len(blocked.calls) == 1
    assert summary.fetched == 4  # the other source's supported cells


def test_unreachable_source_is_skipped_after_one_try(store):
    m = parse_matrix(QUERY)
    src = FakeSource(fail={"alpha": Unreachable("cannot resolve host")})
    summary = run(plan(m, {"fake": src}, store), {"fake": src}, store)
    assert summary.unreachable == {"fake": "cannot resolve host"}
    assert len(src.calls) == 1 and len(summary.skipped) == 4
    assert not [o for o in store.latest() if o.status == "error"], "unreachable is not a cell failure"
    assert summary.failed


def test_offline_sends_nothing(store):
    m = parse_matrix(QUERY)
    src = FakeSource()
    summary = run(plan(m, {"fake": src}, store), {"fake": src}, store, offline=True)
    assert src.calls == [] and len(summary.skipped) == 4 and summary.fetched == 0
    # unsupported cells need no network and are recorded even offline
    assert summary.unsupported == 4


def test_a_bug_in_a_source_becomes_an_error_row(store):
    m = parse_matrix(QUERY)
    src = FakeSource(fail={"alpha": KeyError("meta")})
    summary = run(plan(m, {"fake": src}, store), {"fake": src}, store)
    assert any("KeyError" in o.error for o in summary.errors)


class CoverageSource(FakeSource):
    """A local corpus's coverage: the works with an abstract per year, all years in one call."""

    capabilities = Capabilities(boolean=True, phrases=False, stemming=False, fields="titles", per_year_one_call=False,
                                searchable_totals=True)  # fmt: skip

    def compile_searchable_totals(self, start, end):
        return {y: f"abstracts [{start}-{end}]" for y in range(start, end + 1)}

    def searchable_totals(self, start, end):
        self.calls.append(("searchable", start, end))
        return {y: 500 + y for y in range(start, end + 1)}


def test_works_with_an_abstract_are_counted_per_year_in_one_call_under_their_request(store):
    m = parse_matrix(QUERY)
    src = CoverageSource()
    run(plan(m, {"fake": src}, store, by_year=True), {"fake": src}, store)
    assert src.calls.count(("searchable", 2020, 2022)) == 1
    rows = {o.year: o for o in store.latest(years=True) if o.method == SEARCHABLE}
    assert {y: (o.count, o.query, o.status) for y, o in rows.items()} == {
        y: (500 + y, "abstracts [2020-2022]", "ok") for y in (2020, 2021, 2022)}  # fmt: skip


def test_a_query_unsupported_per_year_is_keyed_by_its_tree_and_a_total_by_its_label(store):
    items = plan(parse_matrix(QUERY), {"fake": FakeSource()}, store, by_year=True)
    keys = {(i.cell.label, i.query) for i in items if i.year == 2021 and i.unsupported}
    assert keys == {
        ("B:x", '(unsupported) (beta OR "beta gamma") AND (ex)'),
        ("B:total", '(unsupported) (beta OR "beta gamma")'),
        (f"{WORKS}:{WORKS}", f"(unsupported) {WORKS}"),
    }


def test_year_totals_of_a_source_asked_per_year_span_only_the_years_due(store):
    class FirstYearOnly(TotalsSource):
        def year_totals(self, start, end):
            first = not any(c[0] == "totals" for c in self.calls)
            totals = super().year_totals(start, end)
            return {start: totals[start]} if first else totals  # the first answer lacks all but one year

    m = parse_matrix(QUERY)
    src = FirstYearOnly()
    run(plan(m, {"fake": src}, store, by_year=True), {"fake": src}, store)
    run(plan(m, {"fake": src}, store, by_year=True), {"fake": src}, store)  # 2020 is fresh, 2021-2022 failed
    assert [c for c in src.calls if c[0] == "totals"] == [("totals", 2020, 2022), ("totals", 2021, 2022)]
    works = {o.year: o.count for o in store.latest(years=True) if o.method == WORKS}
    assert works == {2020: 3020, 2021: 3021, 2022: 3022}


def test_each_row_is_stored_under_the_corpus_it_was_counted_in(store):
    src = FakeSource()
    src.identity = lambda: "corpus-1234"
    run(plan(parse_matrix(QUERY), {"fake": src}, store), {"fake": src}, store)
    assert {o.corpus for o in store.all()} == {"corpus-1234"}
