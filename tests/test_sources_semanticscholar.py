"""Semantic Scholar against its recorded responses on a loopback server."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sourcekit import LSTM_CLASSIFICATION, LSTM_TOTAL, body, fast
from survey.errors import SourceError, Unsupported
from survey.matrix import cell_query
from survey.sources.semanticscholar import SemanticScholarSource

PATH = "/paper/search/bulk"


def serve(httpserver, fixtures, rel, status=200):
    httpserver.expect_request(PATH).respond_with_data(body(fixtures, rel), status=status, content_type="application/json")


@pytest.mark.parametrize(
    "rel,total",
    [
        ("semantic_scholar/paper_search_turing.json", 70499),
        ("semantic_scholar/paper_search_turing_year_1936.json", 21),
        ("semantic_scholar/paper_search_bulk_kubernetes_first_page_TRIMMED.json", 2674),
        # An empty result has no `data` key at all: still a count of 0, not an error.
        ("semantic_scholar/paper_search_empty_total0.json", 0),
    ],
)
def test_total_parsed(httpserver, fixtures, rel, total):
    serve(httpserver, fixtures, rel)
    assert fast(SemanticScholarSource, httpserver).count(LSTM_TOTAL, None, None) == total


def test_request_syntax_and_year_filter(httpserver, fixtures):
    serve(httpserver, fixtures, "semantic_scholar/paper_search_turing_year_1936-1937.json")
    src = fast(SemanticScholarSource, httpserver, today=lambda: datetime(2026, 5, 1, tzinfo=timezone.utc))
    assert src.count(LSTM_CLASSIFICATION, 1936, 1937) == 47
    args = httpserver.log[0][0].args
    assert args["query"] == '(LSTM | "long short-term memory") + classification'
    assert args["year"] == "1936-1937"
    assert "year=2006-2026&" in src.compile(LSTM_TOTAL, 2006, None)  # an open end is this year
    assert "year=-2010" in src.compile(LSTM_TOTAL, None, 2010)
    assert "year=2015&" in src.compile(LSTM_TOTAL, 2015, 2015)
    assert "year" not in src.compile(LSTM_TOTAL, None, None).split("?")[1].replace("fields=year", "")


def test_key_sent_as_header_and_redacted(httpserver, fixtures):
    serve(httpserver, fixtures, "semantic_scholar/paper_search_turing.json")
    src = fast(SemanticScholarSource, httpserver, key="s2-planted-key-777")
    src.count(LSTM_TOTAL, None, None)
    assert httpserver.log[0][0].headers["x-api-key"] == "s2-planted-key-777"
    assert "s2-planted-key-777" not in src.compile(LSTM_TOTAL, None, None)
    assert fast(SemanticScholarSource, httpserver).configured()[0]  # the key is optional


@pytest.mark.parametrize(
    "rel,status,match",
    [
        ("semantic_scholar/error_400_unsupported_fields.json", 400, "HTTP 400.*Unrecognized"),
        ("semantic_scholar/error_403_forbidden_bad_key.json", 403, "HTTP 403.*Forbidden"),
        ("semantic_scholar/error_404_paper_not_found.json", 404, "HTTP 404"),
    ],
)
def test_errors_mapped(httpserver, fixtures, rel, status, match):
    serve(httpserver, fixtures, rel, status)
    with pytest.raises(SourceError, match=match):
        fast(SemanticScholarSource, httpserver).count(LSTM_TOTAL, None, None)


def test_malformed_bodies(httpserver, fixtures):
    full = body(fixtures, "semantic_scholar/paper_search_turing.json")
    for data, ctype, match in (
        (full[: len(full) // 2], "application/json", "truncated"),
        ("<html>rate limited</html>", "text/html", "HTML"),
    ):
        httpserver.clear()
        httpserver.expect_request(PATH).respond_with_data(data, content_type=ctype)
        with pytest.raises(SourceError, match=match):
            fast(SemanticScholarSource, httpserver).count(LSTM_TOTAL, None, None)
    httpserver.clear()
    httpserver.expect_request(PATH).respond_with_json({"offset": 0, "data": []})
    with pytest.raises(SourceError, match="no total"):
        fast(SemanticScholarSource, httpserver).count(LSTM_TOTAL, None, None)


def test_429_then_success(httpserver, fixtures):
    httpserver.expect_ordered_request(PATH).respond_with_data("Too Many Requests", status=429, headers={"Retry-After": "0"})
    serve(httpserver, fixtures, "semantic_scholar/paper_search_turing.json")
    assert fast(SemanticScholarSource, httpserver).count(LSTM_TOTAL, None, None) == 70499


def test_operator_characters_are_refused(httpserver):
    with pytest.raises(Unsupported, match="NOT"):
        fast(SemanticScholarSource, httpserver).compile(cell_query(["-LSTM"], []), None, None)
    with pytest.raises(Unsupported, match=r"\|"):
        fast(SemanticScholarSource, httpserver).compile(cell_query(["a|b"], []), None, None)
