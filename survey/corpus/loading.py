"""Streaming records into a corpus file being built: parse, index and store at once, then merge duplicates.

FTS5 indexing is most of an import's work and runs in SQLite without the GIL, so it gets a
thread and a connection of its own, writing the corpus file; the reading thread parses and
stores the records' text in a side file through a second connection (SQLite lets one writer
at a time into a file, so the two writers need two files). At the end the side file's records,
less the duplicates, are copied into the corpus file in one statement.

Each batch reaches the indexing thread as one JSON text and is indexed by one statement: with a
statement per record the indexing thread waited for the GIL at every record and the two threads
ran one after the other.

Each record's dedup keys are kept as 64-bit digests in flat arrays; duplicates are found at the
end with numpy and taken out of the index again, so memory stays small however many records
there are. Records with the same DOI are one work only when their normalised titles agree too
(a proceedings or book DOI is shared by many papers or chapters); a record without a DOI is a
duplicate of an earlier kept record with the same normalised title and year.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import orjson

from survey.corpus.query import LOW_BITS, YEAR_SHIFT
from survey.corpus.records import Entry, Noted, digest64, normalise_doi, normalise_title
from survey.corpus.words import register as register_words, separate_scripts

MAX_REASONS = 5
_BATCH = 5000
# A batch is handed over at this many characters of text too: with records up to the reader's
# limit (16 Mi characters), 5000 of them would hold gigabytes (README: an import's memory bound).
_BATCH_CHARS = 8 * 1024 * 1024
RECORDS_TABLE = """CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    abstract TEXT NOT NULL,
    year INTEGER,
    doi TEXT,
    source_id TEXT,
    doi_key INTEGER NOT NULL,
    title_key INTEGER NOT NULL,
    digest INTEGER NOT NULL
)"""

Progress = Callable[[int, "int | None"], None]


@dataclass
class Keys:
    """Per record, in reading order: rowid, DOI+title digest (0: no DOI), title+year digest (the content
    digest goes straight to the records table, where the corpus identity is summed from it)."""

    ids: array = field(default_factory=lambda: array("q"))
    doi: array = field(default_factory=lambda: array("q"))
    title: array = field(default_factory=lambda: array("q"))
    existing: int = 0  # the first ``existing`` came from the corpus appended to
    sequence: int = 0  # the highest record number in use (the low bits of an id)

    @classmethod
    def of_corpus(cls, conn: sqlite3.Connection) -> "Keys":
        """The keys of the records a corpus holds. Their order does not matter: none of them is a
        duplicate of another, and every record appended comes after all of them."""
        keys = cls()
        for rowid, doi_key, title_key in conn.execute("SELECT id, doi_key, title_key FROM records"):
            keys.ids.append(rowid)
            keys.doi.append(doi_key)
            keys.title.append(title_key)
        keys.existing = len(keys.ids)
        keys.sequence = max((rowid & LOW_BITS for rowid in keys.ids), default=0)
        return keys


def open_side(path: Path, page_size: int) -> sqlite3.Connection:
    """The side file the reading thread stores records in while the corpus file is indexed."""
    side = sqlite3.connect(path)
    side.execute(f"PRAGMA page_size = {page_size}")
    side.execute("PRAGMA journal_mode = OFF")  # the side file is thrown away on any failure
    side.execute("PRAGMA synchronous = OFF")
    side.execute(RECORDS_TABLE)
    return side


def fill(conn: sqlite3.Connection, side: sqlite3.Connection, indexes: list[str], stream, report, keys: Keys,
         progress: Progress | None) -> str | None:
    """Read ``stream``: index each batch into ``conn`` on a thread while the next is parsed and stored in ``side``.

    Returns why the stream's first skipped record was skipped (None if none was): the report
    keeps only the first few reasons of the whole import. ``progress`` hears records read so far
    in the whole import, and the total once this file is read (files are read as they stream).
    """
    first_skip = None
    batches: queue.Queue = queue.Queue(maxsize=4)
    failure: list[BaseException] = []
    statements = [f"INSERT INTO {table} (rowid, title, abstract) SELECT value ->> 0, value ->> 1, value ->> 2 "
                  "FROM json_each(?)" for table in indexes]
    store = "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"  # a row of RECORDS_TABLE, as batched below

    def index():
        try:
            while (texts := batches.get()) is not None:
                for statement in statements:
                    conn.execute(statement, (texts,))
        except BaseException as exc:  # handed to the reading thread, which raises it
            failure.append(exc)
            while batches.get() is not None:  # drain so the reader never blocks on a full queue
                pass

    def hand_over(batch: list[tuple]) -> None:
        side.executemany(store, batch)
        batches.put(orjson.dumps([(row[0], separate_scripts(row[1]), separate_scripts(row[2])) for row in batch]))

    indexer = threading.Thread(target=index, name="corpus-indexer", daemon=True)
    indexer.start()
    batch: list[tuple] = []
    chars = 0
    sequence = keys.sequence
    try:
        for where, item in stream.items:
            if type(item) is Noted:  # kept without the fields the reader could not read
                report.fields_skipped += len(item.notes)
                report.field_notes.extend(f"{stream.path.name} {where}: {note}" for note in item.notes
                                          if len(report.field_notes) < MAX_REASONS)
                item = item.entry
            report.read += 1
            if not isinstance(item, Entry):
                report.skipped += 1
                reason = f"{stream.path.name} {where}: {item}"
                first_skip = first_skip or reason
                if len(report.reasons) < MAX_REASONS:
                    report.reasons.append(reason)
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
                chars += len(item.title) + len(item.abstract)
                if len(batch) >= _BATCH or chars > _BATCH_CHARS:
                    hand_over(batch)
                    batch, chars = [], 0
            if report.read % _BATCH == 0:
                if failure:
                    break
                if progress is not None:
                    progress(report.read, None)
        if batch and not failure:
            hand_over(batch)
    finally:
        keys.sequence = sequence
        batches.put(None)
        indexer.join()
    if failure:
        raise failure[0]
    if progress is not None:
        progress(report.read, report.read)
    return first_skip


def duplicate_positions(doi_keys, title_keys, existing: int = 0):
    """Positions (in reading order) of the duplicates among records ``existing`` onwards.

    Returns (merged on DOI + title, merged on title + year), numpy index arrays.
    """
    import numpy as np

    dk = np.frombuffer(doi_keys, dtype=np.int64)
    tk = np.frombuffer(title_keys, dtype=np.int64)
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


def settle(conn: sqlite3.Connection, side_path: Path, indexes: list[str], keys: Keys, report) -> None:
    """Take the duplicates out of the index and copy the side file's other records into the corpus."""
    import numpy as np

    by_doi, by_title = duplicate_positions(keys.doi, keys.title, keys.existing)
    report.merged_by_doi, report.merged_by_title = len(by_doi), len(by_title)
    report.duplicates = report.merged_by_doi + report.merged_by_title
    report.imported = len(keys.ids) - keys.existing - report.duplicates
    ids = np.frombuffer(keys.ids, dtype=np.int64)[np.concatenate([by_doi, by_title])]
    conn.execute("ATTACH DATABASE ? AS side", (str(side_path),))
    try:
        conn.execute("CREATE TEMP TABLE dups (id INTEGER PRIMARY KEY)")
        conn.executemany("INSERT INTO dups VALUES (?)", ((int(i),) for i in ids))
        # External-content FTS5 forgets a row only when told its indexed text. Duplicates are
        # always records of this import, so their text is in the side file.
        register_words(conn)
        for table in indexes:
            conn.execute(f"INSERT INTO {table} ({table}, rowid, title, abstract) SELECT 'delete', id, "
                         "separate_scripts(title), separate_scripts(abstract) FROM side.records WHERE id IN (SELECT id FROM dups)")
        conn.execute("INSERT INTO records SELECT * FROM side.records WHERE id NOT IN (SELECT id FROM dups)")
        conn.execute("DROP TABLE dups")
        conn.commit()
    finally:
        conn.execute("DETACH DATABASE side")
