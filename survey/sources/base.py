"""The Source interface every counting backend implements.

A source compiles a cell's query tree into its own syntax and returns hit counts. It never
touches the store: refresh wraps what it returns (or raises) into observations.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from survey.errors import Unsupported
from survey.matrix import Query


@dataclass(frozen=True)
class Capabilities:
    boolean: bool  # AND/OR between concepts
    phrases: bool  # exact consecutive words
    stemming: bool  # does `LSTMs` match `LSTM`
    fields: str  # what is searched, in words ("title and abstract", "titles", "full text")
    per_year_one_call: bool  # count_by_year costs one request rather than one per year
    records: bool = False  # sample() returns matched records (for the precision audit)
    exact: bool = False  # can match a term unstemmed where it stems by default
    title_only: bool = False  # can restrict a search to titles (a query file's fields = "title")
    searchable_totals: bool = False  # can count per year the works with an abstract (coverage)
    notes: str = ""  # known biases, shown in `survey sources` and the report
    estimate: str = ""  # where counts are documented estimates, how (the rounding): no interval is put on them


@dataclass(frozen=True)
class Record:
    """A matched record, for the precision audit."""

    title: str
    year: int | None = None
    id: str | None = None
    doi: str | None = None
    snippet: str | None = None  # where the source gives one: the abstract around the matches, marked
    matched: tuple[str, ...] = ()  # where the source gives them: the words that matched, as written


class Source(ABC):
    name: str
    capabilities: Capabilities
    needs_key: bool = False
    rate_limit: float | None = None  # requests per second, None: unlimited (local)
    concurrency: int = 1

    @abstractmethod
    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        """The exact query (or request URL, secrets redacted) sent for this count.

        Raises Unsupported(reason) where the source cannot express the query faithfully.
        """

    @abstractmethod
    def count(self, query: Query, start: int | None, end: int | None) -> int:
        """Hits for the query among works published in [start, end] (None: open)."""

    def count_by_year(self, query: Query, start: int, end: int) -> dict[int, int]:
        """Hits per publication year, every year from start to end present."""
        return {year: self.count(query, year, year) for year in range(start, end + 1)}

    def compile_by_year(self, query: Query, start: int, end: int) -> dict[int, str]:
        """The request that answers each year's count in ``count_by_year(query, start, end)``:
        one per year, or the same one for every year where a single call answers them all.
        Raises Unsupported like ``compile``."""
        return {year: self.compile(query, year, year) for year in range(start, end + 1)}

    def totals_query(self, start: int, end: int) -> str:
        """The exact query (or request) that counts all works of years start..end, for ``year_totals``.

        Raises Unsupported where the source cannot count its whole output.
        """
        raise Unsupported(f"{self.name} cannot count all of its works per year")

    def compile_year_totals(self, start: int, end: int) -> dict[int, str]:
        """The request behind each year of ``year_totals(start, end)``, for its cache key: one per
        year by default, the same one for every year where a single call answers them all."""
        return {year: self.totals_query(year, year) for year in range(start, end + 1)}

    def year_totals(self, start: int, end: int) -> dict[int, int]:
        """All works per year regardless of query (every year from start to end), for normalising trends."""
        raise Unsupported(f"{self.name} cannot count all of its works per year")

    def compile_searchable_totals(self, start: int, end: int) -> dict[int, str]:
        """The request behind each year of ``searchable_totals`` (where ``capabilities.searchable_totals``)."""
        raise Unsupported(f"{self.name} cannot count its works with an abstract per year")

    def searchable_totals(self, start: int, end: int) -> dict[int, int]:
        """Works with an abstract per year, every year from start to end: the coverage of a search
        of titles and abstracts (where ``capabilities.searchable_totals``)."""
        raise Unsupported(f"{self.name} cannot count its works with an abstract per year")

    def sample(self, query: Query, start: int | None, end: int | None, n: int) -> list[Record]:
        raise NotImplementedError(f"{self.name} does not return records")

    def identity(self) -> str | None:
        """What a count depends on beyond the query: a local corpus's content id; "" online.

        None: unknown here (a corpus that is not on this machine), so reads take the latest
        stored answer to the same query whatever corpus gave it, and say so.
        """
        return ""

    def configured(self) -> tuple[bool, str]:
        """Whether the source can be used as configured, and why not."""
        return True, "ok"

    def close(self) -> None:
        pass
