"""Study tables as text: footnotes, ratio rows from the query file, shares with intervals."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from survey.analysis import StudyTable
from survey.matrix import Window
from survey.table_text import display, format_ratio, markdown_table, pct, pct_interval, ratio_words


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
    assert list(d.frame.index) == ["A", "B", "A share", "B share", "claim (Holm)", "A:B"]
    assert d.frame.loc["A share", "x"] == "75% [70–79%]"  # 70.5-79.1%, rounded outward
    assert list(d.frame.loc["claim (Holm)"]) == ["A leads (p < 0.001, 1 test)", "too few to say"]
    assert d.frame.loc["A:B", "x"].startswith("3.00 [") and d.frame.loc["A:B", "y"] == "n/a (B is 0)"
    assert d.frame.loc["A share", "y"] == "100% [56–100%]"


# ------------------------------------------------------------------ exact wording (issue 14 survivors)

Z95 = 1.959963984540054  # the 97.5% point of the standard normal


def hand_wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927), written out here rather than taken from survey.evidence.intervals."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("share, text", [
    (0.0, "0%"), (1.0, "100%"),
    (1e-13, "0%"), (1 - 1e-13, "100%"),  # float noise of an interval's clipped end
    (0.0004, "<0.1%"),  # 0.04%: a share above none never reads 0%
    (1 / 2000, "0.1%"),  # 0.05% exactly: one match in 2000 is not written 0%
    (0.004, "0.4%"), (0.01, "1%"), (0.0125, "1%"), (0.5, "50%"),
    (0.99, "99%"), (0.995, "99.5%"), (0.9994, "99.9%"),
    (1999 / 2000, ">99.9%"), (0.99951, ">99.9%"),  # short of all never reads 100%, nor 100.0%
])
def test_pct_switches_to_one_decimal_strictly_under_1_and_over_99_percent(share, text):
    assert pct(share) == text


def test_format_ratio_writes_an_unbounded_end_as_infinity():
    assert format_ratio(math.inf) == "∞"
    assert ratio_words(3.0, 1.5, math.inf) == "3.00 [1.50–∞]"
    assert ratio_words(12.25, 9.5, 15.04) == "12.2 [9.50–15.1]"
    assert pct_interval(0.004, 0.02) == "[0.4–2%]"


def test_a_status_without_words_is_its_own_footnote_and_a_note_equal_to_the_status_is_not_repeated():
    t = _table({"A": {"x": None, "y": None}, "B": {"x": 1, "y": 2}},
               status={("A", "x"): "rate limited", ("A", "y"): "error"}, notes={("A", "y"): "error"})
    d = display(t)
    assert d.footnotes == ["rate limited", "fetch failed"]
    assert list(d.frame.loc["A"]) == ["n/a [1]", "n/a [2]"]


def test_share_rows_need_every_count_of_the_task_and_some_match():
    t = _table({"A": {"x": 3, "y": 0, "z": None, "w": 1}, "B": {"x": 1, "y": 0, "z": 4, "w": 0}})
    d = display(t, intervals=True)
    assert list(d.frame.loc["A share"].iloc[1:]) == ["n/a (no match)", "n/a", "100% [20–100%]"]
    assert list(d.frame.loc["B share"].iloc[1:]) == ["n/a (no match)", "n/a", "0% [0–80%]"]
    low, high = hand_wilson(3, 4)  # 30.06% to 95.44%
    assert d.frame.loc["A share", "x"] == f"75% [{math.floor(100 * low)}–{math.ceil(100 * high)}%]" == "75% [30–96%]"


def test_ratio_cells_with_intervals_say_why_a_ratio_is_missing():
    t = _table({"A": {"x": 300, "y": 5, "z": None, "u": 0, "v": 1, "w": 7},
                "B": {"x": 100, "y": 5, "z": 2, "u": 0, "v": 0, "w": None}})
    row = display(t, [("A", "B")], intervals=True).frame.loc["A:B"]
    low, high = hand_wilson(300, 400)
    assert row["x"] == (
        f"3.00 [{math.floor(100 * low / (1 - low)) / 100:.2f}–{math.ceil(100 * high / (1 - high)) / 100:.2f}]")
    assert row["x"] == "3.00 [2.39–3.77]"  # bounds rounded outward
    low, high = hand_wilson(5, 10)
    assert row["y"] == (
        f"1.00 [{math.floor(100 * low / (1 - low)) / 100:.2f}–{math.ceil(100 * high / (1 - high)) / 100:.2f}]")
    assert row["y"] == "1.00 [0.30–3.23]"
    assert (row["z"], row["w"]) == ("n/a", "n/a")  # one count missing is enough
    assert row["u"] == "n/a (no match)"
    assert row["v"] == "n/a (B is 0)"


def test_markdown_table_without_an_index_name_has_an_empty_corner():
    frame = pd.DataFrame({"x": ["1"]}, index=["A"])
    assert markdown_table(frame).splitlines()[0] == "|  | x |"
    assert markdown_table(frame, "method").splitlines()[0] == "| method | x |"


def test_pct_reads_none_only_strictly_inside_the_float_noise_of_zero():
    # 1e-9 percent is the tolerance: a share whose percentage is exactly that is not none.
    at = 1.0000000000000001e-11
    assert 100 * at == 1e-9
    below = math.nextafter(at, 0.0)
    assert abs(100 * below) < 1e-9
    assert (pct(at), pct(below)) == ("<0.1%", "0%")


@pytest.mark.parametrize(("x", "up", "parity", "text"), [
    (0.00091, False, None, "0.0"),   # 0.091%: outward to tenths, the low end down and the high end up
    (0.00091, True, None, "0.1"),
    (0.01, False, None, "1"),        # exactly 1%: whole numbers from 1% on
    (0.015, False, None, "1"),
    (0.99, True, None, "99"),        # exactly 99%: whole numbers up to 99%
    (0.995, True, None, "99.5"),     # over 99%: one decimal, and no 100 but for all of them
    (0.9996, True, None, ">99.9"),   # rounds up to 100.0 without being all
    (0.500001, False, 0.5, "50.000"),  # rounds to parity at every precision: three decimals at most
])
def test_a_bound_takes_its_decimals_at_the_edges(x, up, parity, text):
    from survey.table_text import pct_bound

    assert pct_bound(x, up, parity) == text


@pytest.mark.parametrize(("p", "text"), [(0.0009, "p < 0.001"), (0.001, "p = 0.001"), (0.5, "p = 0.500")])
def test_a_p_value_reads_exact_from_one_in_a_thousand(p, text):
    from survey.table_text import p_words

    assert p_words(p) == text


@pytest.mark.parametrize(("args", "text"), [
    ((10.2, 10.0, 10.5), "10.2 [10.0–10.5]"),      # from 10 on, one decimal
    ((1.5, 1.00001, 2.0), "1.50 [1.0000–2.00]"),  # near parity: four decimals at most
    ((1.0, 1.0, 1.5), "1.00 [1.00–1.50]"),        # a bound that is parity reads as it
])
def test_ratio_bounds_take_their_decimals_at_the_edges(args, text):
    assert ratio_words(*args) == text


def test_an_estimating_source_gets_rounded_shares_and_no_test():
    # Scholar's counts are rounded estimates: no binomial interval, no p-value.
    t = _table({"A": {"x": 300, "y": None, "z": 0}, "B": {"x": 100, "y": 2, "z": 0}})
    d = display(StudyTable("scholar", t.window, t.counts, t.status), intervals=True)
    assert list(d.frame.loc["A share"]) == ["about 75% (estimate)", "n/a", "n/a (no match)"]
    assert d.frame.loc["B share", "x"] == "about 25% (estimate)"
    assert list(d.frame.loc["claim (Holm)"]) == ["A most (estimates, untested)", "n/a", "too few to say"]


def test_two_methods_show_a_share_bound_near_half_with_the_decimal_that_keeps_it_off_parity():
    # 60 of 100: Wilson 50.20-69.06%. With two methods the share is the tested one, and 50% would
    # read as touching parity; with a third method there is no parity to keep off.
    two = display(_table({"A": {"x": 60, "y": 300}, "B": {"x": 40, "y": 100}}), intervals=True).frame
    assert list(two.loc["A share"]) == ["60% [50.2–70%]", "75% [70–79%]"]
    assert two.loc["B share", "x"] == "40% [30–49.8%]"
    assert list(two.loc["claim (Holm)"]) == ["A leads (p = 0.046, 2 tests)", "A leads (p < 0.001, 2 tests)"]
    three = display(_table({"A": {"x": 60}, "B": {"x": 40}, "C": {"x": 0}}), intervals=True).frame
    assert three.loc["A share", "x"] == "60% [50–70%]"
    assert three.loc["claim (Holm)", "x"] == "A leads (p = 0.046, 1 test)"


def test_a_tested_task_without_a_lead_says_so_rather_than_name_a_leader():
    # 52 to 48 has a p-value (0.69) but no lead
    d = display(_table({"A": {"x": 52}, "B": {"x": 48}}), intervals=True)
    assert d.frame.loc["claim (Holm)", "x"] == "no clear leader"
