"""arXiv: the exact search_query for each cell and window, and every reading of a feed."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from sourcekit import LSTM_TOTAL, WORDS_AND, body, fast
from survey.errors import SourceError, Unsupported
from survey.http import Malformed
from survey.matrix import cell_query
from survey.sources.arxiv import ArxivSource, parse_total
from survey.sources.base import Capabilities

FEED = ("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom' "
        "xmlns:opensearch='http://a9.com/-/spec/opensearch/1.1/'>{}</feed>")


def source(httpserver):
    return fast(ArxivSource, httpserver, today=lambda: datetime(2026, 6, 1, tzinfo=timezone.utc))


def test_documented_endpoint_and_capabilities():
    src = ArxivSource()
    assert src.base_url == "https://export.arxiv.org/api/query" and src.concurrency == 1 and not src.needs_key
    caps = src.capabilities
    assert caps == Capabilities(boolean=True, phrases=True, stemming=True, fields="title or abstract (ti: or abs:)",
                                per_year_one_call=False, notes=caps.notes)


def test_compile_is_the_exact_request(httpserver):
    src = source(httpserver)
    url = src.compile(WORDS_AND, 2015, 2015)
    assert url.startswith(httpserver.url_for("/") + "?")
    assert parse_qsl(urlsplit(url).query) == [
        ("search_query", "(ti:LSTM OR abs:LSTM OR ti:GRU OR abs:GRU) AND (ti:tagging OR abs:tagging) AND "
                         "submittedDate:[201501010000 TO 201512312359]"),
        ("start", "0"), ("max_results", "1"),
    ]


def test_windows(httpserver):
    src = source(httpserver)
    assert src.expression(LSTM_TOTAL, None, None) == (
        '(ti:LSTM OR abs:LSTM OR ti:"long short-term memory" OR abs:"long short-term memory")')
    assert src.dates(None, None) is None
    assert src.dates(None, 2010) == "submittedDate:[199101010000 TO 201012312359]"
    assert src.dates(2006, None) == "submittedDate:[200601010000 TO 202612312359]"
    assert src.totals_query(2015, 2015).endswith("?search_query=submittedDate%3A%5B201501010000+TO+201512312359%5D"
                                                 "&start=0&max_results=1")


@pytest.mark.parametrize("ch", list('"():[]'))
def test_query_syntax_in_a_term_is_refused(httpserver, ch):
    with pytest.raises(Unsupported, match="is query syntax there"):
        source(httpserver).compile(cell_query([f"X{ch}b"], []), None, None)


def test_plain_terms_with_other_characters_compile(httpserver):
    assert source(httpserver).expression(cell_query(["XGBoost-2"], []), None, None) == "(ti:XGBoost-2 OR abs:XGBoost-2)"


def test_count_sends_the_query_and_reads_the_total(httpserver):
    httpserver.expect_request("/").respond_with_data(
        FEED.format("<opensearch:totalResults>77</opensearch:totalResults>"), content_type="application/atom+xml")
    src = source(httpserver)
    assert src.count(WORDS_AND, None, None) == 77 and src.year_total(2015) == 77
    assert [r.args["search_query"] for r, _ in httpserver.log] == [
        "(ti:LSTM OR abs:LSTM OR ti:GRU OR abs:GRU) AND (ti:tagging OR abs:tagging)",
        "submittedDate:[201501010000 TO 201512312359]",
    ]
    assert httpserver.log[0][0].args["max_results"] == "1" and httpserver.log[0][0].args["start"] == "0"


def test_a_400_without_an_error_entry_is_an_http_error(httpserver):
    httpserver.expect_request("/").respond_with_data(
        FEED.format("<opensearch:totalResults>5</opensearch:totalResults>"), status=400)
    with pytest.raises(SourceError) as info:
        source(httpserver).count(LSTM_TOTAL, None, None)
    assert str(info.value) == "arxiv: HTTP 400"


@pytest.mark.parametrize("data,shown", [
    (b"<!DOCTYPE html><html><body>x", "an HTML page"),
    (b"<HTML><body>x", "an HTML page"),
    (b"x" * 196 + b"<html>", "malformed or truncated XML"),  # only the first 200 bytes are looked at
    (b"<!DOCTYPE html>\n<head><title>503</title>", "an HTML page"),
    (b"<feed", "malformed or truncated XML"),
    (b"<html><body>503</body></html>", "an HTML page"),
    (b"<HTML/>", "an HTML page"),
    (b"<rss/>", "a <rss> document"),
    (b"<feed/>", "a <feed> document"),  # a feed outside the Atom namespace
])
def test_a_body_that_is_no_feed_is_malformed(data, shown):
    with pytest.raises(Malformed) as info:
        parse_total(data, 200)
    assert str(info.value) == f"arxiv: expected an Atom feed, got {shown}"


def test_error_entries_by_title_or_by_id():
    titled = FEED.format("<entry><title> Error </title><summary>bad   query</summary></entry>")
    with pytest.raises(SourceError) as info:
        parse_total(titled.encode(), 200)
    assert str(info.value) == "arxiv: query rejected: bad query"
    by_id = FEED.format("<entry><id>https://arxiv.org/api/errors#x</id></entry>")
    with pytest.raises(SourceError) as info:
        parse_total(by_id.encode(), 200)
    assert str(info.value) == "arxiv: query rejected: no detail"
    long = FEED.format(f"<entry><title>Error</title><summary>{'w' * 300}</summary></entry>")
    with pytest.raises(SourceError) as info:
        parse_total(long.encode(), 200)
    assert str(info.value) == "arxiv: query rejected: " + "w" * 119 + "…"


def test_ordinary_entries_are_not_errors(fixtures):
    feed = FEED.format("<opensearch:totalResults>3</opensearch:totalResults><entry><id>http://arxiv.org/abs/1</id>"
                       "<title>Errors in LSTM</title></entry><entry><title/></entry>")
    assert parse_total(feed.encode(), 200) == 3
    assert parse_total(body(fixtures, "arxiv/query_testing_max10.xml"), 200) == 214881


def test_a_feed_without_a_total():
    with pytest.raises(SourceError) as info:
        parse_total(FEED.format("").encode(), 200)
    assert str(info.value) == "arxiv: answer has no opensearch:totalResults"
