"""Google Scholar against recorded result pages, served from a loopback server."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from sourcekit import LSTM_CLASSIFICATION, LSTM_TOTAL, body, fast
from survey.config import Settings
from survey.errors import Blocked, SourceError
from survey.query_file import parse_matrix
from survey.refreshing import plan, run
from survey.sources import make_source
from survey.sources.base import Capabilities, Source
from survey.sources.scholar import ScholarSource
from survey.store import Store
from werkzeug import Response

PAGES = "google_scholar/"


def serve(httpserver, fixtures, name, status=200):
    httpserver.expect_request("/scholar").respond_with_data(
        body(fixtures, PAGES + name), status=status, content_type="text/html; charset=utf-8"
    )


def test_count_from_results_page(httpserver, fixtures):
    serve(httpserver, fixtures, "geomap_2020_search_about_30_results.html")
    src = fast(ScholarSource, httpserver)
    assert src.count(LSTM_CLASSIFICATION, 2006, None) == 30
    args = httpserver.log[0][0].args
    assert args["q"] == '(LSTM OR "long short-term memory") classification' and args["as_ylo"] == "2006"


def test_captcha_page_is_blocked_even_though_it_shows_a_count(httpserver, fixtures):
    serve(httpserver, fixtures, "geomap_2020_captcha_page_about_31_results.html")
    with pytest.raises(Blocked, match="captcha"):
        fast(ScholarSource, httpserver).count(LSTM_TOTAL, None, None)


def test_legacy_count_markup(httpserver, fixtures):
    serve(httpserver, fixtures, "goscholar_2016_cluster_7_results_legacy_markup.html")
    assert fast(ScholarSource, httpserver).count(LSTM_TOTAL, None, None) == 7


def test_missing_count_is_an_error_not_zero(httpserver, fixtures):
    serve(httpserver, fixtures, "goscholar_2016_phrase_query_single_result_no_count.html")
    with pytest.raises(SourceError, match="no result count") as info:
        fast(ScholarSource, httpserver).count(LSTM_TOTAL, None, None)
    assert not isinstance(info.value, Blocked)


@pytest.mark.parametrize("status", [403, 429])
def test_refusals_are_blocks_and_not_retried(httpserver, status):
    httpserver.expect_request("/scholar").respond_with_data("<html>sorry</html>", status=status)
    with pytest.raises(Blocked):
        fast(ScholarSource, httpserver).count(LSTM_TOTAL, None, None)
    assert len(httpserver.log) == 1


def test_fetch_is_injectable(fixtures):
    pages = []

    def fetch(url):
        pages.append(url)
        return body(fixtures, PAGES + "geomap_2020_search_about_30_results.html").decode("utf-8", "replace")

    src = ScholarSource(fetch=fetch, rate=1000.0)
    assert src.count(LSTM_TOTAL, 2015, 2015) == 30
    assert pages == [src.compile(LSTM_TOTAL, 2015, 2015)]


def test_proxy_setting_and_its_password_stay_secret(tmp_path):
    env = {"SURVEY_SCHOLAR_PROXY": "http://user:proxypass987@127.0.0.1:3128"}
    src = make_source("scholar", Settings(home=tmp_path, env=env))
    assert src.proxy == env["SURVEY_SCHOLAR_PROXY"]
    assert "proxypass987" not in src.http.redact(f"failed via {env['SURVEY_SCHOLAR_PROXY']}")


def test_scholarly_is_imported_lazily():
    code = "import sys, survey.sources.scholar as s; s.ScholarSource(); print('scholarly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


class Steady(Source):
    """Another source that keeps answering while Scholar is blocked."""

    name = "steady"
    capabilities = Capabilities(False, False, False, "none", False)
    concurrency = 2

    def compile(self, query, start, end):
        return f"steady {start} {end} {query}"

    def count(self, query, start, end):
        return 5


def test_after_a_block_scholar_gets_nothing_more_and_others_go_on(httpserver, fixtures, tmp_path):
    serve(httpserver, fixtures, "geomap_2020_captcha_page_about_31_results.html")
    matrix = parse_matrix(
        '[methods]\nLSTM = ["LSTM"]\nCNN = ["CNN"]\n[tasks]\nQA = ["question answering"]\ntotal = []\n'
        '[[windows]]\nname = "all time"\n[[windows]]\nname = "since 2006"\nfrom = 2006\n'
    )
    sources = {"scholar": fast(ScholarSource, httpserver), "steady": Steady()}
    with Store(tmp_path / "cache.sqlite") as store:
        items = plan(matrix, sources, store, max_age=timedelta(days=30))
        summary = run(items, sources, store)
        rows = store.all()
    assert len(httpserver.log) == 1  # the first block ends Scholar's run
    assert summary.fetched == 8 and len(summary.blocked) == 1 and len(summary.skipped) == 7
    assert [r.status for r in rows if r.source == "scholar"] == ["blocked"]
    assert all(r.count is None for r in rows if r.source == "scholar")


def page_with_count_line(fixtures, line: str) -> bytes:
    """The recorded results page with its count line replaced."""
    html = body(fixtures, PAGES + "geomap_2020_search_about_30_results.html").decode("utf-8")
    old = '<div class="gs_ab_mdw">About 30 results (<b>0.05</b> sec)</div>'
    assert old in html
    return html.replace(old, f'<div class="gs_ab_mdw">{line}</div>').encode("utf-8")


@pytest.mark.parametrize(
    "line,count",
    [
        ("Page 2 of about 1.630.000 results (<b>0,03</b> sec)", 1_630_000),
        ("Ungefähr 1.620.000 Ergebnisse (<b>0,05</b> Sek.)", 1_620_000),
        ("Environ 1 620 000 résultats (<b>0,04</b> s)", 1_620_000),
        ("Environ 1\u202f620\u202f000 résultats", 1_620_000),
        ("Ungefähr 1'620'000 Ergebnisse", 1_620_000),
        ("About 1,630,000 results", 1_630_000),
        (" <b>About 1,630,000 results</b> (0.05 sec)", 1_630_000),  # a space before the first child
        ("1 result (<b>0.01</b> sec)", 1),
    ],
)
def test_count_lines_in_every_form(httpserver, fixtures, line, count):
    httpserver.expect_request("/scholar").respond_with_data(page_with_count_line(fixtures, line), content_type="text/html")
    assert fast(ScholarSource, httpserver).count(LSTM_TOTAL, None, None) == count
    assert httpserver.log[0][0].args["hl"] == "en"


@pytest.mark.parametrize("line", ["About \u0663\u0661 results", "Results (<b>0.05</b> sec)", "About 10" + "0" * 30 + " results"])
def test_an_unreadable_count_line_is_an_error_never_zero(httpserver, fixtures, line):
    httpserver.expect_request("/scholar").respond_with_data(page_with_count_line(fixtures, line), content_type="text/html")
    with pytest.raises(SourceError, match="cannot read a count|not a count") as info:
        fast(ScholarSource, httpserver).count(LSTM_TOTAL, None, None)
    assert not isinstance(info.value, Blocked)


def test_a_page_without_a_declared_charset_is_read_as_utf8(httpserver, fixtures):
    page = page_with_count_line(fixtures, "Environ 1\u202f620\u202f000 résultats")
    httpserver.expect_request("/scholar").respond_with_response(Response(page, headers={"Content-Type": "text/html"}))
    assert fast(ScholarSource, httpserver).count(LSTM_TOTAL, None, None) == 1_620_000


def test_a_number_split_by_unreadable_bytes_is_not_a_count():
    from survey.sources.scholar import read_count_line

    assert read_count_line("Environ 1\u00e2\u0080\u00af620\u00e2\u0080\u00af000 r\u00e9sultats") is None
