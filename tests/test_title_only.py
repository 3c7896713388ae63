"""Titles only: a query file's `fields = "title"`, counted where a source can restrict a search to titles."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from corpuskit import write_jsonl
from survey.config import Settings
from survey.corpus import import_corpus
from survey.errors import QueryFileError
from survey.evidence.variants import derive
from survey.query_file import parse_matrix
from survey.refreshing import plan
from survey.sources import make_source
from survey.sources.local import LocalSource
from survey.store import Store

# Hand-counted: CNN in a title: a, c; CNN in an abstract only: b; with "classification" in the title: a only.
RECORDS = [
    {"id": "a", "title": "A CNN for text classification", "abstract": "", "year": 2016},
    {"id": "b", "title": "Sentence classification", "abstract": "We train a CNN.", "year": 2017},
    {"id": "c", "title": "CNN features", "abstract": "classification of images", "year": 2018},
]
QUERY = '[methods]\nCNN = ["CNN"]\n[tasks]\nclassification = ["classification"]\ntotal = []\n'


@pytest.fixture
def corpus(tmp_path):
    src = tmp_path / "mini.jsonl"
    write_jsonl(src, RECORDS)
    import_corpus(src, tmp_path / "mini.sqlite")
    source = LocalSource(tmp_path / "mini.sqlite", "mini")
    yield source
    source.close()


def test_titles_only_counts_what_the_titles_match(corpus):
    every = parse_matrix(QUERY)
    titles = parse_matrix('fields = "title"\n' + QUERY)
    count = {name: {c.task: corpus.count(c.query, None, None) for c in m.cells}
             for name, m in (("every", every), ("titles", titles))}
    assert count["every"] == {"classification": 3, "total": 3}
    assert count["titles"] == {"classification": 1, "total": 2}
    # the restriction is part of the query, so the two never share a cached count
    assert corpus.compile(titles.cells[0].query, None, None) != corpus.compile(every.cells[0].query, None, None)
    assert "{title} : (" in corpus.compile(titles.cells[0].query, None, None)


def test_a_source_that_cannot_restrict_to_titles_says_so(tmp_path):
    settings = Settings(home=tmp_path, env={"SURVEY_OPENALEX_KEY": "k" * 12})
    titles = parse_matrix('fields = "title"\n' + QUERY)
    with Store(tmp_path / "cache.sqlite", clock=lambda: datetime(2026, 1, 1, tzinfo=timezone.utc)) as store:
        items = plan(titles, {"openalex": make_source("openalex", settings)}, store)
    assert items and all(i.unsupported == "openalex cannot restrict a search to titles, so a title-only count "
                         "is not expressible there" for i in items)


def test_the_titles_only_variant_is_derived_where_the_source_can_count_it(corpus, tmp_path):
    every = parse_matrix(QUERY)
    names = [v.name for v in derive(every, corpus.capabilities)]
    assert "titles only" in names
    variant = next(v for v in derive(every, corpus.capabilities) if v.name == "titles only")
    assert all(c.query.field == "title" for c in variant.matrix.cells)
    openalex = make_source("openalex", Settings(home=tmp_path, env={}))
    assert "titles only" not in [v.name for v in derive(every, openalex.capabilities)]


def test_fields_takes_only_title():
    with pytest.raises(QueryFileError, match=r"'fields' must be \"title\""):
        parse_matrix('fields = "abstract"\n' + QUERY)
