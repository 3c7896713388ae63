from __future__ import annotations

import csv
import multiprocessing
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from survey.observation import Observation, format_time, is_fresh

from survey.store import Store, StoreError


class Clock:
    def __init__(self):
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def tick(self, **kw):
        self.now += timedelta(**kw)


def obs(count=10, status="ok", source="s", method="LSTM", task="total", year=None, query="q", error=None):
    return Observation(
        source=source, method=method, task=task, window="all time" if year is None else "trend",
        year_from=year, year_to=year, year=year, query=query, count=count if status == "ok" else None,
        status=status, error=error,
    )  # fmt: skip


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "cache.sqlite", clock=clock) as s:
        yield s


def test_latest_ok_answers_and_history_is_kept(store, clock):
    store.record(obs(10))
    clock.tick(days=1)
    store.record(obs(12))
    clock.tick(days=1)
    store.record(obs(status="error", error="503 Service Unavailable"))
    [latest] = store.latest()
    assert latest.count == 12 and latest.status == "ok"
    history = store.history("LSTM", "total")
    assert [o.count for o in history] == [10, 12, None]
    assert [o.status for o in history] == ["ok", "ok", "error"]


def test_latest_falls_back_to_latest_status_when_never_ok(store, clock):
    store.record(obs(status="error", error="timeout"))
    clock.tick(hours=1)
    store.record(obs(status="blocked", error="captcha"))
    [latest] = store.latest()
    assert latest.status == "blocked" and latest.error == "captcha"


def test_keys_separate_years_sources_and_queries(store):
    store.record(obs(1))
    store.record(obs(2, year=2010))
    store.record(obs(3, source="t"))
    store.record(obs(4, query="q2"))
    assert len(store.latest()) == 4
    assert [o.count for o in store.latest(years=True)] == [2]
    assert {o.count for o in store.latest("s", years=False)} == {1, 4}


def test_labels_are_not_identity_but_corpus_is(store, clock):
    """Two query files calling different rows by one query share it; another corpus does not."""
    store.record(obs(1, method="LSTM"))
    clock.tick(hours=1)
    store.record(obs(2, method="Recurrent"))  # same source, query, window: the same key
    store.record(Observation(**{**obs(3).__dict__, "corpus": "sha256:other"}))
    answers = sorted((o.corpus, o.count) for o in store.latest("s"))
    assert answers == [("", 2), ("sha256:other", 3)]


def test_freshness(clock):
    now = clock()
    young = obs()
    young = Observation(**{**young.__dict__, "fetched_at": format_time(now - timedelta(days=2))})
    old = Observation(**{**young.__dict__, "fetched_at": format_time(now - timedelta(days=40))})
    assert is_fresh(young, timedelta(days=30), now)
    assert not is_fresh(old, timedelta(days=30), now)
    assert is_fresh(old, None, now)
    assert not is_fresh(None, None, now)
    failed = Observation(**{**young.__dict__, "status": "error", "count": None})
    assert not is_fresh(failed, None, now)
    unsupported = Observation(**{**young.__dict__, "status": "unsupported", "count": None})
    assert is_fresh(unsupported, timedelta(days=30), now)


def test_export_clear_stats(store, tmp_path):
    store.record(obs(1))
    store.record(obs(2, source="t"))
    n = store.export_csv(tmp_path / "out.csv")
    rows = list(csv.DictReader(open(tmp_path / "out.csv", encoding="utf-8")))
    assert n == 2 and [r["count"] for r in rows] == ["1", "2"]
    assert {"source", "method", "task", "query", "status", "fetched_at", "tool_version"} <= set(rows[0])
    stats = store.stats()
    assert stats["observations"] == 2 and stats["keys"] == 2
    assert store.clear("t") == 1
    assert [o.source for o in store.all()] == ["s"]
    assert store.clear() == 1 and store.all() == []


def test_rejects_unknown_status(store):
    with pytest.raises(ValueError):
        store.record(obs(status="maybe"))


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "cache.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        Store(path)


def test_wal_mode(store):
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _writer(path, source, n):
    with Store(path, timeout=30) as s:
        for i in range(n):
            s.record(obs(i, source=source, query=f"q{i}"))


def test_two_processes_write_concurrently(tmp_path):
    path = tmp_path / "cache.sqlite"
    Store(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, name, 200)) for name in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with Store(path) as s:
        assert s.integrity_check() == "ok"
        assert len(s.all()) == 400
        assert {o.source for o in s.latest()} == {"a", "b"}
