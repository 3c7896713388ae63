from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.errors import QueryFileError
from survey.matrix import AllOf, AnyOf, Phrase, Term, Window
from survey.query_file import load_matrix, parse_matrix

REPO = Path(__file__).resolve().parents[1]

GOOD = """
name = "demo"
[methods]
LSTM = ["LSTM", "long short-term memory"]
CNN = ["CNN"]
[tasks]
dialog = ["dialog", "dialogue"]
total = []
[[windows]]
name = "since 2006"
from = 2006
[[windows]]
name = "all time"
[trend]
from = 2010
to = 2012
"""


def test_study_file_reproduces_the_2016_matrix():
    m = load_matrix(REPO / "queries" / "lstm_vs_cnn.toml")
    assert m.methods == {"LSTM": ("LSTM", "long short-term memory"), "CNN": ("CNN", "convolutional neural network")}
    assert list(m.tasks) == [
        "classification", "sentiment analysis", "machine translation", "dialog", "language generation", "QA", "total",
    ]  # fmt: skip
    assert m.tasks["dialog"] == ("dialog", "dialogue")
    assert m.tasks["QA"] == ("question answering",)
    assert m.tasks["total"] == ()
    assert m.windows == [Window("since 2006", 2006, None), Window("all time", None, None)]
    assert m.trend.start == 2006 and m.trend.end is None
    assert len(m.cells) == 14


def test_cell_query_tree():
    m = parse_matrix(GOOD)
    cell = m.cell("LSTM", "dialog")
    assert cell.query == AllOf(
        (
            AnyOf((Term("LSTM"), Phrase(("long", "short-term", "memory")))),
            AnyOf((Term("dialog"), Term("dialogue"))),
        )
    )
    total = m.cell("cnn", "TOTAL")  # lookup ignores case
    assert total.query == AllOf((AnyOf((Term("CNN"),)),))
    assert m.trend.years(2030) == [2010, 2011, 2012]


@pytest.mark.parametrize(
    "text, message, line",
    [
        ("", "file is empty", None),
        ("   \n# only a comment\n", "file is empty", None),
        ("[methods]\nA = [\"a\"]\n[tasks]\nt = []\n[[windows]]\nname='x'\nbogus = 1\n", "unknown key 'bogus'", 5),
        ('[methods]\nA = []\n[tasks]\nt = ["x"]\n', "method 'A' has no terms", 2),
        ('[methods]\nA = ["a"]\n[tasks]\nt = ["x", 3]\n', "term 3 is a int, expected a string", 4),
        ('[methods]\nA = ["a"]\na = ["b"]\n[tasks]\nt = []\n', "duplicate label 'a'", 3),
        ('[methods]\nA = ["a"]\nA = ["b"]\n', "not valid TOML", 3),
        ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "w"\nfrom = 2010\nto = 2000\n', "from 2010 is after to 2000", 5),
        ('colour = "red"\n[methods]\nA = ["a"]\n[tasks]\nt = []\n', "unknown key 'colour'", 1),
        ('[methods]\nA = ["a"]\n', "missing [tasks] table", None),
        ('[methods]\nA = ["  "]\n[tasks]\nt = []\n', "empty term", 2),
        ('[methods]\nA = ["a", "A"]\n[tasks]\nt = []\n', "same term twice", 2),
        ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "w"\nfrom = "2006"\n', "must be a year", 5),
        ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[trend]\nto = 2000\n', "[trend] needs from", 5),
        ('[methods]\nA = ["a"]\n[tasks]\nt = []\n[[windows]]\nname = "w"\n[[windows]]\nname = "W"\n', "duplicate window", 7),
    ],
)
def test_validation_errors_name_file_line_and_problem(text, message, line):
    with pytest.raises(QueryFileError) as err:
        parse_matrix(text, "q.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("q.toml")
    assert "\n" not in str(err.value)
    assert err.value.line == line


def test_task_value_that_is_not_a_list():
    with pytest.raises(QueryFileError, match=r"q.toml:5: \[tasks\] 'extra' must be a list of strings, got int"):
        parse_matrix('[methods]\nA = ["a"]\n[tasks]\nt = []\nextra = 1\n', "q.toml")


def test_missing_file(tmp_path):
    with pytest.raises(QueryFileError, match="no such file"):
        load_matrix(tmp_path / "absent.toml")


def test_windows_default_to_all_time():
    m = parse_matrix('[methods]\nA = ["a"]\n[tasks]\nt = ["x"]\n')
    assert m.windows == [Window("all time")]
    assert m.name == "<query>"


toml_values = st.recursive(
    st.one_of(st.integers(-5, 3000), st.text(max_size=8), st.booleans(), st.just([])),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=200))
def test_fuzz_arbitrary_text_only_raises_the_typed_error(text):
    try:
        parse_matrix(text, "fuzz.toml")
    except QueryFileError as exc:
        assert str(exc).startswith("fuzz.toml")
        assert "\n" not in str(exc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["name", "title", "methods", "tasks", "windows", "trend", "other"]), toml_values, max_size=6
    )
)
def test_fuzz_structured_documents_only_raise_the_typed_error(doc):
    import json

    # Build TOML by hand from JSON-ish values: inline tables and arrays are valid TOML.
    def dump(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, str)):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(dump(x) for x in v) + "]"
        return "{" + ", ".join(f"{json.dumps(k)} = {dump(x)}" for k, x in v.items()) + "}"

    text = "\n".join(f"{k} = {dump(v)}" for k, v in doc.items())
    try:
        m = parse_matrix(text, "fuzz.toml")
    except QueryFileError as exc:
        assert "\n" not in str(exc)
    else:
        assert m.methods and m.tasks and m.cells
