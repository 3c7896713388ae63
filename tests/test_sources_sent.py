"""For every online source: the request a count sends is exactly the one compile shows, for a
windowed cell; a titles-only cell is refused by name; refused syntax names the source; letters
that are no operator (an X, say) pass."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug import Response

from survey.errors import Unsupported
from survey.matrix import cell_query
from survey.sources.arxiv import ArxivSource
from survey.sources.crossref import CrossrefSource
from survey.sources.dblp import DblpSource
from survey.sources.openalex import OpenAlexSource
from survey.sources.scholar import ScholarSource
from survey.sources.semanticscholar import SemanticScholarSource
from survey.sources.wos import WosSource
from sourcekit import fast

TODAY = lambda: datetime(2026, 5, 1, tzinfo=timezone.utc)  # noqa: E731
KEY = "sent-key-12345678"
FEED = ("<feed xmlns='http://www.w3.org/2005/Atom' xmlns:opensearch='http://a9.com/-/spec/opensearch/1.1/'>"
        "<opensearch:totalResults>7</opensearch:totalResults></feed>")
# Each source's answer carrying a total of 7.
ANSWERS = {
    OpenAlexSource: ("/works", '{"meta": {"count": 7}}'),
    SemanticScholarSource: ("/paper/search/bulk", '{"total": 7}'),
    ArxivSource: ("/", FEED),
    CrossrefSource: ("/works", '{"status": "ok", "message": {"total-results": 7}}'),
    DblpSource: ("/search/publ/api", '{"result": {"hits": {"@total": "7"}}}'),
    ScholarSource: ("/scholar", '<div id="gs_ab_md">About 7 results</div>'),
    WosSource: ("/documents", '{"metadata": {"total": 7}}'),
}
ALL = list(ANSWERS)
WORD_CELL = {CrossrefSource: cell_query(["XGBoost", "LSTM"], [])}  # crossref: one concept of words only
CELL = cell_query(["XGBoost", "LSTM"], ["tagging"])


def make(cls, httpserver):
    return fast(cls, httpserver, today=TODAY, key=KEY if cls.needs_key else None)


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.name)
@pytest.mark.parametrize("window", [(2010, 2012), (None, 2010), (2015, 2015), (2024, None)])
def test_a_count_sends_exactly_the_compiled_request(cls, window, httpserver):
    path, text = ANSWERS[cls]
    ctype = "text/html" if cls is ScholarSource else "application/json"
    httpserver.expect_request(path).respond_with_handler(lambda r: Response(text, content_type=ctype))
    src = make(cls, httpserver)
    cell = WORD_CELL.get(cls, CELL)
    assert src.count(cell, *window) == 7
    sent = httpserver.log[0][0]
    shown = src.compile(cell, *window).replace("***", KEY)
    assert urlsplit(shown).path.rstrip("/") == sent.path.rstrip("/")
    assert query_of(shown) == query_of(sent.url)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.name)
def test_a_titles_only_cell_is_refused_by_name(cls, httpserver):
    with pytest.raises(Unsupported) as info:
        make(cls, httpserver).compile(cell_query(["LSTM"], [], "title"), None, None)
    assert str(info.value).startswith(f"{cls.name} cannot restrict a search to titles")


OPERATOR = {OpenAlexSource: ",", SemanticScholarSource: "|", ArxivSource: ":", CrossrefSource: "+",
            DblpSource: "$", ScholarSource: "(", WosSource: "="}


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.name)
def test_refused_syntax_names_the_source_and_letters_pass(cls, httpserver):
    src = make(cls, httpserver)
    with pytest.raises(Unsupported) as info:
        src.compile(cell_query([f"a{OPERATOR[cls]}b"], []), None, None)
    assert str(info.value) == f"{cls.name} cannot search 'a{OPERATOR[cls]}b': {OPERATOR[cls]} is query syntax there"
    for word in "XGBoost", "XX":
        assert word in src.compile(cell_query([word], []), None, None)
