"""The FTS5 statements a query compiles to: their exact text, and what they count on a small corpus."""

from __future__ import annotations

import sqlite3

import pytest

from corpuskit import write_jsonl
from survey.corpus import import_corpus
from survey.corpus.build import build_exact_index
from survey.corpus.query import (EXACT_TOKENIZER, STEMMED_TOKENIZER, _Tokenizer, by_year_statement, count_sql, count_statement, fts_string, ids_statement, match_expression,
                                 match_groups, rowid_statement, tokenize, tokenize_exact, totals_sql, with_literals, year_condition)
from survey.errors import Unsupported
from survey.matrix import AllOf, AnyOf, Phrase, Term


def q(*groups, field=None):
    return AllOf(tuple(AnyOf(tuple(g)) for g in groups), field)


LSTM, RNN, DIALOG = Term("lstm"), Term("rnn"), Term("dialog")
EXACT_BERT = Term("BERT", exact=True)


def test_tokenize_stems_folds_and_keeps_order():
    assert tokenize("Running Dogs, Über-Netze") == ["run", "dog", "uber", "netz"]
    assert tokenize("Running Dogs, Über-Netze") == ["run", "dog", "uber", "netz"]  # the probe row is cleared each time
    assert tokenize("*** --- ***") == []


def test_tokenize_exact_folds_without_stemming():
    assert tokenize_exact("Running Dogs, Über-Netze") == ["running", "dogs", "uber", "netze"]
    assert tokenize_exact("*** --- ***") == []


def test_each_tokenizer_kind_in_its_own_probe():
    # Built here rather than through the cache, which earlier tests have already filled.
    stemmed, exact = _Tokenizer(STEMMED_TOKENIZER), _Tokenizer(EXACT_TOKENIZER)
    assert stemmed.tokens("Networks Über") == ["network", "uber"]
    assert exact.tokens("Networks Über") == ["networks", "uber"]
    assert exact.tokens("Networks Über") == ["networks", "uber"]


def test_a_tokenizer_serves_other_threads():
    import threading

    tokenizer, found = _Tokenizer(STEMMED_TOKENIZER), []
    workers = [threading.Thread(target=lambda: found.append(tokenizer.tokens("learning rates"))) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert found == [["learn", "rate"]] * 4


def test_fts_string_escapes_quotes_only():
    assert fts_string('say "hi" AND NOT *') == '"say ""hi"" AND NOT *"'


def test_match_groups():
    assert match_groups(q([LSTM, RNN, LSTM], [DIALOG])) == ({"fts": '"lstm" OR "rnn"'}, {"fts": '"dialog"'})
    assert match_groups(q([EXACT_BERT, Phrase(("neural", "nets"))])) == ({"fts_exact": '"BERT"', "fts": '"neural nets"'},)
    assert match_groups(q([LSTM, EXACT_BERT], field="title")) == ({"fts": '{title} : ("lstm")', "fts_exact": '{title} : ("BERT")'},)


@pytest.mark.parametrize(
    "query, message",
    [
        (AllOf(()), "expected a non-empty AllOf query, got AllOf(items=(), field=None, excluded=())"),
        (AnyOf((LSTM,)), "expected a non-empty AllOf query, got AnyOf(items=(Term(text='lstm', exact=False),))"),
        (q([LSTM], []), "a query group has no terms"),
        (q([Term("***")]), "term '***' has no letters or digits the word index keeps, so it cannot be searched; use a word or phrase"),
        (q([Term("--", exact=True)]), "term '--' has no letters or digits the word index keeps, so it cannot be searched; "
                                      "use a word or phrase"),
    ],
)
def test_match_groups_rejects(query, message):
    with pytest.raises(Unsupported) as err:
        match_groups(query)
    assert str(err.value) == message


def test_match_expression():
    assert match_expression(q([LSTM, RNN], [DIALOG])) == '("lstm" OR "rnn") AND ("dialog")'
    assert match_expression(q([EXACT_BERT], [Term("GPT", exact=True)])) == '("BERT") AND ("GPT")'
    assert match_expression(q([LSTM], field="title")) == '({title} : ("lstm"))'
    for mixed in (q([LSTM], [EXACT_BERT]), q([LSTM, EXACT_BERT])):
        with pytest.raises(Unsupported, match="^a query mixing exact and stemmed terms has no single MATCH string$"):
            match_expression(mixed)


@pytest.mark.parametrize(
    "start, end, sql, params",
    [
        (2001, 2005, " AND rowid BETWEEN ? << 32 AND (? << 32) + 4294967295", (2001, 2005)),
        (2001, None, " AND rowid >= ? << 32", (2001,)),
        (None, 2005, " AND rowid BETWEEN 1 << 32 AND (? << 32) + 4294967295", (2005,)),
        (None, None, "", ()),
    ],
)
def test_year_condition(start, end, sql, params):
    assert year_condition(start, end) == (sql, params)


def test_single_index_statements():
    query = q([LSTM, RNN], [DIALOG])
    expression = '("lstm" OR "rnn") AND ("dialog")'
    assert rowid_statement(query, None, None) == ("fts WHERE fts MATCH ?", "rowid", (expression,))
    assert count_statement(query, 2001, None) == ("SELECT count(*) FROM fts WHERE fts MATCH ? AND rowid >= ? << 32", (expression, 2001))
    assert by_year_statement(query, 2001, 2002) == (
        "SELECT rowid >> 32, count(*) FROM fts WHERE fts MATCH ? AND rowid BETWEEN ? << 32 AND (? << 32) + 4294967295 GROUP BY 1",
        (expression, 2001, 2002))
    assert ids_statement(query, None, 2002) == (
        "SELECT rowid FROM fts WHERE fts MATCH ? AND rowid BETWEEN 1 << 32 AND (? << 32) + 4294967295 ORDER BY 1", (expression, 2002))


def test_mixed_statements_intersect_unions():
    query = q([LSTM, EXACT_BERT], [DIALOG])
    source = ("(SELECT id FROM (SELECT rowid AS id FROM fts WHERE fts MATCH ? AND rowid >= ? << 32 UNION "
              "SELECT rowid AS id FROM fts_exact WHERE fts_exact MATCH ? AND rowid >= ? << 32) INTERSECT "
              "SELECT id FROM (SELECT rowid AS id FROM fts WHERE fts MATCH ? AND rowid >= ? << 32))")
    params = ('"lstm"', 2001, '"BERT"', 2001, '"dialog"', 2001)
    assert rowid_statement(query, 2001, None) == (source, "id", params)
    assert by_year_statement(query, 2001, 2001)[0].startswith("SELECT id >> 32, count(*) FROM (SELECT id FROM")
    assert ids_statement(query, None, None)[0].endswith(" ORDER BY 1")


def test_with_literals_quotes_text_and_writes_numbers():
    assert with_literals("SELECT ? WHERE a = ? AND b = ? OR c", ("it's \"x\"", 2001, True)) == \
        "SELECT 'it''s \"x\"' WHERE a = 2001 AND b = 1 OR c"
    assert with_literals("SELECT 1", ()) == "SELECT 1"


def test_count_sql_and_totals_sql():
    assert count_sql(q([Term("o'neil")]), 2001, 2002) == (
        "SELECT count(*) FROM fts WHERE fts MATCH '(\"o''neil\")' AND rowid BETWEEN 2001 << 32 AND (2002 << 32) + 4294967295")
    assert totals_sql(2001, 2003) == "SELECT year, count(*) FROM records WHERE year BETWEEN 2001 AND 2003 GROUP BY year"


# ---------------------------------------------------------------- the statements on a corpus

RECORDS = [
    {"id": "a", "title": "LSTM dialog systems", "year": 1000},
    {"id": "b", "title": "BERT for dialog", "year": 2001},
    {"id": "c", "title": "Recurrent nets (RNN)", "abstract": "no dialog here", "year": 2002},
    {"id": "d", "title": "LSTM dialog, undated"},
    {"id": "e", "title": "BERTs for dialog", "year": 2200},
    {"id": "f", "title": "Unrelated", "abstract": "LSTM dialog in the abstract", "year": 2001},
]


@pytest.fixture(scope="module")
def corpus_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("query")
    source = folder / "r.jsonl"
    write_jsonl(source, RECORDS)
    import_corpus(source, folder / "c.sqlite")
    build_exact_index(folder / "c.sqlite")  # a corpus builds it on the first exact query; the raw statements here need it now
    return folder / "c.sqlite"


def ids_of(path, query, start=None, end=None):
    sql, params = ids_statement(query, start, end)
    with sqlite3.connect(path) as conn:
        rowids = [r for (r,) in conn.execute(sql, params)]
        return sorted(conn.execute("SELECT source_id FROM records WHERE id = ?", (r,)).fetchone()[0] for r in rowids)


@pytest.mark.parametrize(
    "query, start, end, expected",
    [
        (q([LSTM, RNN], [DIALOG]), None, None, ["a", "c", "d", "f"]),
        (q([LSTM, RNN], [DIALOG]), 1000, 2200, ["a", "c", "f"]),  # a window leaves undated records out
        (q([LSTM, RNN], [DIALOG]), None, 2001, ["a", "f"]),
        (q([LSTM, RNN], [DIALOG]), 2002, None, ["c"]),
        (q([LSTM, RNN], [DIALOG], field="title"), None, None, ["a", "d"]),
        (q([LSTM, EXACT_BERT], [DIALOG]), None, None, ["a", "b", "d", "f"]),  # exact BERT: not BERTs
        (q([LSTM, EXACT_BERT], [DIALOG]), 2001, 2001, ["b", "f"]),
        (q([LSTM, EXACT_BERT], [DIALOG]), 2200, None, []),
        (q([Term("bert")], [DIALOG]), 2200, 2200, ["e"]),
        (q([EXACT_BERT], [Term("dialog", exact=True)]), None, None, ["b"]),
    ],
)
def test_statements_select_the_matching_records(corpus_path, query, start, end, expected):
    assert ids_of(corpus_path, query, start, end) == expected
    with sqlite3.connect(corpus_path) as conn:
        assert conn.execute(count_sql(query, start, end)).fetchone()[0] == len(expected)


def test_by_year_statement_counts_per_year(corpus_path):
    with sqlite3.connect(corpus_path) as conn:
        assert dict(conn.execute(*by_year_statement(q([LSTM, EXACT_BERT], [DIALOG]), 1000, 2200))) == {1000: 1, 2001: 2}
        assert dict(conn.execute(*by_year_statement(q([DIALOG]), 2001, 2200))) == {2001: 2, 2002: 1, 2200: 1}
        assert dict(conn.execute(totals_sql(1000, 2001))) == {1000: 1, 2001: 2}
