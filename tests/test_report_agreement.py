"""The agreement section word for word: which tables are paired, and how each row reads."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from survey.analysis import Agreement, StudyTable
from survey.matrix import Window
from survey.reporting import agreement

W1 = Window("early", 2000, 2009)
W2 = Window("late", 2010, 2019)
INTRO = (
    "Counts from different sources differ in scale, so they are compared by rank: Spearman's ρ over the "
    "cells both have counts for (1: the same order, 0: unrelated, −1: reversed). The last column lists "
    "the cells whose rank differs most (#1 is the largest count)."
)
HEADER = ("| source | compared with | window | shared cells | Spearman ρ | ranked most differently |\n"
          "| :--- | :--- | :--- | ---: | ---: | :--- |")


def table(source, window, m1=None, m2=None) -> StudyTable:
    """Methods m1, m2 by tasks t1, t2; a row given as (t1, t2) counts, None for no count."""
    counts = pd.DataFrame(pd.NA, index=pd.Index(["m1", "m2"], name="method"), columns=["t1", "t2"], dtype="Int64")
    for m, row in (("m1", m1), ("m2", m2)):
        if row is not None:
            counts.loc[m] = list(row)
    status = pd.DataFrame("ok", index=counts.index, columns=counts.columns, dtype=object)
    return StudyTable(source, window, counts, status)


def ctx(tables, with_data, ref_tables=()):
    return SimpleNamespace(with_data=with_data, matrix=SimpleNamespace(windows=[W1, W2]), tables=tables,
                           ref_tables=list(ref_tables))


def test_pairs_each_two_sources_in_the_same_window_and_every_source_with_a_published_table():
    empty = table("x", W2)
    tables = {
        ("a", "early"): table("a", W1, (40, 30), (20, 10)), ("a", "late"): table("a", W2, (1, 2), (3, 4)),
        ("b", "early"): table("b", W1, (400, 300), (200, 100)), ("b", "late"): empty,
        ("c", "early"): table("c", W1, (10, 20), (30, 40)), ("c", "late"): empty,
    }
    same_span = SimpleNamespace(window=Window("published", 2000, 2009), label="2016", source_label="WoS_core")
    other_span = SimpleNamespace(window=Window("published", 2000, 2010), label="2016", source_label="other")
    ref = table("wos", same_span.window, (9, 8), (7, 6))
    text = agreement.render(ctx(tables, ["a", "b", "c"], [(same_span, ref), (other_span, ref)]))
    reversed_ = "m1:t1 #1 vs #4; m2:t2 #4 vs #1; m1:t2 #2 vs #3"  # gap 3/4 first, then the larger count
    assert text == "\n\n".join([
        INTRO,
        HEADER + "\n"
        "| `a` | `b` | early | 4 | 1.00 | none: same order |\n"
        f"| `a` | `c` | early | 4 | -1.00 | {reversed_} |\n"
        f"| `b` | `c` | early | 4 | -1.00 | {reversed_} |",
        "Against the published tables (which differ in date as well as in source):",
        HEADER + "\n"  # `a` late spans other years than any published table
        "| `a` | 2016 WoS\\_core | early | 4 | 1.00 | none: same order |\n"
        "| `b` | 2016 WoS\\_core | early | 4 | 1.00 | none: same order |\n"
        "| `c` | 2016 WoS\\_core | early | 4 | -1.00 | m2:t2 #1 vs #4; m1:t1 #4 vs #1; m2:t1 #2 vs #3 |",
    ])


def no_pair(why):
    return "\n\n".join([INTRO, f"{why}, so there is no pair of current sources to compare. Refreshing a "
                               "second source fills this in."])


def test_without_a_pair_says_which_sources_have_counts():
    tables = {("a", "early"): table("a", W1, (1, 2), (3, 4)), ("a", "late"): table("a", W2),
              ("b", "early"): table("b", W1), ("b", "late"): table("b", W2, (5, 6), (7, 8))}
    assert agreement.render(ctx({}, [])) == no_pair("No source has counts in the cache")
    assert agreement.render(ctx(tables, ["a"])) == no_pair("Only `a` has counts")
    # two sources, but in different windows: still no pair
    assert agreement.render(ctx(tables, ["a", "b"])) == no_pair(
        "`a` and `b` have counts, but no window has counts from two of them")


def agreed(cells, rho, worst=()):
    frame = pd.DataFrame(list(worst), columns=["method", "task", "rank_a", "rank_b"])
    return Agreement("`a`", "`b`", "early", cells, rho, frame)


def test_each_row_says_why_rho_is_missing_and_which_cells_differ():
    rows = [
        agreed(0, None),
        agreed(2, None, [("m1", "t1", 1, 2)]),
        agreed(3, None),  # three cells, all the same count on one side
        agreed(3, 0.4999, [("m1", "t1", 1, 3), ("m2", "t2", 3, 1)]),
        agreed(5, -0.125),
    ]
    assert agreement.agreement_table(rows) == HEADER + "\n" + "\n".join([
        "| `a` | `b` | early | 0 | n/a (fewer than 3 shared cells) | n/a |",
        "| `a` | `b` | early | 2 | n/a (fewer than 3 shared cells) | m1:t1 #1 vs #2 |",
        "| `a` | `b` | early | 3 | n/a (no spread) | none: same order |",
        "| `a` | `b` | early | 3 | 0.50 | m1:t1 #1 vs #3; m2:t2 #3 vs #1 |",
        "| `a` | `b` | early | 5 | -0.12 | none: same order |",
    ])
