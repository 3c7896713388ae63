"""Query files: every refusal as one whole line (file:line: what is wrong), and the parsed parts exactly.

Checking a fragment of a message passes whatever the rest says; these pin each line, so a
lost line number, label or hint shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.errors import BadInput, QueryFileError
from survey.matrix import AllOf, AnyOf, Phrase, Term, TermSpec, cell_query, describe
from survey.query_file import load_matrix, parse_matrix

BAD = [
    ('[methods]\nt = ["a"]\n[tasks]\nt = "b"\n', ":4: [tasks] 't' must be a list of strings, got str"),  # the line in its own table
    ('[methods]\nA = [{ term = "a", exect = true }]\n[tasks]\nt = []\n',
     ':2: [methods] \'A\': a term table takes term = "..." and exact = true|false, got exect, term'),
    ('', ': file is empty; expected a [methods] table, a [tasks] table and optional [[windows]]'),  # empty
    ('  \n', ': file is empty; expected a [methods] table, a [tasks] table and optional [[windows]]'),  # blank
    ('a = 1\nb = \n', ':2: not valid TOML: Invalid value'),  # toml
    ('# nothing\n', ': file is empty; expected a [methods] table, a [tasks] table and optional [[windows]]'),  # comment only
    ('colour = 1\n[methods]\nA = ["a"]\n[tasks]\nt = []\n', ":1: unknown key 'colour'; expected one of experiment, fields, methods, name, ratios, reference, stem, tasks, title, trend, windows"),  # unknown top
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[extra]\nk = 1\n', ":5: unknown key 'extra'; expected one of experiment, fields, methods, name, ratios, reference, stem, tasks, title, trend, windows"),  # unknown table
    ('stem = "no"\n[methods]\nA = ["a"]\n[tasks]\nt = []\n', ":1: 'stem' must be true or false, got 'no'"),  # stem
    ('name = ""\n[methods]\nA = ["a"]\n[tasks]\nt = []\n', ":1: 'name' must be a non-empty string"),  # name
    ('[tasks]\nt = []\n', ': missing [methods] table: expected label = ["term", "a phrase", ...]'),  # no methods
    ('methods = 3\n[tasks]\nt = []\n', ":1: 'methods' must be a table of label = [terms]"),  # methods not table
    ('[methods]\n[tasks]\nt = []\n', ':1: [methods] is empty: expected at least one label = [terms]'),  # methods empty
    ('[methods]\n"" = ["a"]\n[tasks]\nt = []\n', ':2: [methods] has an empty label'),  # empty label
    ('[methods]\nA = ["a"]\na = ["b"]\n[tasks]\nt = []\n', ":3: duplicate label 'a' in [methods] (same as 'A', case ignored)"),  # dup label
    ('[methods]\nA = "a"\n[tasks]\nt = []\n', ":2: [methods] 'A' must be a list of strings, got str"),  # terms not list
    ('[methods]\nA = []\n[tasks]\nt = []\n', ":2: method 'A' has no terms: give at least one term or phrase"),  # no terms
    ('[methods]\nA = [{ word = "a" }]\n[tasks]\nt = []\n', ':2: [methods] \'A\': a term table takes term = "..." and exact = true|false, got word'),  # term table keys
    ('[methods]\nA = [{}]\n[tasks]\nt = []\n', ':2: [methods] \'A\': a term table takes term = "..." and exact = true|false, got nothing'),  # term table nothing
    ('[methods]\nA = [{ term = "a", exact = 1 }]\n[tasks]\nt = []\n', ":2: [methods] 'A': exact must be true or false, got 1"),  # exact not bool
    ('[methods]\nA = [3]\n[tasks]\nt = []\n', ":2: [methods] 'A': term 3 is a int, expected a string"),  # term not str
    ('[methods]\nA = [" "]\n[tasks]\nt = []\n', ":2: [methods] 'A': empty term; remove it or give a word"),  # empty term
    ('[methods]\nA = ["--"]\n[tasks]\nt = []\n', ":2: [methods] 'A': term '--' has no letters or digits"),  # no letters
    ('[methods]\nA = ["a", "A"]\n[tasks]\nt = []\n', ":2: [methods] 'A' lists the same term twice"),  # same term
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "w"\nfrom = "2006"\n', ":5: window 'w' from must be a year (an integer), got '2006'"),  # year str
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "w"\nfrom = 999\n', ":5: window 'w' from = 999 is not a plausible year (1000-2200)"),  # year low
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "w"\nto = 2201\n', ":5: window 'w' to = 2201 is not a plausible year (1000-2200)"),  # year high
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "w"\nfrom = true\n', ":5: window 'w' from must be a year (an integer), got True"),  # year bool
    ('windows = 3\n[methods]\nA = ["a"]\n[tasks]\nt = []\n', ":1: 'windows' must be one or more [[windows]] tables"),  # windows not list
    ('windows = []\n[methods]\nA = ["a"]\n[tasks]\nt = []\n', ":1: 'windows' must be one or more [[windows]] tables"),  # windows empty
    ('windows = [1]\n[methods]\nA = ["a"]\n[tasks]\nt = []\n', ': each window must be a table with name, from and to'),  # window not table
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "w"\nfrom = 2000\nuntil = 2001\n', ":5: unknown key 'until' in [[windows]]; expected name, from, to"),  # window key
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nfrom = 2000\n', ':5: window has no name'),  # window no name
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = " "\n', ':5: window name must be a non-empty string'),  # window name blank
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "W"\n[[windows]]\nname = "w"\n', ":7: duplicate window name 'w'"),  # window dup
    ('trend = 3\n[methods]\nA = ["a"]\n[tasks]\nt = []\n', ':1: [trend] must be a table with from (and optional to)'),  # trend not table
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = "x"\n', ":5: trend from must be a year (an integer), got 'x'"),
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = 2000\nto = 3000\n', ':5: trend to = 3000 is not a plausible year (1000-2200)'),
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = 2000\nto = "now"\n', ":5: trend to must be a year (an integer), got 'now'"),
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = 2001\nto = 2000\n', ':5: trend: from 2001 is after to 2000'),  # trend reversed
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = 2000\nstep = 1\n', ":5: unknown key 'step' in [trend]; expected from, to, complete_until, reason"),  # trend key
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nto = 2000\n', ':5: [trend] needs from = YEAR'),  # trend no from
    ('ratios = "A"\n[methods]\nA = ["a"]\n[tasks]\nt = []\n', ':1: \'ratios\' must be a list of [numerator, denominator] method pairs, e.g. ratios = [["LSTM", "CNN"]]'),  # ratios not list
    ('ratios = [["A"]]\n[methods]\nA = ["a"]\nB = ["b"]\n[tasks]\nt = []\n', ':1: \'ratios\' entry [\'A\']: expected a list of [numerator, denominator] method pairs, e.g. ratios = [["LSTM", "CNN"]]'),  # ratios pair
    ('ratios = [["A", "C"]]\n[methods]\nA = ["a"]\nB = ["b"]\n[tasks]\nt = []\n', ":1: 'ratios' names 'C', which is not a method; methods are A, B"),  # ratios unknown
    ('ratios = [["A", " a "]]\n[methods]\nA = ["a"]\nB = ["b"]\n[tasks]\nt = []\n', ":1: 'ratios' entry ['A', ' a '] compares a method with itself"),  # ratios self
    ('reference = 3\n[methods]\nA = ["a"]\n[tasks]\nt = []\n', ":1: 'reference' must be a file path (a string)"),  # reference type
    ('name = "n"\nfields = "abstract"\n[methods]\nA = ["a"]\n[tasks]\nt = []\n',
     ":2: 'fields' must be \"title\" (titles only), or left out for each source's default fields; got 'abstract'"),  # fields
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = 2000\ncomplete_until = 2010\n',
     ':5: [trend] complete_until needs reason = "..." (why later years are incomplete)'),  # until without reason
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = 2000\ncomplete_until = 2010\nreason = " "\n',
     ':5: [trend] complete_until needs reason = "..." (why later years are incomplete)'),  # blank reason
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = 2000\nreason = "late"\n',
     ':5: [trend] reason explains complete_until = YEAR, which is missing'),  # reason without until
    ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = 2000\ncomplete_until = "x"\nreason = "late"\n',
     ":5: trend complete_until must be a year (an integer), got 'x'"),  # until not a year
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[row[1][:40] for row in BAD])
def test_each_refusal_is_one_whole_line(text, message):
    with pytest.raises(QueryFileError) as err:
        parse_matrix(text, "q.toml")
    assert str(err.value) == "q.toml" + message


def test_file_references_resolve_beside_the_query_file_then_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "beside.toml").write_text("", encoding="utf-8")
    (tmp_path / "here.json").write_text("{}", encoding="utf-8")
    query = folder / "q.toml"
    body = '[methods]\nA = ["a"]\n[tasks]\nt = []\n'
    query.write_text('reference = "beside.toml"\nexperiment = "here.json"\n' + body, encoding="utf-8")
    m = load_matrix(query)
    assert (m.reference, m.experiment) == (folder / "beside.toml", tmp_path / "here.json")
    query.write_text('reference = "nowhere.toml"\n' + body, encoding="utf-8")
    with pytest.raises(QueryFileError) as err:
        load_matrix(query)
    assert str(err.value) == (f"{query}:1: 'reference' names 'nowhere.toml', which is not a file "
                              f"(looked for {folder / 'nowhere.toml'} or {tmp_path / 'nowhere.toml'})")
    with pytest.raises(QueryFileError) as err:
        load_matrix(tmp_path / "missing.toml")
    assert str(err.value) == f"{tmp_path / 'missing.toml'}: no such file"


def test_names_titles_terms_and_lookups():
    m = parse_matrix('[methods]\n" A " = ["x  y", { term = "Z", exact = true }]\nB = ["b"]\n'
                     '[tasks]\nt = ["t"]\nall = []\n', "dir/study.toml")  # fmt: skip
    assert (m.name, m.title) == ("study", "study")
    assert m.methods == {"A": ("x y", TermSpec("Z", True)), "B": ("b",)}
    assert [c.label for c in m.cells] == ["A:t", "A:all", "B:t", "B:all"]
    assert m.cell("a", "T").query == AllOf((AnyOf((Phrase(("x", "y")), Term("Z", True))), AnyOf((Term("t"),))))
    assert m.window("ALL TIME").name == "all time" and m.ratios == [] and m.trend is None
    with pytest.raises(BadInput) as err:
        m.cell("C", "t")
    assert str(err.value) == "no cell C:t; methods are A, B, tasks are t, all"
    with pytest.raises(BadInput) as err:
        m.window("recent")
    assert str(err.value) == "no window 'recent'; windows are all time"
    assert m.path == Path("dir/study.toml")
    titled = parse_matrix('name = " n "\ntitle = "T"\nstem = false\n[methods]\nA = ["a", { term = "b" }]\n'
                          '[tasks]\nt = ["c", { term = "d", exact = false }]\n')  # fmt: skip
    assert (titled.name, titled.title) == ("n", "T")
    assert titled.methods["A"] == (TermSpec("a", True), TermSpec("b", True))
    assert titled.tasks["t"] == (TermSpec("c", True), "d")
    assert parse_matrix('[methods]\nA = ["a"]\n[tasks]\nt = []\n').name == "<query>"


def test_years_from_1000_to_2200_ratios_resolved_and_windows_listed(tmp_path):
    m = parse_matrix('ratios = [["b", " A"]]\n[methods]\nA = ["a"]\nB = ["b"]\n[tasks]\nt = []\n'
                     '[[windows]]\nname = "old"\nfrom = 1000\n[[windows]]\nname = "far"\nto = 2200\n')  # fmt: skip
    assert m.ratios == [("B", "A")]
    assert [(w.name, w.start, w.end) for w in m.windows] == [("old", 1000, None), ("far", None, 2200)]
    with pytest.raises(BadInput) as err:
        m.window("recent")
    assert str(err.value) == "no window 'recent'; windows are old, far"
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"\xff[methods]\n")
    with pytest.raises(QueryFileError) as err:
        load_matrix(latin)
    assert str(err.value) == f"{latin}: cannot read: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"


def test_describe_and_term_text():
    q = cell_query(["LSTM", "long short-term memory", TermSpec("RNN", True)], [TermSpec("q a", True)])
    assert describe(q) == '(LSTM OR "long short-term memory" OR =RNN) AND (="q a")'
    assert describe(cell_query(["x"], [])) == "(x)"
    assert (str(TermSpec("a")), str(TermSpec("a", True))) == ("a", "=a")


def test_fields_title_restricts_every_cell_and_its_description_to_titles():
    m = parse_matrix('fields = "title"\n[methods]\nA = ["a"]\n[tasks]\nt = ["x"]\nall = []\n')
    assert m.fields == "title"
    assert [c.query.field for c in m.cells] == ["title", "title"]
    assert describe(m.cell("A", "t").query) == "(a) AND (x) [in titles only]"
    assert describe(cell_query(["a"], [], "title")) == "(a) [in titles only]"
    plain = parse_matrix('[methods]\nA = ["a"]\n[tasks]\nt = ["x"]\n')
    assert plain.fields is None and describe(plain.cells[0].query) == "(a) AND (x)"


def test_trend_complete_until_and_its_reason_are_kept():
    m = parse_matrix('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = 2000\n'
                     'complete_until = 2010\nreason = " 2011 on is partial "\n')
    assert (m.trend.start, m.trend.end, m.trend.complete_until, m.trend.reason) == (2000, None, 2010, "2011 on is partial")
    bare = parse_matrix('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nfrom = 2000\n')
    assert (bare.trend.complete_until, bare.trend.reason) == (None, "")


def test_a_window_and_a_trend_of_one_year_are_accepted():
    m = parse_matrix('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "y"\nfrom = 2010\nto = 2010\n'
                     '[trend]\nfrom = 2012\nto = 2012\n')
    assert [(w.name, w.start, w.end, w.span) for w in m.windows] == [("y", 2010, 2010, "2010")]
    assert m.trend.years(2030) == [2012]


def test_labels_distinct_in_lower_case_are_distinct_as_cell_lookups_tell_them():
    # Duplicates are found as Matrix.cell looks labels up (lower case): "Straße" and "STRASSE"
    # are two cells there, so the file may name both (upper case would fold both to STRASSE).
    m = parse_matrix('[methods]\n"Straße" = ["a"]\nSTRASSE = ["b"]\n[tasks]\nt = []\n')
    assert list(m.methods) == ["Straße", "STRASSE"]
    assert m.cell("straße", "t").query == cell_query(["a"], [])
