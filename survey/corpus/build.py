"""Building a corpus file: read every input, index as it arrives, then merge duplicates.

A corpus is built in a temporary file beside the target and moved over it only when complete,
so a failed or interrupted import leaves the previous corpus as it was; temporary files of an
import that was killed are removed by the next one. Records are indexed as they are read
(parsing holds the GIL, FTS5 indexing releases it, so on two cores they overlap) and each
record's dedup keys are kept as 64-bit digests in flat arrays; duplicates are found at the end
with numpy and taken out again, so memory stays small however many records there are.

Dedup: records with the same DOI are one work only when their normalised titles agree too (a
proceedings or book DOI is shared by many papers or chapters); a record without a DOI is a
duplicate of an earlier kept record with the same normalised title and year.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import sqlite3
import threading
import time
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from survey.corpus.query import EXACT, EXACT_TOKENIZER, STEMMED, STEMMED_TOKENIZER, YEAR_SHIFT
from survey.corpus.readers import WHAT, read_records
from survey.corpus.records import Entry, digest64, normalise_doi, normalise_title
from survey.errors import BadInput, CorpusFormatError

SCHEMA_VERSION = "2"
MAX_REASONS = 5
_BATCH = 5000
MODES = ("new", "replace", "append")

SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- id is year << {YEAR_SHIFT} | n (year 0: undated), so counts by year need only the index.
-- doi_key (0: no DOI), title_key and digest are 64-bit digests, for dedup on --append and identity.
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    abstract TEXT NOT NULL,
    year INTEGER,
    doi TEXT,
    source_id TEXT,
    doi_key INTEGER NOT NULL,
    title_key INTEGER NOT NULL,
    digest INTEGER NOT NULL
);
-- External content: the text lives once, in records; the FTS5 tables hold only their indexes.
-- Stemmed terms are searched in {STEMMED}, exact ones in {EXACT}.
CREATE VIRTUAL TABLE {STEMMED} USING fts5(title, abstract, content='records', content_rowid='id', tokenize='{STEMMED_TOKENIZER}');
CREATE VIRTUAL TABLE {EXACT} USING fts5(title, abstract, content='records', content_rowid='id', tokenize='{EXACT_TOKENIZER}');
"""
INDEXES = (STEMMED, EXACT)

Progress = Callable[[int, "int | None"], None]


class CorpusExists(BadInput):
    pass


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)
    format: str = ""
    seconds: float = 0.0
    merged_by_doi: int = 0  # same DOI and same normalised title
    merged_by_title: int = 0  # no DOI; same normalised title and year as a kept record
    encodings: list[str] = field(default_factory=list)  # one line per file read other than as plain UTF-8
    records: int = 0  # in the corpus after the import (more than imported after --append)
    identity: str = ""


@dataclass
class _Keys:
    """Per record, in reading order: rowid, DOI+title digest (0: no DOI), title+year digest (the content
    digest goes straight to the records table, where the corpus identity is summed from it)."""

    ids: array = field(default_factory=lambda: array("q"))
    doi: array = field(default_factory=lambda: array("q"))
    title: array = field(default_factory=lambda: array("q"))
    existing: int = 0  # the first ``existing`` came from the corpus appended to


def import_corpus(paths, target, fmt: str = "auto", progress: Progress | None = None, *,
                  encoding: str | None = None, mode: str = "new") -> ImportReport:
    """Read the records of ``paths`` (one path or several) into the corpus file ``target``.

    ``mode``: "new" refuses an existing corpus (CorpusExists), "replace" rebuilds it, "append"
    adds to it (duplicates of records already there are merged too).
    """
    started = time.perf_counter()
    paths = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(p) for p in paths]
    target = Path(target)
    if mode not in MODES:
        raise ValueError(f"mode {mode!r}; expected one of {MODES}")
    if not paths:
        raise BadInput("no file to import")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target.parent)
    if target.exists() and mode == "new":
        raise CorpusExists(f"{target}: a corpus of that name exists; pass --replace to rebuild it or --append to add to it")
    streams = [read_records(p, fmt, encoding) for p in paths]  # an unreadable file fails before any work
    report = ImportReport(format="+".join(dict.fromkeys(s.format for s in streams)))
    report.encodings = [f"{s.path}: {s.encoding_note}" for s in streams if s.encoding_note]
    tmp = target.parent / f".{target.name}.{os.getpid()}.{time.time_ns()}.importing"
    try:
        appending = mode == "append" and target.exists()
        if appending:
            _check_appendable(target)
            shutil.copyfile(target, tmp)
        conn = sqlite3.connect(tmp, check_same_thread=False)  # the writer thread uses it, one at a time
        try:
            conn.execute("PRAGMA journal_mode = OFF")  # the temp file is thrown away on any failure
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -65536")
            keys = _Keys()
            previous: dict[str, str] = {}
            if appending:
                previous = dict(conn.execute("SELECT key, value FROM meta"))
                _load_keys(conn, keys)
            else:
                conn.executescript(SCHEMA)
            # Merging index segments once at the end costs less than merging as batches arrive.
            for table in INDEXES:
                conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 0)")
            for stream in streams:
                before = (report.read, report.skipped, len(keys.ids))
                _fill(conn, stream, report, keys, progress)
                read = report.read - before[0]
                if read == 0:
                    raise CorpusFormatError(f"{stream.path}: no records found; expected {WHAT[stream.format]}")
                if len(keys.ids) == before[2]:
                    raise CorpusFormatError(f"{stream.path}: none of the {read} records could be used "
                                            f"({_first_reason(report, before[1])}); expected {WHAT[stream.format]}")
            _merge_duplicates(conn, keys, report)
            for table in INDEXES:
                conn.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
                conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 4)")  # FTS5's default
            report.records, report.identity = _identity(conn)
            _write_meta(conn, report, paths, previous)
            conn.commit()
        finally:
            conn.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    report.seconds = time.perf_counter() - started
    return report


def _first_reason(report: ImportReport, skipped_before: int) -> str:
    return report.reasons[skipped_before] if len(report.reasons) > skipped_before else "all skipped"


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete temporary files of imports whose process is gone (killed mid-import)."""
    removed = []
    for path in folder.glob(".*.importing"):
        m = re.search(r"\.(\d+)\.\d+\.importing$", path.name)
        if m and _alive(int(m.group(1))):
            continue  # an import running now
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_appendable(target: Path) -> None:
    try:
        with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as conn:
            schema = dict(conn.execute("SELECT key, value FROM meta")).get("schema")
    except sqlite3.DatabaseError as exc:
        raise BadInput(f"{target}: not a survey corpus ({exc}); pass --replace to rebuild it") from None
    if schema != SCHEMA_VERSION:
        raise BadInput(f"{target}: corpus schema {schema!r}, this version writes {SCHEMA_VERSION!r}; "
                       "pass --replace to rebuild it from its files")


def _load_keys(conn: sqlite3.Connection, keys: _Keys) -> None:
    for rowid, doi_key, title_key in conn.execute(
        f"SELECT id, doi_key, title_key FROM records ORDER BY id & {(1 << YEAR_SHIFT) - 1}"
    ):
        keys.ids.append(rowid)
        keys.doi.append(doi_key)
        keys.title.append(title_key)
    keys.existing = len(keys.ids)


def _fill(conn: sqlite3.Connection, stream, report: ImportReport, keys: _Keys, progress: Progress | None) -> None:
    """Parse here while a writer thread indexes the previous batch."""
    batches: queue.Queue = queue.Queue(maxsize=4)
    failure: list[BaseException] = []

    def write():
        try:
            while (batch := batches.get()) is not None:
                conn.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                texts = [row[:3] for row in batch]
                for table in INDEXES:
                    conn.executemany(f"INSERT INTO {table} (rowid, title, abstract) VALUES (?, ?, ?)", texts)
        except BaseException as exc:  # handed to the reading thread, which raises it
            failure.append(exc)
            while batches.get() is not None:  # drain so the reader never blocks on a full queue
                pass

    writer = threading.Thread(target=write, name="corpus-writer", daemon=True)
    writer.start()
    batch: list[tuple] = []
    sequence = max((i & ((1 << YEAR_SHIFT) - 1) for i in keys.ids[-1:]), default=0)
    sequence = max(sequence, len(keys.ids))
    try:
        for where, item in stream.items:
            report.read += 1
            if not isinstance(item, Entry):
                report.skipped += 1
                if len(report.reasons) < MAX_REASONS:
                    report.reasons.append(f"{stream.path.name} {where}: {item}")
            else:
                sequence += 1
                rowid = ((item.year or 0) << YEAR_SHIFT) | sequence
                doi = normalise_doi(item.doi)
                title = normalise_title(item.title)
                doi_key = (digest64(f"{doi}\x1f{title}") or 1) if doi else 0
                title_key = digest64(f"{title}\x1f{item.year}")
                digest = digest64(f"{item.title}\x1f{item.abstract}\x1f{item.year}\x1f{doi}")
                keys.ids.append(rowid)
                keys.doi.append(doi_key)
                keys.title.append(title_key)
                batch.append((rowid, item.title, item.abstract, item.year, doi, item.id, doi_key, title_key, digest))
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


def duplicate_positions(doi_keys, title_keys, existing: int = 0):
    """Positions (in reading order) of the duplicates among records ``existing`` onwards.

    Returns (merged on DOI + title, merged on title + year), numpy index arrays.
    """
    import numpy as np

    dk = np.frombuffer(doi_keys, dtype=np.int64) if not isinstance(doi_keys, np.ndarray) else doi_keys
    tk = np.frombuffer(title_keys, dtype=np.int64) if not isinstance(title_keys, np.ndarray) else title_keys
    n = len(dk)
    has_doi = dk != 0
    with_doi = np.nonzero(has_doi)[0]
    _, first = np.unique(dk[with_doi], return_index=True)  # first occurrence of each key
    doi_dup = np.zeros(n, dtype=bool)
    doi_dup[with_doi] = True
    doi_dup[with_doi[first]] = False
    # A record without a DOI is a duplicate of the first record kept so far with its title and year.
    kept = np.nonzero(~doi_dup)[0]
    uniq, first_kept = np.unique(tk[kept], return_index=True)
    earliest = kept[first_kept]
    without_doi = np.nonzero(~has_doi)[0]
    title_dup = without_doi[earliest[np.searchsorted(uniq, tk[without_doi])] < without_doi]
    by_doi = np.nonzero(doi_dup)[0]
    return by_doi[by_doi >= existing], title_dup[title_dup >= existing]


def _merge_duplicates(conn: sqlite3.Connection, keys: _Keys, report: ImportReport) -> None:
    import numpy as np

    by_doi, by_title = duplicate_positions(keys.doi, keys.title, keys.existing)
    report.merged_by_doi, report.merged_by_title = len(by_doi), len(by_title)
    report.duplicates = report.merged_by_doi + report.merged_by_title
    report.imported = len(keys.ids) - keys.existing - report.duplicates
    if not report.duplicates:
        return
    ids = np.frombuffer(keys.ids, dtype=np.int64)[np.concatenate([by_doi, by_title])]
    conn.execute("CREATE TEMP TABLE dups (id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO dups VALUES (?)", ((int(i),) for i in ids))
    # External-content FTS5 forgets a row only when told its indexed text.
    for table in INDEXES:
        conn.execute(f"INSERT INTO {table} ({table}, rowid, title, abstract) "
                     "SELECT 'delete', id, title, abstract FROM records WHERE id IN (SELECT id FROM dups)")
    conn.execute("DELETE FROM records WHERE id IN (SELECT id FROM dups)")
    conn.execute("DROP TABLE dups")


def _identity(conn: sqlite3.Connection) -> tuple[int, str]:
    """Records and an order-independent content hash: the sum of the records' digests, mod 2**64."""
    # Summed in two 32-bit halves so SQLite's integer sum never overflows.
    count, low, high = conn.execute("SELECT count(*), coalesce(sum(digest & 4294967295), 0), "
                                    "coalesce(sum((digest >> 32) & 4294967295), 0) FROM records").fetchone()
    return count, f"{count}-{(low + (high << 32)) % (1 << 64):016x}"


def _write_meta(conn: sqlite3.Connection, report: ImportReport, paths: list[Path], previous: dict) -> None:
    import json

    def add(key: str, value: int) -> int:
        return int(previous.get(key, 0)) + value

    sources = json.loads(previous.get("sources", "[]")) + [str(p.resolve()) for p in paths]
    meta = {
        "schema": SCHEMA_VERSION,
        "tokenizers": f"{STEMMED}: {STEMMED_TOKENIZER}; {EXACT}: {EXACT_TOKENIZER}",
        "sources": json.dumps(sources),
        "format": "+".join(dict.fromkeys(filter(None, [*previous.get("format", "").split("+"), *report.format.split("+")]))),
        "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "read": add("read", report.read),
        "imported": report.records,
        "duplicates": add("duplicates", report.duplicates),
        "skipped": add("skipped", report.skipped),
        "identity": report.identity,
    }
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
