"""OpenAlex: the exact request compiled for each kind of cell and window, and every reading of
its answers (meta.count, group_by years, records), on small answers of our own."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from sourcekit import CNN_DIALOG, LSTM_TOTAL, fast
from survey.errors import ConfigError, SourceError, Unsupported
from survey.matrix import TermSpec, cell_query
from survey.sources.base import Capabilities, Record
from survey.sources.openalex import OpenAlexSource

KEY = "oa-planted-key-4242"


def source(httpserver, **kw):
    kw.setdefault("key", KEY)
    kw.setdefault("today", lambda: datetime(2026, 5, 1, tzinfo=timezone.utc))
    return fast(OpenAlexSource, httpserver, **kw)


def args(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def test_documented_limits_and_capabilities():
    src = OpenAlexSource(key=KEY)
    assert (src.rate_limit, src.concurrency, src.needs_key) == (10.0, 5, True)
    assert src.base_url == "https://api.openalex.org"
    caps = src.capabilities
    assert caps == Capabilities(boolean=True, phrases=True, stemming=True, fields="title and abstract",
                                per_year_one_call=True, records=True, exact=True, notes=caps.notes)
    assert not caps.title_only
    full = OpenAlexSource(key=KEY, field="search").capabilities.fields
    assert full == "title, abstract and full text (the `search` parameter)"


def test_an_unknown_field_names_the_choices():
    with pytest.raises(ConfigError) as info:
        OpenAlexSource(key=KEY, field="abstract")
    assert str(info.value) == "openalex field='abstract': expected one of title_and_abstract, search"


def test_compile_is_the_exact_count_request(httpserver):
    src = source(httpserver)
    base = httpserver.url_for("/works")
    url = src.compile(CNN_DIALOG, 2015, 2015)
    assert url.startswith(base + "?")
    assert args(url) == [
        ("filter", 'title_and_abstract.search:(CNN OR "convolutional neural network") AND (dialog OR dialogue),'
                   "publication_year:2015"),
        ("api_key", "***"), ("per_page", "1"), ("select", "id"),
    ]
    assert args(src.compile(LSTM_TOTAL, None, 2010))[0] == (
        "filter", 'title_and_abstract.search:(LSTM OR "long short-term memory"),to_publication_date:2010-12-31')
    assert args(src.compile(LSTM_TOTAL, 2010, 2012))[0][1].endswith(
        ",from_publication_date:2010-01-01,to_publication_date:2012-12-31")


def test_exact_and_stemmed_groups_and_full_text(httpserver):
    cell = cell_query(["XGBoost"], [TermSpec("dialogs", True), TermSpec("chats", True)])
    assert source(httpserver).expressions(cell) == ("(XGBoost)", "(dialogs OR chats)")
    assert source(httpserver).expression(cell) == "(XGBoost) AND (dialogs OR chats)"
    only_exact = cell_query([TermSpec("LSTMs", True)], [TermSpec("tagging", True)])
    assert source(httpserver).expressions(only_exact) == ("", "(LSTMs) AND (tagging)")
    assert source(httpserver).expression(only_exact) == "(LSTMs) AND (tagging)"
    full = source(httpserver, field="search")
    assert args(full.compile(only_exact, None, None)) == [
        ("search.exact", "(LSTMs) AND (tagging)"), ("api_key", "***"), ("per_page", "1"), ("select", "id")]
    assert args(full.compile(LSTM_TOTAL, 2015, 2015))[:2] == [
        ("filter", "publication_year:2015"), ("search", '(LSTM OR "long short-term memory")')]
    with pytest.raises(Unsupported) as info:
        full.compile(cell, None, None)
    assert str(info.value) == ("openalex full-text search takes either stemmed terms (search) or exact ones "
                               "(search.exact) in one request, not both")


def test_mixed_group_message(httpserver):
    with pytest.raises(Unsupported) as info:
        source(httpserver).expressions(cell_query(["LSTM", TermSpec("GRUs", True)], []))
    assert str(info.value) == ("openalex cannot mix exact and stemmed alternatives in one group: the unstemmed "
                               "search is a separate filter, and separate filters only combine with AND")


@pytest.mark.parametrize("ch", list(',|"()'))
def test_filter_syntax_in_a_term_is_refused(httpserver, ch):
    with pytest.raises(Unsupported, match="is query syntax there"):
        source(httpserver).compile(cell_query([f"a{ch}b"], []), None, None)


def test_titles_only_is_refused(httpserver):
    with pytest.raises(Unsupported, match="cannot restrict a search to titles"):
        source(httpserver).compile(cell_query(["LSTM"], [], "title"), None, None)


def test_by_year_requests(httpserver):
    src = source(httpserver)
    urls = src.compile_by_year(CNN_DIALOG, 2015, 2016)
    assert list(urls) == [2015, 2016] and urls[2015] == urls[2016]
    assert args(urls[2015]) == [
        ("filter", 'title_and_abstract.search:(CNN OR "convolutional neural network") AND (dialog OR dialogue),'
                   "from_publication_date:2015-01-01,to_publication_date:2016-12-31"),
        ("api_key", "***"), ("group_by", "publication_year"), ("per_page", "200"),
    ]
    totals = src.compile_year_totals(1826, 2025)  # 200 years: one page
    assert list(totals) == list(range(1826, 2026)) and len(set(totals.values())) == 1
    assert args(totals[1826]) == [("filter", "from_publication_date:1826-01-01,to_publication_date:2025-12-31"),
                                  ("api_key", "***"), ("group_by", "publication_year"), ("per_page", "200")]
    assert totals[1826] == src.totals_query(1826, 2025)
    with pytest.raises(Unsupported) as info:
        src.compile_by_year(CNN_DIALOG, 1825, 2025)
    assert str(info.value) == "openalex: group_by returns at most 200 years in one page"


def answer(httpserver, data):
    httpserver.expect_request("/works").respond_with_json(data)


def test_count_reads_meta_count(httpserver):
    answer(httpserver, {"meta": {"count": 1234}})
    assert source(httpserver).count(LSTM_TOTAL, None, None) == 1234
    sent = httpserver.log[0][0].args
    assert sent["per_page"] == "1" and sent["select"] == "id" and sent["api_key"] == KEY


@pytest.mark.parametrize("data", [[1, 2], {"meta": [1]}, {"meta": None}])
def test_an_answer_without_a_meta_object(httpserver, data):
    answer(httpserver, data)
    with pytest.raises(SourceError) as info:
        source(httpserver).count(LSTM_TOTAL, None, None)
    assert str(info.value) == "openalex: answer has no meta object"


def test_a_meta_without_count(httpserver):
    answer(httpserver, {"meta": {}})
    with pytest.raises(SourceError) as info:
        source(httpserver).count(LSTM_TOTAL, None, None)
    assert str(info.value) == "openalex: answer has no meta.count"


def test_group_by_reads_each_year_in_the_window(httpserver):
    groups = [{"key": "unknown", "count": 5}, {"key": "2014", "count": 7}, {"key": "2015", "count": 40},
              {"count": 3}, {"key": None, "count": 3}, {"key": "2017", "count": "90"}, {"key": "2018", "count": 8}]
    answer(httpserver, {"meta": {"count": 1, "groups_count": len(groups)}, "group_by": groups})
    assert source(httpserver).count_by_year(LSTM_TOTAL, 2015, 2017) == {2015: 40, 2016: 0, 2017: 90}
    sent = httpserver.log[0][0].args
    assert sent["group_by"] == "publication_year" and sent["per_page"] == "200"


def test_group_by_a_count_that_is_not_one(httpserver):
    answer(httpserver, {"meta": {}, "group_by": [{"key": "2015", "count": -1}]})
    with pytest.raises(SourceError) as info:
        source(httpserver).year_totals(2015, 2015)
    assert str(info.value).startswith("openalex: group_by[].count is not a count")


@pytest.mark.parametrize("groups", [None, {"2015": 3}, "2015"])
def test_group_by_without_a_list(httpserver, groups):
    answer(httpserver, {"meta": {}, "group_by": groups})
    with pytest.raises(SourceError) as info:
        source(httpserver).count_by_year(LSTM_TOTAL, 2015, 2016)
    assert str(info.value) == "openalex: group_by answer has no group_by list"


@pytest.mark.parametrize("listed,ok", [(2, True), (3, False), ("3", True), (None, True)])
def test_group_by_listing_fewer_groups_than_it_counts(httpserver, listed, ok):
    groups = [{"key": "2015", "count": 4}, {"key": "2016", "count": 6}]
    answer(httpserver, {"meta": {"groups_count": listed}, "group_by": groups})
    if ok:
        assert source(httpserver).year_totals(2015, 2016) == {2015: 4, 2016: 6}
        return
    with pytest.raises(SourceError) as info:
        source(httpserver).year_totals(2015, 2016)
    assert str(info.value) == "openalex: group_by listed 2 of 3 years"


def test_group_by_needs_a_key_before_any_request(httpserver):
    src = source(httpserver, key=None)
    with pytest.raises(SourceError, match="no API key"):
        src.count_by_year(LSTM_TOTAL, 2015, 2016)
    assert httpserver.log == []


def test_sample_asks_for_records_and_reads_them(httpserver):
    works = [{"id": "W1", "doi": "10.1/x", "display_name": "A", "publication_year": 2016},
             {"id": "W2", "display_name": None}, {"id": "W3", "display_name": "C"}]
    answer(httpserver, {"meta": {"count": 3}, "results": works})
    src = source(httpserver)
    assert src.sample(LSTM_TOTAL, None, None, 2) == [Record("A", 2016, "W1", "10.1/x"), Record("", None, "W2", None)]
    sent = httpserver.log[0][0].args
    assert sent["per_page"] == "2" and sent["select"] == "id,doi,display_name,publication_year"
    assert sent["filter"] == 'title_and_abstract.search:(LSTM OR "long short-term memory")'
    src.sample(LSTM_TOTAL, 2010, 2012, 500)
    window = httpserver.log[1][0].args["filter"]
    assert window.endswith(",from_publication_date:2010-01-01,to_publication_date:2012-12-31")
    src.sample(LSTM_TOTAL, None, None, 0)
    assert [r.args["per_page"] for r, _ in httpserver.log[1:]] == ["200", "1"]


def test_sample_of_an_answer_without_results(httpserver):
    answer(httpserver, {"meta": {"count": 0}, "results": None})
    assert source(httpserver).sample(LSTM_TOTAL, None, None, 5) == []


def test_the_field_is_a_setting(tmp_path):
    from survey.config import Settings

    env = {"SURVEY_OPENALEX_FIELD": "search", "SURVEY_OPENALEX_KEY": KEY}
    assert OpenAlexSource.settings_kwargs(Settings(home=tmp_path, env=env))["field"] == "search"
    assert OpenAlexSource.from_settings(Settings(home=tmp_path, env=env)).field == "search"
    assert OpenAlexSource.from_settings(Settings(home=tmp_path, env={})).field == "title_and_abstract"
    in_file = Settings(home=tmp_path, file={"sources": {"openalex": {"field": "search"}}}, env={})
    assert OpenAlexSource.settings_kwargs(in_file)["field"] == "search"
