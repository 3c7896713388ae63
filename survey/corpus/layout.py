"""What a corpus file holds, as far as a reader must know before it counts: the schema version and the indexes.

Kept apart from :mod:`survey.corpus.build`, so that counting in a corpus never imports the
import machinery (the readers, their patterns, the loading thread).
"""

from __future__ import annotations

import sqlite3

from survey.corpus.query import EXACT, STEMMED

# A file written under another version is refused, never counted in: its counts could differ.
SCHEMA_VERSION = "3"  # 3: words split between CJK and other scripts (survey.corpus.words)
INDEXES = (STEMMED, EXACT)
# The meta key of the records per year (JSON), written by imports since it was added; a corpus
# imported before has none and its year totals are counted from its records.
YEAR_TOTALS = "year_totals"
# Likewise the records with an abstract per year (what per_1000_searchable divides by).
SEARCHABLE_TOTALS = "searchable_totals"


def present_indexes(conn: sqlite3.Connection) -> list[str]:
    """The FTS5 indexes a corpus file has: the stemmed one always, the exact one once built."""
    names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return [table for table in INDEXES if table in names]
