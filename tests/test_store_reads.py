"""The store's reads and writes with exact expected rows: latest, history, sources, stats, clear."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta, timezone

import pytest

from survey.observations_csv import write_observations
from survey.observation import Observation, format_time, parse_time
from survey.store import Store, StoreError

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        self.now += timedelta(seconds=1)  # every record gets its own time
        return self.now


def obs(method="A", task="t", count=1, status="ok", *, source="s", year=None, query="q", window="w", span=(None, None)):
    start, end = (year, year) if year is not None else span
    return Observation(source, method, task, window if year is None else "trend", start, end, year, query,
                       count if status == "ok" else None, status, None if status == "ok" else f"{status} text")  # fmt: skip


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "cache.sqlite", clock=Clock()) as s:
        yield s


def brief(rows):
    return [(o.source, o.method, o.task, o.year, o.query, o.status, o.count) for o in rows]


def test_record_stamps_the_clock_and_an_id_and_keeps_a_given_time(store):
    first = store.record(obs())
    assert first.id == 1 and first.fetched_at == "2026-03-01T09:30:01.000000Z"
    given = store.record(Observation(**{**obs().__dict__, "fetched_at": "2020-01-01T00:00:00.000000Z"}))
    assert given.id == 2 and given.fetched_at == "2020-01-01T00:00:00.000000Z"
    assert [o.fetched_at for o in store.all()] == [first.fetched_at, given.fetched_at]
    assert parse_time(format_time(T0)) == T0
    assert format_time(datetime(2026, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1)))) == "2026-03-01T09:30:00.000000Z"


def test_latest_prefers_the_newest_ok_row_then_the_newest_of_any_status(store):
    store.record(obs(count=1))
    store.record(obs(count=2))
    store.record(obs(status="error"))  # newer, but an error: the ok row still answers
    store.record(obs("B", query="q2", status="error"))
    store.record(obs("B", query="q2", status="blocked"))  # never ok: the newest row answers
    store.record(obs(source="b", count=5))
    store.record(obs(year=2021, count=7))
    store.record(obs(year=2020, count=6))
    store.record(obs(span=(2010, None), count=8))
    # ordered by source, labels, then window (open ends first) and year
    assert brief(store.latest()) == [
        ("b", "A", "t", None, "q", "ok", 5),
        ("s", "A", "t", None, "q", "ok", 2),
        ("s", "A", "t", None, "q", "ok", 8),
        ("s", "A", "t", 2020, "q", "ok", 6),
        ("s", "A", "t", 2021, "q", "ok", 7),
        ("s", "B", "t", None, "q2", "blocked", None),
    ]
    assert brief(store.latest("b")) == [("b", "A", "t", None, "q", "ok", 5)]
    assert [o.year for o in store.latest(years=True)] == [2020, 2021]
    assert [o.count for o in store.latest("s", years=False)] == [2, 8, None]
    by_key = store.latest_by_key("s")
    assert len(by_key) == 5 and by_key[obs(year=2021).key].count == 7


def test_history_filters_labels_without_case_and_by_query(store):
    store.record(obs("LSTM", "QA", 1, source="s"))
    store.record(obs("CNN", "QA", 2, source="s"))
    store.record(obs("LSTM", "QA", 3, source="s", query="other"))
    store.record(obs("LSTM", "total", 4, source="a"))
    store.record(obs("LSTM", "QA", 5, source="a"))
    assert [o.count for o in store.history("lstm", "qa")] == [5, 1, 3]  # by source, then time
    assert [o.count for o in store.history("LSTM", "QA", "S")] == [1, 3]
    assert [o.count for o in store.history("LSTM", queries=["other", "nothing"])] == [3]
    assert [o.count for o in store.history(queries=[])] == []
    assert [o.count for o in store.history()] == [4, 5, 1, 2, 3]
    assert [o.count for o in store.all()] == [1, 2, 3, 4, 5]


def test_sources_stats_and_clear(store, tmp_path):
    assert store.sources() == [] and store.stats()["observations"] == 0
    store.record(obs(source="zeta"))
    store.record(obs(source="alpha", count=2))
    store.record(obs(source="alpha", count=3))
    store.record(obs(source="alpha", status="unsupported", query="u"))
    assert store.sources() == ["alpha", "zeta"]
    stats = store.stats()
    assert stats["path"] == str(tmp_path / "cache.sqlite")
    assert (stats["observations"], stats["keys"]) == (4, 3)
    assert stats["bytes"] > 0
    assert stats["by_source"] == [
        {"source": "alpha", "status": "ok", "n": 2, "first": "2026-03-01T09:30:02.000000Z", "last": "2026-03-01T09:30:03.000000Z"},
        {"source": "alpha", "status": "unsupported", "n": 1, "first": "2026-03-01T09:30:04.000000Z", "last": "2026-03-01T09:30:04.000000Z"},
        {"source": "zeta", "status": "ok", "n": 1, "first": "2026-03-01T09:30:01.000000Z", "last": "2026-03-01T09:30:01.000000Z"},
    ]  # fmt: skip
    assert store.integrity_check() == "ok"
    assert store.clear("nobody") == 0
    assert store.clear("alpha") == 3 and store.sources() == ["zeta"]
    assert store.clear() == 1 and store.all() == []


def test_times_are_written_in_utc_whatever_the_machines_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert format_time(datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)) == "2026-03-01T09:30:00.000000Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_status_outside_the_four_is_refused_by_name(store):
    with pytest.raises(ValueError) as err:
        store.record(obs(status="fine"))
    assert str(err.value) == "status 'fine' is not one of ('ok', 'error', 'unsupported', 'blocked')"


def test_reads_on_a_cache_whose_table_went_missing_say_so(store):
    store.record(obs())
    with sqlite3.connect(store.path) as other:
        other.execute("DROP TABLE observations")
    for read in (store.sources, store.stats, store.latest):
        with pytest.raises(StoreError) as err:
            read()
        assert str(err.value) == (f"{store.path}: cannot read the cache (no such table: observations): "
                                  "check the file and its folder, or point --home (SURVEY_HOME) elsewhere")


def test_import_adds_only_rows_not_already_there_even_twice_in_one_file(store, tmp_path):
    kept = store.record(obs(count=1))
    new = Observation(**{**obs(count=2).__dict__, "fetched_at": "2027-01-01T00:00:00.000000Z"})
    path = tmp_path / "in.csv"
    write_observations(path, [kept, new, new])  # one already stored, then one new row twice
    assert store.import_csv(path) == (1, 2)
    assert [o.count for o in store.all()] == [1, 2]


def test_export_then_import_round_trips_every_field(store, tmp_path):
    rows = [store.record(obs(count=0)), store.record(obs(year=2020, count=3)),
            store.record(obs(status="unsupported", query="u"))]  # fmt: skip
    path = tmp_path / "out.csv"
    assert store.export_csv(path) == 3
    assert store.export_csv(tmp_path / "one.csv", rows[:1]) == 1
    with Store(tmp_path / "other.sqlite") as other:
        assert other.import_csv(path) == (3, 0)
        assert other.import_csv(path) == (0, 3)
        back = other.all()
    strip = [{**o.__dict__, "id": None} for o in rows]
    assert [{**o.__dict__, "id": None} for o in back] == strip
    assert back[0].count == 0, "0 is a count, never read back as missing"


def test_a_read_only_store_reads_and_refuses_writes_with_its_path(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Store(path) as s:
        s.record(obs())
    with Store(path, readonly=True) as ro:
        assert ro.readonly and [o.count for o in ro.latest()] == [1]
        for write in (lambda: ro.record(obs()), lambda: ro.clear()):
            with pytest.raises(StoreError) as err:
                write()
            assert str(err.value) == f"{path}: the cache is open read-only; make it writable to save counts"
    with Store(path) as s:
        assert len(s.all()) == 1
