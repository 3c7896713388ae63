"""Semantic Scholar: ``total`` of the Graph API's bulk paper search.

The bulk endpoint is the one with a query syntax (``+`` AND, ``|`` OR, quoted phrases,
parentheses); the relevance endpoint ``/paper/search`` takes plain words only, so it could
not express a cell faithfully.
"""

from __future__ import annotations

from survey.errors import Unsupported
from survey.matrix import Phrase, Query
from survey.sources.base import Capabilities
from survey.sources.online import OnlineSource, hit_count, require_exact, require_fields, require_plain

PATH = "/paper/search/bulk"


class SemanticScholarSource(OnlineSource):
    totals_path = PATH
    name = "semanticscholar"
    default_url = "https://api.semanticscholar.org/graph/v1"
    needs_key = False  # optional x-api-key; without one requests share a public pool
    rate_limit = 1.0  # documented: 1 request per second with a key
    concurrency = 1
    capabilities = Capabilities(
        boolean=True,
        phrases=True,
        stemming=True,
        fields="title and abstract",
        per_year_one_call=False,
        records=False,
        estimate="Semantic Scholar's totals, estimates that change between identical calls",
        notes=(
            "Totals are estimates and unstable between identical calls (index shards); the raw value is kept. "
            "Without an API key requests share a public pool and are throttled with 429s. "
            "Terms are stemmed in English and the bulk search syntax documents no unstemmed form, so exact "
            "terms are unsupported. Year totals: the bulk search with no text query, one call per year."
        ),
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.key:
            self.http.session.headers["x-api-key"] = self.key

    def configured(self) -> tuple[bool, str]:
        if not self.key:
            return True, "ok (no SURVEY_SEMANTICSCHOLAR_KEY: shared public pool, heavily throttled)"
        return True, "ok"

    def expression(self, query: Query) -> str:
        groups = []
        require_fields(query, self)
        for group in query.items:
            alts = [self.atom_text(atom) for atom in group.items]
            groups.append(alts[0] if len(alts) == 1 else "(" + " | ".join(alts) + ")")
        # The bulk search's documented "-" negates a term.
        groups += ["-" + self.atom_text(atom) for atom in query.excluded]
        return " + ".join(groups)

    def atom_text(self, atom) -> str:
        # Inside quotes only a quote is special; a bare word must not start with "-" (NOT).
        require_exact(atom, self)
        require_plain(atom.text, self.name, '"' if isinstance(atom, Phrase) else '+|"()*~')
        if atom.text.startswith("-"):
            raise Unsupported(f"semanticscholar cannot search {atom.text!r}: a leading - means NOT")
        return f'"{atom.text}"' if isinstance(atom, Phrase) else atom.text

    @staticmethod
    def years(start: int | None, end: int | None) -> str | None:
        if start is None and end is None:
            return None
        if start == end:
            return str(start)
        return f"{'' if start is None else start}-{'' if end is None else end}"

    def _params(self, query: Query | None, start, end) -> dict:
        # The text query is optional on the bulk endpoint: without one it counts every paper.
        text = self.expression(query) if query is not None else None
        return {"query": text, "year": self.years(*self.span(start, end)), "fields": "year"}

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        return self.http.public_url(PATH, self._params(query, start, end))

    def count(self, query: Query, start: int | None, end: int | None) -> int:
        return self._total(self._params(query, start, end))

    def _total(self, params: dict) -> int:
        data = self.http.get_json(PATH, params)
        # An empty result has no `data` key at all; only `total` matters here.
        return hit_count(data.get("total") if isinstance(data, dict) else None, self.name, "total")
