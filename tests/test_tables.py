"""Study tables as text: footnotes, ratio rows from the query file, shares with intervals."""

from __future__ import annotations

import pandas as pd

from survey.analysis import StudyTable
from survey.matrix import Window
from survey.tables import display


def _table(counts: dict, status: dict | None = None, notes: dict | None = None) -> StudyTable:
    frame = pd.DataFrame(counts, dtype="Int64").T
    frame.index.name = "method"
    st = pd.DataFrame("ok", index=frame.index, columns=frame.columns, dtype=object)
    for (m, t), s in (status or {}).items():
        st.loc[m, t] = s
    return StudyTable("s", Window("w", None, None), frame, st, notes or {})


def test_one_footnote_per_reason_when_two_cells_share_it():
    t = _table({"A": {"x": None, "y": None, "z": 3}, "B": {"x": 1, "y": 2, "z": None}},
               status={("A", "x"): "blocked", ("A", "y"): "blocked", ("B", "z"): "error"},
               notes={("A", "x"): "captcha", ("A", "y"): "captcha", ("B", "z"): "timeout"})
    d = display(t)
    assert d.footnotes == ["blocked by the source: captcha", "fetch failed: timeout"]
    assert list(d.frame.loc["A"]) == ["n/a [1]", "n/a [1]", "3"]
    assert d.frame.loc["B", "z"] == "n/a [2]"
    shared: list[str] = ["fetch failed: timeout"]  # numbering continues across tables
    d2 = display(t, footnotes=shared)
    assert d2.frame.loc["B", "z"] == "n/a [1]" and d2.frame.loc["A", "x"] == "n/a [2]" and len(shared) == 2


def test_ratio_rows_are_those_asked_for_and_none_by_default():
    t = _table({"A": {"x": 30}, "B": {"x": 10}, "C": {"x": 20}})
    assert list(display(t).frame.index) == ["A", "B", "C"]
    d = display(t, [("C", "B"), ("A", "C")])
    assert list(d.frame.index) == ["A", "B", "C", "C:B", "A:C"]
    assert d.frame.loc["C:B", "x"] == "2.00" and d.frame.loc["A:C", "x"] == "1.50"


def test_intervals_add_share_rows_and_ratio_bounds():
    t = _table({"A": {"x": 300, "y": 5}, "B": {"x": 100, "y": 0}})
    d = display(t, [("A", "B")], intervals=True)
    assert list(d.frame.index) == ["A", "B", "A share", "B share", "A:B"]
    assert d.frame.loc["A share", "x"] == "75% [71–79%]"
    assert d.frame.loc["A:B", "x"].startswith("3.00 [") and d.frame.loc["A:B", "y"] == "n/a (B is 0)"
    assert d.frame.loc["A share", "y"] == "100% [57–100%]"
