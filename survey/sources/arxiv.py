"""arXiv: ``opensearch:totalResults`` of the export API's Atom feed.

An invalid query does not fail: it answers one "result", an entry titled ``Error``. That entry
is detected and raised, never counted.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from survey.errors import SourceError
from survey.http import Malformed
from survey.redaction import clip
from survey.matrix import Phrase, Query
from survey.sources.base import Capabilities
from survey.sources.online import OnlineSource, hit_count, require_exact, require_fields, require_plain

NS = {"atom": "http://www.w3.org/2005/Atom", "opensearch": "http://a9.com/-/spec/opensearch/1.1/"}
FIRST_DAY = "199101010000"  # before arXiv's first submission (August 1991)


class ArxivSource(OnlineSource):
    totals_path = ""
    name = "arxiv"
    default_url = "https://export.arxiv.org/api/query"
    rate_limit = 1 / 3  # documented: no more than one request every three seconds
    concurrency = 1
    capabilities = Capabilities(
        boolean=True,
        phrases=True,
        stemming=True,
        fields="title or abstract (ti: or abs:)",
        per_year_one_call=False,
        notes=(
            "Preprints only, physics/CS/maths-heavy; years are submission dates (submittedDate), "
            "not publication years. arXiv searches title.english and abstract.english (Elasticsearch's "
            "english analyzer), so terms are stemmed and quoting does not make a term literal: exact terms "
            "are unsupported. arXiv fixed quoted-phrase search in December 2025, so phrase counts fetched "
            "before and after that month may differ for that reason alone. "
            "Year totals: a date-only submittedDate query per year."
        ),
    )

    def expression(self, query: Query, start: int | None, end: int | None) -> str:
        groups = []
        require_fields(query, self)
        for group in query.items:
            groups.append(self.alternatives(group.items))
        dates = self.dates(start, end)
        expression = " AND ".join(groups + ([dates] if dates else []))
        if query.excluded:  # the documented ANDNOT, after the whole conjunction
            expression = f"({expression}) ANDNOT {self.alternatives(query.excluded)}"
        return expression

    def alternatives(self, atoms) -> str:
        alts = []
        for atom in atoms:
            require_exact(atom, self)
            require_plain(atom.text, self.name, '"():[]')
            text = f'"{atom.text}"' if isinstance(atom, Phrase) else atom.text
            alts += [f"ti:{text}", f"abs:{text}"]
        return "(" + " OR ".join(alts) + ")"

    def dates(self, start: int | None, end: int | None) -> str | None:
        start, end = self.span(start, end)
        if start is None and end is None:
            return None
        # span gave an open end the current year, so only the start can be missing here.
        lo = f"{start}01010000" if start is not None else FIRST_DAY
        return f"submittedDate:[{lo} TO {end}12312359]"

    def _params(self, query, start, end) -> dict:
        text = self.expression(query, start, end) if query is not None else self.dates(start, end)
        return {"search_query": text, "start": 0, "max_results": 1}

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        return self.http.public_url("", self._params(query, start, end))

    def count(self, query: Query, start: int | None, end: int | None) -> int:
        return self._total(self._params(query, start, end))

    def _total(self, params: dict) -> int:
        # arXiv answers a bad query with HTTP 400 *and* an Atom error entry worth reading.
        return self.http.get("", params, accept=(400,), parse=lambda r: parse_total(r.content, r.status_code))


def parse_total(body: bytes, status: int) -> int:
    """The total of an Atom feed. A body that is no feed (cut short, a maintenance page) is
    Malformed, which the HTTP layer retries; a feed with an error entry is a final error."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        head = body[:200].lower()
        kind = "an HTML page" if b"<html" in head or b"<!doctype html" in head else "malformed or truncated XML"
        raise Malformed(f"arxiv: expected an Atom feed, got {kind}") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        kind = "an HTML page" if root.tag.lower().endswith("html") else f"a <{root.tag}> document"
        raise Malformed(f"arxiv: expected an Atom feed, got {kind}")
    for entry in root.findall("atom:entry", NS):
        title = entry.findtext("atom:title", "", NS).strip()
        ident = entry.findtext("atom:id", "", NS)
        if title == "Error" or "/api/errors" in ident:
            summary = clip(entry.findtext("atom:summary", "", NS) or "no detail", 120)
            raise SourceError(f"arxiv: query rejected: {summary}")
    if status >= 400:
        raise SourceError(f"arxiv: HTTP {status}")
    return hit_count(root.findtext("opensearch:totalResults", None, NS), "arxiv", "opensearch:totalResults")
