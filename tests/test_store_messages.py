"""Exact wording of the store's one-line errors and of the observations CSV, field for field.

A check for a fragment ("move it aside") passes whatever the rest of the line says; these
compare whole lines, so a dropped path, hint or reason shows.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from legacy_cache import SCHEMA_V1
from survey import __version__
from survey.errors import BadInput
from survey.observations_csv import read_observations, write_observations
from survey.observation import FIELDS, Observation
from survey.store import Store, StoreError

DAMAGED = "it is not a survey cache or is damaged; move it aside (the next run starts a new one)"
UNWRITABLE = "it cannot be written; make it writable or point --home (SURVEY_HOME) elsewhere"
FULL = "the disk is full; free space and rerun (everything saved so far is kept)"
OTHER = "check the file and its folder, or point --home (SURVEY_HOME) elsewhere"


def obs(count=1, query="q", **kw):
    return Observation("openalex", "LSTM", "total", "all time", None, None, None, query, count, "ok", **kw)


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"not a database at all\n" * 10)
    with pytest.raises(StoreError) as err:
        Store(path)
    assert str(err.value) == f"{path}: cannot open the cache (file is not a database): {DAMAGED}"
    assert err.value.exit_code == 2


def test_a_full_disk(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Store(path) as store:
        store.record(obs())
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StoreError) as err:
            for i in range(2000):
                store.record(obs(i, query="x" * 2000 + str(i)))
    assert str(err.value) == f"{path}: cannot write to the cache (database or disk is full): {FULL}"


@pytest.mark.parametrize(
    ("exc", "why", "hint"),
    [
        (sqlite3.DatabaseError("database disk image is malformed"), "database disk image is malformed", DAMAGED),
        (sqlite3.OperationalError("attempt to write a readonly database"), "attempt to write a readonly database", UNWRITABLE),
        (sqlite3.OperationalError("the file is read-only"), "the file is read-only", UNWRITABLE),
        (PermissionError(13, "Permission denied"), "[Errno 13] Permission denied", UNWRITABLE),
        (OSError(28, "No space left on device"), "[Errno 28] No space left on device", FULL),
        (sqlite3.OperationalError("unable to open database file"), "unable to open database file", OTHER),
        (sqlite3.OperationalError(""), "OperationalError", OTHER),  # no text: the kind of error stands in
    ],
)
def test_each_kind_of_failure_gets_its_hint(tmp_path, exc, why, hint):
    # The faults themselves (a read-only file as root, a real full disk) cannot be staged here;
    # this is the one place their lines are worded.
    with Store(tmp_path / "cache.sqlite") as store:
        assert str(store._error("cannot write to", exc)) == f"{store.path}: cannot write to the cache ({why}): {hint}"


ROWS = [
    Observation("openalex", "LSTM", "QA", "since 2006", 2006, None, None, 'q "x", y', 0, "ok",
                fetched_at="2026-01-02T03:04:05.000006Z", duration_s=0.25, tool_version="9.9", corpus=""),
    Observation("local:acl", "", "", "trend", 2020, 2020, 2020, "(all works)", 12, "ok",
                fetched_at="2026-01-02T03:04:06.000000Z", corpus="abc123"),
    Observation("wos", "CNN", "dialog", "all time", None, None, None, "TS=(x)", None, "error", error="HTTP 500\r\nafter 3\n",
                fetched_at="2026-01-02T03:04:07.000000Z"),
]  # fmt: skip


def test_the_csv_has_every_field_and_reads_back_the_same(tmp_path, monkeypatch):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    path = tmp_path / "obs.csv"
    write_observations(path, ROWS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "obs.csv"] and not any(elsewhere.iterdir())
    raw = path.read_bytes().decode("utf-8")
    assert raw.endswith(f'"HTTP 500\r\nafter 3\n",2026-01-02T03:04:07.000000Z,,{__version__},\n'), "rows end in \\n"
    lines = raw.split("\n")
    assert lines[0] == ",".join(FIELDS)
    assert lines[1] == ('openalex,LSTM,QA,since 2006,2006,,,"q ""x"", y",0,ok,,2026-01-02T03:04:05.000006Z,0.25,9.9,')
    assert lines[2].startswith("local:acl,,,trend,2020,2020,2020,(all works),12,ok,,")
    back = read_observations(path)
    assert back == ROWS
    assert back[0].count == 0 and back[0].year_to is None and back[1].method == "" and back[2].count is None



def test_an_error_stored_with_a_key_in_it_is_exported_masked(tmp_path):
    # A cache written before its key was masked (or by a version that missed a spelling) must not
    # carry the key into a CSV that is committed and shared.
    leaky = Observation("wos", "CNN", "dialog", "all time", None, None, None, "TS=(x)", None, "error",
                        error="GET https://api.example.org/q?apikey=s3cr3t-v4lue-77 -> HTTP 500",
                        fetched_at="2026-01-02T03:04:07.000000Z")
    path = tmp_path / "obs.csv"
    write_observations(path, [leaky])
    assert "s3cr3t" not in path.read_text(encoding="utf-8")
    assert read_observations(path)[0].error == "GET https://api.example.org/q?apikey=*** -> HTTP 500"

def bad_file(tmp_path, header, *rows):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def good_row(**changes):
    values = {f: "" for f in FIELDS}
    values.update(source="s", window="w", query="q", count="3", status="ok", fetched_at="2026-01-01T00:00:00.000000Z")
    values.update(changes)
    return ",".join(values[f] for f in FIELDS)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (good_row(status="fine"), "status 'fine' is not one of ok, error, unsupported, blocked"),
        (good_row(count="three"), "invalid literal for int() with base 10: 'three'"),
        (good_row(duration_s="slow"), "could not convert string to float: 'slow'"),
        (good_row(fetched_at="yesterday"), "time data 'yesterday' does not match format '%Y-%m-%dT%H:%M:%S.%fZ'"),
    ],
)
def test_a_bad_row_names_its_line(tmp_path, row, message):
    path = bad_file(tmp_path, ",".join(FIELDS), good_row(), row)
    with pytest.raises(BadInput) as err:
        read_observations(path)
    assert str(err.value) == f"{path}:3: {message}"


def test_a_file_that_is_not_an_observations_file(tmp_path):
    path = bad_file(tmp_path, "source,query,count", "s,q,1")
    with pytest.raises(BadInput) as err:
        read_observations(path)
    assert str(err.value) == f"{path}:1: not a survey observations file (no column status, fetched_at, window)"
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(StoreError) as err:
        read_observations(missing)
    assert str(err.value) == f"{missing}: cannot read (No such file or directory)"
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(BadInput, match="no column source, query, status, fetched_at, window"):
        read_observations(empty)


def open_error(path, **kw) -> str:
    with pytest.raises(StoreError) as err:
        Store(path, **kw)
    return str(err.value)


def test_read_only_opening_names_what_is_missing(tmp_path):
    missing = tmp_path / "none.sqlite"
    assert open_error(missing, readonly=True) == f"{missing}: no cache here yet; run `survey refresh` first"
    assert not missing.exists()
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    assert open_error(other, readonly=True) == f"{other}: not a survey cache (no observations table)"
    old = tmp_path / "v1.sqlite"
    with sqlite3.connect(old) as db:
        db.executescript(SCHEMA_V1)
    assert open_error(old, readonly=True) == (
        f"{old}: the cache needs a one-time upgrade to schema 2, which needs write access; make it writable and rerun")
    unversioned = tmp_path / "unversioned.sqlite"
    with sqlite3.connect(unversioned) as db:
        db.executescript(SCHEMA_V1.replace("INSERT INTO meta VALUES ('schema_version', '1');", ""))
    assert "needs a one-time upgrade to schema 2" in open_error(unversioned, readonly=True)
    newer = tmp_path / "newer.sqlite"
    with Store(newer):
        pass
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    message = f"{newer}: cache schema version 3 is newer than this survey understands (2); upgrade survey"
    assert open_error(newer, readonly=True) == message and open_error(newer) == message


def test_a_read_only_store_cannot_write_even_underneath(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Store(path) as s:
        s.record(obs())
    with Store(path, readonly=True) as ro:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            ro._db.execute("DELETE FROM observations")  # the connection itself is read-only, not only the API
        assert len(ro.all()) == 1


def test_a_schema_version_that_is_not_a_number(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Store(path):
        pass
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'two' WHERE key = 'schema_version'")
    assert open_error(path) == (f"{path}: cache schema version 'two' is not a number; the file was changed by "
                                "something other than survey: move it aside (the next run starts a new one)")


def test_where_the_cache_cannot_be(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert open_error(blocker / "cache.sqlite") == (
        f"{blocker}: cannot create the cache folder (File exists); point --home (SURVEY_HOME) at a folder")
    folder = tmp_path / "cache.sqlite"
    folder.mkdir()
    assert open_error(folder) == f"{folder}: is not a file; point --home (SURVEY_HOME) elsewhere"
    deep = tmp_path / "a" / "b" / "cache.sqlite"
    with Store(deep) as s:
        assert s.record(obs()).id == 1


def test_a_new_cache_is_wal_with_a_busy_timeout_and_a_version(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Store(path, timeout=2.5) as s:
        assert s._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # SQLite waits a tenth of a second at a time, so Ctrl-C is seen; the store retries up to its timeout
        assert s._db.execute("PRAGMA busy_timeout").fetchone()[0] == 100 and s.timeout == 2.5
        assert s._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
    with Store(path) as s:
        assert s.timeout == 60.0  # a minute by default
    with Store(path, readonly=True) as ro:  # shared by threads like a writable one
        seen = []
        worker = threading.Thread(target=lambda: seen.append(len(ro.all())))
        worker.start()
        worker.join()
        assert seen == [0]


def test_a_cache_file_that_cannot_be_written_opens_read_only_even_in_a_writable_folder(tmp_path, monkeypatch):
    path = tmp_path / "cache.sqlite"
    with Store(path) as s:
        s.record(obs())
    real_access = os.access

    def file_read_only(p, mode, *a, **kw):  # what a non-root user sees on a 0444 file
        if mode & os.W_OK and Path(p) == path:
            return False
        return real_access(p, mode, *a, **kw)

    monkeypatch.setattr(os, "access", file_read_only)
    with Store(path) as s:
        assert s.readonly and len(s.all()) == 1
