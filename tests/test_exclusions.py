"""Exclusions (a method's or task's ``not``): parsing, the query tree, FTS5 and each source's NOT."""

from __future__ import annotations

import pytest

from corpuskit import write_jsonl
from survey.corpus import Corpus, import_corpus
from survey.corpus.query import count_sql
from survey.errors import BadInput, QueryFileError, Unsupported
from survey.evidence.variants import derive
from survey.matrix import Phrase, Term, TermSpec, cell_query, describe
from survey.query_file import parse_matrix
from survey.sources.arxiv import ArxivSource
from survey.sources.crossref import CrossrefSource
from survey.sources.dblp import DblpSource
from survey.sources.local import CAPABILITIES
from survey.sources.openalex import OpenAlexSource
from survey.sources.scholar import ScholarSource
from survey.sources.semanticscholar import SemanticScholarSource
from survey.sources.wos import WosSource

QUERY = '''
[methods]
CNN = { any = ["CNN", "convolutional neural network"], not = ["dailymail", "daily mail"] }
LSTM = ["LSTM"]
[tasks]
summarization = { any = ["summarization"], not = [{ term = "news", exact = true }] }
parsing = ["parsing"]
'''

KEY = "key-123456789"


def test_table_form_excludes_the_method_and_task_terms_from_the_cell():
    m = parse_matrix(QUERY)
    assert m.methods["CNN"] == ("CNN", "convolutional neural network")
    assert m.method_exclusions == {"CNN": ("dailymail", "daily mail")}
    cell = m.cell("CNN", "summarization").query
    assert cell.excluded == (Term("dailymail"), Phrase(("daily", "mail")), Term("news", True))
    assert describe(cell) == ('(CNN OR "convolutional neural network") AND (summarization) '
                              'NOT (dailymail OR "daily mail" OR =news)')
    # A cell without exclusions is the tree (and description) the list form always gave.
    plain = m.cell("LSTM", "parsing").query
    assert plain == cell_query(["LSTM"], ["parsing"]) and "NOT" not in describe(plain)


def test_table_form_without_not_excludes_nothing_and_derives_no_variant_without_exclusions():
    for value in ('{ any = ["CNN"] }', '{ any = ["CNN"], not = [] }'):
        m = parse_matrix(f"[methods]\nCNN = {value}\n[tasks]\nt = []\n")
        assert m.methods == {"CNN": ("CNN",)} and m.method_exclusions == {}
        assert m.cell("CNN", "t").query == cell_query(["CNN"], [])
        assert "without exclusions" not in [v.name for v in derive(m, CAPABILITIES)]


@pytest.mark.parametrize("value, message", [
    ('{ any = ["CNN"], nope = ["x"] }', "[methods] 'CNN': unknown key 'nope'; the table form takes any = [terms] and not = [terms]"),
    ('{ any = [], not = ["x"] }', "[methods] 'CNN': 'any' must be a non-empty list of terms, got []"),
    ('{ not = ["x"] }', "[methods] 'CNN': 'any' must be a non-empty list of terms, got None"),
    ('{ any = ["CNN"], not = "x" }', "[methods] 'CNN': 'not' must be a list of terms, got 'x'"),
    ('{ any = ["CNN"], not = [3] }', "[methods] 'CNN': term 3 is a int, expected a string"),
    ('{ any = ["CNN"], not = [" "] }', "[methods] 'CNN': empty term; remove it or give a word"),
])
def test_bad_table_form_is_one_line_naming_the_file_line_and_value(value, message):
    with pytest.raises(QueryFileError) as err:
        parse_matrix(f"[methods]\nCNN = {value}\n[tasks]\nt = []\n", "q.toml")
    assert str(err.value) == f"q.toml:2: {message}"


def test_a_cell_not_in_the_file_is_refused_naming_the_labels():
    with pytest.raises(BadInput, match="no cell GRU:summarization; methods are CNN, LSTM"):
        parse_matrix(QUERY).cell("GRU", "summarization")


RECORDS = [
    {"id": "a", "title": "CNN for summarization", "abstract": "", "year": 2015},
    {"id": "b", "title": "Summarization on CNN/DailyMail", "abstract": "A CNN model.", "year": 2016},
    {"id": "c", "title": "Convolutional neural networks", "abstract": "Summarization of the Daily Mail.", "year": 2016},
    {"id": "d", "title": "CNN summarization of news", "abstract": "", "year": 2017},
    {"id": "e", "title": "CNN summarization of newspapers", "abstract": "", "year": 2017},
    {"id": "f", "title": "CNNs that summarize", "abstract": "Summarization again.", "year": None},
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("excl")
    import_corpus(write_jsonl(folder / "c.jsonl", RECORDS), folder / "c.sqlite")
    with Corpus(folder / "c.sqlite") as c:
        yield c


def matched(corpus, query):
    return sorted(r.id for r in corpus.sample(query, None, None, 100))


def test_local_count_is_the_cell_less_the_records_with_an_excluded_term(corpus):
    cell = parse_matrix(QUERY).cell("CNN", "summarization").query
    # b and c name the dataset; d has the exact word "news" (e's "newspapers" is not it).
    assert matched(corpus, cell) == ["a", "e", "f"]
    without = cell_query(["CNN", "convolutional neural network"], ["summarization"])
    assert matched(corpus, without) == ["a", "b", "c", "d", "e", "f"]
    for start, end in [(None, None), (2016, 2016), (2015, 2017), (2017, None)]:
        assert corpus.count(cell, start, end) == corpus.count(without, start, end) - sum(
            1 for r in RECORDS if r["id"] in "bcd" and (start is None or (r["year"] or 0) >= start)
            and (end is None or (r["year"] or 9999) <= end))
    assert corpus.count_by_year(cell, 2015, 2017) == {2015: 1, 2016: 0, 2017: 1}


def test_local_exclusions_in_one_index_are_one_match_string():
    cell = cell_query(["CNN"], ["summarization"], excluded=["dailymail", "daily mail"])
    assert count_sql(cell, None, None) == ("SELECT count(*) FROM fts WHERE fts MATCH "
                                           "'(\"CNN\") AND (\"summarization\") NOT (\"dailymail\" OR \"daily mail\")'")


def test_titles_only_excludes_by_title(corpus):
    cell = cell_query(["CNN", "convolutional neural network"], ["summarization"], "title", excluded=["daily mail"])
    # b's title names the dataset; c has "summarization" and "Daily Mail" only in its abstract.
    assert matched(corpus, cell) == ["a", "b", "d", "e", "f"]
    cell = cell_query(["CNN"], ["summarization"], "title", excluded=["dailymail"])
    assert matched(corpus, cell) == ["a", "d", "e", "f"]


def test_the_exclusion_changes_every_compiled_query_so_a_count_without_it_never_answers():
    with_not = parse_matrix(QUERY).cell("CNN", "parsing").query
    without = cell_query(["CNN", "convolutional neural network"], ["parsing"])
    for src in _online():
        try:
            a, b = src.compile(with_not, 2016, 2016), src.compile(without, 2016, 2016)
        except Unsupported:
            continue
        assert a != b, src.name


def _online():
    return [OpenAlexSource(key=KEY), SemanticScholarSource(), ArxivSource(), WosSource(key=KEY), ScholarSource(),
            DblpSource(), CrossrefSource()]


EXCLUDING = cell_query(["CNN"], ["summarization"], excluded=["dailymail", "daily mail"])


def test_openalex_boolean_not_within_the_search_of_its_kind():
    src = OpenAlexSource(key=KEY)
    assert src.expressions(EXCLUDING) == ('(CNN) AND (summarization) NOT (dailymail OR "daily mail")', "")
    exact_not = cell_query(["CNN"], ["summarization"], excluded=[TermSpec("news", True)])
    with pytest.raises(Unsupported, match="unstemmed exclusions need a unstemmed term"):
        src.expressions(exact_not)


def test_openalex_names_the_kind_of_exclusion_left_without_a_search_of_its_kind():
    src = OpenAlexSource(key=KEY)
    # Every term exact, the exclusion stemmed: the stemmed search it would go in is empty.
    stemmed_not = cell_query([TermSpec("CNN", True)], [], excluded=["dailymail"])
    with pytest.raises(Unsupported) as info:
        src.expressions(stemmed_not)
    assert str(info.value) == ("openalex: the stemmed exclusions need a stemmed term to search beside them "
                               "(its NOT is within one filter)")
    exact_not = cell_query(["CNN"], [], excluded=[TermSpec("news", True)])
    with pytest.raises(Unsupported) as info:
        src.expressions(exact_not)
    assert str(info.value) == ("openalex: the unstemmed exclusions need a unstemmed term to search beside them "
                               "(its NOT is within one filter)")


def test_semantic_scholar_negates_each_excluded_term():
    assert SemanticScholarSource().expression(EXCLUDING) == 'CNN + summarization + -dailymail + -"daily mail"'


def test_arxiv_andnot_after_the_whole_conjunction():
    text = ArxivSource().expression(EXCLUDING, None, None)
    assert text == ('((ti:CNN OR abs:CNN) AND (ti:summarization OR abs:summarization)) ANDNOT '
                    '(ti:dailymail OR abs:dailymail OR ti:"daily mail" OR abs:"daily mail")')


def test_wos_not_inside_the_topic_search():
    assert WosSource(key=KEY).expression(EXCLUDING, None, None) == \
        'TS=((CNN) AND (summarization) NOT (dailymail OR "daily mail"))'


def test_scholar_minus_before_words_and_phrases():
    assert ScholarSource().expression(EXCLUDING) == 'CNN summarization -dailymail -"daily mail"'


@pytest.mark.parametrize("src, reason", [
    (DblpSource(), "dblp documents no NOT (its search knows prefix, $, AND by space and | only), "
                   "so a cell with exclusions cannot be counted there"),
    (CrossrefSource(), "crossref has no NOT: its query counts works matching any word, so an exclusion "
                       "cannot be expressed"),
])
def test_sources_without_not_refuse_with_the_reason(src, reason):
    only = cell_query(["CNN"], [], excluded=["dailymail"])
    with pytest.raises(Unsupported) as info:
        src.compile(only, 2016, 2016)
    assert str(info.value) == reason


def test_robustness_derives_the_file_without_its_exclusions():
    m = parse_matrix(QUERY)
    variants = {v.name: v for v in derive(m, CAPABILITIES)}
    plain = variants["without exclusions"].matrix
    assert plain.cell("CNN", "summarization").query == cell_query(["CNN", "convolutional neural network"],
                                                                  ["summarization"])
    # Every other variant keeps them.
    assert all(c.query.excluded for v in variants.values() if v.kind != "exclusions"
               for c in v.matrix.cells if c.label == "CNN:summarization")
