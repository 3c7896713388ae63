"""The cache's own failures: one line naming the file and what to do, the file left as it was."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from legacy_cache import SCHEMA_V1
from survey.cli import main
from survey.observation import Observation
from survey.store import Store, StoreError

REPO = Path(__file__).resolve().parents[1]
STUDY = str(REPO / "queries" / "lstm_vs_cnn.toml")


def run(home, *args):
    result = CliRunner().invoke(main, ["--home", str(home), *args])
    return result, [line for line in result.output.splitlines() if line.strip()]


def obs(count=1, source="openalex", query="q", **kw):
    return Observation(source, "LSTM", "total", "all time", None, None, None, query, count, "ok", **kw)


def one_error_line(result, lines, *needles):
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]


def test_a_file_that_is_not_sqlite_is_named_and_left_alone(tmp_path):
    cache = tmp_path / "cache.sqlite"
    cache.write_bytes(b"not a database at all\n" * 10)
    before = cache.read_bytes()
    for args in (("counts", "-q", STUDY), ("refresh", "-q", STUDY, "-s", "openalex", "--offline"), ("cache", "stats")):
        result, lines = run(tmp_path, *args)
        one_error_line(result, lines, str(cache), "move it aside")
    assert cache.read_bytes() == before


def test_a_damaged_cache_is_named_and_left_alone(tmp_path):
    cache = tmp_path / "cache.sqlite"
    with Store(cache) as store:
        for i in range(400):
            store.record(obs(i, query=f"q{i}" * 20))
    with sqlite3.connect(cache) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(cache, "r+b") as fh:  # overwrite the second page: a b-tree page, now garbage
        fh.seek(4096)
        fh.write(b"\xff" * 4096)
    before = cache.read_bytes()
    result, lines = run(tmp_path, "cache", "stats")
    one_error_line(result, lines, str(cache), "damaged")
    assert cache.read_bytes() == before


def test_a_schema_version_that_is_not_a_number(tmp_path):
    cache = tmp_path / "cache.sqlite"
    with Store(cache) as store:
        store.record(obs())
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE meta SET value = 'two' WHERE key = 'schema_version'")
    result, lines = run(tmp_path, "counts", "-q", STUDY)
    one_error_line(result, lines, str(cache), "'two' is not a number")
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT count(*) FROM observations").fetchone()[0] == 1


def test_home_under_a_file(tmp_path):
    (tmp_path / "plain").write_text("x")
    result, lines = run(tmp_path / "plain" / "home", "refresh", "-q", STUDY, "-s", "openalex", "--offline")
    one_error_line(result, lines, "cannot create the cache folder", "--home")


def test_report_into_an_unwritable_place(tmp_path):
    result, lines = run(tmp_path, "report", "-q", STUDY, "-o", "/proc/survey-report.md")
    one_error_line(result, lines, "/proc/survey-report.md", "choose another -o")


def test_a_read_only_cache_still_answers_reads(tmp_path, monkeypatch):
    cache = tmp_path / "cache.sqlite"
    with Store(cache) as store:
        store.record(obs(7))
    real_access = os.access

    def no_writes(path, mode, *a, **kw):  # what a non-root user sees on a read-only file (root sees it writable)
        if mode & os.W_OK and Path(path).resolve() in (cache.resolve(), tmp_path.resolve()):
            return False
        return real_access(path, mode, *a, **kw)

    monkeypatch.setattr(os, "access", no_writes)
    before = cache.read_bytes()
    result, lines = run(tmp_path, "cache", "stats")
    assert result.exit_code == 0 and "1 observations" in lines[0]
    with Store(cache) as store:
        assert store.readonly and [o.count for o in store.latest()] == [7]
        with pytest.raises(StoreError, match="read-only"):
            store.record(obs(8))
    result, lines = run(tmp_path, "cache", "clear", "--yes")
    one_error_line(result, lines, str(cache), "read-only")
    assert cache.read_bytes() == before


def test_a_full_disk_keeps_what_was_saved(tmp_path):
    cache = tmp_path / "cache.sqlite"
    with Store(cache) as store:
        store.record(obs(1))
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own 'database or disk is full'
        with pytest.raises(StoreError, match="disk is full"):
            for i in range(2000):
                store.record(obs(i, query="x" * 2000 + str(i)))
    with Store(cache) as store:
        assert obs(1).query in {o.query for o in store.all()}


def test_a_version_1_cache_is_migrated_without_loss(tmp_path):
    cache = tmp_path / "cache.sqlite"
    with sqlite3.connect(cache) as db:
        db.executescript(SCHEMA_V1 + """
            INSERT INTO observations VALUES (1, 'openalex', 'LSTM', 'total', 'all time', NULL, NULL, NULL, 'q',
                5, 'ok', NULL, '2026-01-01T00:00:00.000000Z', 0.1, '0.1.0');
            INSERT INTO observations VALUES (2, 'local:acl', 'LSTM', 'total', 'all time', NULL, NULL, NULL, 'sql',
                9, 'ok', NULL, '2026-01-01T00:00:00.000000Z', 0.1, '0.1.0');
        """)
    with Store(cache) as store:
        rows = {o.source: o for o in store.all()}
    assert rows["openalex"].count == 5 and rows["openalex"].corpus == ""
    # which corpus content gave an old local count is unknown: it answers no current corpus
    assert rows["local:acl"].count == 9 and rows["local:acl"].corpus == "unrecorded"
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
