"""The Source defaults every backend inherits, the registry, and the stored-only local source."""

from __future__ import annotations

import pytest

from sourcekit import LSTM_TOTAL, WORDS_ONLY
from survey.config import Settings
from survey.corpus import import_corpus
from survey.corpus.query import count_sql, searchable_sql, totals_sql
from survey.errors import Unreachable, UnknownSource, Unsupported
from survey.sources import REGISTRY, estimate_of, make_source, source_names
from survey.sources.base import Capabilities, Record, Source
from survey.sources.local import CAPABILITIES, LocalSource
from survey.sources.stored import StoredLocalSource


class Plain(Source):
    """A source that only counts: every other method is the interface's default."""

    name = "plain"
    capabilities = Capabilities(True, True, False, "titles", False)

    def compile(self, query, start, end):
        return f"{len(query.items)} groups {start}..{end}"

    def count(self, query, start, end):
        return start * 10 + len(query.items) if start == end else -1


def test_defaults_of_capabilities_and_records():
    caps = Plain.capabilities
    assert (caps.records, caps.exact, caps.title_only, caps.notes) == (False, False, False, "")
    assert Record("T") == Record(title="T", year=None, id=None, doi=None, snippet=None, matched=())


def test_source_defaults():
    src = Plain()
    assert (Source.needs_key, Source.rate_limit, Source.concurrency) == (False, None, 1)
    assert src.count_by_year(WORDS_ONLY, 2015, 2017) == {2015: 20151, 2016: 20161, 2017: 20171}
    assert src.compile_by_year(WORDS_ONLY, 2015, 2016) == {2015: "1 groups 2015..2015", 2016: "1 groups 2016..2016"}
    assert src.identity() == "" and src.configured() == (True, "ok") and src.close() is None
    for call in (lambda: src.totals_query(2015, 2015), lambda: src.compile_year_totals(2015, 2016),
                 lambda: src.year_totals(2015, 2016)):
        with pytest.raises(Unsupported) as info:
            call()
        assert str(info.value) == "plain cannot count all of its works per year"
    for call in (lambda: src.compile_searchable_totals(2015, 2016), lambda: src.searchable_totals(2015, 2016)):
        with pytest.raises(Unsupported) as info:
            call()
        assert str(info.value) == "plain cannot count its works with an abstract per year"
    with pytest.raises(NotImplementedError) as info:
        src.sample(WORDS_ONLY, None, None, 3)
    assert str(info.value) == "plain does not return records"


class Totals(Plain):
    def totals_query(self, start, end):
        return f"all {start}..{end}"


def test_year_total_requests_default_to_one_per_year():
    assert Totals().compile_year_totals(2015, 2017) == {2015: "all 2015..2015", 2016: "all 2016..2016",
                                                        2017: "all 2017..2017"}


def test_registry_names_and_classes(tmp_path):
    assert source_names() == ["openalex", "semanticscholar", "arxiv", "crossref", "dblp", "scholar", "wos"]
    settings = Settings(home=tmp_path, env={})
    assert source_names(settings) == list(REGISTRY)
    (tmp_path / "corpora").mkdir()
    for name in ("b", "a"):
        (tmp_path / "corpora" / f"{name}.sqlite").write_bytes(b"")
    assert source_names(settings) == [*REGISTRY, "local:a", "local:b"]
    for name, target in REGISTRY.items():
        src = make_source(name, settings)
        assert f"{type(src).__module__}:{type(src).__name__}" == target and src.name == name


def test_make_source_local_by_name_or_alone(tmp_path):
    settings = Settings(home=tmp_path, env={})
    (tmp_path / "corpora").mkdir()
    records = tmp_path / "records.jsonl"
    records.write_text('{"id": "r1", "title": "LSTM tagging", "year": 2015}\n', encoding="utf-8")
    import_corpus(records, tmp_path / "corpora" / "acl.sqlite")
    alone, named = make_source("local", settings), make_source("local:acl", settings)
    assert isinstance(alone, LocalSource) and isinstance(named, LocalSource)
    assert alone.name == named.name == "local:acl" and alone.count(WORDS_ONLY, None, None) == 1
    with pytest.raises(UnknownSource, match="no local corpus 'other'"):
        make_source("local:other", settings)


def test_an_unknown_source_lists_the_valid_ones(tmp_path):
    (tmp_path / "corpora").mkdir()
    (tmp_path / "corpora" / "acl.sqlite").write_bytes(b"")
    with pytest.raises(UnknownSource) as info:
        make_source("scopus", Settings(home=tmp_path, env={}))
    assert str(info.value) == ("unknown source 'scopus'; valid sources: openalex, semanticscholar, arxiv, "
                               "crossref, dblp, scholar, wos, local:acl")


def test_a_stored_local_source_compiles_like_the_corpus_and_counts_nothing():
    src = StoredLocalSource("local:acl")
    assert src.name == "local:acl" and src.capabilities is CAPABILITIES
    assert (src.rate_limit, src.concurrency) == (None, 1)
    assert src.compile(LSTM_TOTAL, 2006, 2010) == count_sql(LSTM_TOTAL, 2006, 2010)
    assert src.totals_query(2015, 2016) == totals_sql(2015, 2016)
    assert src.compile_searchable_totals(2014, 2016) == {y: searchable_sql(y, y) for y in (2014, 2015, 2016)}
    assert src.identity() is None
    assert src.configured() == (
        False, "corpus not on this machine (counts read from the cache); import it with `survey corpus import`")
    with pytest.raises(Unreachable) as info:
        src.count(LSTM_TOTAL, None, None)
    assert str(info.value) == ("local:acl: the corpus is not on this machine; import it with "
                               "`survey corpus import`")


def test_only_the_sources_whose_counts_are_documented_estimates_say_how():
    from survey.sources.scholar import ScholarSource
    from survey.sources.semanticscholar import SemanticScholarSource

    assert estimate_of("scholar") == ScholarSource.capabilities.estimate
    assert "rounded" in estimate_of("scholar")
    assert estimate_of("semanticscholar") == SemanticScholarSource.capabilities.estimate
    assert "estimates" in estimate_of("semanticscholar")
    # Counts, not estimates: a source whose class says so, one whose capabilities are set per
    # instance (openalex), a local corpus and a name no source has.
    for name in ("crossref", "dblp", "arxiv", "wos", "openalex", "local:acl", "local", "scopus"):
        assert estimate_of(name) == "", name
