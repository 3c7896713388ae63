"""Words across scripts (a Latin term inside CJK text) and snippets that show every matched region."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings, strategies as st

from corpuskit import write_jsonl
from survey.corpus import Corpus, import_corpus
from survey.corpus.snippets import snippet, unmark
from survey.corpus.words import SEPARATOR, separate_scripts
from survey.matrix import TermSpec, cell_query

THREE = [
    {"id": "zh", "title": "基于LSTM的情感分析", "abstract": "", "year": 2019},
    {"id": "ja", "title": "LSTMを用いた機械翻訳", "abstract": "", "year": 2020},
    {"id": "en", "title": "A CNN for images", "abstract": "", "year": 2020},
]


def test_separate_scripts_breaks_only_where_cjk_meets_another_script():
    assert separate_scripts("基于LSTM的情感分析") == f"基于{SEPARATOR}LSTM{SEPARATOR}的情感分析"
    assert separate_scripts("LSTMを用いた") == f"LSTM{SEPARATOR}を用いた"
    assert separate_scripts("한국어BERT모델") == f"한국어{SEPARATOR}BERT{SEPARATOR}모델"
    assert separate_scripts("情感分析 and LSTM") == "情感分析 and LSTM"
    assert separate_scripts(None) is None


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x10ff)))
def test_text_without_cjk_is_indexed_as_it_was(text):
    assert separate_scripts(text) == text


def _import(folder, records, **kw):
    src = write_jsonl(folder / "c.jsonl", records)
    import_corpus(src, folder / "c.sqlite", **kw)
    return folder / "c.sqlite"


def test_three_records_count_lstm_twice_and_cnn_once_stemmed_and_exact(tmp_path):
    with Corpus(_import(tmp_path, THREE)) as corpus:
        for exact in (False, True):
            term = (lambda t: TermSpec(t, True)) if exact else str
            assert corpus.count(cell_query([term("LSTM")], [])) == 2
            assert corpus.count(cell_query([term("CNN")], [])) == 1
        # The CJK words themselves stay whole, as before.
        assert corpus.count(cell_query(["情感分析"], [])) == 0
        assert corpus.count(cell_query(["的情感分析"], [])) == 1
        lstm = corpus.sample(cell_query(["LSTM"], []), None, None, 10)
        assert sorted(r.matched for r in lstm) == [("LSTM",), ("LSTM",)]


def test_appended_duplicates_leave_a_consistent_index(tmp_path):
    path = _import(tmp_path, THREE)
    again = write_jsonl(tmp_path / "again.jsonl", THREE[:2])
    report = import_corpus(again, path, mode="append")
    assert report.duplicates == 2
    # A duplicate unindexed with other words than it was indexed with would leave its rowid
    # behind under "lstm": the index would then hold four LSTM instances, not two.
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, fts, 'row')")
    assert conn.execute("SELECT doc, cnt FROM v WHERE term = 'lstm'").fetchone() == (2, 2)
    conn.close()
    with Corpus(path) as corpus:
        assert corpus.count(cell_query(["LSTM"], [])) == 2


def test_the_corpus_identity_names_the_word_rule(tmp_path):
    with Corpus(_import(tmp_path, THREE)) as corpus:
        assert corpus.identity.endswith("-w2")


def test_unmark_returns_the_plain_text_and_the_marked_spans():
    text, spans = unmark("a \ue000LSTM\ue001 and \ue000CNN\ue001" + SEPARATOR)
    assert text == "a LSTM and CNN" and [text[a:b] for a, b in spans] == ["LSTM", "CNN"]


def test_snippet_shows_every_region_however_deep_joined_by_an_ellipsis():
    words = [f"w{i}" for i in range(300)]
    words[2], words[150], words[153], words[290] = "LSTM", "dialogue", "CNN", "tagging"
    text = " ".join(words)
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("LSTM", "dialogue", "CNN", "tagging")]
    got = snippet(text, spans, ("[", "]"), context=2)
    assert got == "w0 w1 [LSTM] w3 w4 … w148 w149 [dialogue] w151 w152 [CNN] w154 w155 … w288 w289 [tagging] w291 w292 …"


@pytest.fixture
def deep(tmp_path):
    filler = " ".join(["filler"] * 150)
    records = [{"id": "d", "title": "Abstractive summaries", "year": 2020,
                "abstract": f"We study summarization. {filler} We evaluate on CNN/DailyMail."}]
    with Corpus(_import(tmp_path, records)) as corpus:
        yield corpus


def test_sample_snippet_marks_method_and_task_terms_far_into_the_abstract(deep):
    [record] = deep.sample(cell_query(["CNN"], ["summarization"]), None, None, 5)
    assert record.snippet.startswith("We study **summarization**. filler")
    assert record.snippet.endswith("We evaluate on **CNN**/DailyMail.")
    assert " … " in record.snippet
    assert set(record.matched) == {"summarization", "CNN"}


@given(st.text(alphabet="aZ9 é-ü基于的をLSTMは한국", max_size=30))
@settings(max_examples=300, deadline=None)
def test_the_no_cjk_shortcut_gives_what_the_junction_rule_gives(text):
    from survey.corpus.words import _JUNCTION

    assert separate_scripts(text) == _JUNCTION.sub(SEPARATOR, text)
