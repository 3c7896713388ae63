"""arXiv against its recorded Atom feeds on a loopback server."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sourcekit import CNN_DIALOG, LSTM_CLASSIFICATION, LSTM_TOTAL, body, fast
from survey.errors import SourceError
from survey.sources.arxiv import ArxivSource


def serve(httpserver, data, status=200, ctype="application/atom+xml"):
    httpserver.expect_request("/").respond_with_data(data, status=status, content_type=ctype)


def source(httpserver):
    return fast(ArxivSource, httpserver, today=lambda: datetime(2026, 6, 1, tzinfo=timezone.utc))


def test_total_results_parsed(httpserver, fixtures):
    serve(httpserver, body(fixtures, "arxiv/query_testing_max10.xml"))
    assert source(httpserver).count(LSTM_TOTAL, None, None) == 214881


def test_zero_results(httpserver, fixtures):
    serve(httpserver, body(fixtures, "arxiv/id_list_0000.0000_total0.xml"))
    assert source(httpserver).count(LSTM_TOTAL, None, None) == 0


def test_error_entry_is_an_error_not_one_result(httpserver, fixtures):
    # The feed says totalResults = 1; that one "result" is the error message.
    serve(httpserver, body(fixtures, "arxiv/error_400_incorrect_id_format.xml"), status=400)
    with pytest.raises(SourceError, match="query rejected: incorrect id format for abc"):
        source(httpserver).count(LSTM_TOTAL, None, None)


def test_error_entry_with_status_200_also_detected(httpserver, fixtures):
    serve(httpserver, body(fixtures, "arxiv/error_400_incorrect_id_format.xml"), status=200)
    with pytest.raises(SourceError, match="query rejected"):
        source(httpserver).count(LSTM_TOTAL, None, None)


def test_compiled_query_and_date_range(httpserver, fixtures):
    serve(httpserver, body(fixtures, "arxiv/query_testing_max10.xml"))
    src = source(httpserver)
    src.count(LSTM_CLASSIFICATION, 2006, None)
    q = httpserver.log[0][0].args["search_query"]
    assert q == (
        '(ti:LSTM OR abs:LSTM OR ti:"long short-term memory" OR abs:"long short-term memory") AND '
        "(ti:classification OR abs:classification) AND submittedDate:[200601010000 TO 202612312359]"
    )
    assert "submittedDate%3A%5B201501010000+TO+201512312359%5D" in src.compile(CNN_DIALOG, 2015, 2015)


@pytest.mark.parametrize(
    "data,ctype,match",
    [
        (b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>", "application/atom+xml", "truncated XML after 3 tries"),
        (b"<!DOCTYPE html><html><body>503</body></html>", "text/html", "HTML page after 3 tries"),
        (b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'></feed>", "application/atom+xml", "no opensearch"),
    ],
)
def test_malformed_feeds(httpserver, data, ctype, match):
    serve(httpserver, data, ctype=ctype)
    with pytest.raises(SourceError, match=match):
        source(httpserver).count(LSTM_TOTAL, None, None)


def test_polite_limit_is_one_request_per_three_seconds():
    src = ArxivSource()
    assert src.rate_limit == pytest.approx(1 / 3) and src.concurrency == 1
    assert src.http.limiter.window == (1, pytest.approx(3.0))
