"""survey.analysis and survey.table_text on small hand-made observations, with exact expected values."""

from __future__ import annotations

import pandas as pd
import pytest

from survey.analysis import (
    DRIFT_COLUMNS, NOT_FETCHED, agreement, drift, long_counts, per_year_frame, reference_table, sources_in, spearman, study_table,
)  # fmt: skip
from survey.matrix import Window
from survey.query_file import parse_matrix
from survey.reference import ReferenceTable
from survey.observation import Observation
from survey.table_text import display, format_count, format_ratio, markdown_footnotes, markdown_rows, markdown_table

MATRIX = parse_matrix("""
[methods]
A = ["alpha"]
B = ["beta"]
[tasks]
x = ["ex"]
y = ["why"]
total = []
[[windows]]
name = "recent"
from = 2020
[[windows]]
name = "all time"
""")
RECENT, ALL = MATRIX.windows


def obs(method, task, count, status="ok", *, source="s", window=ALL, year=None, error=None, at="2026-01-01T00:00:00.000000Z",
        query=None, id=None):
    return Observation(
        source=source, method=method, task=task, window=window.name if year is None else "trend",
        year_from=window.start if year is None else year, year_to=window.end if year is None else year, year=year,
        query=query or f"{method}/{task}", count=count if status == "ok" else None, status=status, error=error,
        fetched_at=at, id=id,
    )  # fmt: skip


def cells(frame: pd.DataFrame) -> dict:
    return {(m, t): (None if pd.isna(v) else v) for (m, t), v in frame.stack(future_stack=True).items()}


def test_study_table_takes_only_the_source_window_and_cells_asked_for():
    rows = [
        obs("A", "x", 5, at="2026-01-02T00:00:00.000000Z"),
        obs("A", "y", None, "unsupported", error="no phrases"),
        obs("B", "x", None, "error"),  # no error text: the status stands in
        obs("B", "total", 0, at="2026-01-03T00:00:00.000000Z"),
        obs("A", "total", 99, source="other"),
        obs("A", "total", 98, window=RECENT),
        obs("A", "total", 97, year=2021),
        obs("C", "x", 96),
        obs("A", "z", 95),
    ]
    t = study_table(rows, MATRIX, "s", ALL)
    assert (t.source, t.window) == ("s", ALL)
    assert list(t.counts.index) == ["A", "B"] and list(t.counts.columns) == ["x", "y", "total"]
    assert cells(t.counts) == {("A", "x"): 5, ("A", "y"): None, ("A", "total"): None,
                               ("B", "x"): None, ("B", "y"): None, ("B", "total"): 0}  # fmt: skip
    assert cells(t.status) == {("A", "x"): "ok", ("A", "y"): "unsupported", ("A", "total"): NOT_FETCHED,
                               ("B", "x"): "error", ("B", "y"): NOT_FETCHED, ("B", "total"): "ok"}  # fmt: skip
    assert t.notes == {("A", "y"): "no phrases", ("B", "x"): "error"}
    assert [str(x) for x in t.fetched] == ["2026-01-01 00:00:00+00:00", "2026-01-03 00:00:00+00:00"]
    assert t.has_data is True
    empty = study_table([], MATRIX, "s", ALL)
    assert empty.has_data is False and empty.fetched is None


def test_ratio_is_missing_where_either_count_is_or_the_denominator_is_zero():
    t = study_table([obs("A", "x", 6), obs("B", "x", 4), obs("A", "y", 3), obs("B", "y", 0), obs("B", "total", 2)],
                    MATRIX, "s", ALL)  # fmt: skip
    r = t.ratio("A", "B")
    assert r.name == "A:B"
    assert r["x"] == 1.5 and pd.isna(r["y"]) and pd.isna(r["total"])


def test_reference_table_marks_unplaced_and_unpublished_cells():
    ref = ReferenceTable(
        study="s", source="wos", source_label="WoS", window=ALL, note="",
        counts={"A": {"x": 7, "total": 70}, "B": {"x": 0}}, unplaced={"A": [2]}, unplaced_columns=["y"],
    )  # fmt: skip
    t = reference_table(ref, MATRIX)
    assert (t.source, t.window) == ("wos", ALL)
    assert cells(t.counts) == {("A", "x"): 7, ("A", "y"): None, ("A", "total"): 70,
                               ("B", "x"): 0, ("B", "y"): None, ("B", "total"): None}  # fmt: skip
    assert cells(t.status) == {("A", "x"): "ok", ("A", "y"): "unplaced", ("A", "total"): "ok",
                               ("B", "x"): "ok", ("B", "y"): "not published", ("B", "total"): "not published"}  # fmt: skip
    assert t.notes == {("A", "y"): "published, but the column is not shown (see unplaced values)"}


def test_per_year_frame_keeps_ok_year_rows_sorted():
    rows = [obs("B", "x", 2, year=2021), obs("A", "x", 4, year=2022), obs("A", "x", 3, year=2021),
            obs("A", "x", None, "error", year=2020), obs("A", "x", 9)]  # fmt: skip
    f = per_year_frame(rows)
    assert list(f.columns) == ["source", "method", "task", "year", "count"]
    assert [tuple(r) for r in f.itertuples(index=False)] == [("s", "A", "x", 2021, 3), ("s", "A", "x", 2022, 4),
                                                             ("s", "B", "x", 2021, 2)]  # fmt: skip
    assert str(f["year"].dtype) == "Int64" and str(f["count"].dtype) == "Int64"
    assert per_year_frame([]).empty


def test_long_counts_one_row_per_cell_with_its_status():
    t = study_table([obs("A", "x", 5, window=RECENT), obs("B", "y", None, "blocked", window=RECENT)], MATRIX, "s", RECENT)
    f = long_counts(t)
    assert list(f.columns) == ["source", "window", "method", "task", "count", "status"]
    assert len(f) == 6 and set(f["source"]) == {"s"} and set(f["window"]) == {"recent"}
    assert f.iloc[0][["method", "task", "count", "status"]].tolist() == ["A", "x", 5, "ok"]
    blocked = f[(f["method"] == "B") & (f["task"] == "y")].iloc[0]
    assert pd.isna(blocked["count"]) and blocked["status"] == "blocked"
    assert sources_in([obs("A", "x", 1, source="b"), obs("A", "x", 1, source="a"), obs("B", "x", 1, source="b")]) == ["a", "b"]


def test_spearman_exact_values_and_when_it_says_nothing():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    assert spearman([1, 2], [1, 2]) is None  # fewer than 3
    assert spearman([5, 5, 5], [1, 2, 3]) is None and spearman([1, 2, 3], [7, 7, 7]) is None


def test_agreement_ranks_largest_first_and_lists_the_widest_gaps():
    a = study_table([obs("A", "x", 100, source="a"), obs("A", "y", 50, source="a"), obs("A", "total", 10, source="a"),
                     obs("B", "x", 1, source="a")], MATRIX, "a", ALL)  # fmt: skip
    b = study_table([obs("A", "x", 5, source="b"), obs("A", "y", 500, source="b"), obs("A", "total", 50, source="b")],
                    MATRIX, "b", ALL)  # fmt: skip
    ag = agreement(a, b, "left", "right", top=1)
    assert (ag.a, ag.b, ag.window, ag.cells) == ("left", "right", "all time", 3)
    assert ag.rho == pytest.approx(-0.5)
    assert ag.disagreements.to_dict("records") == [
        {"method": "A", "task": "x", "count_a": 100, "count_b": 5, "rank_a": 1, "rank_b": 3, "gap": 2 / 3}
    ]
    full = agreement(a, b)
    assert (full.a, full.b) == ("a", "b")
    assert [(r["method"], r["task"], r["rank_a"], r["rank_b"]) for r in full.disagreements.to_dict("records")] == [
        ("A", "x", 1, 3), ("A", "y", 2, 1), ("A", "total", 3, 2)]  # fmt: skip
    none = agreement(a, study_table([], MATRIX, "c", ALL))
    assert (none.cells, none.rho, len(none.disagreements)) == (0, None, 0)
    assert list(none.disagreements.columns) == ["method", "task", "count_a", "count_b", "rank_a", "rank_b", "gap"]


def test_drift_compares_the_last_two_ok_counts_of_a_key():
    rows = [
        obs("A", "x", 10, at="2026-01-01T00:00:00.000000Z", id=1),
        obs("A", "x", 99, at="2026-01-02T00:00:00.000000Z", id=2),
        obs("A", "x", 12, at="2026-01-03T00:00:00.000000Z", id=3),  # previous 99, latest 12
        obs("A", "x", None, "error", at="2026-01-04T00:00:00.000000Z", id=4),  # not a count
        obs("B", "x", 0, at="2026-01-01T00:00:00.000000Z"),
        obs("B", "x", 5, at="2026-01-02T00:00:00.000000Z"),  # from 0: no relative size
        obs("A", "y", 100, at="2026-01-01T00:00:00.000000Z"),
        obs("A", "y", 150, at="2026-01-02T00:00:00.000000Z"),
        obs("B", "y", 7),  # seen once
        obs("A", "x", 3, query="other", at="2026-01-05T00:00:00.000000Z"),  # another key
    ]
    d = drift(rows)
    got = [(r["method"], r["task"], r["previous"], r["latest"], r["change"]) for r in d.to_dict("records")]
    assert got == [("A", "x", 99, 12, -87), ("A", "y", 100, 150, 50), ("B", "x", 0, 5, 5)]
    assert d["relative"].iloc[0] == pytest.approx(-87 / 99) and d["relative"].iloc[1] == pytest.approx(0.5)
    assert pd.isna(d["relative"].iloc[2])
    assert str(d["previous_at"].iloc[0]) == "2026-01-02 00:00:00+00:00" and d["year"].isna().all()
    assert len(drift(rows, top=1)) == 1 and len(drift(rows, top=None)) == 3
    assert drift(rows[:1]).empty and list(drift([]).columns)[:3] == ["source", "method", "task"]


def test_formatting_counts_and_ratios():
    assert format_count(pd.NA) == "n/a" and format_count(7) == "7" and format_count(0) == "0"
    assert format_ratio(pd.NA) == "n/a" and format_ratio(float("nan")) == "n/a"
    assert format_ratio(0.375) == "0.38" and format_ratio(9.994) == "9.99" and format_ratio(10) == "10.0"
    assert format_ratio(12.34) == "12.3" and format_ratio(0) == "0.00"


def test_display_numbers_each_reason_once_across_tables():
    t = study_table([obs("A", "x", 5), obs("B", "x", 0), obs("A", "y", None, "unsupported", error="no  phrase\nsearch"),
                     obs("B", "y", None, "blocked")], MATRIX, "s", ALL)  # fmt: skip
    shared: list[str] = ["fetch failed"]
    d = display(t, footnotes=shared)
    assert d.footnotes is shared
    assert shared == ["fetch failed", "unsupported by this source: no phrase search", "not fetched yet",
                      "blocked by the source"]  # fmt: skip
    assert d.frame.index.name == "method" and list(d.frame.columns) == ["x", "y", "total"]
    assert d.frame.to_dict("index") == {
        "A": {"x": "5", "y": "n/a [2]", "total": "n/a [3]"},
        "B": {"x": "0", "y": "n/a [4]", "total": "n/a [3]"},
    }
    alone = display(study_table([obs("A", "x", 3)], parse_matrix('[methods]\nA = ["a"]\n[tasks]\nx = []\n'), "s",
                                Window("all time")))  # fmt: skip
    assert alone.frame.to_dict("index") == {"A": {"x": "3"}} and alone.footnotes == []
    chosen = display(t, ratios=[("B", "A")])
    assert list(chosen.frame.index) == ["A", "B", "B:A"] and chosen.frame.loc["B:A", "x"] == "0.00"


def test_markdown_tables_and_footnotes():
    frame = pd.DataFrame({"a|b": ["1", "x|y"]}, index=pd.Index(["m", "n"], name="method"))
    assert markdown_table(frame) == "| method | a\\|b |\n| :--- | ---: |\n| m | 1 |\n| n | x\\|y |"
    assert markdown_table(frame, "row").splitlines()[0] == "| row | a\\|b |"
    assert markdown_footnotes(["one", "two"]) == "[1] one  \n[2] two  "
    assert markdown_rows(["k", "v"], [["a", " 1  2 "]]) == "| k | v |\n| :--- | ---: |\n| a | 1 2 |"
    assert markdown_rows(["k", "v"], [["a", "b|c"]], align="rl").splitlines()[1:] == ["| ---: | :--- |", "| a | b\\|c |"]
    for leak in ("", " ", "nan", "None", "<NA>", "NaT", None):
        with pytest.raises(ValueError, match="empty or missing value"):
            markdown_rows(["k", "v"], [["a", leak]])
    with pytest.raises(ValueError, match="align 'l' has 1 columns, header has 2"):
        markdown_rows(["k", "v"], [], align="l")
    with pytest.raises(ValueError, match=r"has 1 cells, header has 2"):
        markdown_rows(["k", "v"], [["a"]])


def test_agreement_with_one_shared_cell_ties_and_labels_on_an_empty_comparison():
    a = study_table([obs("A", "x", 5, source="a"), obs("A", "y", 5, source="a"), obs("B", "x", 5, source="a"),
                     obs("B", "y", 1, source="a")], MATRIX, "a", ALL)  # fmt: skip
    b = study_table([obs("A", "x", 7, source="b"), obs("A", "y", 7, source="b"), obs("B", "x", 2, source="b"),
                     obs("B", "y", 9, source="b")], MATRIX, "b", ALL)  # fmt: skip
    ag = agreement(a, b, top=2)
    # a three-way tie on the left takes the best rank (1), not the average (2); a tie of two on the right too
    assert [(r["method"], r["task"], r["rank_a"], r["rank_b"]) for r in ag.disagreements.to_dict("records")] == [
        ("B", "x", 1, 4), ("B", "y", 4, 1)]  # fmt: skip
    every = agreement(a, b, top=4).disagreements
    assert {(r["method"], r["task"], r["rank_a"], r["rank_b"]) for r in every.to_dict("records")} == {
        ("B", "x", 1, 4), ("B", "y", 4, 1), ("A", "x", 1, 2), ("A", "y", 1, 2)}  # fmt: skip
    assert str(ag.disagreements["count_a"].dtype) == "int64" and str(ag.disagreements["rank_b"].dtype) == "int64"
    one = agreement(study_table([obs("A", "x", 3, source="a")], MATRIX, "a", Window("w")),
                    study_table([obs("A", "x", 4, source="b")], MATRIX, "b", Window("w")))  # fmt: skip
    assert (one.cells, one.rho, len(one.disagreements)) == (1, None, 0)
    empty = study_table([], MATRIX, "c", ALL)
    labelled = agreement(empty, a, "left", "right")
    assert (labelled.a, labelled.b, labelled.window, labelled.cells) == ("left", "right", "all time", 0)
    plain = agreement(a, empty)
    assert (plain.a, plain.b, plain.window) == ("a", "c", "all time")


def test_spearman_with_ties_in_the_second_argument():
    assert spearman([1, 2, 3], [1, 1, 2]) == pytest.approx(0.8660254)


def test_dtypes_and_index_names_that_renderers_rely_on():
    ref = ReferenceTable(study="s", source="wos", source_label="WoS", window=ALL, note="", counts={"A": {"x": 7}})
    for t in (study_table([obs("A", "x", 5), obs("B", "x", 2)], MATRIX, "s", ALL), reference_table(ref, MATRIX)):
        assert t.counts.index.name == "method" and t.status.index.name == "method"
        assert {str(d) for d in t.counts.dtypes} == {"Int64"} and {str(d) for d in t.status.dtypes} == {"object"}
    r = study_table([obs("A", "x", 5), obs("B", "x", 2)], MATRIX, "s", ALL).ratio("A", "B")
    assert str(r.dtype) == "Float64" and r["x"] == 2.5 and r.isna().tolist() == [False, True, True]


def test_agreement_ranks_a_three_way_tie_on_the_right_from_the_top():
    a = study_table([obs(m, t, n, source="a") for (m, t), n in
                     {("A", "x"): 9, ("A", "y"): 8, ("B", "x"): 7, ("B", "y"): 6}.items()], MATRIX, "a", ALL)  # fmt: skip
    b = study_table([obs(m, t, n, source="b") for (m, t), n in
                     {("A", "x"): 1, ("A", "y"): 5, ("B", "x"): 5, ("B", "y"): 5}.items()], MATRIX, "b", ALL)  # fmt: skip
    ranks = {(r["method"], r["task"]): r["rank_b"] for r in agreement(a, b, top=4).disagreements.to_dict("records")}
    assert ranks == {("A", "x"): 4, ("A", "y"): 1, ("B", "x"): 1, ("B", "y"): 1}  # the tie of three all rank 1, not 2


def test_drift_of_per_year_counts_and_an_ok_row_without_a_count():
    rows = [obs("A", "x", 4, year=2021, at="2026-01-01T00:00:00.000000Z"),
            obs("A", "x", 6, year=2021, at="2026-01-02T00:00:00.000000Z"),
            Observation(**{**obs("A", "x", 6, year=2021).__dict__, "count": None, "fetched_at": "2026-01-03T00:00:00.000000Z"})]
    d = drift(rows)
    assert d[["year", "previous", "latest", "change"]].values.tolist() == [[2021, 4, 6, 2]]
    assert str(d["year"].dtype) == "Int64"


def test_agreement_lists_the_three_widest_gaps_by_default_the_larger_count_first_on_a_tie():
    order = [("A", "x"), ("A", "y"), ("A", "total"), ("B", "x"), ("B", "y"), ("B", "total")]
    a = study_table([obs(m, t, 6 - i, source="a") for i, (m, t) in enumerate(order)], MATRIX, "a", ALL)
    b = study_table([obs(m, t, 1 + i, source="b") for i, (m, t) in enumerate(order)], MATRIX, "b", ALL)
    ag = agreement(a, b)  # ranks 1..6 against 6..1: gaps 5, 3, 1, 1, 3, 5 sixths
    assert [(r["method"], r["task"], r["gap"]) for r in ag.disagreements.to_dict("records")] == [
        ("A", "x", 5 / 6), ("B", "total", 5 / 6), ("A", "y", 3 / 6)]  # fmt: skip
    assert ag.rho == pytest.approx(-1.0)


def test_a_cell_ranked_alike_in_both_tables_is_no_disagreement():
    a = study_table([obs("A", "x", 30, source="a"), obs("A", "y", 20, source="a"), obs("B", "x", 10, source="a")],
                    MATRIX, "a", ALL)  # fmt: skip
    b = study_table([obs("A", "x", 300, source="b"), obs("A", "y", 100, source="b"), obs("B", "x", 200, source="b")],
                    MATRIX, "b", ALL)  # fmt: skip
    ag = agreement(a, b, top=3)
    assert [(r["method"], r["task"], r["rank_a"], r["rank_b"]) for r in ag.disagreements.to_dict("records")] == [
        ("A", "y", 2, 3), ("B", "x", 3, 2)]  # fmt: skip


def test_drift_shows_the_ten_largest_moves_by_default():
    rows = [obs("A", "x", count, query=f"q{k}", at=at, id=n)
            for k in range(1, 12) for n, (count, at) in enumerate(
                [(100, "2026-01-01T00:00:00.000000Z"), (100 + k, "2026-01-02T00:00:00.000000Z")])]  # fmt: skip
    d = drift(rows)
    assert d["change"].tolist() == list(range(11, 1, -1))  # the move of 1 in 100 is the eleventh: left out
    assert len(drift(rows, top=None)) == 11


def test_study_table_reads_past_observations_it_does_not_take():
    rows = [obs("A", "x", 1, source="other"), obs("A", "x", 2, window=RECENT), obs("A", "x", 3, year=2021),
            obs("C", "x", 4), obs("A", "x", 5)]  # fmt: skip
    assert cells(study_table(rows, MATRIX, "s", ALL).counts)[("A", "x")] == 5


def test_spearman_with_ties_in_the_first_argument_of_two_values():
    assert spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(0.8660254)
    assert spearman([3, 3, 3, 1], [1, 2, 3, 4]) == pytest.approx(-0.7745967)


def test_drift_rows_name_their_source_window_and_both_times_in_the_documented_columns():
    rows = [obs("A", "x", 4, source="arxiv", window=RECENT, at="2026-01-01T00:00:00.000000Z"),
            obs("A", "x", 6, source="arxiv", window=RECENT, at="2026-01-02T00:00:00.000000Z")]  # fmt: skip
    for top in (10, None):
        d = drift(rows, top=top)
        assert list(d.columns) == DRIFT_COLUMNS and list(d.index) == [0]
        r = d.iloc[0]
        assert (r["source"], r["window"], r["previous"], r["latest"]) == ("arxiv", "recent", 4, 6)
        assert (str(r["previous_at"]), str(r["latest_at"])) == ("2026-01-01 00:00:00+00:00", "2026-01-02 00:00:00+00:00")
        assert str(d["relative"].dtype) == "Float64" and d["relative"].iloc[0] == pytest.approx(0.5)


def test_drift_ranks_by_relative_change_then_by_absolute_change_and_moves_from_zero_last():
    moves = {"small doubled": (10, 20), "large doubled": (100, 200), "large +10%": (1000, 1100),
             "from zero by 5": (0, 5), "from zero by 50": (0, 50)}  # fmt: skip
    rows = [obs("A", "x", count, query=name, at=at) for name, pair in moves.items()
            for count, at in zip(pair, ("2026-01-01T00:00:00.000000Z", "2026-01-02T00:00:00.000000Z"))]  # fmt: skip
    d = drift(rows, top=None)
    assert d[["previous", "latest"]].values.tolist() == [[100, 200], [10, 20], [1000, 1100], [0, 50], [0, 5]]
