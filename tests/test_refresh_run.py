"""refresh.run in detail: what each outcome stores, durations, a source's concurrency, stopping."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest

from survey.errors import Blocked, Unsupported
from survey.matrix import parse_matrix
from survey.refresh import plan, run
from survey.sources.base import Capabilities, Source
from survey.store import Store

QUERY = """
[methods]
A = ["alpha"]
B = ["beta"]
[tasks]
total = []
[[windows]]
name = "recent"
from = 2020
[trend]
from = 2021
to = 2023
"""


class Clock:
    def __call__(self):
        return datetime(2026, 6, 1, tzinfo=timezone.utc)


class Fake(Source):
    """Counts 10 + the window's end year; sleeps, fails or blocks on demand, and watches overlap."""

    def __init__(self, *, per_year=False, concurrency=1, delay=0.0, fail=None, hold=None):
        self.name = "fake"
        self.capabilities = Capabilities(True, False, False, "titles", per_year_one_call=per_year)
        self.concurrency = concurrency
        self.delay = delay
        self.fail = fail or {}  # method word -> exception raised by count
        self.hold = hold  # an Event a call waits on (until cancel)
        self.calls: list[tuple] = []
        self.active = self.most_active = 0
        self.cancelled = threading.Event()
        self.lock = threading.Lock()

    def compile(self, query, start, end):
        return f"{query.items[0].items[0].text} [{start}-{end}]"

    def _call(self, query, *args):
        word = query.items[0].items[0].text
        with self.lock:
            self.calls.append((word, *args))
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            if self.hold is not None:
                self.hold.wait(5)
            time.sleep(self.delay)
            if word in self.fail:
                raise self.fail[word]
        finally:
            with self.lock:
                self.active -= 1

    def count(self, query, start, end):
        self._call(query, start, end)
        return 10 + (end or 0)

    def count_by_year(self, query, start, end):
        self._call(query, "by_year", start, end)
        return {y: y - 2000 for y in range(start, end + 1)}

    def cancel(self):
        self.cancelled.set()
        if self.hold is not None:
            self.hold.set()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "c.sqlite", clock=Clock()) as s:
        yield s


def go(store, src, *, by_year=False, text=QUERY, **kw):
    items = plan(parse_matrix(text), {"fake": src}, store, by_year=by_year)
    return items, run(items, {"fake": src}, store, **kw)


def test_each_window_and_year_is_asked_with_its_own_bounds(store):
    src = Fake()
    go(store, src, by_year=True)
    assert sorted(src.calls, key=str) == sorted(
        [(w, 2020, None) for w in ("alpha", "beta")] + [(w, y, y) for w in ("alpha", "beta") for y in (2021, 2022, 2023)],
        key=str,
    )
    rows = {(o.method, o.year): o.count for o in store.latest()}
    assert rows[("A", None)] == 10 and rows[("A", 2022)] == 2032


def test_unsupported_at_count_time_is_stored_with_its_reason_and_reported(store):
    seen = []
    src = Fake(fail={"alpha": Unsupported("fake: cannot search titles for alpha")})
    _, summary = go(store, src, on_observation=seen.append)
    rows = {o.method: o for o in store.latest()}
    assert (rows["A"].status, rows["A"].count, rows["A"].error) == ("unsupported", None, "fake: cannot search titles for alpha")
    assert (rows["B"].status, rows["B"].count) == ("ok", 10)
    assert (summary.unsupported, summary.fetched, summary.errors, summary.blocked) == (1, 1, [], [])
    assert sorted((o.id, o.status) for o in seen) == sorted((o.id, o.status) for o in store.all())
    assert all(o.id is not None for o in seen)


def test_a_block_is_stored_with_the_sources_words_and_listed(store):
    src = Fake(fail={"alpha": Blocked("fake: captcha page"), "beta": Blocked("fake: captcha page")})
    _, summary = go(store, src)
    (row,) = store.all()
    assert (row.status, row.count, row.error) == ("blocked", None, "fake: captcha page")
    assert summary.blocked == [row] and len(summary.skipped) == 1  # nothing more is sent after a block


def test_durations_are_the_time_spent_split_over_a_calls_years(store):
    src = Fake(per_year=True, delay=0.15)
    started = time.monotonic()
    go(store, src, by_year=True)
    wall = time.monotonic() - started
    windows = [o.duration_s for o in store.all() if o.year is None]
    years = [o.duration_s for o in store.all() if o.year is not None and o.method == "A"]
    assert len(windows) == 2 and all(0.15 <= d <= wall for d in windows)
    assert len(years) == 3 and all(0.15 / 3 <= d <= 0.15 / 3 + 0.1 for d in years)
    assert sum(years) <= wall


def test_one_years_trend_in_one_call(store):
    src = Fake(per_year=True)
    go(store, src, by_year=True, text=QUERY.replace("to = 2023", "to = 2021"))
    assert ("alpha", "by_year", 2021, 2021) in src.calls
    assert {(o.method, o.year, o.status, o.count) for o in store.latest(years=True)} == {
        ("A", 2021, "ok", 21), ("B", 2021, "ok", 21), ("(all works)", 2021, "unsupported", None)}  # fmt: skip


@pytest.mark.parametrize("concurrency", [1, 2])
def test_a_source_is_never_asked_more_at_once_than_it_allows(store, concurrency):
    src = Fake(concurrency=concurrency, delay=0.05)
    go(store, src, by_year=True)
    assert len(src.calls) == 8 and src.most_active == concurrency


def test_a_stop_set_by_the_caller_ends_the_run_and_cancels_waits(store):
    stop = threading.Event()
    src = Fake(hold=threading.Event())
    started = time.monotonic()
    timer = threading.Timer(0.3, stop.set)
    timer.start()
    items, summary = go(store, src, stop=stop)
    assert time.monotonic() - started < 4, "the held call was cancelled, not sat out"
    assert summary.interrupted is True and summary.failed
    assert src.cancelled.is_set()
    assert store.all() == [] or all(o.status == "ok" for o in store.all())
    assert 0 < summary.seconds < 4


def test_ctrl_c_while_saving_unsupported_rows_skips_the_rest(store):
    src = Fake()
    text = QUERY.replace('B = ["beta"]', 'B = ["beta"]\nC = ["gamma"]')
    src.compile = lambda query, start, end: (_ for _ in ()).throw(Unsupported("no")) if query.items[0].items[0].text == "gamma" \
        else f"{query.items[0].items[0].text} [{start}-{end}]"  # fmt: skip

    def interrupt(obs):
        raise KeyboardInterrupt

    items, summary = go(store, src, text=text, on_observation=interrupt)
    assert summary.interrupted is True and summary.fetched == 0 and src.calls == []
    assert sorted(i.cell.method for i in summary.skipped) == ["A", "B"]
    assert summary.seconds is not None and 0 <= summary.seconds < 4


def test_offline_reports_its_time_and_skips_every_fetch(store):
    src = Fake()
    _, summary = go(store, src, offline=True)
    assert src.calls == [] and [i.cell.method for i in summary.skipped] == ["A", "B"]
    assert summary.seconds is not None and 0 <= summary.seconds < 4 and summary.interrupted is False
