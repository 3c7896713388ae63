"""The corpus file: an SQLite database of records with an FTS5 index over title and abstract.

Matching semantics (what a count in a local corpus means):

- Words match case-insensitively and as whole words; diacritics are folded (``naïve`` is
  ``naive``).
- Any character that is not a letter or digit separates words, so ``short-term`` is the two
  words ``short term`` and ``LSTM-based`` contains the word ``LSTM``.
- English Porter stemming applies to every word of the records and of the query, so ``LSTMs``
  matches ``LSTM`` and ``dialogues`` matches ``dialogue`` (but not ``dialog``, whose stem
  differs). Stemming also conflates some unrelated words (``general`` and ``generation``).
- A phrase (a term with several words) matches those words consecutively and in order, within
  the title or within the abstract, never running from the end of one into the other. The
  terms of a cell may match in different fields: a record matches ``LSTM`` AND
  ``classification`` when one is in its title and the other in its abstract.
- Year bounds are inclusive. Records without a year are left out of every window with a
  bound; they count only in an all-time window.

These follow from the FTS5 tokenizer ``porter unicode61 remove_diacritics 2`` and from
quoting every query term as an FTS5 string, so that characters and words with a meaning in
FTS5 syntax (``AND``, ``OR``, ``NOT``, ``NEAR``, ``"``, ``*``, ``-``, ``:``, ``^``) in a
term are searched as text, never interpreted.
"""

from __future__ import annotations

import functools
import os
import queue
import random
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.request import pathname2url

from survey.corpus.importers import Entry, normalise_doi, normalise_title, read_records
from survey.errors import BadInput, CorpusFormatError, Unsupported
from survey.matrix import AllOf, Query
from survey.sources.base import Record

SCHEMA_VERSION = "1"
TOKENIZER = "porter unicode61 remove_diacritics 2"
MAX_REASONS = 5
_BATCH = 5000

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    abstract TEXT NOT NULL,
    year INTEGER,
    doi TEXT,
    source_id TEXT
);
-- External content: the text lives once, in records; fts holds only the index.
CREATE VIRTUAL TABLE fts USING fts5(
    title, abstract, year UNINDEXED,
    content='records', content_rowid='id',
    tokenize='{TOKENIZER}'
);
"""

Progress = Callable[[int, "int | None"], None]


@dataclass
class ImportReport:
    read: int
    imported: int
    duplicates: int
    skipped: int
    reasons: list[str] = field(default_factory=list)
    format: str = ""
    seconds: float = 0.0


# ---------------------------------------------------------------- import


def import_corpus(path, target: Path, fmt: str = "auto", progress: Progress | None = None) -> ImportReport:
    """Read the records in ``path`` into a new corpus file at ``target``.

    The corpus is built in a temporary file beside ``target`` and moved over it only when
    complete, so a failed or interrupted import leaves any previous corpus as it was.
    Records are deduplicated on DOI, and records without a DOI on normalised title + year.
    """
    started = time.perf_counter()
    path, target = Path(path), Path(target)
    stream = read_records(path, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".importing", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    report = ImportReport(0, 0, 0, 0, format=stream.format)
    try:
        # The writer thread of _fill uses this connection; only one thread touches it at a time.
        conn = sqlite3.connect(tmp, check_same_thread=False)
        try:
            # The temp file is thrown away on any failure, so durability inside it buys nothing.
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -200000")
            conn.executescript(_SCHEMA)
            # Merging index segments once at the end costs less than merging as batches arrive.
            conn.execute("INSERT INTO fts (fts, rank) VALUES ('automerge', 0)")
            _fill(conn, stream, report, progress)
            if report.read == 0:
                raise CorpusFormatError(f"{path}: no records found; expected {_what(stream.format)}")
            if report.imported == 0:
                raise CorpusFormatError(
                    f"{path}: none of the {report.read} records could be used ({report.reasons[0] if report.reasons else 'all duplicates'}); "
                    f"expected {_what(stream.format)}"
                )
            conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
            conn.execute("INSERT INTO fts (fts, rank) VALUES ('automerge', 4)")  # FTS5's default, for any later writer
            meta = {
                "schema": SCHEMA_VERSION,
                "tokenizer": TOKENIZER,
                "source": str(path.resolve()),
                "format": stream.format,
                "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "read": report.read,
                "imported": report.imported,
                "duplicates": report.duplicates,
                "skipped": report.skipped,
            }
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
            conn.commit()
        finally:
            conn.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    report.seconds = time.perf_counter() - started
    return report


def _what(fmt: str) -> str:
    return {
        "jsonl": "one JSON object per line with a title (and abstract, year, doi)",
        "bibtex": "@article{key, title = {...}, year = {...}} entries",
        "ris": "RIS records (TY  - ... TI  - ... ER  - )",
        "csv": "a header row with a Title column and one record per row",
    }.get(fmt, "records with a title")


def _fill(conn: sqlite3.Connection, stream, report: ImportReport, progress: Progress | None) -> None:
    """Parse and dedup here while a writer thread indexes the previous batch.

    Parsing is Python (holds the GIL) and FTS5 indexing is C (sqlite3 releases the GIL), so on
    two cores the two overlap and an import takes about the longer of the two, not the sum.
    """
    seen_doi: set[str] = set()
    seen_title: set[tuple[str, int | None]] = set()
    batches: queue.Queue = queue.Queue(maxsize=4)
    failure: list[BaseException] = []

    def write():
        try:
            while (batch := batches.get()) is not None:
                conn.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)", batch)
                conn.executemany(
                    "INSERT INTO fts (rowid, title, abstract, year) VALUES (?, ?, ?, ?)",
                    [row[:4] for row in batch],
                )
        except BaseException as exc:  # handed to the reading thread, which raises it
            failure.append(exc)
            while batches.get() is not None:  # drain so the reader never blocks on a full queue
                pass

    writer = threading.Thread(target=write, name="corpus-writer", daemon=True)
    writer.start()
    batch: list[tuple] = []
    try:
        for where, item in stream.items:
            report.read += 1
            if not isinstance(item, Entry):
                report.skipped += 1
                if len(report.reasons) < MAX_REASONS:
                    report.reasons.append(f"{where}: {item}")
            else:
                doi = normalise_doi(item.doi)
                title_key = (normalise_title(item.title), item.year)
                # A record with a DOI is the same work only as another with that DOI; without
                # one, title and year are all there is to go on.
                if (doi in seen_doi) if doi else (title_key in seen_title):
                    report.duplicates += 1
                else:
                    if doi:
                        seen_doi.add(doi)
                    seen_title.add(title_key)
                    report.imported += 1
                    batch.append((report.imported, item.title, item.abstract, item.year, doi, item.id))
                    if len(batch) >= _BATCH:
                        batches.put(batch)
                        batch = []
            if report.read % _BATCH == 0:
                if failure:
                    break
                if progress is not None:
                    progress(report.read, stream.total)
        if batch:
            batches.put(batch)
    finally:
        batches.put(None)
        writer.join()
    if failure:
        raise failure[0]
    if progress is not None:
        progress(report.read, stream.total if stream.total is not None else report.read)


# ---------------------------------------------------------------- query compilation


class _Tokenizer:
    """The corpus tokenizer run on query text, to reject a term that would index as nothing."""

    def __init__(self):
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='{TOKENIZER}')")
        self._conn.execute("CREATE VIRTUAL TABLE probe_vocab USING fts5vocab(probe, 'instance')")

    def tokens(self, text: str) -> list[str]:
        with self._lock:
            self._conn.execute("INSERT INTO probe (rowid, x) VALUES (1, ?)", (text,))
            try:
                return [t for (t,) in self._conn.execute("SELECT term FROM probe_vocab ORDER BY offset")]
            finally:
                self._conn.execute("DELETE FROM probe")


@functools.lru_cache(maxsize=1)
def _tokenizer() -> _Tokenizer:
    return _Tokenizer()


def tokenize(text: str) -> list[str]:
    """The index terms (lowercased, folded, stemmed) that ``text`` becomes in a corpus."""
    return _tokenizer().tokens(text)


def _fts_string(text: str) -> str:
    # Inside an FTS5 string every character is text for the tokenizer: only " needs escaping.
    return '"' + text.replace('"', '""') + '"'


def match_expression(query: Query) -> str:
    """The FTS5 MATCH string for a query tree: AND of parenthesised ORs of quoted terms."""
    if not isinstance(query, AllOf) or not query.items:
        raise Unsupported(f"expected a non-empty AllOf query, got {query!r}")
    return _match_expression(query)


# A refresh compiles each cell once per window and trend year and then counts it: the
# expression (one tokenizer round trip per term) is the same every time.
@functools.lru_cache(maxsize=1024)
def _match_expression(query: AllOf) -> str:
    groups = []
    for group in query.items:
        atoms = []
        for atom in group.items:
            text = atom.text
            if not tokenize(text):
                raise Unsupported(
                    f"term {text!r} has no letters or digits the word index keeps, so it cannot be searched; "
                    "use a word or phrase"
                )
            atoms.append(_fts_string(text))
        if not atoms:
            raise Unsupported("a query group has no terms")
        groups.append("(" + " OR ".join(atoms) + ")")
    return " AND ".join(groups)


def year_condition(start: int | None, end: int | None) -> tuple[str, tuple]:
    """SQL for an inclusive year window; a bounded window leaves out records without a year."""
    if start is not None and end is not None:
        return " AND year BETWEEN ? AND ?", (start, end)
    if start is not None:
        return " AND year >= ?", (start,)
    if end is not None:
        return " AND year <= ?", (end,)
    return "", ()


def _count_statement(query: Query, start: int | None, end: int | None) -> tuple[str, tuple]:
    where, params = year_condition(start, end)
    return f"SELECT count(*) FROM fts WHERE fts MATCH ?{where}", (match_expression(query), *params)


def count_sql(query: Query, start: int | None, end: int | None) -> str:
    """The exact statement ``count`` runs, with literals in place, to paste into sqlite3."""
    sql, (expr, *years) = _count_statement(query, start, end)
    literals = ["'" + expr.replace("'", "''") + "'", *(str(int(y)) for y in years)]
    parts = sql.split("?")  # the expression may hold a "?" of its own: fill the template's, once each
    return "".join(part + literal for part, literal in zip(parts, literals)) + parts[-1]


# ---------------------------------------------------------------- reading a corpus


class Corpus:
    """An imported corpus, opened read-only. Safe to use from several threads."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise BadInput(f"{self.path}: no such corpus; import one with `survey corpus import PATH --name NAME`")
        uri = "file:" + pathname2url(str(self.path.resolve())) + "?mode=ro"
        self._lock = threading.Lock()
        try:
            # Refresh may call from a worker thread; the lock serialises use of the one connection.
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._meta = dict(self._conn.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{self.path}: not a survey corpus ({exc}); re-import it with `survey corpus import`") from None
        if self._meta.get("schema") != SCHEMA_VERSION:
            raise BadInput(
                f"{self.path}: corpus schema {self._meta.get('schema')!r}, this version reads {SCHEMA_VERSION!r}; "
                "re-import it with `survey corpus import`"
            )

    def close(self) -> None:
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _rows(self, sql: str, params: tuple) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                raise Unsupported(f"FTS5 rejected the query ({exc}): {params[0] if params else sql}") from None

    def count(self, query: Query, start: int | None = None, end: int | None = None) -> int:
        return self._rows(*_count_statement(query, start, end))[0][0]

    def count_by_year(self, query: Query, start: int, end: int) -> dict[int, int]:
        """Matches per year, every year from start to end present (zeros included)."""
        if start > end:
            raise BadInput(f"year range {start}-{end}: start is after end")
        sql = "SELECT year, count(*) FROM fts WHERE fts MATCH ? AND year BETWEEN ? AND ? GROUP BY year"
        found = dict(self._rows(sql, (match_expression(query), start, end)))
        return {year: found.get(year, 0) for year in range(start, end + 1)}

    def sample(self, query: Query, start: int | None = None, end: int | None = None, n: int = 20, seed: int = 0) -> list[Record]:
        """Up to ``n`` matched records, the same ones for the same corpus, query and seed."""
        where, params = year_condition(start, end)
        sql = f"SELECT rowid FROM fts WHERE fts MATCH ?{where} ORDER BY rowid"
        ids = [r for (r,) in self._rows(sql, (match_expression(query), *params))]
        chosen = sorted(random.Random(seed).sample(ids, min(n, len(ids))))
        if not chosen:
            return []
        marks = ",".join("?" * len(chosen))
        rows = self._rows(f"SELECT title, year, source_id, doi FROM records WHERE id IN ({marks}) ORDER BY id", tuple(chosen))
        return [Record(title=t, year=y, id=i, doi=d) for t, y, i, d in rows]

    def stats(self) -> dict:
        records, with_abstract, with_year, year_min, year_max = self._rows(
            "SELECT count(*), count(NULLIF(abstract, '')), count(year), min(year), max(year) FROM records", ()
        )[0]
        per_year = dict(self._rows("SELECT year, count(*) FROM records WHERE year IS NOT NULL GROUP BY year ORDER BY year", ()))
        return {
            "records": records,
            "with_abstract": with_abstract,
            "with_year": with_year,
            "year_min": year_min,
            "year_max": year_max,
            "per_year": per_year,
            "source": self._meta.get("source"),
            "imported_at": self._meta.get("imported_at"),
            "format": self._meta.get("format"),
            "read": int(self._meta.get("read", records)),
            "duplicates": int(self._meta.get("duplicates", 0)),
            "skipped": int(self._meta.get("skipped", 0)),
        }
