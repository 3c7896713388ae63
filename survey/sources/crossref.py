"""Crossref: ``message.total-results`` of /works with ``rows=0``.

Crossref's ``query`` is a relevance search: every word is optional, so the total counts works
matching *any* word, and it has no phrase operator. It can therefore express exactly one kind
of cell faithfully: a single concept whose alternatives are all single words ("LSTM or CNN").
A method x task cell (needs AND) or any phrase (would match its words separately) is refused.
"""

from __future__ import annotations

from survey.errors import SourceError, Unsupported
from survey.matrix import Phrase, Query
from survey.sources.base import Capabilities
from survey.sources.online import OnlineSource, hit_count, require_exact, require_fields, require_plain


class CrossrefSource(OnlineSource):
    totals_path = "/works"
    name = "crossref"
    default_url = "https://api.crossref.org"
    # Documented pools: public 5 req/s with 1 in flight; "polite" (a mailto given) 10 req/s, 3 in flight.
    rate_limit = 5.0
    concurrency = 1
    capabilities = Capabilities(
        boolean=False,
        phrases=False,
        stemming=False,
        fields="all bibliographic metadata (titles, authors, venues, ...)",
        per_year_one_call=False,
        notes=(
            "No AND and no phrases: only a single concept made of single words (an OR of words) is "
            "counted; method x task cells and phrases are unsupported. Matches words in author and "
            "venue names too. Dates are Crossref's earliest publication date (print or online). "
            "Covers DOI-registered works only (little arXiv, few conference papers without DOIs). "
            "Year totals: a date-only query (filter, no text) per year."
        ),
    )

    def __init__(self, *, rate=None, concurrency=None, mailto=None, **kwargs):
        polite = bool(mailto)
        super().__init__(
            rate=rate if rate is not None else (10.0 if polite else 5.0),
            concurrency=concurrency or (3 if polite else 1),
            mailto=mailto,  # in the User-Agent, which puts us in the polite pool
            **kwargs,
        )

    def expression(self, query: Query) -> str:
        if len(query.items) > 1:
            raise Unsupported(
                "crossref has no AND: a cell combining a method and a task cannot be expressed "
                "(its query counts works matching any word)"
            )
        words = []
        require_fields(query, self)
        if query.excluded:
            raise Unsupported("crossref has no NOT: its query counts works matching any word, so an exclusion "
                              "cannot be expressed")
        for atom in query.items[0].items:
            if isinstance(atom, Phrase):
                raise Unsupported(
                    f"crossref has no phrase search: {atom.text!r} would count works with any of its words"
                )
            require_exact(atom, self)
            require_plain(atom.text, self.name, '+-"()')
            words.append(atom.text)
        return " ".join(words)

    def _params(self, query, start, end) -> dict:
        start, end = self.span(start, end)
        filters = []
        if start is not None:
            filters.append(f"from-pub-date:{start}-01-01")
        if end is not None:
            filters.append(f"until-pub-date:{end}-12-31")
        text = self.expression(query) if query is not None else None
        return {"query": text, "filter": ",".join(filters) or None, "rows": 0}

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        return self.http.public_url("/works", self._params(query, start, end))

    def count(self, query: Query, start: int | None, end: int | None) -> int:
        return self._total(self._params(query, start, end))

    def _total(self, params: dict) -> int:
        data = self.http.get_json("/works", params)
        ok = isinstance(data, dict) and data.get("status") == "ok"
        message = data.get("message") if ok else None
        if not isinstance(message, dict):
            raise SourceError("crossref: answer is not an ok work list")
        return hit_count(message.get("total-results"), self.name, "message.total-results")
