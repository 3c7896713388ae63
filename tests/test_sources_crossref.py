"""Crossref against its recorded responses on a loopback server."""

from __future__ import annotations

import pytest

from sourcekit import CNN_DIALOG, LSTM_CLASSIFICATION, LSTM_TOTAL, WORDS_AND, WORDS_ONLY, body, fast
from survey.errors import SourceError, Unsupported
from survey.sources.crossref import CrossrefSource


def serve(httpserver, fixtures, rel, status=200):
    httpserver.expect_request("/works").respond_with_data(body(fixtures, rel), status=status, content_type="application/json")


@pytest.mark.parametrize(
    "rel,total",
    [
        ("crossref/works_query_ecology_rows2.json", 586628),
        ("crossref/works_query_ecology_select_doi_title.json", 586628),
        ("crossref/member_works_rows0_facet_issn.json", 851692),
        ("crossref/litstudy_works_query_litstudy_cursor_star.json", 2),
    ],
)
def test_total_results_parsed(httpserver, fixtures, rel, total):
    serve(httpserver, fixtures, rel)
    assert fast(CrossrefSource, httpserver).count(WORDS_ONLY, None, None) == total


def test_request_for_a_single_concept_of_words(httpserver, fixtures):
    serve(httpserver, fixtures, "crossref/works_query_ecology_rows2.json")
    fast(CrossrefSource, httpserver).count(WORDS_ONLY, 2006, 2016)
    args = httpserver.log[0][0].args
    assert args["query"] == "LSTM GRU" and args["rows"] == "0"
    assert args["filter"] == "from-pub-date:2006-01-01,until-pub-date:2016-12-31"


@pytest.mark.parametrize("cell", [LSTM_CLASSIFICATION, CNN_DIALOG, WORDS_AND])
def test_method_x_task_cells_are_unsupported(cell, httpserver):
    with pytest.raises(Unsupported, match="no AND"):
        fast(CrossrefSource, httpserver).compile(cell, None, None)


def test_phrases_are_unsupported(httpserver):
    # The study's method totals all carry a phrase ("long short-term memory").
    with pytest.raises(Unsupported, match="no phrase search: 'long short-term memory'"):
        fast(CrossrefSource, httpserver).compile(LSTM_TOTAL, None, None)


@pytest.mark.parametrize(
    "rel,status",
    [("crossref/error_400_field_query_on_doi_route.json", 400), ("crossref/error_404_invalid_cursor.json", 404)],
)
def test_errors_mapped(httpserver, fixtures, rel, status):
    serve(httpserver, fixtures, rel, status)
    with pytest.raises(SourceError, match=f"HTTP {status}"):
        fast(CrossrefSource, httpserver).count(WORDS_ONLY, None, None)


def test_malformed(httpserver, fixtures):
    # A cut-short body or an HTML page is retried (3 tries in these tests); a well-formed answer
    # that is not a work list is final.
    full = body(fixtures, "crossref/works_query_ecology_rows2.json")
    for data, ctype, match in (
        (full[:300], "application/json", "truncated or malformed JSON .* after 3 tries"),
        ("<html>Bad gateway</html>", "text/html", "HTML page after 3 tries"),
    ):
        httpserver.clear()
        httpserver.expect_request("/works").respond_with_data(data, content_type=ctype)
        with pytest.raises(SourceError, match=match):
            fast(CrossrefSource, httpserver).count(WORDS_ONLY, None, None)
        assert len(httpserver.log) == 3
    httpserver.clear()
    httpserver.expect_request("/works").respond_with_json({"status": "failed", "message": []})
    with pytest.raises(SourceError, match="not an ok work list"):
        fast(CrossrefSource, httpserver).count(WORDS_ONLY, None, None)
    assert len(httpserver.log) == 1


def test_polite_pool_with_mailto(httpserver, fixtures):
    serve(httpserver, fixtures, "crossref/works_query_ecology_rows2.json")
    polite = CrossrefSource(base_url=httpserver.url_for(""), mailto="me@example.org")
    public = CrossrefSource(base_url=httpserver.url_for(""))
    assert (polite.rate_limit, polite.concurrency) == (10.0, 3)
    assert (public.rate_limit, public.concurrency) == (5.0, 1)
    polite.count(WORDS_ONLY, None, None)
    assert "mailto:me@example.org" in httpserver.log[0][0].headers["User-Agent"]
    assert "me@example.org" not in polite.compile(WORDS_ONLY, None, None)  # the stored query names no one
