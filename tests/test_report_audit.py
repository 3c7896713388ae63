"""The precision audit's parts word for word: a sample per cell, a record as a line, the matched words marked."""

from __future__ import annotations

from types import SimpleNamespace

from survey.matrix import AllOf, AnyOf, Cell, Phrase, Term, Window
from survey.reporting.audit import (AuditSample, highlight, matched_spans, record_line, restyle, sample_cell,
                                 supports_records)
from survey.sources.base import Record


class FakeSource:
    name = "local:acl"

    def __init__(self, records, count=7):
        self.records, self.n = records, count
        self.calls = []

    def sample(self, query, start, end, n):
        self.calls.append(("sample", query, start, end, n))
        return iter(self.records)  # any iterable: the sample keeps a list

    def count(self, query, start, end):
        self.calls.append(("count", query, start, end))
        return self.n


def query(*groups) -> AllOf:
    return AllOf(tuple(AnyOf(tuple(g)) for g in groups))


CELL = Cell("lstm", "parsing", query([Term("LSTM")], [Term("parsing")]))
WINDOW = Window("2010s", 2010, 2019)


def test_supports_records_reads_the_capability():
    assert supports_records(SimpleNamespace(capabilities=SimpleNamespace(records=True))) is True
    assert supports_records(SimpleNamespace(capabilities=SimpleNamespace(records=False))) is False


def test_sample_cell_asks_the_source_for_the_count_only_where_the_caller_has_none():
    recs = [Record("A", 2011), Record("B", 2012)]
    src = FakeSource(recs, count=41)
    assert sample_cell(src, CELL, WINDOW, 3) == AuditSample("local:acl", CELL, WINDOW, recs, 41)
    assert src.calls == [("sample", CELL.query, 2010, 2019, 3), ("count", CELL.query, 2010, 2019)]

    src = FakeSource(recs)
    assert sample_cell(src, CELL, WINDOW, 2, matched=0) == AuditSample("local:acl", CELL, WINDOW, recs, 0)
    assert src.calls == [("sample", CELL.query, 2010, 2019, 2)]  # 0 is a count, not a missing one


def test_record_line_year_identifier_and_title_on_one_line():
    assert record_line(Record("Deep  LSTM\n parsing ", 2019, "P19-1001", "10.1/x")) == (
        "2019  P19-1001" + " " * 16 + " Deep LSTM parsing")
    assert record_line(Record("T", None, None, "10.18653/v1/p19-1001")) == (
        "----  doi:10.18653/v1/p19-1001 T")  # 24 characters: no padding
    assert record_line(Record("T", 0, "", "10.1/y")) == "0  doi:10.1/y" + " " * 14 + " T"
    assert record_line(Record("T")) == "----  " + " " * 24 + " T"


def test_matched_spans_stemmed_terms_and_phrases_sorted_once_each():
    q = query([Phrase(("neural", "networks")), Term("LSTM"), Term("parsing")], [Term("parsing")])
    text = "Neural networks and LSTMs for parsing; parsed neural nets"
    # the phrase as two consecutive words; `parsing` in two groups is one span; stems match `parsed`
    assert matched_spans(text, q) == [(0, 15), (20, 25), (30, 37), (39, 45)]
    assert matched_spans("nets, neural", q) == []  # the phrase's words apart and out of order


def test_matched_spans_exact_atoms_fold_case_but_do_not_stem():
    q = query([Term("LSTM", exact=True), Phrase(("Neural", "Networks"), exact=True)])
    assert matched_spans("LSTMs and lstm; NEURAL NETWORKS, neural network", q) == [(10, 14), (16, 31)]


def test_matched_spans_exact_atoms_as_the_exact_index_reads_them():
    # the exact index folds diacritics and splits at hyphens as the stemmed one does; it only does not stem
    q = query([Term("uber", exact=True), Phrase(("state", "of", "the", "art"), exact=True), Term("art", exact=True)])
    # a term inside a hyphenated word marks the whole word, once; `arts` is no exact match of `art`
    assert matched_spans("Über state-of-the-art, arts", q) == [(0, 4), (5, 21)]
    assert matched_spans("the art", q) == [(4, 7)]


def test_matched_spans_phrase_at_the_very_end_and_as_the_whole_text():
    q = query([Phrase(("language", "models"))])
    assert matched_spans("large language models", q) == [(6, 21)]
    assert matched_spans("Language model", q) == [(0, 14)]
    assert matched_spans("language", q) == []  # shorter than the phrase


def test_matched_spans_an_atom_without_index_terms_matches_nothing():
    # `_` is no index term: the atom is empty, and the word `_` stems to nothing either
    assert matched_spans("_ a _", query([Term("_")])) == []
    assert matched_spans("_ lstm", query([Term("LSTM")])) == [(2, 6)]


def test_highlight_marks_what_the_query_matches():
    q = query([Phrase(("neural", "networks")), Term("LSTM")], [Term("parsing")])
    text = "Neural networks read; LSTMs for parsing."
    assert highlight(text, q) == "[Neural networks] read; [LSTMs] for [parsing]."
    assert highlight(text, q, ("read",), mark=lambda s: f"<{s}>") == "<Neural networks> read; <LSTMs> for <parsing>."
    assert highlight("nothing here", q) == "nothing here"


def test_highlight_marks_overlapping_matches_as_one():
    # every word a match covers is marked, whichever atom starts first or ends last
    q = query([Phrase(("neural", "networks")), Term("networks")])
    assert highlight("neural networks", q) == "[neural networks]"
    q = query([Term("neural"), Phrase(("neural", "networks"))])
    assert highlight("deep neural networks train", q) == "deep [neural networks] train"
    q = query([Phrase(("neural", "networks")), Phrase(("networks", "train"))])
    assert highlight("deep neural networks train", q) == "deep [neural networks train]"


def test_highlight_without_a_query_marks_the_words_the_source_reported():
    text = "LSTM models, lstm-based models and LSTMs"
    assert highlight(text, None, ("Lstm", "models")) == "[LSTM] [models], lstm-based [models] and LSTMs"
    assert highlight(text) == text
    assert highlight(text, None, ()) == text


def test_restyle_replaces_each_bold_match_with_the_mark():
    assert restyle("a **b** c **d e** f", lambda s: s.upper()) == "a B c D E f"
    assert restyle("no marks *here*", lambda s: "X") == "no marks *here*"


def test_matched_spans_each_index_term_of_a_hyphenated_word_counts():
    # the index splits `state-of-the-art` into four terms: a term or phrase matching any of them marks the word
    text = "state-of-the-art parsers, a _ b"
    assert matched_spans(text, query([Term("art")])) == [(0, 16)]
    assert matched_spans(text, query([Phrase(("art", "parser"))])) == [(0, 24)]
    assert matched_spans(text, query([Phrase(("state", "of", "the", "art"))])) == [(0, 16)]
    # `_` is no index term, so `a` and `b` are consecutive as the index reads them
    assert matched_spans(text, query([Phrase(("a", "b"))])) == [(26, 31)]
