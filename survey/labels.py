"""Labels: a person's judgement of the records a cell matched, kept in ``HOME/labels.sqlite``.

The labels live in a file of their own beside the count store (``cache.sqlite``) because they
are of another kind: counts can be fetched again, a person's judgements cannot. ``survey cache
clear``, a count-store migration or a deleted cache never touches them, and each file keeps
its own schema.

A sample belongs to one source, one compiled query and one window (its key): the same records
come back on every run, so a labelling session that stops continues where it stopped, and a
query that changes gets a sample of its own. Each label records the source, the corpus
identity, the cell, the exact query, the record id and the time; the latest label of a record
is its verdict (None: skipped).
"""

from __future__ import annotations

import json
import random
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from survey.errors import BadInput
from survey.store import StoreError

LABELS_FILE = "labels.sqlite"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL, query TEXT NOT NULL, year_from INTEGER, year_to INTEGER,
    corpus TEXT NOT NULL, method TEXT NOT NULL, task TEXT NOT NULL,
    seed INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sample_records (
    sample_id INTEGER NOT NULL REFERENCES samples(id),
    position INTEGER NOT NULL,
    record_id TEXT NOT NULL, title TEXT NOT NULL, year INTEGER, doi TEXT,
    snippet TEXT, matched TEXT,
    PRIMARY KEY (sample_id, position), UNIQUE (sample_id, record_id)
);
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL, corpus TEXT NOT NULL, method TEXT NOT NULL, task TEXT NOT NULL,
    query TEXT NOT NULL, year_from INTEGER, year_to INTEGER,
    record_id TEXT NOT NULL,
    relevant INTEGER CHECK (relevant IN (0, 1)),
    labelled_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS labels_key ON labels (source, query, year_from, year_to, record_id, labelled_at);
"""
# One sample per key, also where two labelling sessions start at once (NULL years are equal here).
_SAMPLE_KEY = """CREATE UNIQUE INDEX IF NOT EXISTS samples_key
    ON samples (source, query, ifnull(year_from, -1), ifnull(year_to, -1))"""


def labels_path(settings) -> Path:
    return Path(settings.cache_path).with_name(LABELS_FILE)


def now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SampleKey:
    source: str
    query: str  # the compiled query, as the source is sent it
    year_from: int | None
    year_to: int | None


@dataclass(frozen=True)
class SampleRecord:
    position: int
    record_id: str
    title: str
    year: int | None = None
    doi: str | None = None
    snippet: str | None = None
    matched: tuple[str, ...] = ()


@dataclass
class Sample:
    id: int
    key: SampleKey
    corpus: str
    method: str
    task: str
    seed: int
    records: list[SampleRecord] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.method}:{self.task}"

    def ids(self) -> set[str]:
        return {r.record_id for r in self.records}


@dataclass(frozen=True)
class Label:
    source: str
    corpus: str
    method: str
    task: str
    query: str
    year_from: int | None
    year_to: int | None
    record_id: str
    relevant: bool | None  # None: skipped
    labelled_at: str
    origin: str  # "terminal", or the CSV file it was imported from

    @property
    def key(self) -> SampleKey:
        return SampleKey(self.source, self.query, self.year_from, self.year_to)


def record_id(record) -> str:
    """The id a record is labelled under: the source's own id, else its DOI."""
    if getattr(record, "id", None):
        return str(record.id)
    if getattr(record, "doi", None):
        return f"doi:{record.doi}"
    raise BadInput(f"a matched record has neither an id nor a DOI, so it cannot be labelled: {record.title!r}")


class LabelStore:
    def __init__(self, path, readonly: bool = False):
        self.path = Path(path)
        try:
            if readonly:
                uri = self.path.resolve().as_uri() + "?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.conn = sqlite3.connect(self.path, timeout=30)
                self.conn.executescript(_SCHEMA)
                try:
                    self.conn.execute(_SAMPLE_KEY)
                except sqlite3.IntegrityError:
                    pass  # a file from before the index, with a key sampled twice: the first sample is read
                self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                self.conn.commit()
            version = dict(self.conn.execute("SELECT key, value FROM meta")).get("schema")
        except (sqlite3.Error, OSError) as exc:
            raise self._failure("open", exc) from None
        if version != SCHEMA_VERSION:
            raise StoreError(f"{self.path}: labels schema {version!r}, this version reads {SCHEMA_VERSION!r}")

    def _failure(self, doing: str, exc: BaseException) -> StoreError:
        why = str(exc) or type(exc).__name__
        if "malformed" in why or "not a database" in why:
            hint = ("it is damaged: copy it somewhere safe (sqlite3's .recover may save its labels), then move it "
                    "aside and label again, or import your exported label files")
        elif "readonly" in why or "read-only" in why.lower():
            hint = "it cannot be written; make it writable or point --home (SURVEY_HOME) elsewhere"
        else:
            hint = "check the file and its folder, or point --home (SURVEY_HOME) elsewhere"
        return StoreError(f"{self.path}: cannot {doing} the labels file ({why}): {hint}")

    @contextmanager
    def _reading(self, doing: str = "read"):
        """SQLite's errors as one line naming the file (a damaged page shows only when it is read)."""
        try:
            yield
        except sqlite3.Error as exc:
            raise self._failure(doing, exc) from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ samples

    def sample(self, key: SampleKey) -> Sample | None:
        with self._reading():
            return self._sample(key)

    def _sample(self, key: SampleKey) -> Sample | None:
        row = self.conn.execute(
            "SELECT id, corpus, method, task, seed FROM samples WHERE source = ? AND query = ? "
            "AND year_from IS ? AND year_to IS ?", (key.source, key.query, key.year_from, key.year_to)).fetchone()
        if row is None:
            return None
        sample = Sample(row[0], key, row[1], row[2], row[3], row[4])
        for pos, rid, title, year, doi, snippet, matched in self.conn.execute(
                "SELECT position, record_id, title, year, doi, snippet, matched FROM sample_records "
                "WHERE sample_id = ? ORDER BY position", (sample.id,)):
            sample.records.append(SampleRecord(pos, rid, title, year, doi, snippet, tuple(json.loads(matched or "[]"))))
        return sample

    def save_sample(self, key: SampleKey, corpus: str, method: str, task: str, seed: int, records) -> Sample:
        """Create the sample of ``key`` or append the records it lacks; return it as stored.

        The write lock is taken before the sample is read, so two sessions that start at once
        store one sample, not two."""
        with self._reading("write"), self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            sample = self._sample(key)
            if sample is None:
                sid = self.conn.execute(
                    "INSERT INTO samples (source, query, year_from, year_to, corpus, method, task, seed, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key.source, key.query, key.year_from, key.year_to, corpus, method, task, seed, now_text())).lastrowid
                have, position = set(), 0
            else:
                sid, have, position = sample.id, sample.ids(), len(sample.records)
            for r in records:
                rid = record_id(r)
                if rid in have:
                    continue
                have.add(rid)
                matched = json.dumps(list(getattr(r, "matched", None) or []))
                self.conn.execute("INSERT INTO sample_records VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                  (sid, position, rid, r.title, r.year, r.doi, getattr(r, "snippet", None), matched))
                position += 1
        return self.sample(key)

    # ------------------------------------------------------------ labels

    def record(self, sample: Sample, record_id: str, relevant: bool | None, *, origin: str = "terminal",
               when: str | None = None) -> Label:
        if record_id not in sample.ids():
            raise BadInput(f"record {record_id!r} is not in the sample of {sample.label}")
        label = Label(sample.key.source, sample.corpus, sample.method, sample.task, sample.key.query,
                      sample.key.year_from, sample.key.year_to, record_id, relevant, when or now_text(), origin)
        with self._reading("write"), self.conn:
            self.conn.execute(
                "INSERT INTO labels (source, corpus, method, task, query, year_from, year_to, record_id, relevant, "
                "labelled_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (label.source, label.corpus, label.method, label.task, label.query, label.year_from, label.year_to,
                 label.record_id, None if relevant is None else int(relevant), label.labelled_at, origin))
        return label

    def labels(self, key: SampleKey | None = None) -> list[Label]:
        """The latest label of every record (of one sample's key, or of all)."""
        sql = ("SELECT source, corpus, method, task, query, year_from, year_to, record_id, relevant, labelled_at, "
               "origin FROM labels")
        params: tuple = ()
        if key is not None:
            sql += " WHERE source = ? AND query = ? AND year_from IS ? AND year_to IS ?"
            params = (key.source, key.query, key.year_from, key.year_to)
        latest: dict[tuple, Label] = {}
        with self._reading():
            for row in self.conn.execute(sql + " ORDER BY labelled_at, id", params):
                relevant = None if row[8] is None else bool(row[8])
                label = Label(*row[:8], relevant, row[9], row[10])
                latest[(label.key, label.record_id)] = label
        return list(latest.values())


def open_labels(settings, *, write: bool) -> LabelStore | None:
    """The labels file of ``settings``; None when reading and there is none yet."""
    path = labels_path(settings)
    if not write and not path.exists():
        return None
    return LabelStore(path, readonly=not write)


# ---------------------------------------------------------------- drawing a sample


def reproducible(source) -> bool:
    """Whether the source draws a seeded random sample: the same records for the same seed.

    Only such a sample estimates precision without bias and can be continued on another run.
    A source whose sample is its first page of results in relevance order does not qualify.
    """
    import inspect

    if not getattr(source.capabilities, "records", False):
        return False
    try:
        return "seed" in inspect.signature(source.sample).parameters
    except (TypeError, ValueError):
        return False


def draw(labels: LabelStore, source, cell, window, n: int, *, seed: int = 0) -> Sample:
    """The sample of ``cell`` in ``window`` from ``source``, at least ``n`` records where it matched that many.

    The first call draws ``n`` records; a later call with the same query returns the stored
    sample, extended to ``n`` records where it has fewer. An extension draws again and adds,
    in a seeded random order, records not already in the sample: still a uniform sample.
    """
    key = SampleKey(source.name, source.compile(cell.query, window.start, window.end), window.start, window.end)
    sample = labels.sample(key)
    if sample is not None and len(sample.records) >= n:
        return sample
    have = sample.ids() if sample is not None else set()
    drawn = source.sample(cell.query, window.start, window.end, n, seed=seed)
    fresh = [r for r in drawn if record_id(r) not in have]
    if sample is not None:
        random.Random(seed + len(have)).shuffle(fresh)
        fresh = fresh[: n - len(have)]
    corpus = source.identity() or ""
    return labels.save_sample(key, corpus, cell.method, cell.task, sample.seed if sample else seed, fresh)


# ---------------------------------------------------------------- a labelling session


@dataclass
class LabelSession:
    """One cell's sample, its labels so far, and what a labelling walk still has to show."""

    store: LabelStore
    sample: Sample
    query: object  # the cell's query tree, to show which words matched
    matched: int | None  # records the cell matched in the window (None: unknown)

    def verdicts(self) -> dict[str, bool | None]:
        return {label.record_id: label.relevant for label in self.store.labels(self.sample.key)}

    def pending(self) -> list[SampleRecord]:
        """The sampled records not labelled yet (a skipped record counts as seen), in sample order."""
        seen = self.verdicts()
        return [r for r in self.sample.records if r.record_id not in seen]

    def judge(self, record_id: str, relevant: bool | None) -> Label:
        return self.store.record(self.sample, record_id, relevant)

    def close(self) -> None:
        self.store.close()


def open_session(settings, source, cell, window, n: int, *, seed: int = 0, local=()) -> LabelSession:
    """Draw (or continue) the sample of ``cell`` in ``source`` and open it for labelling.

    ``local``: the local sources to suggest where ``source`` cannot draw a seeded sample.
    """
    if not reproducible(source):
        raise BadInput(
            f"{source.name} does not draw a seeded random sample of its matches (it returns records in its own "
            f"order, or none), so its precision cannot be estimated without bias; label a local corpus: "
            f"{', '.join(local) or 'import one with `survey corpus import FILE --name NAME`'}")
    try:
        store = open_labels(settings, write=True)
    except StoreError:
        # a home that cannot be written: a sample stored already can still be exported or read
        store = open_labels(settings, write=False)
        if store is None:
            raise
    try:
        sample = draw(store, source, cell, window, n, seed=seed)
        matched = source.count(cell.query, window.start, window.end)
    except BaseException:
        store.close()
        raise
    return LabelSession(store, sample, cell.query, matched)
