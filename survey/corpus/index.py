"""An imported corpus, opened read-only: counts, per-year counts, matched samples and stats.

Matching semantics (what a count in a local corpus means):

- Words match case-insensitively and as whole words; diacritics are folded (``naïve`` is
  ``naive``).
- Any character that is not a letter or digit separates words, so ``short-term`` is the two
  words ``short term`` and ``LSTM-based`` contains the word ``LSTM``.
- A term is stemmed (English Porter) unless it is marked exact: ``LSTMs`` matches ``LSTM`` and
  ``dialogues`` matches ``dialogue`` (but not ``dialog``, whose stem differs); stemming also
  conflates some unrelated words (``general`` and ``generation``). An exact term matches its
  words as written, case and diacritics aside: exact ``transformer`` does not match
  ``transformers``.
- A phrase (a term with several words) matches those words consecutively and in order, within
  the title or within the abstract, never running from the end of one into the other. The
  terms of a cell may match in different fields.
- Year bounds are inclusive. Records without a year are left out of every window with a
  bound; they count only in an all-time window.

How the indexes and queries are built is in :mod:`survey.corpus.build` and
:mod:`survey.corpus.query`.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

from survey.corpus.layout import SCHEMA_VERSION, SEARCHABLE_TOTALS, YEAR_TOTALS, present_indexes
from survey.corpus.query import (EXACT, by_year_statement, count_sql, ids_statement, match_exclusions, match_expression,
                                 match_groups, searchable_sql, tokenize, totals_sql)
from survey.corpus.snippets import matched_spans, snippet
from survey.errors import BadInput, Unsupported
from survey.matrix import Query
from survey.sources.base import Record

__all__ = ["Corpus", "ImportReport", "import_corpus", "count_sql", "match_expression", "tokenize", "SCHEMA_VERSION"]


def __getattr__(name: str):
    # Public here too, but imported on first use: counting never needs the import machinery.
    if name in ("ImportReport", "import_corpus"):
        from survey.corpus import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_PER_YEAR_KEPT = 1024  # queries whose per-year matches a Corpus keeps; a study has a few dozen cells


class Corpus:
    """An imported corpus, opened read-only. Safe to use from several threads."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise BadInput(f"{self.path}: no such corpus; import one with `survey corpus import PATH --name NAME`")
        uri = self.path.resolve().as_uri() + "?mode=ro"
        self._lock = threading.Lock()
        try:
            # Refresh may call from a worker thread; the lock serialises use of the one connection.
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._meta = dict(self._conn.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{self.path}: not a survey corpus ({exc}); re-import it with "
                           f"`survey corpus import PATH --name {self.path.stem} --replace`") from None
        if self._meta.get("schema") != SCHEMA_VERSION:
            raise BadInput(
                f"{self.path}: corpus schema {self._meta.get('schema')!r}, this version reads {SCHEMA_VERSION!r}; "
                f"re-import it with `survey corpus import PATH --name {self.path.stem} --replace`"
            )
        self._has_exact = EXACT in present_indexes(self._conn)
        self._per_year: dict[Query, dict[int, int]] = {}

    def close(self) -> None:
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def complete_through(self) -> tuple[int, str]:
        """The last complete publication year, and how it was set: at import, or assumed to be the
        year before the import (corpora imported before the option say the same)."""
        given = self._meta.get("complete_through")
        if given:
            return int(given), "as given on import"
        imported = self._meta["imported_at"][:10]
        return int(imported[:4]) - 1, f"assumed: the year before its import on {imported}"

    @property
    def identity(self) -> str:
        """A hash of the records' content, independent of their order; changes when they change."""
        return self._meta["identity"]

    def _rows(self, sql: str, params: tuple) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                raise Unsupported(f"FTS5 rejected the query ({exc}): {params[0] if params else sql}") from None

    def year_totals(self, start: int, end: int) -> dict[int, int]:
        """Records per year, every year from start to end (0 where the corpus has none).

        What :func:`survey.corpus.query.totals_sql` counts; from the totals the import wrote, as
        that statement reads every record (0.6 s on 545k records here), or by it for a corpus without them.
        """
        if YEAR_TOTALS in self._meta:
            found = {int(year): n for year, n in json.loads(self._meta[YEAR_TOTALS]).items()}
        else:
            found = dict(self._rows(totals_sql(start, end), ()))
        return {year: found.get(year, 0) for year in range(start, end + 1)}

    def searchable_totals(self, start: int, end: int) -> dict[int, int]:
        """Records with an abstract per year, every year from start to end: what
        :func:`survey.corpus.query.searchable_sql` counts, from the totals the import wrote where it
        wrote them (the statement reads every record's abstract), else by it."""
        if SEARCHABLE_TOTALS in self._meta:
            found = {int(year): n for year, n in json.loads(self._meta[SEARCHABLE_TOTALS]).items()}
        else:
            found = dict(self._rows(searchable_sql(start, end), ()))
        return {year: found.get(year, 0) for year in range(start, end + 1)}

    def _ready_for(self, query: Query) -> None:
        """Build the exact-word index the first time a query with exact terms needs it."""
        if self._has_exact or not any(EXACT in group for group in (*match_groups(query), match_exclusions(query))):
            return
        with self._lock:
            if not self._has_exact:
                from survey.corpus.build import build_exact_index

                build_exact_index(self.path)
                self._has_exact = True

    def per_year(self, query: Query) -> dict[int, int]:
        """Matches per year in the whole corpus (0: undated), found once per query and corpus opened.

        Every window and per-year count of a query is summed from this: a study counts each cell
        in two windows and per year, and one pass over the index's matches serves all three (on
        2.2M records the three statements took twice as long as this one).
        """
        found = self._per_year.get(query)
        if found is None:
            self._ready_for(query)
            found = dict(self._rows(*by_year_statement(query, None, None)))
            if len(self._per_year) >= _PER_YEAR_KEPT:
                self._per_year.clear()
            self._per_year[query] = found
        return found

    def count(self, query: Query, start: int | None = None, end: int | None = None) -> int:
        """Matches in the window, as :func:`survey.corpus.query.count_statement` counts them (undated records only without bounds)."""
        per_year = self.per_year(query)
        if start is None and end is None:
            return sum(per_year.values())
        # The statement's rowid bounds: from start (or year 1) to end (or the last year).
        low, high = (1 if start is None else start), (end if end is not None else float("inf"))
        return sum(n for year, n in per_year.items() if low <= year <= high)

    def count_by_year(self, query: Query, start: int, end: int) -> dict[int, int]:
        """Matches per year, every year from start to end present (zeros included)."""
        if start > end:
            raise BadInput(f"year range {start}-{end}: start is after end")
        per_year = self.per_year(query)
        return {year: per_year.get(year, 0) for year in range(start, end + 1)}

    def sample(self, query: Query, start: int | None = None, end: int | None = None, n: int = 20, seed: int = 0,
               marks: tuple[str, str] = ("**", "**")) -> list[Record]:
        """Up to ``n`` matched records, the same ones for the same corpus, query and seed.

        Each carries ``matched`` (the words of its title and abstract that matched, as written)
        and ``snippet`` (every matched region of the abstract with a few words around it, the
        matches wrapped in ``marks``; None without an abstract).
        """
        self._ready_for(query)
        ids = [r for (r,) in self._rows(*ids_statement(query, start, end))]
        chosen = sorted(random.Random(seed).sample(ids, min(n, len(ids))))
        if not chosen:
            return []
        rows = self._rows(f"SELECT id, title, year, source_id, doi, abstract FROM records WHERE id IN "
                          f"({','.join('?' * len(chosen))}) ORDER BY id", tuple(chosen))
        spans = matched_spans(query, {rowid: (title, abstract) for rowid, title, _, _, _, abstract in rows})
        records = []
        for rowid, title, year, source_id, doi, abstract in rows:
            in_title, in_abstract = spans[rowid]
            first_seen: dict[str, str] = {}
            for text, found in ((title or "", in_title), (abstract or "", in_abstract)):
                for a, b in found:
                    first_seen.setdefault(text[a:b].casefold(), text[a:b])
            records.append(Record(title=title, year=year, id=source_id, doi=doi,
                                  snippet=snippet(abstract, in_abstract, marks) if abstract else None,
                                  matched=tuple(first_seen.values())))
        return records

    def matched(self, query: Query, start: int | None = None, end: int | None = None,
                batch: int = 500) -> Iterator[list[tuple]]:
        """Every record ``query`` matches in the window, in batches of rows (rowid, source id, title, year,
        DOI, abstract), by rowid: as many rows as ``count`` gives."""
        self._ready_for(query)
        sql, params = ids_statement(query, start, end)
        ids = [r for (r,) in self._rows(sql, params)]
        for at in range(0, len(ids), batch):
            chunk = tuple(ids[at:at + batch])
            yield self._rows(f"SELECT id, source_id, title, year, doi, abstract FROM records WHERE id IN "
                             f"({','.join('?' * len(chunk))}) ORDER BY id", chunk)

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
            "sources": json.loads(self._meta["sources"]),
            "imported_at": self._meta["imported_at"],
            "format": self._meta["format"],
            "read": int(self._meta["read"]),
            "duplicates": int(self._meta["duplicates"]),
            "skipped": int(self._meta["skipped"]),
            "identity": self.identity,
        }
