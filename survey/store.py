"""The SQLite store of count observations.

One row per fetch, never updated: the latest ok row of a key answers reads, older rows are
history. A key is what a number depends on: (source, corpus, year_from, year_to, year, query).
``corpus`` is the content identity of a local corpus ("" for online sources) and ``query`` the
compiled query, so an edited query file or a re-imported corpus makes the old counts misses,
never wrong answers. Method and task labels are stored for display and history only: two query
files that both call a row ``CNN`` never share a count unless their queries are the same.
Every observation commits on its own, so an interrupted refresh loses nothing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from survey.observation import FIELDS, KEY_COLUMNS, STATUSES, Key, Observation, format_time, utcnow
from survey.sqlite_faults import LOCK_STEP_S, StoreError, failure, no_room, patiently

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS observations (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    method TEXT NOT NULL,
    task TEXT NOT NULL,
    window TEXT NOT NULL,
    year_from INTEGER,
    year_to INTEGER,
    year INTEGER,
    query TEXT NOT NULL,
    count INTEGER,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'unsupported', 'blocked')),
    error TEXT,
    fetched_at TEXT NOT NULL,
    duration_s REAL,
    tool_version TEXT,
    corpus TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS observations_cell ON observations (method, task, fetched_at);
"""
# Created after the migration adds `corpus` to a version-1 table.
_KEY_INDEX = """CREATE INDEX IF NOT EXISTS observations_identity
    ON observations (source, corpus, query, year_from, year_to, year, fetched_at)"""

# An earlier schema stored no corpus identity: such local counts answer no current corpus.
UNRECORDED_CORPUS = "unrecorded"


class Store:
    """The count cache. Safe to share between threads; several processes may write at once.

    ``readonly``: open for reading only (also chosen by itself where the file or its folder
    cannot be written), so reading commands work on a cache they may not change.
    """

    def __init__(self, path, *, clock: Callable[[], datetime] = utcnow, timeout: float = 60.0,
                 readonly: bool | None = None):
        self.path = Path(path)
        self.clock = clock
        self.timeout = timeout
        self._lock = threading.Lock()
        self._interrupted = threading.Event()
        if readonly is None:
            readonly = self.path.exists() and not (
                os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)
            )
        self.readonly = readonly
        self._why_readonly = "the cache is open read-only; make it writable to save counts"
        try:
            self._open(timeout)
        except sqlite3.DatabaseError as exc:
            if self.readonly or not no_room(exc, self.path.parent) or not self.path.is_file():
                raise self._error("cannot open", exc) from None
            # No room for the write-ahead log's index: still read what is there, write nothing.
            failure = self._error("cannot write to", exc)
            self.readonly, self._why_readonly = True, str(failure).split(": ", 1)[1]
            try:
                self._open(timeout)
            except (sqlite3.DatabaseError, StoreError):
                raise self._error("cannot open", exc) from None

    def _open(self, timeout: float) -> None:
        self._db = self._connect(timeout)
        try:
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    def _error(self, doing: str, exc: BaseException) -> StoreError:
        return failure(self.path, f"{doing} the cache", exc)

    def _connect(self, timeout: float) -> sqlite3.Connection:
        if self.readonly:
            if not self.path.is_file():
                raise StoreError(f"{self.path}: no cache here yet; run `survey refresh` first")
            uri = self.path.resolve().as_uri() + "?mode=ro"
            db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
            try:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError as exc:
                # A WAL database in a folder we cannot write: read it as an immutable file, which
                # never looks at the write-ahead log; so only where that log holds nothing.
                db.close()
                wal = self.path.with_name(self.path.name + "-wal")
                if wal.is_file() and wal.stat().st_size > 0:
                    raise StoreError(
                        f"{self.path}: cannot read the cache ({exc}): its latest counts are still in {wal.name}, "
                        "which cannot be read without writing beside it; free space or make the folder writable "
                        "and rerun") from None
                db = sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None, check_same_thread=False)
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"{self.path.parent}: cannot create the cache folder ({exc.strerror or exc}); "
                    "point --home (SURVEY_HOME) at a folder"
                ) from None
            if self.path.exists() and not self.path.is_file():
                raise StoreError(f"{self.path}: is not a file; point --home (SURVEY_HOME) elsewhere")
            db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {int(min(timeout, LOCK_STEP_S) * 1000)}")
        if not self.readonly:
            try:
                db.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass  # another process holds it; WAL is persistent once set
            db.execute("PRAGMA synchronous = NORMAL")
        return db

    def _version(self) -> int | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            return None
        try:
            return int(row[0])
        except ValueError:
            raise StoreError(
                f"{self.path}: cache schema version {row[0]!r} is not a number; the file was changed by "
                "something other than survey: move it aside (the next run starts a new one)"
            ) from None

    def _check_version(self, version: int | None) -> None:
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: cache schema version {version} is newer than this survey understands "
                f"({SCHEMA_VERSION}); upgrade survey"
            )

    def _migrate(self):
        if self.readonly:
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "observations" not in tables:
                raise StoreError(f"{self.path}: not a survey cache (no observations table)")
            version = self._version()
            self._check_version(version)
            if version is None or version < SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: the cache needs a one-time upgrade to schema {SCHEMA_VERSION}, "
                    "which needs write access; make it writable and rerun"
                )
            return
        with self._lock:
            if self._current():
                return  # nothing to write, so a full disk or a locked file does not stop reading
            patiently(lambda: self._db.execute("BEGIN IMMEDIATE"), self.timeout, self._interrupted, self.path)
            try:
                # executescript would commit mid-transaction, so statements run one by one
                for stmt in filter(str.strip, _SCHEMA.split(";")):
                    self._db.execute(stmt)
                version = self._version()
                self._check_version(version)
                columns = {r[1] for r in self._db.execute("PRAGMA table_info(observations)")}
                if "corpus" not in columns:
                    self._db.execute("ALTER TABLE observations ADD COLUMN corpus TEXT NOT NULL DEFAULT ''")
                    self._db.execute(
                        "UPDATE observations SET corpus = ? WHERE source LIKE 'local:%'", (UNRECORDED_CORPUS,)
                    )
                    self._db.execute("DROP INDEX IF EXISTS observations_key")
                self._db.execute(_KEY_INDEX)
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
                self._db.execute("COMMIT")
            except BaseException:
                # SQLite rolls back by itself on a full disk; a second rollback would mask why
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _current(self) -> bool:
        """Whether the file already holds this schema, its indexes and version: no migration to write."""
        names = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
        if not {"meta", "observations", "observations_cell", "observations_identity"} <= names:
            return False
        version = self._version()
        self._check_version(version)
        return version == SCHEMA_VERSION

    def interrupt(self) -> None:
        """End a wait for another process's lock (from any thread): that write fails, nothing is half-written."""
        self._interrupted.set()

    def close(self):
        with self._lock:
            self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ writes

    def _write(self, sql: str, params: Iterable = ()) -> sqlite3.Cursor:
        if self.readonly:
            raise StoreError(f"{self.path}: {self._why_readonly}")
        with self._lock:
            try:
                return patiently(lambda: self._db.execute(sql, tuple(params)), self.timeout, self._interrupted, self.path)
            except sqlite3.DatabaseError as exc:
                raise self._error("cannot write to", exc) from None

    def record(self, obs: Observation) -> Observation:
        """Append one observation and commit it. Returns it with id and fetched_at set."""
        if obs.status not in STATUSES:
            raise ValueError(f"status {obs.status!r} is not one of {STATUSES}")
        if not obs.fetched_at:
            obs = replace(obs, fetched_at=format_time(self.clock()))
        values = [getattr(obs, f) for f in FIELDS]
        sql = f"INSERT INTO observations ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})"
        cur = self._write(sql, values)
        return replace(obs, id=cur.lastrowid)

    def clear(self, source: str | None = None) -> int:
        if source is None:
            return self._write("DELETE FROM observations").rowcount
        return self._write("DELETE FROM observations WHERE source = ?", (source,)).rowcount

    # ------------------------------------------------------------ reads

    def _select(self, sql: str, params: Iterable = ()) -> list[Observation]:
        with self._lock:
            try:
                rows = self._db.execute(sql, tuple(params)).fetchall()
            except sqlite3.DatabaseError as exc:
                raise self._error("cannot read", exc) from None
        return [Observation(**{k: row[k] for k in row.keys() if k != "rn"}) for row in rows]

    def latest(self, source: str | None = None, *, years: bool | None = None) -> list[Observation]:
        """The row that answers each key: its latest ok row, else its latest row of any status.

        ``years``: True for per-year rows only, False for window totals only, None for both.
        """
        where, params = [], []
        if source is not None:
            where.append("source = ?")
            params.append(source)
        if years is True:
            where.append("year IS NOT NULL")
        elif years is False:
            where.append("year IS NULL")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"""
            SELECT * FROM (
                SELECT *, ROW_NUMBER() OVER (
                    PARTITION BY {", ".join(KEY_COLUMNS)}
                    ORDER BY (status = 'ok') DESC, fetched_at DESC, id DESC
                ) AS rn
                FROM observations {clause}
            ) WHERE rn = 1
            ORDER BY source, method, task, year_from, year_to, year
        """
        return self._select(sql, params)

    def latest_by_key(self, source: str | None = None) -> dict[Key, Observation]:
        return {o.key: o for o in self.latest(source)}

    def sources(self) -> list[str]:
        """Every source name with at least one observation."""
        with self._lock:
            try:
                return [r[0] for r in self._db.execute("SELECT DISTINCT source FROM observations ORDER BY source")]
            except sqlite3.DatabaseError as exc:
                raise self._error("cannot read", exc) from None

    def history(self, method: str | None = None, task: str | None = None, source: str | None = None,
                queries: Iterable[str] | None = None) -> list[Observation]:
        """Every observation of a cell by its labels, oldest first; ``queries`` keeps only those queries."""
        where, params = [], []
        for column, value in (("method", method), ("task", task), ("source", source)):
            if value is not None:
                where.append(f"lower({column}) = lower(?)")
                params.append(value)
        if queries is not None:
            queries = list(queries)
            where.append(f"query IN ({', '.join('?' * len(queries))})")
            params.extend(queries)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self._select(
            f"SELECT * FROM observations {clause} ORDER BY source, year_from, year_to, year, fetched_at, id", params
        )

    def all(self) -> list[Observation]:
        return self._select("SELECT * FROM observations ORDER BY id")

    def stats(self) -> dict:
        with self._lock:
            try:
                total = self._db.execute("SELECT count(*) FROM observations").fetchone()[0]
                per = self._db.execute(
                    """SELECT source, status, count(*) AS n, min(fetched_at) AS first, max(fetched_at) AS last
                       FROM observations GROUP BY source, status ORDER BY source, status"""
                ).fetchall()
                keys = self._db.execute(
                    f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(KEY_COLUMNS)} FROM observations)"
                ).fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise self._error("cannot read", exc) from None
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return {
            "path": str(self.path),
            "observations": total,
            "keys": keys,
            "bytes": size,
            "by_source": [dict(r) for r in per],
        }

    def integrity_check(self) -> str:
        with self._lock:
            return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    # ------------------------------------------------------------ exchange

    def export_csv(self, path, observations: list[Observation] | None = None) -> int:
        """Write observations (default: all) as CSV, one row each, every field; ``import_csv`` reads it back."""
        from survey.observations_csv import write_observations

        rows = self.all() if observations is None else observations
        write_observations(path, rows)
        return len(rows)

    def import_csv(self, path) -> tuple[int, int]:
        """Add the observations of a CSV written by ``export_csv``; returns (added, already present).

        A row is already present when an observation with the same key, fetch time, status and
        count is stored, so importing the same file twice adds nothing.
        """
        from survey.observations_csv import read_observations

        incoming = read_observations(path)
        with self._lock:
            present = {
                (*row[:6], row[6], row[7], row[8])
                for row in self._db.execute(
                    f"SELECT {', '.join(KEY_COLUMNS)}, fetched_at, status, count FROM observations"
                )
            }
        added = 0
        for obs in incoming:
            mark = (*(getattr(obs, c) for c in KEY_COLUMNS), obs.fetched_at, obs.status, obs.count)
            if mark in present:
                continue
            self.record(obs)
            present.add(mark)
            added += 1
        return added, len(incoming) - added
