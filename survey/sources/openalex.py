"""OpenAlex: ``meta.count`` of /works, per year from one ``group_by=publication_year`` call."""

from __future__ import annotations

from survey.errors import ConfigError, SourceError, Unsupported
from survey.matrix import Phrase, Query
from survey.sources.base import Capabilities, Record
from survey.sources.online import OnlineSource, hit_count, require_exact, require_plain

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
            notes=(
                "Stems by default (LSTMs matches LSTM), also inside quoted phrases; "
                "publication year as OpenAlex dates it (often the online date); "
                "indexes preprints and published versions as separate works; "
                "abstracts are missing for part of the closed literature, so title-and-abstract counts "
                "underrepresent it."
            ),
        )

    @classmethod
    def settings_kwargs(cls, settings) -> dict:
        return {**super().settings_kwargs(settings), "field": settings.source_setting(cls.name, "field")}

    # -------------------------------------------------------------- syntax

    def expression(self, query: Query) -> str:
        groups = []
        for group in query.items:
            alts = []
            for atom in group.items:
                # A comma ends a filter value and a pipe is OR between filter values.
                require_exact(atom, self)
                require_plain(atom.text, self.name, ',|"()')
                alts.append(f'"{atom.text}"' if isinstance(atom, Phrase) else atom.text)
            groups.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
        return " AND ".join(groups)

    def _params(self, query: Query, start: int | None, end: int | None) -> dict:
        expr = self.expression(query)
        filters = []
        search = None
        fltr = FIELDS[self.field][0]
        if fltr:
            filters.append(f"{fltr}:{expr}")
        else:
            search = expr
        if start is not None and start == end:
            filters.append(f"publication_year:{start}")
        else:
            if start is not None:
                filters.append(f"from_publication_date:{start}-01-01")
            if end is not None:
                filters.append(f"to_publication_date:{end}-12-31")
        return {"filter": ",".join(filters) or None, "search": search, "api_key": self.key}

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        return self.http.public_url("/works", {**self._params(query, start, end), "per_page": 1, "select": "id"})

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
        if end - start + 1 > 200:
            raise Unsupported("openalex: group_by returns at most 200 years in one page")
        params = {**self._params(query, start, end), "group_by": "publication_year", "per_page": 200}
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

