"""DBLP against its recorded response on a loopback server."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sourcekit import CNN_DIALOG, LSTM_CLASSIFICATION, LSTM_TOTAL, WORDS_AND, WORDS_ONLY, body, fast
from survey.errors import SourceError, Unsupported
from survey.sources.dblp import DblpSource

PATH = "/search/publ/api"


def source(httpserver):
    return fast(DblpSource, httpserver, today=lambda: datetime(2026, 6, 1, tzinfo=timezone.utc))


def test_total_is_a_string_and_parsed(httpserver, fixtures):
    httpserver.expect_request(PATH).respond_with_data(
        body(fixtures, "dblp/publ_search_test_star_json.json"), content_type="application/json"
    )
    assert source(httpserver).count(WORDS_AND, None, None) == 67660
    args = httpserver.log[0][0].args
    assert args["q"] == "LSTM|GRU tagging" and args["format"] == "json" and args["h"] == "0"


def test_years_use_the_year_facet(httpserver):
    src = source(httpserver)
    assert "year%3A2015%3A&" in src.compile(WORDS_ONLY, 2015, 2015)
    since = src.compile(WORDS_ONLY, 2024, None)
    assert "year%3A2024%3A%7Cyear%3A2025%3A%7Cyear%3A2026%3A&" in since


@pytest.mark.parametrize("cell", [LSTM_CLASSIFICATION, CNN_DIALOG, LSTM_TOTAL])
def test_study_cells_with_phrases_are_unsupported(httpserver, cell):
    with pytest.raises(Unsupported, match="no phrase search"):
        source(httpserver).compile(cell, None, None)


def test_approximations_are_declared():
    caps = DblpSource.capabilities
    assert caps.fields == "titles" and not caps.phrases
    assert "prefix" in caps.notes


@pytest.mark.parametrize(
    "payload,match",
    [
        ('{"result": {"hits": {"@total": "12', "truncated"),
        ('{"result": {"status": {"@code": "200"}}}', "no result.hits"),
        ('{"result": {"hits": {"@total": "lots"}}}', "not a count"),
    ],
)
def test_malformed(httpserver, payload, match):
    httpserver.expect_request(PATH).respond_with_data(payload, content_type="application/json")
    with pytest.raises(SourceError, match=match):
        source(httpserver).count(WORDS_ONLY, None, None)


def test_html_where_json_expected(httpserver):
    httpserver.expect_request(PATH).respond_with_data("<html><body>dblp is down</body></html>", content_type="text/html")
    with pytest.raises(SourceError, match="HTML"):
        source(httpserver).count(WORDS_ONLY, None, None)
