"""OpenAlex against its recorded responses on a loopback server."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import unquote_plus

import pytest

from sourcekit import CNN_DIALOG, LSTM_CLASSIFICATION, LSTM_TOTAL, body, fast
from survey.config import Settings
from survey.errors import ConfigError, SourceError
from survey.sources import make_source
from survey.sources.openalex import OpenAlexSource

KEY = "oa-planted-key-4242"


def source(httpserver, **kw):
    kw.setdefault("key", KEY)
    kw.setdefault("today", lambda: datetime(2026, 5, 1, tzinfo=timezone.utc))
    return fast(OpenAlexSource, httpserver, **kw)


def test_count_parses_meta_count_and_sends_the_compiled_request(httpserver, fixtures):
    httpserver.expect_request("/works").respond_with_data(
        body(fixtures, "openalex/works_filter_title_abstract_biodiversity_AND_finance_to2010_count.json"),
        content_type="application/json",
    )
    src = source(httpserver)
    assert src.count(LSTM_CLASSIFICATION, 2006, None) == 422
    req = httpserver.log[0][0]
    assert req.args["api_key"] == KEY and req.args["per_page"] == "1"
    assert req.args["filter"] == (
        'title_and_abstract.search:(LSTM OR "long short-term memory") AND (classification),'
        "from_publication_date:2006-01-01,to_publication_date:2026-12-31"
    )
    shown = src.compile(LSTM_CLASSIFICATION, 2006, None)
    assert KEY not in shown and "api_key=***" in shown
    assert unquote_plus(shown.replace("***", KEY)) == unquote_plus(req.url)


def test_compile_for_study_cells_and_windows(httpserver):
    src = source(httpserver)
    assert "publication_year%3A2015" in src.compile(CNN_DIALOG, 2015, 2015)
    assert "%28CNN+OR+%22convolutional+neural+network%22%29+AND+%28dialog+OR+dialogue%29" in src.compile(
        CNN_DIALOG, None, None
    )
    assert "from_publication_date" not in src.compile(LSTM_TOTAL, None, None)


def test_full_text_search_is_a_setting(httpserver):
    src = source(httpserver, field="search")
    url = src.compile(LSTM_TOTAL, None, None)
    assert "search=%28LSTM" in url and "title_and_abstract" not in url
    assert "full text" in src.capabilities.fields
    with pytest.raises(ConfigError):
        source(httpserver, field="abstract")


def test_per_year_in_one_group_by_call(httpserver):
    groups = [{"key": "2015", "key_display_name": "2015", "count": 40}, {"key": "2017", "count": 90}]
    httpserver.expect_request("/works").respond_with_json(
        {"meta": {"count": 130, "groups_count": 2}, "results": [], "group_by": groups}
    )
    src = source(httpserver)
    assert src.capabilities.per_year_one_call
    assert src.count_by_year(LSTM_CLASSIFICATION, 2015, 2018) == {2015: 40, 2016: 0, 2017: 90, 2018: 0}
    assert len(httpserver.log) == 1
    args = httpserver.log[0][0].args
    assert args["group_by"] == "publication_year"
    assert "from_publication_date:2015-01-01" in args["filter"] and "to_publication_date:2018-12-31" in args["filter"]


def test_group_by_recorded_shape_parses(httpserver, fixtures):
    # The recorded group_by answer groups by type, so no key is a year: every year reads 0,
    # and groups_count (17) beyond the listed groups is reported, not silently truncated.
    data = json.loads(body(fixtures, "openalex/works_filter_biodiversity_group_by_type.json"))
    data["meta"]["groups_count"] = len(data["group_by"]) + 1
    httpserver.expect_request("/works").respond_with_json(data)
    with pytest.raises(SourceError, match="group_by listed"):
        source(httpserver).count_by_year(LSTM_TOTAL, 2009, 2010)


def test_errors_map_to_source_errors(httpserver, fixtures):
    httpserver.expect_request("/works").respond_with_data(
        body(fixtures, "openalex/error_400_invalid_filter_field.json"), status=400, content_type="application/json"
    )
    with pytest.raises(SourceError) as info:
        source(httpserver).count(LSTM_TOTAL, None, None)
    assert "HTTP 400" in str(info.value) and len(str(info.value)) < 300


def test_bad_key_is_an_error_without_the_key(httpserver, fixtures):
    httpserver.expect_request("/works").respond_with_data(
        body(fixtures, "openalex/error_401_invalid_api_key_rate_limit_endpoint.json"),
        status=401,
        content_type="application/json",
    )
    with pytest.raises(SourceError) as info:
        source(httpserver).count(LSTM_TOTAL, None, None)
    assert "401" in str(info.value) and "API key" in str(info.value) and KEY not in str(info.value)


@pytest.mark.parametrize(
    "payload,ctype,match",
    [
        ('{"meta": {"count": 42', "application/json", "truncated"),
        ("<html><body>Service unavailable</body></html>", "text/html", "HTML page"),
        ('{"results": []}', "application/json", "no meta"),
        ('{"meta": {"count": "many"}}', "application/json", "not a count"),
    ],
)
def test_malformed_answers(httpserver, payload, ctype, match):
    httpserver.expect_request("/works").respond_with_data(payload, content_type=ctype)
    with pytest.raises(SourceError, match=match):
        source(httpserver).count(LSTM_TOTAL, None, None)


def test_no_key_is_not_configured_and_never_sent(httpserver):
    src = source(httpserver, key=None)
    ok, why = src.configured()
    assert not ok and "SURVEY_OPENALEX_KEY" in why
    with pytest.raises(SourceError, match="no API key"):
        src.count(LSTM_TOTAL, None, None)
    assert httpserver.log == []


def test_sample_returns_records(httpserver):
    httpserver.expect_request("/works").respond_with_json(
        {
            "meta": {"count": 2},
            "results": [
                {"id": "https://openalex.org/W1", "doi": None, "display_name": "LSTM for text", "publication_year": 2016},
                {"id": "https://openalex.org/W2", "display_name": "Long short-term memory", "publication_year": 1997},
            ],
        }
    )
    records = source(httpserver).sample(LSTM_TOTAL, None, None, 2)
    assert [r.title for r in records] == ["LSTM for text", "Long short-term memory"]
    assert records[1].year == 1997


def test_settings_override_url_rate_concurrency_key(tmp_path):
    env = {
        "SURVEY_OPENALEX_URL": "http://127.0.0.1:9/oa",
        "SURVEY_OPENALEX_RPS": "2.5",
        "SURVEY_OPENALEX_CONCURRENCY": "7",
        "SURVEY_OPENALEX_KEY": KEY,
        "SURVEY_MAILTO": "me@example.org",
    }
    src = make_source("openalex", Settings(home=tmp_path, env=env))
    assert src.base_url == "http://127.0.0.1:9/oa" and src.rate_limit == 2.5 and src.concurrency == 7
    assert src.configured() == (True, "ok")
    assert "mailto:me@example.org" in src.http.session.headers["User-Agent"]
    default = make_source("openalex", Settings(home=tmp_path, env={}))
    assert default.rate_limit == OpenAlexSource.rate_limit and default.base_url == "https://api.openalex.org"
    with pytest.raises(ConfigError):
        make_source("openalex", Settings(home=tmp_path, env={"SURVEY_OPENALEX_CONCURRENCY": "0"}))


def test_per_year_rows_store_the_group_by_request_actually_sent(httpserver, tmp_path):
    from datetime import timedelta

    from survey.query_file import parse_matrix
    from survey.refreshing import plan, run
    from survey.store import Store

    groups = [{"key": str(y), "count": y - 2000} for y in range(2015, 2019)]
    httpserver.expect_request("/works").respond_with_json({"meta": {"count": 1, "groups_count": 4}, "group_by": groups})
    matrix = parse_matrix('[methods]\nLSTM = ["LSTM"]\n[tasks]\ntotal = []\n[[windows]]\nname = "all time"\n'
                          "[trend]\nfrom = 2015\nto = 2018\n")
    src = source(httpserver)
    with Store(tmp_path / "cache.sqlite") as store:
        planned = plan(matrix, {"openalex": src}, store, by_year=True)
        run(planned, {"openalex": src}, store)
        items = [i for i in planned if i.year is not None and i.cell.method == "LSTM"]
        rows = sorted((o for o in store.all() if o.year is not None and o.method == "LSTM"), key=lambda o: o.year)
        # A rerun after one year went stale sends the same full request, not a one-year one.
        again = plan(matrix, {"openalex": src}, store, by_year=True, max_age=timedelta(days=30))
    grouped = [r for r, _ in httpserver.log if "group_by" in r.args]
    searched = [r for r in grouped if "title_and_abstract" in r.args["filter"]]
    assert len(searched) == 1 and len(grouped) == 2  # one group_by for the cell's years, one for the totals
    sent = searched[0]
    assert sent.args["group_by"] == "publication_year"
    shown = {i.query for i in items}
    assert len(shown) == 1, "every year of one group_by call shows that one request"
    (query,) = shown
    assert "group_by=publication_year" in query and "per_page=1&" not in query and KEY not in query
    assert unquote_plus(query.replace("***", KEY)) == unquote_plus(sent.url)
    assert [(o.year, o.count, o.query) for o in rows] == [(y, y - 2000, query) for y in range(2015, 2019)]
    assert all(not i.due for i in again if i.year is not None)
    totals = {o.year: o for o in store_rows(tmp_path) if o.method != "LSTM" and o.year is not None}
    assert len({o.query for o in totals.values()}) == 1 and "title_and_abstract" not in next(iter(totals.values())).query


def store_rows(tmp_path):
    from survey.store import Store

    with Store(tmp_path / "cache.sqlite") as store:
        return store.all()


def test_year_totals_in_one_group_by_over_all_works(httpserver):
    groups = [{"key": "2015", "count": 9_100_000}, {"key": "2016", "count": 9_400_000}]
    httpserver.expect_request("/works").respond_with_json({"meta": {"count": 1, "groups_count": 2}, "group_by": groups})
    src = source(httpserver)
    assert src.year_totals(2015, 2017) == {2015: 9_100_000, 2016: 9_400_000, 2017: 0}
    args = httpserver.log[0][0].args
    assert args["filter"] == "from_publication_date:2015-01-01,to_publication_date:2017-12-31"
    assert args["group_by"] == "publication_year" and "search" not in args
    urls = src.compile_year_totals(2015, 2017)
    assert len(set(urls.values())) == 1 and unquote_plus(urls[2015].replace("***", KEY)) == unquote_plus(httpserver.log[0][0].url)
