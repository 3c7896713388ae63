"""The then-and-now section word for word: published tables beside today's, and which table each is set against."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from survey import analysis
from survey.analysis import StudyTable
from survey.matrix import Window
from survey.reference import ReferenceTable
from survey.reporting import then_now
from survey.reporting.context import Context

ALL = Window("all", None, None)
EARLY = Window("early", 2000, 2009)
T1 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
TASKS = ["t1", "t2", "t3", "t4"]
MATRIX = SimpleNamespace(methods={"m1": "a", "m2": "b"}, tasks=dict.fromkeys(TASKS, "x"), windows=[ALL, EARLY],
                         trend=SimpleNamespace(start=2000, end=None), reference=Path("queries/ref.toml"))


class Ctx(SimpleNamespace):
    refresh_command = Context.refresh_command


def ctx(references, tables, names, matrix=MATRIX):
    return Ctx(references=references, ref_tables=[(r, analysis.reference_table(r, matrix)) for r in references],
               tables=tables, names=names, matrix=matrix, methods=["m1", "m2"], pairs=[("m1", "m2")],
               query_shown="q.toml")


def table(source, window, m1, m2, status=None, notes=None, fetched=None) -> StudyTable:
    counts = pd.DataFrame([m1, m2], index=pd.Index(["m1", "m2"], name="method"), columns=TASKS, dtype="Int64")
    st = pd.DataFrame("ok", index=counts.index, columns=TASKS, dtype=object)
    for (m, t), s in (status or {}).items():
        st.loc[m, t] = s
    return StudyTable(source, window, counts, st, notes or {}, fetched)


def ref(source, label, window, counts, study="Smith_et al.", note="", year=2016, **kw) -> ReferenceTable:
    return ReferenceTable(study, source, label, window, note, counts, year=year, **kw)


WOS = ref("wos", "Web of Science", Window("2000s", 2000, 2009),
          {"m1": {"t1": 30, "t2": 5, "t3": 0}, "m2": {"t1": 10, "t2": 5, "t3": 4}}, note="Table 2, `TS=` queries.")
SCHOLAR = ref("scholar", "Scholar *hits*", Window("2000s", 2000, 2009), {"m1": {"t1": 100}, "m2": {"t1": 50}},
              unplaced={"m1": [7, 8], "m2": [9]}, unplaced_columns=["t3", "t4"])
LATER = ref("wos", "Web of Science", Window("2010s", 2010, 2019), {"m1": {"t1": 1}, "m2": {"t1": 2}},
            study="Jones", year=None)
HEAD = "| method | t1 | t2 | t3 | t4 |\n| :--- | ---: | ---: | ---: | ---: |\n"


def test_published_tables_beside_todays_counts_where_the_cache_has_them():
    now = table("wos", EARLY, [60, 15, 2, None], [10, 10, 4, 3], status={("m1", "t4"): "error"},
                notes={("m1", "t4"): "timeout"}, fetched=(T1, T2))
    tables = {("wos", "all"): table("wos", ALL, [1, 1, 1, 1], [1, 1, 1, 1]), ("wos", "early"): now}
    text = then_now.render(ctx([WOS, SCHOLAR, LATER], tables, ["wos"]))
    placed = "not placed by the publication: published, but the column is not shown (see unplaced values)"
    assert text == "\n\n".join([
        "Smith\\_et al. and Jones published counts from Web of Science (2000s), Scholar \\*hits\\* (2000s) and "
        "Web of Science (2010s). Their numbers are reproduced exactly from `queries/ref.toml`, with their "
        "provenance; where the publication gave no query strings, today's queries are a reconstruction: "
        "compare shapes and ratios, not digits.",
        "### Web of Science, 2000s",
        "Table 2, `TS=` queries.",
        HEAD + "| m1 (2016) | 30 | 5 | 0 | n/a [1] |\n"
        "| m1 (now) | 60 | 15 | 2 | n/a [2] |\n"
        "| m2 (2016) | 10 | 5 | 4 | n/a [1] |\n"
        "| m2 (now) | 10 | 10 | 4 | 3 |\n"
        "| m1:m2 (2016) | 3.00 | 1.00 | 0.00 | n/a |\n"
        "| m1:m2 (now) | 6.00 | 1.50 | 0.50 | n/a |\n"
        # then 0 (t3) has no change to give, nor a missing count (t4)
        "| m1:m2 now ÷ 2016 | ×2.00 | ×1.50 | n/a | n/a |",
        "[1] not published  \n[2] fetch failed: timeout  ",
        "*Today's counts fetched 2026-03-01 to 2026-03-02; the published window ended in 2016.*",
        "### Scholar \\*hits\\*, 2000s",
        "",
        # Google Scholar's numbers are its rounded estimates: said so, and no interval or tested lead
        "These counts are estimates (Google Scholar's 'About N results', rounded to about three significant "
        "figures), not counts of papers: no interval is put on them and no lead is tested; a comparison with "
        "another source differs in source and in time at once.",
        HEAD + "| m1 (2016) | 100 | n/a [1] | n/a [2] | n/a [2] |\n"
        "| m2 (2016) | 50 | n/a [1] | n/a [2] | n/a [2] |\n"
        "| m1:m2 (2016) | 2.00 | n/a | n/a | n/a |",
        f"[1] not published  \n[2] {placed}  ",
        "Today's `scholar` counts for this window are not in the cache; `survey refresh -q q.toml -s scholar` "
        "fetches them (needs network).",
        "**Unplaced 2016 values** (m1 7, 8; m2 9): these belong to t3 and t4 in an order the publication does "
        "not show, so they are kept out of every column rather than guessed.",
        "### Web of Science, 2010s",
        "",
        HEAD + "| m1 (published) | 1 | n/a [1] | n/a [1] | n/a [1] |\n"
        "| m2 (published) | 2 | n/a [1] | n/a [1] | n/a [1] |\n"
        "| m1:m2 (published) | 0.50 | n/a | n/a | n/a |",
        "[1] not published  ",
        "Today's `wos` counts for this window are not in the cache; `survey refresh -q q.toml -s wos` fetches "
        "them (needs network, and for this source a licence key).",
    ])


def test_a_cached_table_without_counts_is_not_set_beside_the_published_one():
    empty = [None] * 4
    matrix = SimpleNamespace(**{**vars(MATRIX), "reference": None})
    tables = {("wos", "all"): table("wos", ALL, empty, empty), ("wos", "early"): table("wos", EARLY, empty, empty)}
    one = ref("wos", "WoS", Window("2000s", 2000, 2009), {"m1": {"t1": 3, "t2": 2, "t3": 1, "t4": 0},
                                                           "m2": {"t1": 1, "t2": 1, "t3": 1, "t4": 1}}, note="N.")
    assert then_now.render(ctx([one], tables, ["wos"], matrix)) == "\n\n".join([
        "Smith\\_et al. published counts from WoS (2000s). Its numbers are reproduced exactly from the reference "
        "file, with their provenance; where the publication gave no query strings, today's queries are a "
        "reconstruction: compare shapes and ratios, not digits.",
        "### WoS, 2000s",
        "N.",
        HEAD + "| m1 (2016) | 3 | 2 | 1 | 0 |\n| m2 (2016) | 1 | 1 | 1 | 1 |\n| m1:m2 (2016) | 3.00 | 2.00 | 1.00 | 0.00 |",
        "Today's `wos` counts for this window are not in the cache; `survey refresh -q q.toml -s wos` fetches "
        "them (needs network, and for this source a licence key).",
    ])
    assert then_now.applies(ctx([one], tables, ["wos"], matrix)) is True
    assert then_now.applies(ctx([], tables, ["wos"], matrix)) is False


def test_the_published_table_to_compare_with_same_source_then_same_years_then_the_first():
    x = ref("x", "X", Window("a", 2000, 2009), {})
    y = ref("y", "Y", Window("b", 2010, 2019), {})
    z = ref("z", "Z", Window("c", 2000, 2009), {})
    c = ctx([x, y, z], {}, [])
    assert then_now.reference_for(c, "z", Window("w", 2010, 2019))[0] is z  # same source, other years
    assert then_now.reference_for(c, "q", Window("w", 2010, 2019))[0] is y  # same years
    assert then_now.reference_for(c, "q", Window("w", 2010, 2020))[0] is x  # neither: the first
    assert then_now.reference_for(c, "q", Window("w", 2000, 2019))[0] is x
    found, ref_table = then_now.reference_for(c, "y", EARLY)
    assert found is y and ref_table is c.ref_tables[1][1]
    assert then_now.reference_for(ctx([], {}, []), "x", EARLY) is None


def test_todays_table_is_the_one_over_the_published_years():
    tables = {("wos", "all"): "all-years table", ("wos", "early"): "early table"}
    c = ctx([], tables, ["wos"])
    assert then_now.live_match(c, WOS) == "early table"
    assert then_now.live_match(c, LATER) is None  # no window over 2010-2019
    assert then_now.live_match(c, SCHOLAR) is None  # not a source of this report
