"""Streaming records into a corpus file being built: parse, store and index at once, then merge duplicates.

FTS5 indexing is most of an import's work and runs in SQLite without the GIL, so it gets a
thread and a connection of its own, writing its index into a side file; the reading thread
parses the records and stores them in the corpus file through a second connection (SQLite lets
one writer at a time into a file, so the two writers need two files). At the end the index's
tables are copied from the side file into the corpus file. The index is a few large blocks,
about half the size of the records' text: copying the records instead (the side file held them
before) was a serial pass over 2.2M rows that cost more than a tenth of a large import.

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

import hashlib
import queue
import sqlite3
import threading
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import orjson

from survey.corpus.query import LOW_BITS, YEAR_SHIFT
from survey.corpus.records import Entry, Noted, normalise_doi, normalise_title
from survey.corpus.words import WORDS_VERSION, register as register_words, separate_scripts

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
    """Per record, in reading order: rowid, DOI+title digest (0: no DOI), title+year digest, content
    digest (the corpus identity is their sum over the records kept)."""

    ids: array = field(default_factory=lambda: array("q"))
    doi: array = field(default_factory=lambda: array("q"))
    title: array = field(default_factory=lambda: array("q"))
    content: array = field(default_factory=lambda: array("q"))
    abstract: array = field(default_factory=lambda: array("b"))  # 1 where the record has an abstract
    existing: int = 0  # the first ``existing`` came from the corpus appended to
    sequence: int = 0  # the highest record number in use (the low bits of an id)

    @classmethod
    def of_corpus(cls, conn: sqlite3.Connection) -> "Keys":
        """The keys of the records a corpus holds. Their order does not matter: none of them is a
        duplicate of another, and every record appended comes after all of them."""
        keys = cls()
        for rowid, doi_key, title_key, digest, has_abstract in conn.execute(
                "SELECT id, doi_key, title_key, digest, coalesce(abstract, '') <> '' FROM records"):
            keys.ids.append(rowid)
            keys.doi.append(doi_key)
            keys.title.append(title_key)
            keys.content.append(digest)
            keys.abstract.append(has_abstract)
        keys.existing = len(keys.ids)
        keys.sequence = max((rowid & LOW_BITS for rowid in keys.ids), default=0)
        return keys


def record_row(item: Entry, sequence: int) -> tuple:
    """The row of RECORDS_TABLE that ``item``, the ``sequence``-th record, becomes: its id, text and keys.

    The one place where a record's text is made what the corpus stores and what the index is
    filled with (the index reads the title and abstract of these rows, and later of the stored
    ones), so a change to indexed text belongs here. The keys are digest64's, written out: three
    calls a record were a tenth of this function's cost in an import of millions.
    """
    title, abstract, year, doi, ident = item  # text make_entry checked: no lone surrogate to encode
    rowid = ((year or 0) << YEAR_SHIFT) | sequence
    doi = normalise_doi(doi)
    key = normalise_title(title)
    doi_key = (_from_bytes(_blake2b(f"{doi}\x1f{key}".encode(), digest_size=8).digest(), "little", signed=True)
               or 1) if doi else 0
    title_key = _from_bytes(_blake2b(f"{key}\x1f{year}".encode(), digest_size=8).digest(), "little", signed=True)
    digest = _from_bytes(_blake2b(f"{title}\x1f{abstract}\x1f{year}\x1f{doi}".encode(), digest_size=8).digest(),
                         "little", signed=True)
    return (rowid, title, abstract, year, doi, ident, doi_key, title_key, digest)


_blake2b, _from_bytes = hashlib.blake2b, int.from_bytes


def open_side(path: Path, page_size: int, fts_tables: dict[str, str]) -> sqlite3.Connection:
    """The side file the indexing thread writes the new index into, ``fts_tables`` (name: CREATE statement)."""
    side = sqlite3.connect(path, check_same_thread=False)  # the indexing thread uses it while records are read
    side.execute(f"PRAGMA page_size = {page_size}")
    side.execute("PRAGMA journal_mode = OFF")  # the side file is thrown away on any failure
    side.execute("PRAGMA synchronous = OFF")
    for create in fts_tables.values():
        side.execute(create)  # external content: FTS5 reads no records while it is only written to
    return side


def fill(conn: sqlite3.Connection, side: sqlite3.Connection | None, indexes: list[str], stream, report, keys: Keys,
         progress: Progress | None) -> str | None:
    """Read ``stream``: index each batch into ``side`` on a thread while the next is parsed and stored in ``conn``.

    Without ``side`` (an append, whose records join an index already there) nothing is indexed
    here: :func:`index_appended` does it at the end.

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
                    side.execute(statement, (texts,))
        except BaseException as exc:  # handed to the reading thread, which raises it
            failure.append(exc)
            while batches.get() is not None:  # drain so the reader never blocks on a full queue
                pass

    def hand_over(batch: list[tuple]) -> None:
        conn.executemany(store, batch)
        # the keys of a whole batch at once: five appends a record cost more than the comprehensions
        keys.ids.extend([row[0] for row in batch])
        keys.doi.extend([row[6] for row in batch])
        keys.title.extend([row[7] for row in batch])
        keys.content.extend([row[8] for row in batch])
        keys.abstract.extend([1 if row[2] else 0 for row in batch])
        if side is not None:
            # the index gets the text split into words as survey.corpus.words says; records keep it as read
            batches.put(orjson.dumps([(row[0], separate_scripts(row[1]), separate_scripts(row[2])) for row in batch]))

    indexer = threading.Thread(target=index, name="corpus-indexer", daemon=True)
    if side is not None:
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
                batch.append(record_row(item, sequence))
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
        if side is not None:
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


def adopt_index(conn: sqlite3.Connection, side_path: Path, tables: list[str]) -> None:
    """Replace the (empty) FTS5 ``tables`` of ``conn`` by those the side file holds, block for block.

    FTS5 keeps an index in ordinary tables (``<name>_data``, ``_idx``, ``_config``; no others
    with external content and columnsize=0), so copying them moves the index as it is. ``conn``
    must not have used the FTS5 tables yet: FTS5 caches an index's structure per connection.
    """
    conn.execute("ATTACH DATABASE ? AS side", (str(side_path),))
    try:
        for table in tables:
            for shadow in ("data", "idx", "config"):
                conn.execute(f"DELETE FROM main.{table}_{shadow}")
                conn.execute(f"INSERT INTO main.{table}_{shadow} SELECT * FROM side.{table}_{shadow}")
        conn.commit()
    finally:
        conn.execute("DETACH DATABASE side")


@dataclass
class Kept:
    """What the corpus holds once duplicates are gone, found from the keys rather than by reading
    every record back (such a pass took 0.6 s over 545k records here, each)."""

    per_year: dict[int, int]  # records per year (0: undated)
    with_abstract: dict[int, int]  # of those, the records with an abstract
    identity: str  # records and an order-independent content hash: the sum of their digests, mod 2**64


def settle(conn: sqlite3.Connection, indexes: list[str], keys: Keys, report, indexed: bool) -> Kept:
    """Take the duplicates out of the records and, when they were ``indexed``, out of the index."""
    import numpy as np

    by_doi, by_title = duplicate_positions(keys.doi, keys.title, keys.existing)
    report.merged_by_doi, report.merged_by_title = len(by_doi), len(by_title)
    report.duplicates = report.merged_by_doi + report.merged_by_title
    report.imported = len(keys.ids) - keys.existing - report.duplicates
    every = np.frombuffer(keys.ids, dtype=np.int64)
    duplicates = np.concatenate([by_doi, by_title])
    ids = every[duplicates]
    kept_ids = np.delete(every, duplicates)
    years, counts = np.unique(kept_ids >> YEAR_SHIFT, return_counts=True)
    has_abstract = np.delete(np.frombuffer(keys.abstract, dtype=np.int8), duplicates).astype(bool)
    abstract_years, abstract_counts = np.unique(kept_ids[has_abstract] >> YEAR_SHIFT, return_counts=True)
    # uint64 sums wrap around: the sum mod 2**64 of the digests as unsigned numbers.
    digest = int(np.delete(np.frombuffer(keys.content, dtype=np.int64), duplicates).view(np.uint64).sum(dtype=np.uint64))
    kept = Kept(dict(zip(years.tolist(), counts.tolist())), dict(zip(abstract_years.tolist(), abstract_counts.tolist())),
                f"{len(every) - len(duplicates)}-{digest:016x}-w{WORDS_VERSION}")
    conn.execute("CREATE TEMP TABLE dups (id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO dups VALUES (?)", ((int(i),) for i in ids))
    # External-content FTS5 forgets a row only when told its indexed text, so the index goes first.
    register_words(conn)
    for table in indexes if indexed else ():
        conn.execute(f"INSERT INTO {table} ({table}, rowid, title, abstract) SELECT 'delete', id, "
                     "separate_scripts(title), separate_scripts(abstract) FROM records WHERE id IN (SELECT id FROM dups)")
    conn.execute("DELETE FROM records WHERE id IN (SELECT id FROM dups)")
    conn.execute("DROP TABLE dups")
    conn.commit()
    return kept


def index_appended(conn: sqlite3.Connection, indexes: list[str], after: int) -> None:
    """Index the records appended to a corpus: those numbered past ``after``, the sequence it had."""
    register_words(conn)
    for table in indexes:
        conn.execute(f"INSERT INTO {table} (rowid, title, abstract) SELECT id, separate_scripts(title), "
                     f"separate_scripts(abstract) FROM records WHERE (id & {LOW_BITS}) > ?", (after,))
    conn.commit()
