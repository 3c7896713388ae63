"""A local corpus known only from the cache: its counts are stored, its file is not here.

A fresh clone has the committed counts of the worked example but not the corpus they were
counted in. Reads still need each cell's compiled query to find its answer; this source
compiles exactly as ``local:NAME`` does and answers nothing itself. Its identity is unknown
(None), so a read takes the latest stored answer to the same query, and the report says from
which corpus it came.
"""

from __future__ import annotations

from survey.errors import Unreachable
from survey.matrix import Query
from survey.sources.base import Source
from survey.corpus.index import count_sql, searchable_sql, totals_sql
from survey.sources.local import CAPABILITIES


class StoredLocalSource(Source):
    capabilities = CAPABILITIES
    rate_limit = None
    concurrency = 1

    def __init__(self, name: str):
        self.name = name

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        return count_sql(query, start, end)

    def totals_query(self, start: int, end: int) -> str:
        return totals_sql(start, end)

    def compile_searchable_totals(self, start: int, end: int) -> dict[int, str]:
        return {year: searchable_sql(year, year) for year in range(start, end + 1)}

    def count(self, query: Query, start: int | None, end: int | None) -> int:
        raise Unreachable(f"{self.name}: the corpus is not on this machine; import it with `survey corpus import`")

    def identity(self) -> str | None:
        return None

    def configured(self) -> tuple[bool, str]:
        return False, "corpus not on this machine (counts read from the cache); import it with `survey corpus import`"
