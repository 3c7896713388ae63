"""Google Scholar: the result count scholarly's search iterator reads from a results page.

Scholar has no API. Pages are fetched through survey's HTTP layer (rate limit, timeouts,
redaction), or through scholarly's ProxyGenerator when a proxy is configured, and parsed by
scholarly's ``_SearchScholarIterator``. Two things scholarly gets wrong for counting are
handled here first: a captcha or block page can still show "About N results" (it is Blocked,
never a count), and a page without a count div is not zero results (it is an error).

scholarly is imported only when a page is parsed: it drags in selenium, httpx and more.
"""

from __future__ import annotations

import re
from typing import Callable
from urllib.parse import quote, urlsplit

from survey.errors import Blocked, SourceError, Unsupported
from survey.http import HTTPStatusError, RetryPolicy, register_secret
from survey.matrix import Phrase, Query
from survey.sources.base import Capabilities
from survey.sources.online import OnlineSource, require_exact, require_plain

# Markers of a refusal, from scholarly's own captcha checks and Google's "sorry" pages.
_BLOCK_IDS = ("gs_captcha_ccl", "recaptcha", "captcha-form", "gs_captcha_f")
_BLOCK_CLASSES = ("rc-doscaptcha-body",)
_BLOCK_TEXT = ("our systems have detected unusual traffic", "/sorry/index", "not a robot")
MAX_QUERY = 256  # Scholar ignores or rejects longer queries


class ScholarSource(OnlineSource):
    name = "scholar"
    default_url = "https://scholar.google.com"
    # No published limit; Google blocks quickly. One page every 5 s, one at a time.
    rate_limit = 0.2
    burst = 1.0
    concurrency = 1
    # 429 and 403 from Google mean "blocked", and retrying them only extends the ban.
    retry = RetryPolicy(attempts=2, statuses=frozenset({500, 502, 503, 504}))
    capabilities = Capabilities(
        boolean=True,
        phrases=True,
        stemming=True,
        fields="full text where Google has it, else title and abstract",
        per_year_one_call=False,
        notes=(
            "Counts are Google's rounded 'About N results' estimates, not exact; stems and "
            "expands synonyms; includes citations, patents, theses and grey literature; blocks "
            "automated access with captchas (stored as blocked, never a count)."
        ),
    )

    def __init__(self, *, fetch: Callable[[str], str] | None = None, proxy: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.proxy = proxy
        if proxy:
            register_secret(urlsplit(proxy).password)
        self._fetch = fetch  # injectable: tests hand recorded pages in
        self._proxy_session = None

    @classmethod
    def settings_kwargs(cls, settings) -> dict:
        return {**super().settings_kwargs(settings), "proxy": settings.source_setting(cls.name, "proxy")}

    def expression(self, query: Query) -> str:
        groups = []
        for group in query.items:
            alts = []
            for atom in group.items:
                require_exact(atom, self)
                require_plain(atom.text, self.name, '"()')
                alts.append(f'"{atom.text}"' if isinstance(atom, Phrase) else atom.text)
            groups.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
        expr = " ".join(groups)
        if len(expr) > MAX_QUERY:
            raise Unsupported(f"scholar: query is {len(expr)} characters; Scholar takes at most {MAX_QUERY}")
        return expr

    def path(self, query: Query, start: int | None, end: int | None) -> str:
        # Same parameters as scholarly.search_pubs (citations and patents included).
        url = f"/scholar?hl=en&q={quote(self.expression(query))}"
        if start is not None:
            url += f"&as_ylo={start}"
        if end is not None:
            url += f"&as_yhi={end}"
        return url + "&as_vis=0&as_sdt=0,33"

    def compile(self, query: Query, start: int | None, end: int | None) -> str:
        return self.http.redact(self.base_url + self.path(query, start, end))

    # -------------------------------------------------------------- fetching

    def fetch(self, url: str) -> str:
        if self._fetch is not None:
            self.http.limiter.acquire()
            return self._fetch(url)
        if self.proxy:
            return self._fetch_via_proxy(url)
        try:
            return self.http.get(url).text
        except HTTPStatusError as exc:
            if exc.status in (403, 429):
                raise Blocked(f"scholar: HTTP {exc.status}: Google is refusing automated requests") from None
            raise

    def _fetch_via_proxy(self, url: str) -> str:
        if self._proxy_session is None:
            from scholarly import ProxyGenerator  # lazy: heavy import, only when a proxy is used

            pg = ProxyGenerator()
            if not pg.SingleProxy(http=self.proxy, https=self.proxy):
                raise SourceError("scholar: the configured proxy does not work")
            self._proxy_session = pg.get_session()
        self.http.limiter.acquire()
        try:
            resp = self._proxy_session.get(url, timeout=30)
        except Exception as exc:  # httpx's error classes, without importing httpx here
            raise SourceError(self.http.redact(f"scholar: request through proxy failed: {type(exc).__name__}")) from None
        if resp.status_code in (403, 429):
            raise Blocked(f"scholar: HTTP {resp.status_code}: Google is refusing automated requests")
        if resp.status_code >= 400:
            raise SourceError(f"scholar: HTTP {resp.status_code}")
        return resp.text

    # -------------------------------------------------------------- counting

    def count(self, query: Query, start: int | None, end: int | None) -> int:
        html = self.fetch(self.base_url + self.path(query, start, end))
        return parse_count(html)


def blocked_reason(html: str) -> str | None:
    lower = html.lower()
    for i in _BLOCK_IDS:
        if f'id="{i}"' in html:
            return f"captcha page ({i})"
    for c in _BLOCK_CLASSES:
        if f'class="{c}"' in html:
            return f"denial-of-service page ({c})"
    for t in _BLOCK_TEXT:
        if t in lower:
            return "block page (unusual traffic)"
    return None


def parse_count(html: str) -> int:
    """The result count on a Scholar results page; Blocked or SourceError, never a guessed 0."""
    reason = blocked_reason(html)
    if reason:
        raise Blocked(f"scholar: {reason}; not sending more to Scholar in this run")
    if "did not match any articles" in html:
        return 0  # Scholar's own wording for an empty result, the one honest zero
    if "gs_ab_mdw" not in html:
        # scholarly reads a missing count as 0; a page without one has not told us the count.
        legacy = re.search(r'id="gs_ab_md"[^>]*>\s*(?:About\s+)?([\d.,\s’\']+)\s+results?', html)
        if legacy:
            return int(re.sub(r"\D", "", legacy.group(1)))
        raise SourceError("scholar: the page has no result count (not a results page, or markup changed)")
    from bs4 import BeautifulSoup
    from scholarly.publication_parser import _SearchScholarIterator

    class _Page:
        """Stands in for scholarly's Navigator: hands the iterator the page already fetched."""

        def _get_soup(self, url):
            return BeautifulSoup(html.replace("\xa0", " "), "html.parser")

    total = _SearchScholarIterator(_Page(), "/scholar?").total_results
    if total is None:
        raise SourceError("scholar: the page reports no count (a patent-only or special page)")
    if total == 0 and re.search(r"gs_ab_mdw[^>]*>[^<]*\d", html) is None:
        raise SourceError("scholar: the count div is empty")
    return total
