"""DBLP: ``result.hits.@total`` (a string) of the publication search API.

DBLP searches titles only (plus venue and author facets), matches each word as a prefix
("dialog" also finds "dialogue", "CNN" finds "CNNs"), ANDs words separated by spaces and ORs
words joined by ``|``. It has no phrase search and no grouping, so a phrase anywhere in a cell
is refused rather than approximated by its separate words.
"""

from __future__ import annotations

from survey.errors import Unsupported
from survey.matrix import Phrase, Query
from survey.sources.base import Capabilities
from survey.sources.online import OnlineSource, hit_count, require_fields, require_plain


class DblpSource(OnlineSource):
    name = "dblp"
    default_url = "https://dblp.org"
    rate_limit = 1.0  # no documented figure; dblp answers bursts with 429 and asks for restraint
    concurrency = 1
    capabilities = Capabilities(
        boolean=True,
        phrases=False,
        stemming=True,
        fields="titles",
        per_year_one_call=False,
        exact=True,
        notes=(
            "Titles only; every word matches as a prefix (approximate: 'dialog' also counts "
            "'dialogue', 'CNN' counts 'CNNs'); an exact term is sent with dblp's documented whole-word "
            "marker ('graph$' matches 'graph' but not 'graphics'); no phrases, so cells with a phrase "
            "are unsupported. Computer science venues only; years via dblp's year: facet. "
            "No year totals: dblp documents no query without a word."
        ),
    )

    def expression(self, query: Query, start: int | None, end: int | None) -> str:
        groups = []
        require_fields(query, self)
        if query.excluded:
            raise Unsupported("dblp documents no NOT (its search knows prefix, $, AND by space and | only), "
                              "so a cell with exclusions cannot be counted there")
        for group in query.items:
            words = []
            for atom in group.items:
                if isinstance(atom, Phrase):
                    raise Unsupported(
                        f"dblp has no phrase search: {atom.text!r} cannot be matched as consecutive words"
                    )
                require_plain(atom.text, self.name, "|$*:-.")
                words.append(atom.text + "$" if atom.exact else atom.text)
            groups.append("|".join(words))
        start, end = self.span(start, end)  # an open end is now the current year
        if end is not None:
            lo = start if start is not None else 1936  # dblp's oldest records
            groups.append("|".join(f"year:{y}:" for y in range(lo, end + 1)))
        return " ".join(groups)

    def _params(self, query, start, end) -> dict:
        return {"q": self.expression(query, start, end), "format": "json", "h": 0, "c": 0}

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        return self.http.public_url("/search/publ/api", self._params(query, start, end))

    def count(self, query: Query, start: int | None, end: int | None) -> int:
        data = self.http.get_json("/search/publ/api", self._params(query, start, end))
        try:
            total = data["result"]["hits"]["@total"]
        except (KeyError, TypeError):
            total = None
        return hit_count(total, self.name, "result.hits.@total")
