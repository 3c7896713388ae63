"""Google Scholar: the result count on a results page.

Scholar has no API. Pages are fetched through survey's HTTP layer (pace, deadline, redaction),
or through scholarly's ProxyGenerator when a proxy is configured, and the count line is read
here: a captcha or block page can still show "About N results" (it is Blocked, never a count),
a page without a count line is not zero results, and a count line that cannot be read is an
error (scholarly reads all three as numbers, 0 included).
"""

from __future__ import annotations

import re
from typing import Callable
from urllib.parse import quote, urlsplit

from survey.errors import Blocked, SourceError, Unsupported
from survey.http import HTTPStatusError, RetryPolicy
from survey.matrix import Phrase, Query
from survey.redaction import clip, register_secret
from survey.sources.base import Capabilities
from survey.sources.online import OnlineSource, hit_count, require_exact, require_fields, require_plain

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
    concurrency = 1
    # 429 and 403 from Google mean "blocked", and retrying them only extends the ban.
    retry = RetryPolicy(attempts=2, statuses=frozenset({500, 502, 503, 504}))
    capabilities = Capabilities(
        boolean=True,
        phrases=True,
        stemming=True,
        fields="full text where Google has it, else title and abstract",
        per_year_one_call=False,
        estimate="Google Scholar's 'About N results', rounded to about three significant figures",
        notes=(
            "Counts are Google's rounded 'About N results' estimates, not exact; stems and "
            "expands synonyms, and documents no way to stop that, so exact terms are unsupported; "
            "includes citations, patents, theses and grey literature; blocks automated access with "
            "captchas (stored as blocked, never a count). No year totals: Scholar needs a query."
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
        require_fields(query, self)
        for group in query.items:
            alts = [self.atom_text(atom) for atom in group.items]
            groups.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
        groups += ["-" + self.atom_text(atom) for atom in query.excluded]  # Scholar's documented exclusion
        expr = " ".join(groups)
        if len(expr) > MAX_QUERY:
            raise Unsupported(f"scholar: query is {len(expr)} characters; Scholar takes at most {MAX_QUERY}")
        return expr

    def atom_text(self, atom) -> str:
        require_exact(atom, self)
        require_plain(atom.text, self.name, '"()')
        return f'"{atom.text}"' if isinstance(atom, Phrase) else atom.text

    def path(self, query: Query, start: int | None, end: int | None) -> str:
        # Same parameters as scholarly.search_pubs (citations and patents included); hl=en asks
        # for the English count line, though parse_count reads localised ones too.
        start, end = self.span(start, end)
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
            resp = self.http.get(url)
        except HTTPStatusError as exc:
            if exc.status in (403, 429):
                raise Blocked(f"scholar: HTTP {exc.status}: Google is refusing automated requests") from None
            raise
        return page_text(resp.content, resp.headers.get("Content-Type", ""))

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
        return hit_count(parse_count(html), self.name, "the count line")


def page_text(content: bytes, content_type: str) -> str:
    """The page as text: its declared charset, else UTF-8 (what Scholar serves). requests would
    guess ISO-8859-1 for text/html without a charset, turning a narrow no-break space inside a
    count into three letters."""
    m = re.search(r"charset=([\w-]+)", content_type, re.I)
    try:
        return content.decode(m.group(1) if m else "utf-8", errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


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
    from bs4 import BeautifulSoup  # lazy: only when a page is parsed

    box = BeautifulSoup(html, "html.parser").find(id="gs_ab_md")
    if box is None:
        raise SourceError("scholar: the page has no result count (not a results page, or markup changed)")
    line = " ".join(box.get_text(" ").split())
    if not line:
        raise SourceError("scholar: the page has no result count (the count line is empty)")
    count = read_count_line(line)
    if count is None:
        raise SourceError(f"scholar: cannot read a count from the count line {clip(line, 80)!r}")
    return count


# A count with or without thousands separators: "1,630,000", "1.630.000", "1 620 000" (also
# no-break and narrow no-break spaces), "1'630'000", "1’630’000", or plain "31".
_NUMBER = re.compile(r"(?<![0-9])[0-9]{1,3}(?:[,. \u00a0\u202f\u2009'’][0-9]{3})+(?![0-9])|(?<![0-9])[0-9]+(?![0-9])")


def read_count_line(line: str) -> int | None:
    """The count in a Scholar count line, in English or another language: "About 1,630,000
    results (0.05 sec)", "Page 2 of about 1.630.000 results", "Ungefähr 1.620.000 Ergebnisse",
    "Environ 1 620 000 résultats", "約 1,630,000 件 （0.05 秒）", "7 results". The timing in
    parentheses (ASCII or full-width) is dropped and the last number left is the count (a page
    number comes before it); None where no number is left."""
    text = re.sub(r"[(（][^)）]*[)）]", " ", line)  # Japanese and Chinese pages use full-width ones
    numbers = _NUMBER.findall(text)
    if not numbers:
        return None
    digits = re.sub(r"[^0-9]", "", numbers[-1])
    if len(digits) > 1 and digits[0] == "0":
        return None  # "000" is the tail of a number split by something unreadable, not a count
    return int(digits)
