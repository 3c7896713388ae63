"""What every online source promises alike: one window rule, exact terms compiled or refused
with a reason, year totals or a reason, and the documented changes of meaning in the notes."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from sourcekit import LSTM_TOTAL, fast
from survey.errors import Unsupported
from survey.matrix import TermSpec, cell_query
from survey.sources.arxiv import ArxivSource
from survey.sources.crossref import CrossrefSource
from survey.sources.dblp import DblpSource
from survey.sources.openalex import OpenAlexSource
from survey.sources.scholar import ScholarSource
from survey.sources.semanticscholar import SemanticScholarSource
from survey.sources.wos import WosSource

TODAY = lambda: datetime(2026, 5, 1, tzinfo=timezone.utc)  # noqa: E731
KEYED = {OpenAlexSource: "oa-key-12345678", WosSource: "wos-key-12345678"}
ALL = [OpenAlexSource, SemanticScholarSource, ArxivSource, CrossrefSource, DblpSource, ScholarSource, WosSource]
WORD = cell_query(["LSTM"], [])


def make(cls, httpserver):
    return fast(cls, httpserver, today=TODAY, key=KEYED.get(cls))


def sent(url: str) -> str:
    return unquote_plus(url)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.name)
def test_an_open_end_is_the_current_year_everywhere(cls, httpserver):
    src = make(cls, httpserver)
    since = sent(src.compile(WORD, 2006, None))
    assert "2026" in since, since
    assert "2027" not in since
    unbounded = sent(src.compile(WORD, None, None))
    assert "2006" not in unbounded and "2026" not in unbounded, unbounded


EXACT = cell_query([TermSpec("LSTMs", True)], [])


@pytest.mark.parametrize(
    "cls,shown",
    [
        (OpenAlexSource, "title_and_abstract.search.no_stem:(LSTMs)"),
        (DblpSource, "q=LSTMs$"),
        (WosSource, 'TS=(("LSTMs"))'),
        (CrossrefSource, "query=LSTMs"),  # no stemming to switch off
    ],
    ids=lambda v: getattr(v, "name", ""),
)
def test_exact_terms_compile_where_the_provider_documents_a_way(cls, httpserver, shown):
    src = make(cls, httpserver)
    assert src.capabilities.exact or not src.capabilities.stemming
    assert shown in sent(src.compile(EXACT, None, None))


@pytest.mark.parametrize("cls", [SemanticScholarSource, ArxivSource, ScholarSource], ids=lambda c: c.name)
def test_exact_terms_are_unsupported_where_the_provider_always_stems(cls, httpserver):
    src = make(cls, httpserver)
    assert src.capabilities.stemming and not src.capabilities.exact
    with pytest.raises(Unsupported, match="stems every term"):
        src.compile(EXACT, None, None)
    assert "exact terms are unsupported" in src.capabilities.notes


def test_openalex_keeps_stemmed_and_exact_groups_apart(httpserver):
    src = make(OpenAlexSource, httpserver)
    mixed_cell = cell_query(["LSTM"], [TermSpec("dialogs", True)])
    flt = parse_qs(urlsplit(src.compile(mixed_cell, None, None)).query)["filter"][0]
    assert flt == "title_and_abstract.search:(LSTM),title_and_abstract.search.no_stem:(dialogs)"
    with pytest.raises(Unsupported, match="cannot mix exact and stemmed alternatives in one group"):
        src.compile(cell_query(["LSTM", TermSpec("GRUs", True)], []), None, None)
    full = fast(OpenAlexSource, httpserver, today=TODAY, key=KEYED[OpenAlexSource], field="search")
    assert parse_qs(urlsplit(full.compile(EXACT, None, None)).query)["search.exact"] == ["(LSTMs)"]
    with pytest.raises(Unsupported, match="not both"):
        full.compile(mixed_cell, None, None)


def test_openalex_parenthesises_every_group(httpserver):
    # OpenAlex strips a trailing "and"/"not" from search text: "... AND command" became "comm".
    src = make(OpenAlexSource, httpserver)
    cell = cell_query(["LSTM", "GRU"], ["command"])
    flt = parse_qs(urlsplit(src.compile(cell, None, None)).query)["filter"][0]
    assert flt == "title_and_abstract.search:(LSTM OR GRU) AND (command)"
    assert parse_qs(urlsplit(src.compile(cell_query(["brand"], []), None, None)).query)["filter"][0].endswith("(brand)")


@pytest.mark.parametrize(
    "cls,path,params",
    [
        (SemanticScholarSource, "/paper/search/bulk", {"year": "2015"}),
        (ArxivSource, "/", {"search_query": "submittedDate:[201501010000 TO 201512312359]"}),
        (CrossrefSource, "/works", {"filter": "from-pub-date:2015-01-01,until-pub-date:2015-12-31", "rows": "0"}),
        (WosSource, "/documents", {"q": "PY=2015"}),
    ],
    ids=lambda v: getattr(v, "name", ""),
)
def test_year_totals_are_date_only_queries_per_year(cls, path, params, httpserver):
    src = make(cls, httpserver)
    urls = src.compile_year_totals(2015, 2016)
    assert set(urls) == {2015, 2016} and urls[2015] != urls[2016] and urls[2015] == src.totals_query(2015, 2015)
    args = {k: v[0] for k, v in parse_qs(urlsplit(urls[2015]).query).items()}
    assert urlsplit(urls[2015]).path.rstrip("/").endswith(path.rstrip("/"))
    for k, v in params.items():
        assert args[k] == v
    assert not {"query", "q"} & set(args) or cls is WosSource  # no text query, only the date


@pytest.mark.parametrize("cls", [DblpSource, ScholarSource], ids=lambda c: c.name)
def test_sources_without_a_date_only_query_say_so(cls, httpserver):
    src = make(cls, httpserver)
    with pytest.raises(Unsupported, match="cannot count all of its works per year"):
        src.compile_year_totals(2015, 2016)
    with pytest.raises(Unsupported):
        src.year_totals(2015, 2016)
    assert "No year totals" in src.capabilities.notes
    assert httpserver.log == []


def test_year_totals_are_fetched_and_parsed(httpserver):
    httpserver.expect_request("/documents").respond_with_json({"metadata": {"total": 2_100_000}, "hits": []})
    src = make(WosSource, httpserver)
    assert src.year_totals(2019, 2020) == {2019: 2_100_000, 2020: 2_100_000}
    assert [r.args["q"] for r, _ in httpserver.log] == ["PY=2019", "PY=2020"]


def test_known_changes_of_meaning_are_in_the_notes(httpserver):
    assert "June 2026" in make(OpenAlexSource, httpserver).capabilities.notes
    assert "December 2025" in make(ArxivSource, httpserver).capabilities.notes


def test_arxiv_stems_and_the_readme_says_which_fields():
    caps = ArxivSource.capabilities
    assert caps.stemming and not caps.exact
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `arxiv`"))
    assert "`ti:` or `abs:`" in row and "none documented" not in row
    header = next(line for line in readme.splitlines() if line.startswith("| source |"))
    assert "exact terms" in header


def test_wos_notes_say_quoted_phrases_are_not_lemmatised(httpserver):
    # WoS quotes every phrase, and quotes switch lemmatisation off there.
    src = make(WosSource, httpserver)
    assert '"long short-term memory"' in sent(src.compile(LSTM_TOTAL, None, None))
    assert "every phrase" in src.capabilities.notes and "matched as written" in src.capabilities.notes
