"""Crossref, dblp, Semantic Scholar and Web of Science: the exact request each compiles for a
cell and window, what each refuses and why, and how each reads its total."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from sourcekit import LSTM_TOTAL, WORDS_AND, WORDS_ONLY, fast
from survey.errors import SourceError, Unsupported
from survey.matrix import TermSpec, cell_query
from survey.sources.base import Capabilities
from survey.sources.crossref import CrossrefSource
from survey.sources.dblp import DblpSource
from survey.sources.semanticscholar import SemanticScholarSource
from survey.sources.wos import WosSource

TODAY = lambda: datetime(2026, 5, 1, tzinfo=timezone.utc)  # noqa: E731
KEY = "req-key-12345678"
EXACT = cell_query([TermSpec("LSTMs", True)], [])


def make(cls, httpserver, **kw):
    return fast(cls, httpserver, today=TODAY, **kw)


def args(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def serve(httpserver, path, data):
    httpserver.expect_request(path).respond_with_json(data)


@pytest.mark.parametrize("cls,url,rate,caps", [
    (CrossrefSource, "https://api.crossref.org", 5.0,
     dict(boolean=False, phrases=False, stemming=False, per_year_one_call=False)),
    (DblpSource, "https://dblp.org", 1.0,
     dict(boolean=True, phrases=False, stemming=True, per_year_one_call=False, exact=True)),
    (SemanticScholarSource, "https://api.semanticscholar.org/graph/v1", 1.0,
     dict(boolean=True, phrases=True, stemming=True, per_year_one_call=False)),
    (WosSource, "https://api.clarivate.com/apis/wos-starter/v1", 1.0,
     dict(boolean=True, phrases=True, stemming=True, per_year_one_call=False, exact=True)),
], ids=lambda v: getattr(v, "name", ""))
def test_documented_endpoints_limits_and_capabilities(cls, url, rate, caps):
    src = cls()
    assert (src.base_url, src.rate_limit, src.concurrency) == (url, rate, 1)
    assert src.capabilities == Capabilities(fields=src.capabilities.fields, notes=src.capabilities.notes,
                                            estimate=src.capabilities.estimate, **caps)
    # the sources whose counts are documented estimates say how (no interval is put on them)
    assert bool(src.capabilities.estimate) is (cls is SemanticScholarSource)
    assert src.needs_key is (cls is WosSource)


# ------------------------------------------------------------------ crossref

def test_crossref_request_and_pools(httpserver):
    src = make(CrossrefSource, httpserver)
    assert args(src.compile(WORDS_ONLY, None, 2010)) == [
        ("query", "LSTM GRU"), ("filter", "until-pub-date:2010-12-31"), ("rows", "0")]
    assert args(src.compile(EXACT, None, None)) == [("query", "LSTMs"), ("rows", "0")]
    assert urlsplit(src.compile(EXACT, None, None)).path == "/works"
    assert args(src.totals_query(2015, 2015)) == [
        ("filter", "from-pub-date:2015-01-01,until-pub-date:2015-12-31"), ("rows", "0")]
    assert urlsplit(src.totals_query(2015, 2015)).path == "/works"
    given = CrossrefSource(rate=2.0, concurrency=2, mailto="me@example.org")
    assert (given.rate_limit, given.concurrency) == (2.0, 2)


@pytest.mark.parametrize("ch", list('+-"()'))
def test_crossref_refuses_its_operators(httpserver, ch):
    with pytest.raises(Unsupported, match="is query syntax there"):
        make(CrossrefSource, httpserver).compile(cell_query([f"X{ch}y"], []), None, None)


def test_crossref_refusal_messages(httpserver):
    src = make(CrossrefSource, httpserver)
    with pytest.raises(Unsupported) as info:
        src.compile(WORDS_AND, None, None)
    assert str(info.value) == ("crossref has no AND: a cell combining a method and a task cannot be expressed "
                               "(its query counts works matching any word)")
    with pytest.raises(Unsupported) as info:
        src.compile(LSTM_TOTAL, None, None)
    assert str(info.value) == ("crossref has no phrase search: 'long short-term memory' would count works "
                               "with any of its words")


@pytest.mark.parametrize("data,message", [
    ([1], "crossref: answer is not an ok work list"),
    ({"status": "ok", "message": "x"}, "crossref: answer is not an ok work list"),
    ({"status": "failed", "message": {"total-results": 5}}, "crossref: answer is not an ok work list"),
    ({"status": "ok", "message": {}}, "crossref: answer has no message.total-results"),
])
def test_crossref_answers_that_are_not_totals(httpserver, data, message):
    serve(httpserver, "/works", data)
    with pytest.raises(SourceError) as info:
        make(CrossrefSource, httpserver).count(WORDS_ONLY, None, None)
    assert str(info.value) == message


def test_crossref_year_total(httpserver):
    serve(httpserver, "/works", {"status": "ok", "message": {"total-results": 31}})
    assert make(CrossrefSource, httpserver).year_total(2015) == 31
    assert httpserver.log[0][0].args["filter"] == "from-pub-date:2015-01-01,until-pub-date:2015-12-31"


# ------------------------------------------------------------------ dblp

def test_dblp_request(httpserver):
    src = make(DblpSource, httpserver)
    url = src.compile(cell_query(["LSTM", TermSpec("GRU", True)], ["tagging"]), None, 1937)
    assert urlsplit(url).path == "/search/publ/api"
    assert args(url) == [("q", "LSTM|GRU$ tagging year:1936:|year:1937:"), ("format", "json"), ("h", "0"), ("c", "0")]
    assert src.expression(WORDS_ONLY, 2024, None) == "LSTM|GRU year:2024:|year:2025:|year:2026:"
    assert src.expression(WORDS_ONLY, None, None) == "LSTM|GRU"


@pytest.mark.parametrize("ch", list("|$*:-."))
def test_dblp_refuses_its_operators(httpserver, ch):
    with pytest.raises(Unsupported, match="is query syntax there"):
        make(DblpSource, httpserver).compile(cell_query([f"X{ch}y"], []), None, None)


def test_dblp_phrase_message(httpserver):
    with pytest.raises(Unsupported) as info:
        make(DblpSource, httpserver).compile(LSTM_TOTAL, None, None)
    assert str(info.value) == ("dblp has no phrase search: 'long short-term memory' cannot be matched as "
                               "consecutive words")


@pytest.mark.parametrize("data", [{}, {"result": []}, {"result": {"hits": "x"}}, {"result": {"hits": {}}}])
def test_dblp_answers_without_a_total(httpserver, data):
    serve(httpserver, "/search/publ/api", data)
    with pytest.raises(SourceError) as info:
        make(DblpSource, httpserver).count(WORDS_ONLY, None, None)
    assert str(info.value) == "dblp: answer has no result.hits.@total"


# ------------------------------------------------------------------ semantic scholar

def test_semanticscholar_request_and_key(httpserver):
    src = make(SemanticScholarSource, httpserver)
    url = src.compile(cell_query(["LSTM", "C++ code"], ["tagging"]), 2006, None)
    assert urlsplit(url).path == "/paper/search/bulk"
    assert args(url) == [("query", '(LSTM | "C++ code") + tagging'), ("year", "2006-2026"), ("fields", "year")]
    assert args(src.totals_query(2015, 2015)) == [("year", "2015"), ("fields", "year")]
    assert src.expression(cell_query(["XGBoost (v2) model"], [])) == '"XGBoost (v2) model"'  # only " is special
    assert "x-api-key" not in src.http.session.headers
    assert src.configured() == (True, "ok (no SURVEY_SEMANTICSCHOLAR_KEY: shared public pool, heavily throttled)")
    keyed = make(SemanticScholarSource, httpserver, key=KEY)
    assert keyed.http.session.headers["x-api-key"] == KEY and keyed.configured() == (True, "ok")


def test_semanticscholar_years():
    years = SemanticScholarSource.years
    assert (years(None, None), years(2015, 2015), years(None, 2010), years(2010, 2012), years(2010, None)) == (
        None, "2015", "-2010", "2010-2012", "2010-")


@pytest.mark.parametrize("ch", list('+|"()*~'))
def test_semanticscholar_refuses_its_operators_in_words(httpserver, ch):
    with pytest.raises(Unsupported, match="is query syntax there"):
        make(SemanticScholarSource, httpserver).compile(cell_query([f"X{ch}y"], []), None, None)


def test_semanticscholar_refuses_a_leading_minus_and_a_quote_in_a_phrase(httpserver):
    src = make(SemanticScholarSource, httpserver)
    with pytest.raises(Unsupported) as info:
        src.compile(cell_query(["-LSTM"], []), None, None)
    assert str(info.value) == "semanticscholar cannot search '-LSTM': a leading - means NOT"
    with pytest.raises(Unsupported, match="is query syntax there"):
        src.compile(cell_query(['a "b c'], []), None, None)


@pytest.mark.parametrize("data", [[{"total": 3}], {"data": []}])
def test_semanticscholar_answers_without_a_total(httpserver, data):
    serve(httpserver, "/paper/search/bulk", data)
    with pytest.raises(SourceError) as info:
        make(SemanticScholarSource, httpserver).count(WORDS_ONLY, None, None)
    assert str(info.value) == "semanticscholar: answer has no total"


def test_semanticscholar_year_total(httpserver):
    serve(httpserver, "/paper/search/bulk", {"total": 12})
    assert make(SemanticScholarSource, httpserver).year_total(2015) == 12
    assert dict(httpserver.log[0][0].args) == {"year": "2015", "fields": "year"}


# ------------------------------------------------------------------ web of science

def test_wos_request_and_key(httpserver):
    src = make(WosSource, httpserver, key=KEY)
    url = src.compile(cell_query(["LSTM", TermSpec("GRUs", True)], ["tagging"]), None, 2010)
    assert urlsplit(url).path == "/documents"
    assert args(url) == [("db", "WOS"), ("q", 'TS=((LSTM OR "GRUs") AND (tagging)) AND PY=(1900-2010)'),
                         ("limit", "1"), ("page", "1")]
    assert src.http.session.headers["X-ApiKey"] == KEY
    assert "X-ApiKey" not in make(WosSource, httpserver).http.session.headers
    assert src.years(2006, None) == " AND PY=(2006-2026)" and src.years(None, None) == ""
    assert args(src.totals_query(2010, 2012))[1] == ("q", "PY=(2010-2012)")


@pytest.mark.parametrize("ch", list('"()='))
def test_wos_refuses_its_operators(httpserver, ch):
    with pytest.raises(Unsupported, match="is query syntax there"):
        make(WosSource, httpserver, key=KEY).compile(cell_query([f"X{ch}y"], []), None, None)


@pytest.mark.parametrize("data", [[1], {"metadata": []}, {"metadata": {}}])
def test_wos_answers_without_a_total(httpserver, data):
    serve(httpserver, "/documents", data)
    with pytest.raises(SourceError) as info:
        make(WosSource, httpserver, key=KEY).count(WORDS_ONLY, None, None)
    assert str(info.value) == "wos: answer has no metadata.total"


def test_wos_needs_its_key_before_any_request(httpserver):
    with pytest.raises(SourceError, match="no API key"):
        make(WosSource, httpserver).year_total(2015)
    assert httpserver.log == []
