"""OpenAlex: ``meta.count`` of /works, per year from one ``group_by=publication_year`` call."""

from __future__ import annotations

from survey.errors import ConfigError, SourceError, Unsupported
from survey.matrix import Phrase, Query
from survey.sources.base import Capabilities, Record
from survey.sources.online import OnlineSource, hit_count, require_fields, require_plain

# OpenAlex search fields: the filter searched by default, and the alternative a setting picks.
FIELDS = {
    "title_and_abstract": ("title_and_abstract.search", "title and abstract"),
    "search": (None, "title, abstract and full text (the `search` parameter)"),
}


class OpenAlexSource(OnlineSource):
    name = "openalex"
    default_url = "https://api.openalex.org"
    needs_key = True  # required since 2026; sent as the api_key parameter
    rate_limit = 10.0  # documented: at most 10 requests per second
    # 10 req/s at a few hundred ms per answer needs several requests in flight.
    concurrency = 5

    def __init__(self, *, field: str | None = None, **kwargs):
        super().__init__(**kwargs)
        field = field or "title_and_abstract"
        if field not in FIELDS:
            raise ConfigError(f"openalex field={field!r}: expected one of {', '.join(FIELDS)}")
        self.field = field
        self.capabilities = Capabilities(
            boolean=True,
            phrases=True,
            stemming=True,
            fields=FIELDS[field][1],
            per_year_one_call=True,
            records=True,
            exact=True,
            notes=(
                "Stems (Kstem) and drops stop words by default, also inside quoted phrases; exact terms go "
                "to the documented unstemmed search (title_and_abstract.search.no_stem, or search.exact for "
                "full text), which cannot share one OR group with stemmed terms. "
                "OpenAlex's boolean search across title and abstract changed in June 2026: counts fetched "
                "before and after that month may differ for that reason alone. "
                "Publication year as OpenAlex dates it (often the online date); "
                "indexes preprints and published versions as separate works; "
                "abstracts are missing for part of the closed literature, so title-and-abstract counts "
                "underrepresent it. Year totals: one group_by over all works."
            ),
        )

    @classmethod
    def settings_kwargs(cls, settings) -> dict:
        return {**super().settings_kwargs(settings), "field": settings.source_setting(cls.name, "field")}

    # -------------------------------------------------------------- syntax

    def expressions(self, query: Query) -> tuple[str, str]:
        """(stemmed, exact): the boolean text for the stemmed search and for the unstemmed one.

        Every group is parenthesised, even a single term: OpenAlex strips a trailing "and" or
        "not" from search text (so an unparenthesised last group "command" would be searched
        as "comm"); a closing parenthesis protects it.
        """
        stemmed, exact = [], []
        require_fields(query, self)
        for group in query.items:
            kinds = {atom.exact for atom in group.items}
            if len(kinds) > 1:
                raise Unsupported(
                    "openalex cannot mix exact and stemmed alternatives in one group: the unstemmed search "
                    "is a separate filter, and separate filters only combine with AND"
                )
            (exact if kinds == {True} else stemmed).append(self.alternatives(group.items))
        out = [" AND ".join(stemmed), " AND ".join(exact)]
        # The documented boolean NOT, in the search (stemmed or unstemmed) its excluded terms belong to.
        for position, kind in enumerate((False, True)):
            excluded = [atom for atom in query.excluded if atom.exact == kind]
            if excluded and not out[position]:
                raise Unsupported(
                    f"openalex: the {'unstemmed' if kind else 'stemmed'} exclusions need a "
                    f"{'unstemmed' if kind else 'stemmed'} term to search beside them (its NOT is within one filter)"
                )
            if excluded:
                out[position] += " NOT " + self.alternatives(excluded)
        return out[0], out[1]

    def alternatives(self, atoms) -> str:
        alts = []
        for atom in atoms:
            # A comma ends a filter value and a pipe is OR between filter values.
            require_plain(atom.text, self.name, ',|"()')
            alts.append(f'"{atom.text}"' if isinstance(atom, Phrase) else atom.text)
        return "(" + " OR ".join(alts) + ")"

    def expression(self, query: Query) -> str:
        stemmed, exact = self.expressions(query)
        return " AND ".join(e for e in (stemmed, exact) if e)

    def _params(self, query: Query | None, start: int | None, end: int | None) -> dict:
        filters = []
        params: dict = {}
        if query is not None:
            stemmed, exact = self.expressions(query)
            fltr = FIELDS[self.field][0]
            if fltr:
                if stemmed:
                    filters.append(f"{fltr}:{stemmed}")
                if exact:
                    filters.append(f"{fltr}.no_stem:{exact}")
            elif stemmed and exact:
                raise Unsupported(
                    "openalex full-text search takes either stemmed terms (search) or exact ones "
                    "(search.exact) in one request, not both"
                )
            else:
                params["search.exact" if exact else "search"] = exact or stemmed
        start, end = self.span(start, end)
        if start is not None and start == end:
            filters.append(f"publication_year:{start}")
        else:
            if start is not None:
                filters.append(f"from_publication_date:{start}-01-01")
            if end is not None:
                filters.append(f"to_publication_date:{end}-12-31")
        return {"filter": ",".join(filters) or None, **params, "api_key": self.key}

    def _by_year_params(self, query: Query | None, start: int, end: int) -> dict:
        if end - start + 1 > 200:
            raise Unsupported("openalex: group_by returns at most 200 years in one page")
        params = self._params(query, None, None)
        dates = f"from_publication_date:{start}-01-01,to_publication_date:{end}-12-31"
        params["filter"] = ",".join(f for f in (params["filter"], dates) if f)
        return {**params, "group_by": "publication_year", "per_page": 200}

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        return self.http.public_url("/works", {**self._params(query, start, end), "per_page": 1, "select": "id"})

    def compile_by_year(self, query: Query, start: int, end: int) -> dict[int, str]:
        # One group_by request answers every year; each year's row records that request.
        url = self.http.public_url("/works", self._by_year_params(query, start, end))
        return {year: url for year in range(start, end + 1)}

    def totals_query(self, start: int, end: int) -> str:
        return self.http.public_url("/works", self._by_year_params(None, start, end))

    def compile_year_totals(self, start: int, end: int) -> dict[int, str]:
        # One group_by over all works answers every year; each year's row records that request.
        url = self.totals_query(start, end)
        return {year: url for year in range(start, end + 1)}

    # -------------------------------------------------------------- counts

    def _get(self, params: dict):
        self.require_key()
        data = self.http.get_json("/works", params)
        if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
            raise SourceError("openalex: answer has no meta object")
        return data

    def count(self, query: Query, start: int | None, end: int | None) -> int:
        data = self._get({**self._params(query, start, end), "per_page": 1, "select": "id"})
        return hit_count(data["meta"].get("count"), self.name, "meta.count")

    def count_by_year(self, query: Query, start: int, end: int) -> dict[int, int]:
        return self._group_by_year(self._by_year_params(query, start, end), start, end)

    def year_totals(self, start: int, end: int) -> dict[int, int]:
        return self._group_by_year(self._by_year_params(None, start, end), start, end)

    def _group_by_year(self, params: dict, start: int, end: int) -> dict[int, int]:
        data = self._get(params)
        groups = data.get("group_by")
        if not isinstance(groups, list):
            raise SourceError("openalex: group_by answer has no group_by list")
        counts = {year: 0 for year in range(start, end + 1)}  # years with no works are not listed
        for g in groups:
            try:
                year = int(g["key"])
            except (KeyError, TypeError, ValueError):
                continue  # "unknown" buckets carry no year
            if start <= year <= end:
                counts[year] = hit_count(g.get("count"), self.name, "group_by[].count")
        listed = data["meta"].get("groups_count")
        if isinstance(listed, int) and listed > len(groups):
            raise SourceError(f"openalex: group_by listed {len(groups)} of {listed} years")
        return counts

    def sample(self, query: Query, start: int | None, end: int | None, n: int) -> list[Record]:
        params = {
            **self._params(query, start, end),
            "per_page": max(1, min(n, 200)),
            "select": "id,doi,display_name,publication_year",
        }
        data = self._get(params)
        out = []
        for w in data.get("results") or []:
            out.append(Record(w.get("display_name") or "", w.get("publication_year"), w.get("id"), w.get("doi")))
        return out[:n]

