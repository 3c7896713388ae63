"""Compiling a query tree into the FTS5 statement a corpus counts with.

The index holds words as written (``unicode61 remove_diacritics 2``: case and diacritics
folded, no stemming), and the corpus keeps a table from each Porter stem to the indexed words
that have it. An exact atom is searched as its words; a stemmed atom as every indexed form of
its words' stems (``LSTM`` becomes ``("lstm" OR "lstms")``). That matches exactly what a Porter
index would, with one index instead of two, and the statement stays runnable by hand.

Every term is quoted as an FTS5 string, so words with a meaning in FTS5 syntax (``AND``, ``OR``,
``NOT``, ``NEAR``, ``"``, ``*``, ``-``, ``:``, ``^``) are searched as text, never interpreted.
Years live in the rowid (``year << 32 | n``), so a window or a per-year count is answered from
the index alone.
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
import threading
from typing import Callable

from survey.errors import Unsupported
from survey.matrix import AllOf, Query

INDEX_TOKENIZER = "unicode61 remove_diacritics 2"
STEM_TOKENIZER = "porter unicode61 remove_diacritics 2"
# A stemmed phrase becomes one FTS5 phrase per combination of its words' forms.
MAX_FORMS = 5000
YEAR_SHIFT = 32
LOW_BITS = (1 << YEAR_SHIFT) - 1


class _Tokenizer:
    """An FTS5 tokenizer run on query text."""

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


@functools.lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """The index terms of ``text``: lowercased, diacritics folded, unstemmed."""
    return tuple(_tokenizer(INDEX_TOKENIZER).tokens(text))


def tokenize(text: str) -> list[str]:
    """The Porter stems of ``text``'s words: what a stemmed term matches on."""
    return _tokenizer(STEM_TOKENIZER).tokens(text)


@functools.lru_cache(maxsize=4096)
def stem(word: str) -> str:
    return tokenize(word)[0]


def fts_string(text: str) -> str:
    # Inside an FTS5 string every character is text for the tokenizer: only " needs escaping.
    return '"' + text.replace('"', '""') + '"'


def match_expression(query: Query, forms: Callable[[str], list[str]]) -> str:
    """The FTS5 MATCH string: AND of parenthesised ORs; ``forms(stem)`` lists the indexed words."""
    if not isinstance(query, AllOf) or not query.items:
        raise Unsupported(f"expected a non-empty AllOf query, got {query!r}")
    groups = []
    for group in query.items:
        alternatives: list[str] = []
        for atom in group.items:
            ws = words(atom.text)
            if not ws:
                raise Unsupported(
                    f"term {atom.text!r} has no letters or digits the word index keeps, so it cannot be searched; "
                    "use a word or phrase"
                )
            if getattr(atom, "exact", False):
                choices = [[w] for w in ws]
            else:
                # A stem no record has still compiles, to its own word, which then matches nothing.
                choices = [sorted(set(forms(stem(w)))) or [w] for w in ws]
            combos = 1
            for c in choices:
                combos *= len(c)
            if combos > MAX_FORMS:
                raise Unsupported(
                    f"term {atom.text!r} has {combos} stemmed forms in this corpus (at most {MAX_FORMS}); mark it exact"
                )
            for combo in itertools.product(*choices):
                alternatives.append(fts_string(" ".join(combo)))
        if not alternatives:
            raise Unsupported("a query group has no terms")
        groups.append("(" + " OR ".join(dict.fromkeys(alternatives)) + ")")
    return " AND ".join(groups)


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


def count_statement(expression: str, start: int | None, end: int | None) -> tuple[str, tuple]:
    where, params = year_condition(start, end)
    return f"SELECT count(*) FROM fts WHERE fts MATCH ?{where}", (expression, *params)


def with_literals(sql: str, params: tuple) -> str:
    """``sql`` with its parameters written in, to paste into sqlite3."""
    expr, *years = params
    literals = ["'" + expr.replace("'", "''") + "'", *(str(int(y)) for y in years)]
    parts = sql.split("?")  # the expression may hold a "?" of its own: fill the template's, once each
    return "".join(part + literal for part, literal in zip(parts, literals)) + parts[-1]
