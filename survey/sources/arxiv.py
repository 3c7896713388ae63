"""arXiv: ``opensearch:totalResults`` of the export API's Atom feed.

An invalid query does not fail: it answers one "result", an entry titled ``Error``. That entry
is detected and raised, never counted.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from survey.errors import SourceError
from survey.http import short
from survey.matrix import Phrase, Query
from survey.sources.base import Capabilities
from survey.sources.online import OnlineSource, hit_count, require_exact, require_plain

NS = {"atom": "http://www.w3.org/2005/Atom", "opensearch": "http://a9.com/-/spec/opensearch/1.1/"}
FIRST_DAY = "199101010000"  # before arXiv's first submission (August 1991)


class ArxivSource(OnlineSource):
    name = "arxiv"
    default_url = "https://export.arxiv.org/api/query"
    rate_limit = 1 / 3  # documented: no more than one request every three seconds
    burst = 1.0
    concurrency = 1
    capabilities = Capabilities(
        boolean=True,
        phrases=True,
        stemming=False,
        fields="title and abstract",
        per_year_one_call=False,
        notes=(
            "Preprints only, physics/CS/maths-heavy; years are submission dates (submittedDate), "
            "not publication years; stemming is undocumented (counted as none)."
        ),
    )

    def expression(self, query: Query, start: int | None, end: int | None) -> str:
        groups = []
        for group in query.items:
            alts = []
            for atom in group.items:
                require_exact(atom, self)
                require_plain(atom.text, self.name, '"():[]')
                text = f'"{atom.text}"' if isinstance(atom, Phrase) else atom.text
                alts += [f"ti:{text}", f"abs:{text}"]
            groups.append("(" + " OR ".join(alts) + ")")
        if start is not None or end is not None:
            lo = f"{start}01010000" if start is not None else FIRST_DAY
            hi = f"{end if end is not None else self.this_year()}12312359"
            groups.append(f"submittedDate:[{lo} TO {hi}]")
        return " AND ".join(groups)

    def _params(self, query, start, end) -> dict:
        return {"search_query": self.expression(query, start, end), "start": 0, "max_results": 1}

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        return self.http.public_url("", self._params(query, start, end))

    def count(self, query: Query, start: int | None, end: int | None) -> int:
        # arXiv answers a bad query with HTTP 400 *and* an Atom error entry worth reading.
        resp = self.http.get("", self._params(query, start, end), accept=(400,))
        return parse_total(resp.content, resp.status_code)


def parse_total(body: bytes, status: int = 200) -> int:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        head = body[:200].lower()
        kind = "an HTML page" if b"<html" in head or b"<!doctype html" in head else "malformed XML"
        raise SourceError(f"arxiv: expected an Atom feed, got {kind}") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        kind = "an HTML page" if root.tag.lower().endswith("html") else f"a <{root.tag}> document"
        raise SourceError(f"arxiv: expected an Atom feed, got {kind}")
    for entry in root.findall("atom:entry", NS):
        title = (entry.findtext("atom:title", "", NS) or "").strip()
        ident = entry.findtext("atom:id", "", NS) or ""
        if title == "Error" or "/api/errors" in ident:
            summary = short(entry.findtext("atom:summary", "", NS) or "no detail", 120)
            raise SourceError(f"arxiv: query rejected: {summary}")
    if status >= 400:
        raise SourceError(f"arxiv: HTTP {status}")
    return hit_count(root.findtext("opensearch:totalResults", None, NS), "arxiv", "opensearch:totalResults")
