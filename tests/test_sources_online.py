"""What OnlineSource does for every web source: settings, the window rule, year totals, refusals."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from werkzeug import Response

from sourcekit import LSTM_TOTAL, fast
from survey.config import Settings
from survey.errors import ConfigError, SourceError, Unsupported
from survey.http import RetryPolicy
from survey.matrix import TermSpec, cell_query
from survey.sources.arxiv import ArxivSource
from survey.sources.crossref import CrossrefSource
from survey.sources.dblp import DblpSource
from survey.sources.online import MAX_COUNT, hit_count, pace_file, require_exact, require_fields, require_plain
from survey.sources.semanticscholar import SemanticScholarSource
from survey.sources.wos import WosSource

TODAY = lambda: datetime(2026, 5, 1, tzinfo=timezone.utc)  # noqa: E731
KEY = "wos-key-12345678"


def test_constructor_keeps_what_it_is_given_and_builds_the_http_client(tmp_path):
    policy = RetryPolicy(attempts=4)
    src = WosSource(base_url="http://127.0.0.1:9/api/", key=KEY, rate=2.5, concurrency="3", mailto="me@example.org",
                    pace_dir=tmp_path / "pace", retry=policy, today=TODAY)
    assert src.base_url == "http://127.0.0.1:9/api" and src.http.base_url == "http://127.0.0.1:9/api"
    assert src.key == KEY and src.mailto == "me@example.org"
    assert src.rate_limit == 2.5 and src.concurrency == 3 and type(src.concurrency) is int
    assert src.http.source == "wos" and src.http.retry is policy and src.http.secrets == (KEY,)
    assert src.http.limiter.rate == 2.5
    assert src.http.limiter.path == pace_file(tmp_path / "pace", "wos", "http://127.0.0.1:9/api")
    assert "mailto:me@example.org" in src.http.session.headers["User-Agent"]
    assert src.today is TODAY and src.this_year() == 2026


def test_only_trailing_slashes_leave_the_base_url():
    assert WosSource(base_url="http://127.0.0.1:9/apiX//").base_url == "http://127.0.0.1:9/apiX"


def test_defaults_come_from_the_class():
    src = WosSource(key="")
    assert src.key is None and src.mailto is None
    assert src.base_url == WosSource.default_url and src.http.base_url == WosSource.default_url
    assert src.rate_limit == WosSource.rate_limit == 1.0 and src.concurrency == 1
    assert src.http.retry is WosSource.retry and src.http.limiter.path is None and src.http.secrets == ()
    assert src.this_year() == datetime.now(timezone.utc).year
    assert ArxivSource(rate=None).rate_limit == pytest.approx(1 / 3)


def test_http_options_reach_the_client():
    headers = {"X-Test": "yes"}
    src = DblpSource(headers=headers, pool_size=3)
    assert src.http.session.headers["X-Test"] == "yes"


def test_an_injected_http_client_is_used_as_is(httpserver):
    given = fast(DblpSource, httpserver).http
    assert DblpSource(http=given).http is given


@pytest.mark.parametrize("key,shown", [("k", "1 character;"), ("kk", "2 characters;"), ("kkkkkkk", "7 characters;")])
def test_a_key_too_short_to_mask_is_refused(key, shown):
    with pytest.raises(ConfigError) as info:
        WosSource(key=key)
    assert str(info.value) == (f"SURVEY_WOS_KEY has {shown} an API key has at least 8 (is the whole key set?)")


def test_a_key_of_the_minimum_length_is_kept():
    assert WosSource(key="k" * 8).key == "k" * 8


def settings(tmp_path, **env):
    return Settings(home=tmp_path / "home", env={f"SURVEY_WOS_{k.upper()}": v for k, v in env.items()})


def test_settings_kwargs_read_every_setting(tmp_path):
    s = Settings(home=tmp_path / "home", env={"SURVEY_WOS_URL": "http://127.0.0.1:9", "SURVEY_WOS_KEY": KEY,
                                              "SURVEY_WOS_RPS": "0.5", "SURVEY_WOS_CONCURRENCY": "2",
                                              "SURVEY_MAILTO": "me@example.org",
                                              "SURVEY_PACE_DIR": str(tmp_path / "machine")})
    assert WosSource.settings_kwargs(s) == {
        "base_url": "http://127.0.0.1:9", "key": KEY, "rate": 0.5, "concurrency": 2,
        "mailto": "me@example.org", "pace_dir": tmp_path / "machine",
    }
    src = WosSource.from_settings(s)
    assert (src.base_url, src.key, src.rate_limit, src.concurrency) == ("http://127.0.0.1:9", KEY, 0.5, 2)
    assert src.http.limiter.path.parent == tmp_path / "machine"
    none = WosSource.settings_kwargs(settings(tmp_path))
    assert none["concurrency"] is None and none["rate"] is None and none["key"] is None and none["base_url"] is None


def test_settings_kwargs_read_the_config_file_too(tmp_path):
    table = {"url": "http://127.0.0.1:9/f", "key": KEY, "rps": 0.25, "concurrency": 4}
    s = Settings(home=tmp_path / "home", file={"sources": {"wos": table}}, env={})
    kwargs = WosSource.settings_kwargs(s)
    assert (kwargs["base_url"], kwargs["key"], kwargs["rate"], kwargs["concurrency"]) == (
        "http://127.0.0.1:9/f", KEY, 0.25, 4)


@pytest.mark.parametrize("raw", ["0", "-2", "two", "1.5"])
def test_a_concurrency_that_is_not_a_whole_number_from_1_is_refused(tmp_path, raw):
    with pytest.raises(ConfigError) as info:
        WosSource.settings_kwargs(settings(tmp_path, concurrency=raw))
    assert str(info.value) == f"wos concurrency={raw!r}: expected a whole number >= 1"


def test_concurrency_one_is_accepted(tmp_path):
    assert WosSource.settings_kwargs(settings(tmp_path, concurrency="1"))["concurrency"] == 1


def test_configured_and_require_key_name_the_variable(httpserver):
    bare = fast(WosSource, httpserver)
    assert bare.configured() == (False, "needs an API key: set SURVEY_WOS_KEY")
    with pytest.raises(SourceError) as info:
        bare.require_key()
    assert str(info.value) == "wos: no API key; set SURVEY_WOS_KEY"
    keyed = fast(WosSource, httpserver, key=KEY)
    assert keyed.configured() == (True, "ok")
    keyed.require_key()
    assert fast(DblpSource, httpserver).configured() == (True, "ok")  # needs no key
    fast(DblpSource, httpserver).require_key()


def test_span_ends_an_open_window_with_the_current_year(httpserver):
    src = fast(DblpSource, httpserver, today=TODAY)
    assert src.span(2006, None) == (2006, 2026)
    assert src.span(None, 2010) == (None, 2010)
    assert src.span(None, None) == (None, None)
    assert src.span(2001, 2003) == (2001, 2003)


def test_year_totals_one_date_only_request_per_year(httpserver):
    # Each year's total is the year itself, so a total read for the wrong year shows.
    httpserver.expect_request("/documents").respond_with_handler(
        lambda r: Response('{"metadata": {"total": %s}}' % r.args["q"][3:], content_type="application/json"))
    src = fast(WosSource, httpserver, key=KEY)
    assert src.year_total(2019) == 2019
    assert src.year_totals(2018, 2020) == {2018: 2018, 2019: 2019, 2020: 2020}
    assert [r.args["q"] for r, _ in httpserver.log] == ["PY=2019", "PY=2018", "PY=2019", "PY=2020"]
    assert src.totals_query(2018, 2018) == httpserver.url_for("/documents") + "?db=WOS&q=PY%3D2018&limit=1&page=1"


def test_a_source_without_a_totals_path_refuses_before_any_request(httpserver):
    src = fast(DblpSource, httpserver)
    for call in (lambda: src.year_total(2019), lambda: src.year_totals(2019, 2020),
                 lambda: src.totals_query(2019, 2019)):
        with pytest.raises(Unsupported) as info:
            call()
        assert str(info.value) == "dblp cannot count all of its works per year"
    assert httpserver.log == []


def test_close_and_cancel_reach_the_http_client(httpserver):
    src = fast(DblpSource, httpserver)
    calls = []
    src.http.close = lambda: calls.append("close")
    src.http.cancel = lambda: calls.append("cancel")
    src.close()
    src.cancel()
    assert calls == ["close", "cancel"]


def test_require_plain_names_each_operator_once_in_order():
    require_plain("plain words", "src", '"()')
    with pytest.raises(Unsupported) as info:
        require_plain('a)b(c")', "src", '"()')
    assert str(info.value) == "src cannot search 'a)b(c\")': \" ( ) is query syntax there"


def test_require_fields_refuses_titles_only_where_the_source_cannot(httpserver):
    titles = cell_query(["LSTM"], [], "title")
    with pytest.raises(Unsupported) as info:
        require_fields(titles, fast(CrossrefSource, httpserver))
    assert str(info.value) == ("crossref cannot restrict a search to titles, so a title-only count is not "
                               "expressible there")
    require_fields(LSTM_TOTAL, fast(CrossrefSource, httpserver))


def test_require_exact_only_where_the_source_stems_without_an_escape(httpserver):
    exact = cell_query([TermSpec("LSTMs", True)], []).items[0].items[0]
    plain = cell_query(["LSTMs"], []).items[0].items[0]
    s2 = fast(SemanticScholarSource, httpserver)
    with pytest.raises(Unsupported) as info:
        require_exact(exact, s2)
    assert str(info.value) == ("semanticscholar stems every term and has no unstemmed search, so exact term 'LSTMs' "
                               "cannot be matched as written")
    require_exact(plain, s2)
    require_exact(exact, fast(DblpSource, httpserver))  # stems, but has an exact form
    require_exact(exact, fast(CrossrefSource, httpserver))  # does not stem


def test_pace_file_is_per_source_and_server(tmp_path):
    digest = hashlib.sha1(b"https://api.example.org:443").hexdigest()[:10]
    assert pace_file(str(tmp_path), "wos", "https://api.example.org") == tmp_path / f"wos-{digest}.json"
    assert pace_file(tmp_path, "wos", "HTTPS://API.Example.org.:443/v2") == tmp_path / f"wos-{digest}.json"
    assert isinstance(pace_file(str(tmp_path), "wos", "x"), Path)


def test_hit_count_messages():
    with pytest.raises(SourceError) as info:
        hit_count(None, "dblp", "result.hits.@total")
    assert str(info.value) == "dblp: answer has no result.hits.@total"
    with pytest.raises(SourceError) as info:
        hit_count("x" * 50, "dblp", "total")
    assert str(info.value) == ("dblp: total is not a count in 0..2**53 written in ASCII digits "
                               "('xxxxxxxxxxxxxxxxxxxxxxxxxxxx…)")
    assert hit_count(" 7\n", "dblp", "total") == 7 and hit_count(MAX_COUNT, "dblp", "total") == 2**53
    assert hit_count(0, "dblp", "total") == 0
    with pytest.raises(SourceError):
        hit_count(False, "dblp", "total")
    with pytest.raises(SourceError):
        hit_count("", "dblp", "total")
