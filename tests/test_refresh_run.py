"""refresh.run in detail: what each outcome stores, durations, a source's concurrency, stopping."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest

from survey.errors import Blocked, SourceError, Unreachable, Unsupported
from survey.query_file import parse_matrix
from survey.refreshing import plan, run
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
        self.threads: set[tuple[str, bool]] = set()
        self.active = self.most_active = 0
        self.cancelled = threading.Event()
        self.lock = threading.Lock()

    def compile(self, query, start, end):
        return f"{query.items[0].items[0].text} [{start}-{end}]"

    def _call(self, query, *args):
        word = query.items[0].items[0].text
        with self.lock:
            self.calls.append((word, *args))
            self.threads.add((threading.current_thread().name, threading.current_thread().daemon))
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


class Cancellable(Fake):
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
    try:
        return items, run(items, {"fake": src}, store, **kw)
    except KeyboardInterrupt:  # caught here, or it would end the whole test session
        pytest.fail("run let a KeyboardInterrupt out: a stop or Ctrl-C must end in a summary")


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
    assert src.threads == {("survey-fake", True)}, "named for the source; daemons never hold up exit"


def test_a_stop_set_by_the_caller_ends_the_run_and_cancels_waits(store):
    stop = threading.Event()
    src = Cancellable(hold=threading.Event())
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
    assert summary.offline is True and go(store, Fake())[1].offline is False


def test_a_source_without_cancel_can_still_be_stopped(store):
    stop = threading.Event()
    src = Fake(delay=0.4)
    threading.Timer(0.1, stop.set).start()
    _, summary = go(store, src, stop=stop)
    assert summary.interrupted is True


def test_an_answer_in_hand_when_stopped_is_saved_before_run_returns(store):
    stop = threading.Event()
    src = Cancellable(hold=threading.Event(), delay=0.3)  # released by cancel, then answers 0.3 s later
    threading.Timer(0.2, stop.set).start()
    _, summary = go(store, src, stop=stop)
    assert summary.interrupted is True
    assert [(o.method, o.status, o.count) for o in store.all()] == [("A", "ok", 10)]
    assert summary.fetched == 1 and [i.cell.method for i in summary.skipped] == ["B"]


def test_a_request_abandoned_by_a_stop_is_not_recorded(store):
    stop = threading.Event()
    src = Cancellable(hold=threading.Event(), fail={"alpha": SourceError("fake: request cancelled")})
    threading.Timer(0.2, stop.set).start()
    _, summary = go(store, src, stop=stop)
    assert store.all() == [] and summary.errors == []
    assert sorted(i.cell.method for i in summary.skipped) == ["A", "B"]


def test_every_failure_row_has_a_duration_within_the_run(store):
    src = Fake(delay=0.05, fail={"alpha": SourceError("fake: HTTP 500"), "beta": KeyError("meta")})
    text = QUERY.replace('B = ["beta"]', 'B = ["beta"]\nC = ["gamma"]\nD = ["delta"]')
    src.fail.update(gamma=Unsupported("fake: no"), delta=Blocked("fake: captcha"))
    started = time.monotonic()
    _, summary = go(store, src, text=text)
    wall = time.monotonic() - started
    rows = {o.method: o for o in store.all()}
    assert {m: (o.status, o.error) for m, o in rows.items()} == {
        "A": ("error", "fake: HTTP 500"), "B": ("error", "KeyError: 'meta'"), "C": ("unsupported", "fake: no"),
        "D": ("blocked", "fake: captcha")}  # fmt: skip
    assert all(0.05 <= o.duration_s <= wall and round(o.duration_s, 4) == o.duration_s for o in rows.values())


def test_cells_unsupported_at_plan_time_are_stored_at_once_with_the_reason(store):
    src = Fake()
    src.compile = lambda query, start, end: (_ for _ in ()).throw(Unsupported("fake: no phrases"))
    _, summary = go(store, src)
    assert [(o.status, o.error, o.duration_s, o.query) for o in store.all()] == [
        ("unsupported", "fake: no phrases", 0.0, "(unsupported) (alpha)"),
        ("unsupported", "fake: no phrases", 0.0, "(unsupported) (beta)")]  # fmt: skip
    assert summary.unsupported == 2 and src.calls == []


def test_counts_of_a_corpus_not_on_this_machine_are_refused(store):
    src = Fake()
    src.identity = lambda: None
    with pytest.raises(Unreachable) as err:
        go(store, src)
    assert str(err.value) == "fake: its corpus is not on this machine, so nothing can be counted in it"


# ---------------------------------------------------------------- plan


def test_plan_ages_and_forces_per_year_rows_like_window_totals(store):
    src = Fake(per_year=True)
    src.totals_query = lambda start, end: f"all [{start}-{end}]"
    src.year_totals = lambda start, end: {y: 1000 for y in range(start, end + 1)}
    go(store, src, by_year=True)
    text, fake = parse_matrix(QUERY), {"fake": src}
    later = datetime(2026, 7, 2, tzinfo=timezone.utc)  # 31 days on
    assert not any(i.due for i in plan(text, fake, store, by_year=True))
    stale = plan(text, fake, store, by_year=True, now=later)
    assert all(i.due for i in stale) and len(stale) == 2 + 2 * 3 + 3
    forced = plan(text, fake, store, by_year=True, force=True)
    assert all(i.due for i in forced)
    works = [i for i in forced if i.year is not None and i.cell.method == "(all works)"]
    assert [(i.year, i.query, i.cached.count) for i in works] == [(y, f"all [{y}-{y}]", 1000) for y in (2021, 2022, 2023)]


def test_plan_compiles_both_ends_and_carries_the_rate(store):
    src = Fake()
    src.rate_limit = 2.5
    text = QUERY.replace("from = 2020", "from = 2020\nto = 2024")
    items = plan(parse_matrix(text), {"fake": src}, store)
    assert [(i.query, i.rate) for i in items] == [("alpha [2020-2024]", 2.5), ("beta [2020-2024]", 2.5)]


def test_a_renamed_label_keeps_its_count_under_the_new_name(store):
    src = Fake()
    go(store, src)
    renamed = QUERY.replace('A = ["alpha"]', 'Alpha = ["alpha"]').replace("total = []", "everything = []")
    items = plan(parse_matrix(renamed), {"fake": src}, store)
    first = items[0]
    assert (first.cell.method, first.cached.method, first.cached.task, first.cached.count) == ("Alpha", "Alpha", "everything", 10)
    assert not first.due


def test_a_corpus_not_on_this_machine_is_answered_by_the_best_row_of_any_corpus(store):
    from survey.observation import Observation

    def row(corpus, status, count, at):
        return Observation("fake", "A", "total", "recent", 2020, None, None, "alpha [2020-None]", count, status,
                           None if status == "ok" else "x", at, corpus=corpus)  # fmt: skip

    store.record(row("c1", "ok", 5, "2026-01-01T00:00:00.000000Z"))
    store.record(row("c2", "ok", 6, "2026-02-01T00:00:00.000000Z"))
    store.record(row("c3", "error", None, "2026-03-01T00:00:00.000000Z"))
    store.record(row("c0", "ok", 4, "2025-01-01T00:00:00.000000Z"))
    src = Fake()
    src.identity = lambda: None
    items = plan(parse_matrix(QUERY), {"fake": src}, store)
    assert (items[0].cached.corpus, items[0].cached.count) == ("c2", 6), "newest ok, not the newer error"
    assert items[0].key.corpus == "" and items[1].cached is None
    src.identity = lambda: "c1"
    assert plan(parse_matrix(QUERY), {"fake": src}, store)[0].cached.count == 5


def test_ctrl_c_while_waiting_for_the_workers_ends_in_a_summary(store):
    import _thread

    src = Cancellable(hold=threading.Event())
    threading.Timer(0.2, _thread.interrupt_main).start()  # what Ctrl-C does to the main thread
    _, summary = go(store, src)
    assert summary.interrupted is True and src.cancelled.is_set()


def test_a_request_that_ignores_a_stop_is_abandoned_after_the_grace(store):
    stop = threading.Event()
    src = Fake(hold=threading.Event())  # no cancel: its call sits out the whole 5 s hold
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    _, summary = go(store, src, stop=stop)
    assert time.monotonic() - started < 4, "run waits GRACE_S (1.5 s) for it, not until it ends"
    assert summary.interrupted is True and sorted(i.cell.method for i in summary.skipped) == ["A", "B"]
    assert store.all() == []


def test_plans_sharing_answers_read_each_sources_rows_once(store):
    src, answers = Fake(), {}
    src.identity = lambda: "corpus-1"
    first = plan(parse_matrix(QUERY), {"fake": src}, store, answers=answers)
    assert list(answers) == [("fake", "corpus-1")] and answers[("fake", "corpus-1")] == {}
    assert all(i.cached is None for i in first)
    run(first, {"fake": src}, store)
    kept = plan(parse_matrix(QUERY), {"fake": src}, store, answers=answers)
    assert all(i.cached is None for i in kept), "the rows read before the run answer, as documented"
    answers.clear()
    fresh = plan(parse_matrix(QUERY), {"fake": src}, store, answers=answers)
    assert [i.cached.count for i in fresh] == [10, 10] and not any(i.due for i in fresh)
    assert set(answers[("fake", "corpus-1")]) == {i.key for i in fresh}


def test_plan_takes_the_windows_given_instead_of_the_files(store):
    from survey.matrix import Window

    src = Fake()
    only_years = plan(parse_matrix(QUERY), {"fake": src}, store, by_year=True, windows=[])
    assert {i.window.name for i in only_years} == {"trend"} and len(only_years) == 2 * 3 + 3
    other = plan(parse_matrix(QUERY), {"fake": src}, store, windows=[Window("old", 2000, 2001)])
    assert [(i.window.name, i.query) for i in other] == [("old", "alpha [2000-2001]"), ("old", "beta [2000-2001]")]


def test_an_open_trend_runs_to_the_year_of_now(store):
    text = QUERY.replace("from = 2021\nto = 2023", "from = 2024")
    items = plan(parse_matrix(text), {"fake": Fake()}, store, by_year=True, windows=[],
                 now=datetime(2026, 6, 1, tzinfo=timezone.utc))
    assert sorted({i.year for i in items}) == [2024, 2025, 2026]
