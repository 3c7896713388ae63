"""The study-shaped tables section word for word: which tables are shown, what the intro and notes say."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pandas as pd

from survey.analysis import NOT_FETCHED, StudyTable
from survey.matrix import Window
from survey.reporting import study
from survey.reporting.context import Context

EARLY = Window("early", 2000, 2009)
LATE = Window("late", 2010, 2019)
T1 = datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


class Ctx(SimpleNamespace):
    link_to = Context.link_to


def table(source, window, counts=None, status="ok", cells=None, notes=None, fetched=None) -> StudyTable:
    """Methods m1, m2 by tasks t1, t2: ``counts`` {method: [t1, t2]}; ``cells`` {(m, t): status} overrides."""
    frame = pd.DataFrame(pd.NA, index=pd.Index(["m1", "m2"], name="method"), columns=["t1", "t2"], dtype="Int64")
    for m, row in (counts or {}).items():
        frame.loc[m] = row
    st = pd.DataFrame(status, index=frame.index, columns=frame.columns, dtype=object)
    for (m, t), s in (cells or {}).items():
        st.loc[m, t] = s
        frame.loc[m, t] = pd.NA
    return StudyTable(source, window, frame, st, notes or {}, fetched)


def ctx(tables, names, pairs=(("m1", "m2"),), not_fetched=(), titles=None):
    return Ctx(pairs=list(pairs), names=names, matrix=SimpleNamespace(windows=[EARLY, LATE]), tables=tables,
               not_fetched=list(not_fetched), titles=titles or {})


INTRO = ("Methods as rows, tasks as columns, one table per source and window. Under the counts, each "
         "method's share of all method matches in the task with its 95% Wilson interval (a record that "
         "matches two methods counts for each), and the claim the headline makes (a lead only where the "
         "leader against the runner-up rejects parity after Holm's adjustment across the table's tasks, with "
         "the adjusted p-value and the number of tests)")
CODA = ". A cell without a count says n/a, with the reason as a numbered note under the table."
RATIO = ", then the m1:m2 ratio the query file asks for, with the interval that follows from the conditional share"

# 30 and 10 of 40, 5 and 0 of 5: Wilson bounds 0.598-0.858, 0.142-0.402, 0.566-1, 0-0.434; the ratio 3 of
# t1 has the bounds p/(1-p) of 30/40's: 1.488 and 6.049.
A_TABLE = "\n".join([
    "| method | t1 | t2 |",
    "| :--- | ---: | ---: |",
    "| m1 | 30 | 5 |",
    "| m2 | 10 | 0 |",
    "| m1 share | 75% [59–86%] | 100% [56–100%] |",
    "| m2 share | 25% [14–41%] | 0% [0–44%] |",
    "| claim (Holm) | m1 leads (p = 0.002, 1 test) | too few to say |",  # t2: 5 matches, outside the family
    "| m1:m2 | 3.00 [1.48–6.05] | n/a (m2 is 0) |",
])


def test_one_table_per_source_and_window_with_data_and_a_line_for_the_rest():
    tables = {
        ("a", "early"): table("a", EARLY, {"m1": [30, 5], "m2": [10, 0]}, fetched=(T1, T2)),
        ("a", "late"): table("a", LATE, status=NOT_FETCHED),  # nothing fetched: no table
        ("b", "early"): table("b", EARLY, {"m1": [4, 3], "m2": [1, 0]}, cells={("m2", "t2"): "unsupported"},
                              notes={("m2", "t2"): "no  field\nfor it"}, fetched=(T1, T1)),
        ("b", "late"): table("b", LATE, cells={("m1", "t1"): NOT_FETCHED}, status="unsupported"),
        ("u", "early"): table("u", EARLY, status="unsupported"),
        ("u", "late"): table("u", LATE, status="unsupported"),
        ("n", "early"): table("n", EARLY, status=NOT_FETCHED),
        ("n", "late"): table("n", LATE, status=NOT_FETCHED),
    }
    text = study.render(ctx(tables, ["a", "b", "u", "n"], not_fetched=["n"],
                            titles={"provenance": "6. Provenance", "headline": "1. Headline"}))
    b_table = "\n".join([
        "| method | t1 | t2 |",
        "| :--- | ---: | ---: |",
        "| m1 | 4 | 3 |",
        "| m2 | 1 | n/a [1] |",
        "| m1 share | 80% [37–97%] | n/a |",  # 4 of 5: Wilson 0.376-0.964, rounded outward
        "| m2 share | 20% [3–63%] | n/a |",
        "| claim (Holm) | too few to say | n/a |",
        "| m1:m2 | 4.00 [0.60–26.7] | n/a |",  # 0.3755/0.6245 and 0.9638/0.0362
    ])
    b_late = "\n".join([
        "| method | t1 | t2 |",
        "| :--- | ---: | ---: |",
        "| m1 | n/a [1] | n/a [2] |",
        "| m2 | n/a [2] | n/a [2] |",
        "| m1 share | n/a | n/a |",
        "| m2 share | n/a | n/a |",
        "| claim (Holm) | n/a | n/a |",
        "| m1:m2 | n/a | n/a |",
    ])
    assert text == "\n\n".join([
        INTRO + RATIO + CODA,
        "### `a`, early (2000–2009)", A_TABLE, "*Fetched 2026-03-01 to 2026-03-02.*",
        "### `b`, early (2000–2009)", b_table, "[1] unsupported by this source: no field for it  ",
        "*Fetched 2026-03-01.*",
        # one cell not fetched is enough for a table: the rest are unsupported, and it has no fetch time
        "### `b`, late (2010–2019)", b_late, "[1] not fetched yet  \n[2] unsupported by this source  ",
        "`u` cannot express any cell of this matrix faithfully, so it has no table; "
        "[6. Provenance](#6-provenance) gives the reason per cell.",
        "Not fetched, so without a table: `n` (the command that fetches them is under "
        "[1. Headline](#1-headline)).",
    ])


def test_without_tables_or_ratios_it_says_so():
    tables = {(s, w.name): table(s, w, status="unsupported") for s in ("u", "v") for w in (EARLY, LATE)}
    tables.update({("n", w.name): table("n", w, status=NOT_FETCHED) for w in (EARLY, LATE)})
    assert study.render(ctx(tables, ["u", "v", "n"], pairs=(), not_fetched=["n", "u"])) == "\n\n".join([
        INTRO + CODA,
        "No source has counts in the cache, so there is no table of current counts.",
        "`u` and `v` cannot express any cell of this matrix faithfully, so they have no table; provenance "
        "gives the reason per cell.",
        "Not fetched, so without a table: `n` and `u` (the command that fetches them is under headline).",
    ])
    assert study.render(ctx({}, [], pairs=(("m1", "m2"), ("m2", "m1")))) == "\n\n".join([
        INTRO + ", then the m1:m2 and m2:m1 ratios the query file asks for, with the interval that follows from "
        "the conditional share" + CODA,
        "No source has counts in the cache, so there is no table of current counts.",
    ])


def test_a_source_unsupported_in_one_window_only_keeps_its_other_table_and_is_not_called_inexpressible():
    tables = {
        ("a", "early"): table("a", EARLY, status=NOT_FETCHED),  # skipped, and the next window still shown
        ("a", "late"): table("a", LATE, {"m1": [30, 5], "m2": [10, 0]}),
        ("w", "early"): table("w", EARLY, status="unsupported"),  # e.g. a source that cannot filter by year
        ("w", "late"): table("w", LATE, {"m1": [30, 5], "m2": [10, 0]}),
    }
    assert study.render(ctx(tables, ["a", "w"])) == "\n\n".join([
        INTRO + RATIO + CODA,
        "### `a`, late (2010–2019)", A_TABLE,
        "### `w`, late (2010–2019)", A_TABLE,
    ])
