"""Web of Science Starter API: ``metadata.total`` of /documents with ``limit=1``."""

from __future__ import annotations

from survey.matrix import Phrase, Query
from survey.sources.base import Capabilities
from survey.sources.online import OnlineSource, hit_count, require_fields, require_plain

FIRST_YEAR = 1900  # the Web of Science Core Collection's earliest coverage


class WosSource(OnlineSource):
    totals_path = "/documents"
    name = "wos"
    default_url = "https://api.clarivate.com/apis/wos-starter/v1"
    needs_key = True
    rate_limit = 1.0  # the free Starter plan's documented limit; institutional plans allow more
    concurrency = 1
    capabilities = Capabilities(
        boolean=True,
        phrases=True,
        stemming=True,
        fields="topic (title, abstract, author keywords, Keywords Plus)",
        per_year_one_call=False,
        exact=True,
        notes=(
            "Lemmatises unquoted terms (LSTMs matches LSTM); Web of Science documents that terms in "
            "quotation marks are not lemmatised, so an exact term is sent quoted and every phrase "
            "(always quoted) is matched as written; lemmatisation is also turned off when a query has "
            "too many terms. Curated journal and proceedings coverage, thin on arXiv-only work; daily "
            "request quotas depend on the plan. Year totals: a PY= query per year."
        ),
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.key:
            self.http.session.headers["X-ApiKey"] = self.key

    def expression(self, query: Query, start: int | None, end: int | None) -> str:
        groups = []
        require_fields(query, self)
        for group in query.items:
            groups.append(self.alternatives(group.items))
        excluded = f" NOT {self.alternatives(query.excluded)}" if query.excluded else ""
        # NOT binds tighter than AND in Web of Science: "(a) AND (b) NOT (c)" is a AND (b NOT c).
        expr = f"TS=({' AND '.join(groups)}{excluded})"
        return expr + self.years(start, end)

    def alternatives(self, atoms) -> str:
        alts = []
        for atom in atoms:
            require_plain(atom.text, self.name, '"()=')
            quoted = isinstance(atom, Phrase) or atom.exact
            alts.append(f'"{atom.text}"' if quoted else atom.text)
        return "(" + " OR ".join(alts) + ")"

    def years(self, start: int | None, end: int | None) -> str:
        start, end = self.span(start, end)  # an open end is now the current year
        if end is None:
            return ""
        if start == end:
            return f" AND PY={start}"
        return f" AND PY=({FIRST_YEAR if start is None else start}-{end})"

    def _params(self, query, start, end) -> dict:
        q = self.expression(query, start, end) if query is not None else self.years(start, end).removeprefix(" AND ")
        return {"db": "WOS", "q": q, "limit": 1, "page": 1}

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        return self.http.public_url("/documents", self._params(query, start, end))

    def count(self, query: Query, start: int | None, end: int | None) -> int:
        return self._total(self._params(query, start, end))

    def _total(self, params: dict) -> int:
        self.require_key()
        data = self.http.get_json("/documents", params)
        meta = data.get("metadata") if isinstance(data, dict) else None
        return hit_count(meta.get("total") if isinstance(meta, dict) else None, self.name, "metadata.total")
