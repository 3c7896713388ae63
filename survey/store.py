"""The SQLite store of count observations.

One row per fetch, never updated: the latest ok row of a key answers reads, older rows are
history. A key is (source, method, task, year_from, year_to, year, query): the compiled query
is part of it, so editing a query file's terms makes the old counts misses, not wrong answers.
Every observation commits on its own, so an interrupted refresh loses nothing.
"""

from __future__ import annotations

import csv
import sqlite3
import threading
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

from survey import __version__
from survey.errors import SurveyError

SCHEMA_VERSION = 1
STATUSES = ("ok", "error", "unsupported", "blocked")

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
    tool_version TEXT
);
CREATE INDEX IF NOT EXISTS observations_key
    ON observations (source, method, task, year_from, year_to, year, query, fetched_at);
CREATE INDEX IF NOT EXISTS observations_cell ON observations (method, task, fetched_at);
"""

KEY_COLUMNS = ("source", "method", "task", "year_from", "year_to", "year", "query")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def format_time(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Key:
    source: str
    method: str
    task: str
    year_from: int | None
    year_to: int | None
    year: int | None
    query: str


@dataclass(frozen=True)
class Observation:
    source: str
    method: str
    task: str
    window: str  # the window's name, or "trend" for per-year rows
    year_from: int | None
    year_to: int | None
    year: int | None  # None: the window's total
    query: str
    count: int | None
    status: str
    error: str | None = None
    fetched_at: str = ""
    duration_s: float | None = None
    tool_version: str = __version__
    id: int | None = None

    @property
    def key(self) -> Key:
        return Key(*(getattr(self, c) for c in KEY_COLUMNS))

    @property
    def fetched(self) -> datetime:
        return parse_time(self.fetched_at)


_FIELDS = [f.name for f in fields(Observation) if f.name != "id"]


class StoreError(SurveyError):
    pass


class Store:
    """The count cache. Safe to share between threads; several processes may write at once."""

    def __init__(self, path, *, clock: Callable[[], datetime] = utcnow, timeout: float = 60.0):
        self.path = Path(path)
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        try:
            self._db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass  # another process holds it; WAL is persistent once set
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._migrate()

    def _migrate(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # executescript would commit mid-transaction, so statements run one by one
                for stmt in filter(str.strip, _SCHEMA.split(";")):
                    self._db.execute(stmt)
                row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                if row is None:
                    self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                elif int(row[0]) > SCHEMA_VERSION:
                    raise StoreError(
                        f"{self.path}: cache schema version {row[0]} is newer than this survey understands "
                        f"({SCHEMA_VERSION}); upgrade survey"
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self):
        with self._lock:
            self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ writes

    def record(self, obs: Observation) -> Observation:
        """Append one observation and commit it. Returns it with id and fetched_at set."""
        if obs.status not in STATUSES:
            raise ValueError(f"status {obs.status!r} is not one of {STATUSES}")
        if not obs.fetched_at:
            obs = replace(obs, fetched_at=format_time(self.clock()))
        values = [getattr(obs, f) for f in _FIELDS]
        sql = f"INSERT INTO observations ({', '.join(_FIELDS)}) VALUES ({', '.join('?' * len(_FIELDS))})"
        with self._lock:
            cur = self._db.execute(sql, values)
        return replace(obs, id=cur.lastrowid)

    def clear(self, source: str | None = None) -> int:
        with self._lock:
            if source is None:
                cur = self._db.execute("DELETE FROM observations")
            else:
                cur = self._db.execute("DELETE FROM observations WHERE source = ?", (source,))
        return cur.rowcount

    # ------------------------------------------------------------ reads

    def _select(self, sql: str, params: Iterable = ()) -> list[Observation]:
        with self._lock:
            rows = self._db.execute(sql, tuple(params)).fetchall()
        return [Observation(**{k: row[k] for k in row.keys() if k != "rn"}) for row in rows]

    def latest(
        self, source: str | None = None, *, years: bool | None = None, per_query: bool = True
    ) -> list[Observation]:
        """The row that answers each key: its latest ok row, else its latest row of any status.

        ``years``: True for per-year rows only, False for window totals only, None for both.
        ``per_query=False`` ignores the query in the key: one answer per cell and years, as the
        tables want after a query file's terms were edited and refreshed.
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
        partition = ", ".join(c for c in KEY_COLUMNS if per_query or c != "query")
        sql = f"""
            SELECT * FROM (
                SELECT *, ROW_NUMBER() OVER (
                    PARTITION BY {partition}
                    ORDER BY (status = 'ok') DESC, fetched_at DESC, id DESC
                ) AS rn
                FROM observations {clause}
            ) WHERE rn = 1
            ORDER BY source, method, task, year_from, year_to, year
        """
        return self._select(sql, params)

    def latest_by_key(self, source: str | None = None) -> dict[Key, Observation]:
        return {o.key: o for o in self.latest(source)}

    def history(self, method: str | None = None, task: str | None = None, source: str | None = None) -> list[Observation]:
        where, params = [], []
        for column, value in (("method", method), ("task", task), ("source", source)):
            if value is not None:
                where.append(f"lower({column}) = lower(?)")
                params.append(value)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self._select(
            f"SELECT * FROM observations {clause} ORDER BY source, year_from, year_to, year, fetched_at, id", params
        )

    def all(self) -> list[Observation]:
        return self._select("SELECT * FROM observations ORDER BY id")

    def stats(self) -> dict:
        with self._lock:
            total = self._db.execute("SELECT count(*) FROM observations").fetchone()[0]
            per = self._db.execute(
                """SELECT source, status, count(*) AS n, min(fetched_at) AS first, max(fetched_at) AS last
                   FROM observations GROUP BY source, status ORDER BY source, status"""
            ).fetchall()
            keys = self._db.execute(
                f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(KEY_COLUMNS)} FROM observations)"
            ).fetchone()[0]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return {
            "path": str(self.path),
            "observations": total,
            "keys": keys,
            "bytes": size,
            "by_source": [dict(r) for r in per],
        }

    def export_csv(self, path) -> int:
        rows = self.all()
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", *_FIELDS])
            for o in rows:
                d = asdict(o)
                writer.writerow([d["id"], *(d[f] for f in _FIELDS)])
        return len(rows)

    def integrity_check(self) -> str:
        with self._lock:
            return self._db.execute("PRAGMA integrity_check").fetchone()[0]


def is_fresh(obs: Observation | None, max_age: timedelta | None, now: datetime) -> bool:
    """Whether a key's answering row can be served without fetching again.

    Errors and blocks are never fresh (they are retried); ok and unsupported rows are fresh while
    younger than max_age (None: forever).
    """
    if obs is None or obs.status not in ("ok", "unsupported"):
        return False
    return max_age is None or now - obs.fetched <= max_age

