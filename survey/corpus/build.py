"""Building a corpus file: read every input, index as it arrives, then merge duplicates.

A corpus is built in a temporary file beside the target and moved over it only when complete,
so a failed or interrupted import leaves the previous corpus as it was; temporary files of an
import that was killed are removed by the next one. How records are streamed in, and how
duplicates are found and merged, is in :mod:`survey.corpus.loading`.

Only the stemmed index is built here. The exact-word index, which only queries with exact terms
read, doubles the cost of indexing, so it is built from the stored records the first time such
a query meets the corpus (:func:`build_exact_index`) and kept in the corpus file from then on.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from survey.corpus import loading
from survey.corpus.layout import SCHEMA_VERSION, SEARCHABLE_TOTALS, YEAR_TOTALS, present_indexes
from survey.corpus.loading import RECORDS_TABLE, Keys, Kept, Progress
from survey.corpus.query import EXACT, EXACT_TOKENIZER, STEMMED, STEMMED_TOKENIZER, YEAR_SHIFT
from survey.corpus.readers import WHAT, read_records
from survey.corpus.words import register as register_words
from survey.errors import BadInput, CorpusFormatError

MODES = ("new", "replace", "append")


def _fts_table(name: str, tokenizer: str) -> str:
    return (f"CREATE VIRTUAL TABLE {name} USING fts5(title, abstract, content='records', content_rowid='id', "
            f"tokenize='{tokenizer}', columnsize=0)")


SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- id is year << {YEAR_SHIFT} | n (year 0: undated), so counts by year need only the index.
-- doi_key (0: no DOI), title_key and digest are 64-bit digests, for dedup on --append and identity.
{RECORDS_TABLE};
-- External content: the text lives once, in records; the FTS5 tables hold only their indexes.
-- Stemmed terms are searched in {STEMMED}, exact ones in {EXACT} (built on first use).
-- columnsize=0: nothing here ranks by document length, and the sizes would be a second table
-- written per record.
{_fts_table(STEMMED, STEMMED_TOKENIZER)};
"""
PAGE_SIZE = 16384


class CorpusExists(BadInput):
    pass


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)
    fields_skipped: int = 0  # fields passed over in records that were kept
    field_notes: list[str] = field(default_factory=list)  # the first few of them, with file, record and why
    format: str = ""
    seconds: float = 0.0
    merged_by_doi: int = 0  # same DOI and same normalised title
    merged_by_title: int = 0  # no DOI; same normalised title and year as a kept record
    encodings: list[str] = field(default_factory=list)  # one line per file read other than as plain UTF-8
    records: int = 0  # in the corpus after the import (more than imported after --append)
    identity: str = ""


def import_corpus(paths, target, fmt: str = "auto", progress: Progress | None = None, *,
                  encoding: str | None = None, mode: str = "new", complete_through: int | None = None) -> ImportReport:
    """Read the records of ``paths`` (one path or several) into the corpus file ``target``.

    ``mode``: "new" refuses an existing corpus (CorpusExists), "replace" rebuilds it, "append"
    adds to it (duplicates of records already there are merged too). ``complete_through``: the
    last publication year the records cover in full, recorded for the trends (default: the year
    before the import, see ``Corpus.complete_through``).
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
    stamp = f"{os.getpid()}.{time.time_ns()}.importing"
    tmp = target.parent / f".{target.name}.{stamp}"
    side_path = target.parent / f".{target.name}-index.{stamp}"
    side = None
    try:
        appending = mode == "append" and target.exists()
        if appending:
            _check_appendable(target)
            shutil.copyfile(target, tmp)
        conn = _open_for_build(tmp)
        try:
            previous: dict[str, str] = {}
            if appending:
                previous = dict(conn.execute("SELECT key, value FROM meta"))
                keys = Keys.of_corpus(conn)
            else:
                conn.executescript(SCHEMA)
                keys = Keys()
            indexes = present_indexes(conn)
            # A new corpus is indexed into a side file as it is read; an append adds its records
            # to the indexes already there once they are all read (and their duplicates gone).
            if not appending:
                side = loading.open_side(side_path, PAGE_SIZE, {STEMMED: _fts_table(STEMMED, STEMMED_TOKENIZER)})
            for table in indexes:
                _configure_for_loading(conn if appending else side, table)
            appended_after = keys.sequence
            for stream in streams:
                before = (report.read, len(keys.ids))
                first_skip = loading.fill(conn, side, indexes, stream, report, keys, progress)
                read = report.read - before[0]
                if read == 0:
                    raise CorpusFormatError(f"{stream.path}: no records found; expected {WHAT[stream.format]}")
                if len(keys.ids) == before[1]:
                    raise CorpusFormatError(f"{stream.path}: none of the {read} records could be used "
                                            f"({first_skip}); expected {WHAT[stream.format]}")
            conn.commit()
            if side is not None:
                side.commit()
                side.close()
                # A connection that has not used the FTS5 tables, so none holds a stale view of them.
                conn.close()
                conn = _open_for_build(tmp)
                loading.adopt_index(conn, side_path, indexes)
            kept = loading.settle(conn, indexes, keys, report, indexed=not appending)
            if appending:
                loading.index_appended(conn, indexes, appended_after)
            for table in indexes:
                # No 'optimize' (a final merge into one segment): it cost 5 s of a 55 s import of 2.2M
                # records and the study matrix ran no faster on the merged index.
                _configure_for_queries(conn, table)
            report.records, report.identity = sum(kept.per_year.values()), kept.identity
            _write_meta(conn, report, paths, previous, kept, complete_through)
            conn.commit()
        finally:
            if side is not None:
                side.close()
            conn.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        side_path.unlink(missing_ok=True)
    report.seconds = time.perf_counter() - started
    return report


def _open_for_build(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # no effect on a corpus appended to
    conn.execute("PRAGMA journal_mode = OFF")  # the temp file is thrown away on any failure
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -16384")
    return conn


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete temporary files of imports whose process is gone (killed mid-import)."""
    removed = []
    for path in sorted(folder.glob(".*.importing")):
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


def _configure_for_loading(conn: sqlite3.Connection, table: str) -> None:
    # Segments are merged only when a level fills up, not as every batch arrives, and a larger
    # in-memory buffer (64 MB; FTS5's default is 1 MB) writes fewer segments to merge. Index
    # pages fill database pages as FTS5's default does for 4 KiB ones (4050 bytes), so the
    # 16 KiB pages of a new corpus get fewer, larger index pages.
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    for key, value in (("automerge", 0), ("hashsize", 64 << 20), ("pgsz", page_size * 4050 // 4096)):
        conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES (?, ?)", (key, value))


def _configure_for_queries(conn: sqlite3.Connection, table: str) -> None:
    """Back to merging segments as later writes arrive (FTS5's default), once loading is done."""
    conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 4)")


def build_exact_index(path: Path, timeout: float = 600.0) -> bool:
    """Add the exact-word index to the corpus at ``path`` unless it has one; True if built here.

    Another process building it at the same time holds the write lock; this one waits for it
    and then finds the index there.
    """
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise BadInput(f"{path}: cannot open the corpus to build its exact-word index ({exc})") from None
    try:
        conn.execute("BEGIN IMMEDIATE")
        if EXACT in present_indexes(conn):
            conn.execute("ROLLBACK")
            return False
        conn.execute(_fts_table(EXACT, EXACT_TOKENIZER))
        _configure_for_loading(conn, EXACT)
        register_words(conn)  # the index holds the words of the text as separate_scripts splits it
        conn.execute(f"INSERT INTO {EXACT} (rowid, title, abstract) "
                     "SELECT id, separate_scripts(title), separate_scripts(abstract) FROM records")
        _configure_for_queries(conn, EXACT)
        conn.execute("INSERT INTO meta VALUES ('tokenizers', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     (_tokenizers(present_indexes(conn)),))
        conn.execute("COMMIT")
        return True
    except sqlite3.OperationalError as exc:
        raise BadInput(f"{path}: exact terms need the corpus's exact-word index, which is built on first use, "
                       f"and it could not be built ({exc}); check that the corpus file is writable") from None
    finally:
        conn.close()


def _tokenizers(indexes: list[str]) -> str:
    kinds = {STEMMED: STEMMED_TOKENIZER, EXACT: EXACT_TOKENIZER}
    return "; ".join(f"{table}: {kinds[table]}" for table in indexes)


def _write_meta(conn: sqlite3.Connection, report: ImportReport, paths: list[Path], previous: dict,
                kept: Kept, complete_through: int | None) -> None:
    import json

    def add(key: str, value: int) -> int:
        return int(previous.get(key, 0)) + value

    sources = json.loads(previous.get("sources", "[]")) + [str(p.resolve()) for p in paths]
    meta = {
        "schema": SCHEMA_VERSION,
        "tokenizers": _tokenizers(present_indexes(conn)),
        "sources": json.dumps(sources),
        "format": "+".join(dict.fromkeys(filter(None, [*previous.get("format", "").split("+"), *report.format.split("+")]))),
        "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "read": add("read", report.read),
        "imported": report.records,
        "duplicates": add("duplicates", report.duplicates),
        "skipped": add("skipped", report.skipped),
        "identity": report.identity,
        # Records per year (0: undated), so year totals need no pass over every record's text.
        YEAR_TOTALS: json.dumps({str(year): n for year, n in sorted(kept.per_year.items())}),
        SEARCHABLE_TOTALS: json.dumps({str(year): n for year, n in sorted(kept.with_abstract.items())}),
    }
    if complete_through is not None:
        meta["complete_through"] = complete_through
    elif previous.get("complete_through"):
        # an append without the option says nothing new of the years: the import's date moves on,
        # and an assumption from it would silently extend what was given
        meta["complete_through"] = previous["complete_through"]
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
