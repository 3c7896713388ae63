"""A count observation: what one fetch of one key gave, and when.

A key is what a number depends on: (source, corpus, year_from, year_to, year, query); see
:mod:`survey.store`, which keeps every observation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone

from survey import __version__

STATUSES = ("ok", "error", "unsupported", "blocked")
KEY_COLUMNS = ("source", "corpus", "year_from", "year_to", "year", "query")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def format_time(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Key:
    source: str
    corpus: str  # a local corpus's content identity; "" for online sources
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
    corpus: str = ""
    id: int | None = None

    @property
    def key(self) -> Key:
        return Key(*(getattr(self, c) for c in KEY_COLUMNS))

    @property
    def fetched(self) -> datetime:
        return parse_time(self.fetched_at)


FIELDS = [f.name for f in fields(Observation) if f.name != "id"]  # every column but the row id


def is_fresh(obs: Observation | None, max_age: timedelta | None, now: datetime) -> bool:
    """Whether a key's answering row can be served without fetching again.

    Errors and blocks are never fresh (they are retried); ok and unsupported rows are fresh while
    younger than max_age (None: forever): a row exactly max_age old is stale.
    """
    if obs is None or obs.status not in ("ok", "unsupported"):
        return False
    return max_age is None or now - obs.fetched < max_age

