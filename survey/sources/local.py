"""Source ``local:NAME``: counts in a corpus imported with ``survey corpus import``.

The matching semantics are those of :mod:`survey.corpus.index` (whole words, case and
diacritics folded, Porter stemming unless a term is exact, phrases within title or within
abstract, inclusive years, undated records only in an all-time window).
"""

from __future__ import annotations

from pathlib import Path

from survey.corpus.index import Corpus, count_sql, searchable_sql, totals_sql
from survey.errors import UnknownSource
from survey.matrix import Query
from survey.sources.base import Capabilities, Record, Source

SUFFIX = ".sqlite"

CAPABILITIES = Capabilities(
    boolean=True,
    phrases=True,
    stemming=True,
    fields="title and abstract",
    per_year_one_call=True,
    records=True,
    title_only=True,
    exact=True,
    searchable_totals=True,
    notes=(
        "Counts only what was imported: coverage is that of the exported file. English Porter "
        "stemming conflates some unrelated words (general/generation); records without a year "
        "count only in an all-time window; duplicates were merged on DOI (when the titles agree), else "
        "title + year."
    ),
)


def corpus_names(settings) -> list[str]:
    """Names of the corpora under ``settings.corpora_dir``, sorted."""
    folder = Path(settings.corpora_dir)
    if not folder.is_dir():
        return []
    # Dot-files are imports in progress (see import_corpus), not corpora.
    return sorted(p.stem for p in folder.glob(f"*{SUFFIX}") if p.is_file() and not p.name.startswith("."))


def corpus_path(settings, name: str) -> Path:
    return Path(settings.corpora_dir) / f"{name}{SUFFIX}"


class LocalSource(Source):
    capabilities = CAPABILITIES
    needs_key = False
    rate_limit = None
    concurrency = 1

    def __init__(self, path, name: str | None = None):
        self.path = Path(path)
        self.name = f"local:{name or self.path.stem}"
        self.corpus = Corpus(self.path)

    @classmethod
    def from_settings(cls, settings, name: str | None = None) -> "LocalSource":
        names = corpus_names(settings)
        if name is None:
            if len(names) == 1:
                name = names[0]
            elif not names:
                raise UnknownSource(
                    f"no local corpus in {settings.corpora_dir}; import one with `survey corpus import PATH --name NAME`"
                )
            else:
                raise UnknownSource(f"several local corpora, say which: {', '.join('local:' + n for n in names)}")
        if name not in names:
            known = ", ".join("local:" + n for n in names) or "none"
            raise UnknownSource(
                f"no local corpus {name!r} in {settings.corpora_dir} (have: {known}); "
                f"import one with `survey corpus import PATH --name {name}`"
            )
        return cls(corpus_path(settings, name), name)

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        """The SQL statement counted, runnable as is with ``sqlite3 CORPUS.sqlite``."""
        return count_sql(query, start, end)

    def count(self, query: Query, start: int | None, end: int | None) -> int:
        return self.corpus.count(query, start, end)

    def count_by_year(self, query: Query, start: int, end: int) -> dict[int, int]:
        return self.corpus.count_by_year(query, start, end)

    def totals_query(self, start: int, end: int) -> str:
        return totals_sql(start, end)

    def identity(self) -> str:
        """The corpus's content hash: a re-import of other records makes earlier counts stale."""
        return self.corpus.identity

    def year_totals(self, start: int, end: int) -> dict[int, int]:
        """Records per year, every year from start to end (0 where the corpus has none)."""
        return self.corpus.year_totals(start, end)

    def compile_searchable_totals(self, start: int, end: int) -> dict[int, str]:
        return {year: searchable_sql(year, year) for year in range(start, end + 1)}

    def searchable_totals(self, start: int, end: int) -> dict[int, int]:
        """Records with an abstract per year, every year from start to end: what a match in
        titles and abstracts could find beyond the title."""
        return self.corpus.searchable_totals(start, end)

    def sample(self, query: Query, start: int | None, end: int | None, n: int, seed: int = 0) -> list[Record]:
        return self.corpus.sample(query, start, end, n, seed)

    def configured(self) -> tuple[bool, str]:
        return True, f"corpus {self.path}"

    def close(self) -> None:
        self.corpus.close()
