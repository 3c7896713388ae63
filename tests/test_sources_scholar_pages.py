"""Google Scholar: the exact results URL, block pages, count lines, charsets and the proxy path
(scholarly stood in for by a fake module, so no test reaches Google)."""

from __future__ import annotations

import sys
import types
from datetime import datetime, timezone

import pytest

from hostile_server import raw_server  # noqa: F401 (a fixture)
from sourcekit import LSTM_CLASSIFICATION, LSTM_TOTAL, fast
from survey.errors import Blocked, SourceError, Unsupported
from survey.matrix import cell_query
from survey.sources.scholar import ScholarSource, blocked_reason, page_text, parse_count, read_count_line

TODAY = lambda: datetime(2026, 5, 1, tzinfo=timezone.utc)  # noqa: E731
RESULTS = '<html><body><div id="gs_ab_md"><div class="gs_ab_mdw">{}</div></div></body></html>'


def source(httpserver, **kw):
    return fast(ScholarSource, httpserver, today=TODAY, **kw)


def test_limits_and_retry_policy():
    src = ScholarSource()
    assert (src.base_url, src.rate_limit, src.concurrency, src.needs_key) == (
        "https://scholar.google.com", 0.2, 1, False)
    assert ScholarSource.retry.attempts == 2 and ScholarSource.retry.statuses == frozenset({500, 502, 503, 504})
    assert not src.capabilities.exact and not src.capabilities.per_year_one_call and not src.capabilities.records


def test_the_exact_results_url(httpserver):
    src = source(httpserver)
    base = httpserver.url_for("").rstrip("/")
    assert src.compile(LSTM_CLASSIFICATION, 2006, None) == (
        base + "/scholar?hl=en&q=%28LSTM%20OR%20%22long%20short-term%20memory%22%29%20classification"
        "&as_ylo=2006&as_yhi=2026&as_vis=0&as_sdt=0,33")
    assert src.path(cell_query(["LSTM"], []), None, 2010) == "/scholar?hl=en&q=LSTM&as_yhi=2010&as_vis=0&as_sdt=0,33"
    assert src.path(cell_query(["LSTM"], []), None, None) == "/scholar?hl=en&q=LSTM&as_vis=0&as_sdt=0,33"


def test_query_length_limit(httpserver):
    src = source(httpserver)
    assert src.expression(cell_query(["a" * 256], [])) == "a" * 256
    with pytest.raises(Unsupported) as info:
        src.expression(cell_query(["a" * 257], []))
    assert str(info.value) == "scholar: query is 257 characters; Scholar takes at most 256"


@pytest.mark.parametrize("ch", list('"()'))
def test_query_syntax_in_a_term_is_refused(httpserver, ch):
    with pytest.raises(Unsupported, match="is query syntax there"):
        source(httpserver).compile(cell_query([f"X{ch}y"], []), None, None)


def test_a_5xx_is_retried_once_then_final_and_not_a_block(httpserver):
    httpserver.expect_request("/scholar").respond_with_data("down", status=503)
    with pytest.raises(SourceError) as info:
        source(httpserver).count(LSTM_TOTAL, None, None)
    assert not isinstance(info.value, Blocked) and "503" in str(info.value)
    assert len(httpserver.log) == 2
    httpserver.clear()
    httpserver.expect_request("/scholar").respond_with_data("gone", status=404)
    with pytest.raises(SourceError) as info:
        source(httpserver).count(LSTM_TOTAL, None, None)
    assert not isinstance(info.value, Blocked) and "404" in str(info.value)


@pytest.mark.parametrize("status", [403, 429])
def test_a_refusal_message(httpserver, status):
    httpserver.expect_request("/scholar").respond_with_data("no", status=status)
    with pytest.raises(Blocked) as info:
        source(httpserver).count(LSTM_TOTAL, None, None)
    assert str(info.value) == f"scholar: HTTP {status}: Google is refusing automated requests"


def test_page_text_follows_the_declared_charset():
    assert page_text("é".encode("latin-1"), "text/html; CHARSET=ISO-8859-1") == "é"
    assert page_text("é".encode("utf-8"), "text/html") == "é"
    assert page_text("é".encode("utf-8"), "text/html; charset=no-such-codec") == "é"
    assert page_text(b"\xff", "text/html; charset=no-such-codec") == "\ufffd"
    assert page_text(b"\xff", "text/html") == "\ufffd"
    assert page_text(b"\xff", "text/html; charset=utf-8") == "\ufffd"


@pytest.mark.parametrize("html,reason", [
    ('<div id="gs_captcha_ccl">', "captcha page (gs_captcha_ccl)"),
    ('<div id="recaptcha">', "captcha page (recaptcha)"),
    ('<form id="captcha-form">', "captcha page (captcha-form)"),
    ('<form id="gs_captcha_f">', "captcha page (gs_captcha_f)"),
    ('<div class="rc-doscaptcha-body">', "denial-of-service page (rc-doscaptcha-body)"),
    ("Our systems have detected unusual traffic", "block page (unusual traffic)"),
    ('<a href="https://www.google.com/sorry/index?continue=x">', "block page (unusual traffic)"),
    ("Please show you're Not A Robot", "block page (unusual traffic)"),
    (RESULTS.format("About 30 results"), None),
])
def test_block_pages_and_their_reason(html, reason):
    assert blocked_reason(html) == reason


def test_parse_count_messages():
    with pytest.raises(Blocked) as info:
        parse_count('<div id="recaptcha">' + RESULTS.format("About 31 results"))
    assert str(info.value) == "scholar: captcha page (recaptcha); not sending more to Scholar in this run"
    assert parse_count("<p>Your search - <b>xyzzy</b> - did not match any articles.</p>") == 0
    with pytest.raises(SourceError) as info:
        parse_count("<html><body>nothing</body></html>")
    assert str(info.value) == "scholar: the page has no result count (not a results page, or markup changed)"
    with pytest.raises(SourceError) as info:
        parse_count(RESULTS.format("  "))
    assert str(info.value) == "scholar: the page has no result count (the count line is empty)"
    with pytest.raises(SourceError) as info:
        parse_count(RESULTS.format("Results " + "x" * 100))
    shown = ("Results " + "x" * 100)[:79] + "…"
    assert str(info.value) == f"scholar: cannot read a count from the count line '{shown}'"
    assert parse_count(RESULTS.format("About <b>1,630</b>\n results")) == 1630


@pytest.mark.parametrize("line,count", [
    ("0 results", 0),
    ("About 012 results", None),
    ("Page 3 of 120 results (0.12 sec)", 120),
    ("About 1,630,000 results (2,000 sec)", 1_630_000),
    ("12345 results", 12345),
    ("no number here", None),
    ("About 01 results", None),
    # Japanese and Chinese pages put the timing in full-width parentheses
    ("約 1,630,000 件 （0.05 秒）", 1_630_000),
    ("找到约 1,630,000 条结果 （用时0.05秒）", 1_630_000),
])
def test_read_count_line(line, count):
    assert read_count_line(line) == count


class FakeResponse:
    def __init__(self, status, text="") -> None:
        self.status_code, self.text = status, text


def fake_scholarly(monkeypatch, *, works=True, answer=None):
    """A stand-in scholarly module whose proxy session answers ``answer`` (a response or an exception)."""
    calls = {"sessions": 0, "gets": []}

    class Session:
        def get(self, url, timeout):
            calls["gets"].append((url, timeout))
            if isinstance(answer, Exception):
                raise answer
            return answer

    class ProxyGenerator:
        def SingleProxy(self, http, https):  # noqa: N802 (scholarly's name)
            calls["proxy"] = (http, https)
            return works

        def get_session(self):
            calls["sessions"] += 1
            return Session()

    monkeypatch.setitem(sys.modules, "scholarly", types.SimpleNamespace(ProxyGenerator=ProxyGenerator))
    return calls


PROXY = "http://user:proxypass987@127.0.0.1:3128"


def test_pages_through_a_working_proxy(monkeypatch):
    calls = fake_scholarly(monkeypatch, answer=FakeResponse(200, RESULTS.format("About 30 results")))
    src = ScholarSource(proxy=PROXY, rate=1000.0, today=TODAY)
    assert src.count(LSTM_TOTAL, 2015, 2015) == 30 and src.count(LSTM_TOTAL, None, None) == 30
    assert calls["proxy"] == (PROXY, PROXY) and calls["sessions"] == 1
    assert calls["gets"][0] == (src.base_url + src.path(LSTM_TOTAL, 2015, 2015), 30)


def test_a_proxy_that_does_not_work(monkeypatch):
    fake_scholarly(monkeypatch, works=False)
    with pytest.raises(SourceError) as info:
        ScholarSource(proxy=PROXY, rate=1000.0).count(LSTM_TOTAL, None, None)
    assert str(info.value) == "scholar: the configured proxy does not work"


@pytest.mark.parametrize("answer,kind,message", [
    (ConnectionError(PROXY), SourceError, "scholar: request through proxy failed: ConnectionError"),
    (FakeResponse(403), Blocked, "scholar: HTTP 403: Google is refusing automated requests"),
    (FakeResponse(429), Blocked, "scholar: HTTP 429: Google is refusing automated requests"),
    (FakeResponse(400), SourceError, "scholar: HTTP 400"),
    (FakeResponse(500), SourceError, "scholar: HTTP 500"),
])
def test_proxy_failures(monkeypatch, answer, kind, message):
    fake_scholarly(monkeypatch, answer=answer)
    with pytest.raises(SourceError) as info:
        ScholarSource(proxy=PROXY, rate=1000.0).count(LSTM_TOTAL, None, None)
    assert type(info.value) is kind and str(info.value) == message


def test_a_399_through_the_proxy_is_read_as_a_page(monkeypatch):
    fake_scholarly(monkeypatch, answer=FakeResponse(399, RESULTS.format("About 5 results")))
    assert ScholarSource(proxy=PROXY, rate=1000.0).count(LSTM_TOTAL, None, None) == 5


def test_every_page_waits_for_the_pace_whoever_fetches_it(monkeypatch):
    fake_scholarly(monkeypatch, answer=FakeResponse(200, RESULTS.format("About 5 results")))
    for src in (ScholarSource(proxy=PROXY, rate=1000.0),
                ScholarSource(fetch=lambda url: RESULTS.format("About 5 results"), rate=1000.0)):
        waits = []
        monkeypatch.setattr(src.http.limiter, "acquire", lambda: waits.append(1))
        src.count(LSTM_TOTAL, None, None)
        src.count(LSTM_TOTAL, None, None)
        assert waits == [1, 1]


def test_the_proxy_from_the_config_file(tmp_path):
    from survey.config import Settings

    settings = Settings(home=tmp_path, file={"sources": {"scholar": {"proxy": PROXY}}}, env={})
    assert ScholarSource.settings_kwargs(settings)["proxy"] == PROXY


def test_a_page_served_without_a_content_type_is_read_as_utf8(raw_server):
    page = '<div id="gs_ab_md">Environ 1\u202f620\u202f000 résultats</div>'.encode("utf-8")

    def behave(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(page) + page)

    server = raw_server(behave)
    src = ScholarSource(base_url=server.url, rate=1000.0)
    assert src.count(LSTM_TOTAL, None, None) == 1_620_000


def test_a_count_beyond_any_index_names_the_count_line():
    html = RESULTS.format("About 1" + "0" * 30 + " results")
    with pytest.raises(SourceError) as info:
        ScholarSource(fetch=lambda url: html, rate=1000.0).count(LSTM_TOTAL, None, None)
    assert str(info.value).startswith("scholar: the count line is not a count in 0..2**53")


def test_markup_inside_the_count_line_never_splits_the_number():
    html = RESULTS.format("Environ <b>1</b>\u202f<b>620</b>\u202f<b>000</b> résultats")
    assert parse_count(html) == 1_620_000


def test_the_page_is_parsed_with_a_named_parser():
    # Left to guess, BeautifulSoup picks whichever parser is installed (and warns): the same page
    # could then read differently from one machine to the next.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_count(RESULTS.format("About 30 results")) == 30


def test_the_proxy_password_is_masked_wherever_it_appears():
    import secrets

    from survey.redaction import redact

    # A password no earlier test (nor an earlier run in this process) could have registered.
    password = "proxy-pw-" + secrets.token_hex(8)
    ScholarSource(proxy=f"http://user:{password}@127.0.0.1:3128")
    assert redact(f"the proxy answered: bad password {password}") == "the proxy answered: bad password ***"


def test_the_charset_the_server_declares_is_used(httpserver):
    page = RESULTS.format("Environ 1\u00a0620\u00a0000 résultats").encode("latin-1")
    httpserver.expect_request("/scholar").respond_with_data(page, content_type="text/html; charset=ISO-8859-1")
    assert source(httpserver).count(LSTM_TOTAL, None, None) == 1_620_000
