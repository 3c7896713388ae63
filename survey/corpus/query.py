"""Compiling a query tree into the FTS5 statement a corpus counts with.

A corpus has two FTS5 indexes over the same titles and abstracts: ``fts`` with English Porter
stemming (``porter unicode61 remove_diacritics 2``) and ``fts_exact`` without it. A stemmed atom
is searched in the first, an exact one in the second. A cell whose atoms are all of one kind is
one MATCH; a cell that mixes them is the intersection, over its groups, of the union of each
index's matches. The statement depends on the query alone, never on the corpus, so a count can
be found again by its statement and rerun by hand with ``sqlite3``.

Every term is quoted as an FTS5 string, so words with a meaning in FTS5 syntax (``AND``, ``OR``,
``NOT``, ``NEAR``, ``"``, ``*``, ``-``, ``:``, ``^``) are searched as text, never interpreted.
Years live in the rowid (``year << 32 | n``), so a window or a per-year count is answered from
the index alone.
"""

from __future__ import annotations

import functools
import sqlite3
import threading

from survey.errors import Unsupported
from survey.matrix import AllOf, Query

STEMMED_TOKENIZER = "porter unicode61 remove_diacritics 2"
EXACT_TOKENIZER = "unicode61 remove_diacritics 2"
STEMMED, EXACT = "fts", "fts_exact"
YEAR_SHIFT = 32
LOW_BITS = (1 << YEAR_SHIFT) - 1


class _Tokenizer:
    """An FTS5 tokenizer run on query text, to reject a term that would index as nothing."""

    def __init__(self, tokenizer: str):
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='{tokenizer}')")
        self._conn.execute("CREATE VIRTUAL TABLE probe_vocab USING fts5vocab(probe, 'instance')")

    def tokens(self, text: str) -> list[str]:
        with self._lock:
            self._conn.execute("INSERT INTO probe (rowid, x) VALUES (1, ?)", (text,))
            try:
                return [t for (t,) in self._conn.execute("SELECT term FROM probe_vocab ORDER BY offset")]
            finally:
                self._conn.execute("DELETE FROM probe")


@functools.lru_cache(maxsize=2)
def _tokenizer(kind: str) -> _Tokenizer:
    return _Tokenizer(kind)


def tokenize(text: str) -> list[str]:
    """The index terms (lowercased, folded, stemmed) that ``text`` becomes in the stemmed index."""
    return _tokenizer(STEMMED_TOKENIZER).tokens(text)


def tokenize_exact(text: str) -> list[str]:
    """The index terms (lowercased, folded, not stemmed) that ``text`` becomes in the exact index."""
    return _tokenizer(EXACT_TOKENIZER).tokens(text)


def fts_string(text: str) -> str:
    # Inside an FTS5 string every character is text for the tokenizer: only " needs escaping.
    return '"' + text.replace('"', '""') + '"'


def _alternatives(atoms, field: str | None) -> dict[str, str]:
    """The MATCH string of ``atoms`` OR-ed, in each index they go to."""
    parts: dict[str, list[str]] = {}
    for atom in atoms:
        exact = getattr(atom, "exact", False)
        if not _tokenizer(EXACT_TOKENIZER if exact else STEMMED_TOKENIZER).tokens(atom.text):
            raise Unsupported(
                f"term {atom.text!r} has no letters or digits the word index keeps, so it cannot be searched; "
                "use a word or phrase"
            )
        parts.setdefault(EXACT if exact else STEMMED, []).append(fts_string(atom.text))
    alternatives = {table: " OR ".join(dict.fromkeys(atoms)) for table, atoms in parts.items()}
    if field:  # FTS5's column filter on the group: {title} : (a OR b)
        alternatives = {table: f"{{{field}}} : ({text})" for table, text in alternatives.items()}
    return alternatives


@functools.lru_cache(maxsize=1024)
def match_groups(query: Query) -> tuple[dict[str, str], ...]:
    """Per AND group, the MATCH string of its atoms in each index they go to."""
    if not isinstance(query, AllOf) or not query.items:
        raise Unsupported(f"expected a non-empty AllOf query, got {query!r}")
    groups = []
    for group in query.items:
        alternatives = _alternatives(group.items, query.field)
        if not alternatives:
            raise Unsupported("a query group has no terms")
        groups.append(alternatives)
    return tuple(groups)


@functools.lru_cache(maxsize=1024)
def match_exclusions(query: Query) -> dict[str, str]:
    """The MATCH string of the query's excluded atoms in each index they go to (empty: none)."""
    return _alternatives(query.excluded, query.field)


def _single_table(query: Query) -> str | None:
    """The one index every atom of the query, excluded ones too, goes to; None where they mix."""
    groups = match_groups(query)
    tables = {t for g in (*groups, match_exclusions(query)) for t in g}
    if len(tables) != 1 or any(len(g) != 1 for g in groups):
        return None
    return tables.pop()


def _one_match(query: Query, table: str) -> str:
    # FTS5's NOT binds tighter than AND: "(a) AND (b) NOT (c)" is a AND (b NOT c), the same records.
    expression = " AND ".join(f"({g[table]})" for g in match_groups(query))
    excluded = match_exclusions(query)
    return expression + (f" NOT ({excluded[table]})" if excluded else "")


def match_expression(query: Query) -> str:
    """The one MATCH string of a query whose atoms are all stemmed or all exact."""
    table = _single_table(query)
    if table is None:
        raise Unsupported("a query mixing exact and stemmed terms has no single MATCH string")
    return _one_match(query, table)


def year_condition(start: int | None, end: int | None) -> tuple[str, tuple]:
    """SQL on the rowid for an inclusive year window; a bounded window leaves out undated records."""
    low = f"? << {YEAR_SHIFT}"
    high = f"(? << {YEAR_SHIFT}) + {LOW_BITS}"
    if start is not None and end is not None:
        return f" AND rowid BETWEEN {low} AND {high}", (start, end)
    if start is not None:
        return f" AND rowid >= {low}", (start,)
    if end is not None:
        # undated records have year 0 in the rowid: a bound leaves them out
        return f" AND rowid BETWEEN 1 << {YEAR_SHIFT} AND {high}", (end,)
    return "", ()


def rowid_statement(query: Query, start: int | None, end: int | None) -> tuple[str, str, tuple]:
    """(FROM clause, its rowid column, parameters) of the records ``query`` matches in the window."""
    where, years = year_condition(start, end)
    table = _single_table(query)
    if table is not None:
        return f"{table} WHERE {table} MATCH ?{where}", "rowid", (_one_match(query, table), *years)
    selects, params = [], []
    for group in match_groups(query):
        union = " UNION ".join(f"SELECT rowid AS id FROM {table} WHERE {table} MATCH ?{where}" for table in group)
        for table in group:
            params += [group[table], *years]
        selects.append(f"SELECT id FROM ({union})")
    # Compound operators apply left to right: (A INTERSECT B) EXCEPT C EXCEPT D.
    excluded = match_exclusions(query)
    for table, expression in excluded.items():
        selects[-1] += f" EXCEPT SELECT rowid AS id FROM {table} WHERE {table} MATCH ?{where}"
        params += [expression, *years]
    return "(" + " INTERSECT ".join(selects) + ")", "id", tuple(params)


def count_statement(query: Query, start: int | None, end: int | None) -> tuple[str, tuple]:
    source, _, params = rowid_statement(query, start, end)
    return f"SELECT count(*) FROM {source}", params


def by_year_statement(query: Query, start: int, end: int) -> tuple[str, tuple]:
    source, rowid, params = rowid_statement(query, start, end)
    return f"SELECT {rowid} >> {YEAR_SHIFT}, count(*) FROM {source} GROUP BY 1", params


def ids_statement(query: Query, start: int | None, end: int | None) -> tuple[str, tuple]:
    source, rowid, params = rowid_statement(query, start, end)
    return f"SELECT {rowid} FROM {source} ORDER BY 1", params


def with_literals(sql: str, params: tuple) -> str:
    """``sql`` with its parameters written in, to paste into sqlite3."""
    literals = ["'" + p.replace("'", "''") + "'" if isinstance(p, str) else str(int(p)) for p in params]
    parts = sql.split("?")  # expressions are parameters, so every "?" here is the template's
    return "".join(part + literal for part, literal in zip(parts, literals)) + parts[-1]


def count_sql(query: Query, start: int | None, end: int | None) -> str:
    """The exact statement a corpus counts ``query`` with, literals in place, to paste into sqlite3."""
    return with_literals(*count_statement(query, start, end))


def searchable_sql(start: int, end: int) -> str:
    """The statement behind ``searchable_totals``: records with an abstract per year."""
    return (f"SELECT year, count(*) FROM records WHERE year BETWEEN {int(start)} AND {int(end)} "
            "AND coalesce(abstract, '') <> '' GROUP BY year")


def totals_sql(start: int, end: int) -> str:
    """The statement behind ``year_totals``, runnable as is with ``sqlite3 CORPUS.sqlite``."""
    return f"SELECT year, count(*) FROM records WHERE year BETWEEN {int(start)} AND {int(end)} GROUP BY year"
