"""The headline word for word: who leads each task, by how much, how sure, and what changed since publication.

Shares and ratios below are worked out from the Wilson interval (z = 1.96) by hand: 30 of 40 is
0.598-0.858 (ratio 30:10 1.49-6.05), 6 of 11 0.280-0.787, 6 of 12 0.254-0.746, 30 of 45 0.521-0.786,
10 of 15 0.417-0.848, 5 of 6 0.436-0.970, 4 of 9 0.189-0.733, 1 of 1 0.207-1, 12 of 12 0.758-1,
1,200 of 2,000 0.578-0.621; a ratio's bounds are p/(1-p) of its conditional share's.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from survey.analysis import StudyTable
from survey.evidence.claims import verdict
from survey.matrix import Window
from survey.reporting import headline
from survey.reporting.context import Context

EARLY = Window("early", 2000, 2009)
LATE = Window("late", 2010, 2019)
TWO = [("m1", "m2"), ("m2", "m1")]


class Ctx(SimpleNamespace):
    refresh_command = Context.refresh_command
    is_total = Context.is_total
    link_to = Context.link_to
    source_tables = Context.source_tables
    verdicts = staticmethod(Context.verdicts)


def ctx(methods=("m1", "m2"), pairs=TWO, tasks=("t1", "t2", "t3", "t4", "t5", "t6", "t7"), **kw):
    matrix = SimpleNamespace(tasks={**dict.fromkeys(tasks, "q"), "total": "", "all": ""}, windows=[EARLY, LATE],
                             trend=None)
    base = dict(methods=list(methods), pairs=list(pairs), matrix=matrix, ref_tables=[], titles={},
                query_shown="q.toml", out_path=Path("reports/r.md"), with_data=[], names=[], not_fetched=[],
                latest=[], tables={})
    return Ctx(**{**base, **kw})


def v(**counts):
    return verdict(counts)


def study(source, window, **columns) -> StudyTable:
    """Methods m1, m2; each task given as (m1, m2), None for a missing count."""
    counts = pd.DataFrame({t: list(c) for t, c in columns.items()}, index=pd.Index(["m1", "m2"], name="method"),
                          dtype="Int64")
    status = pd.DataFrame("ok", index=counts.index, columns=counts.columns, dtype=object)
    return StudyTable(source, window, counts, status)


def test_summary_counts_leads_per_method_then_unclear_then_too_few_then_missing():
    verdicts = {"t1": v(m1=30, m2=10), "t2": v(m1=10, m2=30), "t3": v(m1=40, m2=0), "t4": v(m1=6, m2=5),
                "t5": v(m1=5, m2=4), "t6": v(m1=None, m2=3), "t7": v(m1=5, m2=6), "total": v(m1=300, m2=10)}
    assert headline.summary(ctx(), verdicts) == (
        "M1 leads in 2 of 6 tasks (t1 and t3); m2 leads in 1 of 6 tasks (t2); no clear leader in 2 (t4 and t7); "
        "too few matches to say in 1 (t5). No claim for t6 (a method's count is missing).")
    assert headline.summary(ctx(), {"t4": v(m1=6, m2=5), "total": v(m1=None, m2=1)}) == (
        "No clear leader in 1 (t4). No claim for total (a method's count is missing).")
    assert headline.summary(ctx(), {"t5": v(m1=5, m2=4), "t7": v(m1=0, m2=0)}) == (
        "Too few matches to say in 2 (t5 and t7).")
    assert headline.summary(ctx(), {"t1": v(m1=20, m2=0), "total": v(m1=20, m2=0)}) == "M1 leads in 1 of 1 tasks (t1)."
    # only a total column, or only missing counts: no task to speak of
    assert headline.summary(ctx(), {"total": v(m1=20, m2=0)}) == "no task has every method's count."
    assert headline.summary(ctx(), {"t1": v(m1=None, m2=1)}) == "no task has every method's count."
    assert headline.summary(ctx(methods=["m1"]), {"t1": v(m1=None)}) == ""


def test_task_sentences_for_a_lead():
    c = ctx()
    assert headline.task_sentence(c, "t1", v(m1=30, m2=10)) == (
        "t1: **m1 leads** with 75% [59–86%] of 40 method matches (m1 30, m2 10); p = 0.002 (the table's one comparison: nothing to adjust for); "
        "m1:m2 3.00 [1.48–6.05], m2:m1 0.33 [0.16–0.68].")
    assert headline.task_sentence(c, "t1", v(m1=1200, m2=800)) == (
        "t1: **m1 leads** with 60% [57–63%] of 2,000 method matches (m1 1,200, m2 800); p < 0.001 (the table's one comparison: nothing to adjust for); m1:m2 1.50 [1.37–1.65], "
        "m2:m1 0.67 [0.60–0.73].")
    three = ctx(methods=["m1", "m2", "m3"], pairs=[("m1", "m2"), ("m2", "m3")])
    assert headline.task_sentence(three, "total", v(m1=30, m2=10, m3=5)) == (
        "overall: **m1 leads** with 67% [52–79%] of 45 method matches (m1 30, m2 10, m3 5); against m2, "
        "75% [59–86%]; p = 0.002 (the table's one comparison: nothing to adjust for); m1:m2 3.00 [1.48–6.05], m2:m3 2.00 [0.71–5.59].")
    # a ratio of two zero counts says nothing, one over zero is n/a with the reason
    assert headline.task_sentence(three, "t2", v(m1=12, m2=0, m3=0)) == (
        "t2: **m1 leads** with 100% [75–100%] of 12 method matches (m1 12, m2 0, m3 0); against m2, "
        "100% [75–100%]; p < 0.001 (the table's one comparison: nothing to adjust for); m1:m2 n/a (m2 is 0).")
    assert headline.task_sentence(ctx(pairs=[("m1", "m3")]), "t2", v(m1=12, m2=0)) == (
        "t2: **m1 leads** with 100% [75–100%] of 12 method matches (m1 12, m2 0); p < 0.001 (the table's one comparison: nothing to adjust for).")


def test_task_sentences_without_a_clear_leader():
    assert headline.task_sentence(ctx(), "all", v(m1=6, m2=5)) == (
        "all: no clear leader: m1 has 55% [28–79%] of 11 method matches, an interval that includes parity "
        "(m1 6, m2 5); m1:m2 1.20 [0.38–3.71], m2:m1 0.83 [0.27–2.58].")
    three = ctx(methods=["m1", "m2", "m3"], pairs=[("m1", "m2"), ("m2", "m3")])
    assert headline.task_sentence(three, "t4", v(m1=6, m2=5, m3=1)) == (
        "t4: no clear leader: m1 has 50% [25–75%] of 12 method matches (m1 6, m2 5, m3 1); against m2, "
        "55% [28–79%], an interval that includes parity; m1:m2 1.20 [0.38–3.71], m2:m3 5.00 [0.77–32.3].")


def test_task_sentences_with_too_few_matches_or_a_missing_count():
    c = ctx()
    assert headline.task_sentence(c, "t5", v(m1=0, m2=0)) == "t5: too few to say (no method matches)."
    assert headline.task_sentence(c, "t5", v(m1=1, m2=0)) == (
        "t5: too few to say: 1 method match, under 10 (m1 has 100% [20–100%]; m1 1, m2 0); m1:m2 n/a (m2 is 0), "
        "m2:m1 0.00 [0.00–3.85].")
    assert headline.task_sentence(c, "t5", v(m1=4, m2=5)) == (
        "t5: too few to say: 9 method matches, under 10 (m2 has 56% [26–82%]; m1 4, m2 5); m1:m2 0.80 [0.23–2.76], "
        "m2:m1 1.25 [0.36–4.30].")
    three = ctx(methods=["m1", "m2", "m3"])
    assert headline.task_sentence(three, "total", v(m1=None, m2=3, m3=None)) == (
        "overall: no claim (m1 and m3 without a count).")


REF = SimpleNamespace(label="2016", source_label="Web_of Science", window=Window("2000s", 2000, 2009),
                      source="wos")
AGAINST = (" Against the 2016 Web\\_of Science counts (2000s), another source at another time (source and time "
           "both differ, so no change over time is claimed), ")
THEN_M1 = "then m1 75% [59–86%], now m2 75% [59–86%]"


def flips(then, now):
    c = ctx(ref_tables=[(REF, study("wos", REF.window, **then))])
    return headline.flips(c, study("a", EARLY), {t: v(m1=a, m2=b) for t, (a, b) in now.items()})


def test_flips_name_each_change_of_leader_and_count_the_rest():
    lead1, lead2, unclear = (30, 10), (10, 30), (6, 5)
    assert flips({"t1": lead1, "t2": lead1, "t3": lead1, "t4": unclear, "t5": (None, 3), "t6": lead1},
                 {"t1": lead2, "t2": lead1, "t3": (40, 0), "t4": lead1, "t5": lead1, "t6": unclear, "t7": lead1}) == (
        AGAINST + f"the clear lead differs in t1 ({THEN_M1}); the same method leads in 2 others. In 2 tasks one "
        "side has no clear leader, so no change is claimed there.")
    assert flips({"t1": lead1, "t2": lead2, "t3": lead2, "t4": unclear},
                 {"t1": lead2, "t2": lead1, "t3": lead2, "t4": lead2}) == (
        AGAINST + f"the clear lead differs in t1 ({THEN_M1}) and t2 (then m2 75% [59–86%], now m1 75% "
        "[59–86%]); the same method leads in 1 other. In 1 task one side has no clear leader, so no change is "
        "claimed there.")
    assert flips({"t1": lead1}, {"t1": lead2}) == AGAINST + f"the clear lead differs in t1 ({THEN_M1})."
    assert flips({"t1": lead1, "t2": lead2}, {"t1": lead1, "t2": lead2}) == (
        AGAINST + "the same method leads in all 2 tasks where both show a clear lead.")
    assert flips({"t1": lead1, "t2": (None, 1)}, {"t1": unclear, "t2": lead1}) == (
        " In 1 task one side has no clear leader, so no change is claimed there.")
    assert flips({"t1": (None, 1)}, {"t1": lead1}) == ""
    assert headline.flips(ctx(), study("a", EARLY), {"t1": v(m1=30, m2=10)}) == ""


def obs(source, status, error=None):
    return SimpleNamespace(source=source, status=status, error=error)


LEADS = ("A method leads a task only where the score test of its count against the runner-up's (the test the 95% "
         "Wilson interval inverts) rejects parity after Holm's adjustment for the tasks of its table, the total "
         "included (each claim names how many comparisons it was adjusted for); otherwise there is no clear "
         "leader, and where the two together match under 10 there are too few to say (those tasks are not "
         "tested). Printed bounds are rounded outward. "
         "Shares are of method matches: a record that names two methods counts once for each, so a share is not "
         "a share of papers.")


def test_render_quotes_each_table_then_the_published_one_then_what_is_missing():
    ref_table = study("wos", REF.window, t1=(10, 30), total=(30, 10))
    tables = {("a", "early"): study("a", EARLY, t1=(30, 10), total=(30, 10)),
              ("a", "late"): study("a", LATE, t1=(None, None), total=(None, None))}
    c = ctx(tasks=["t1"], pairs=[("m1", "m2")], with_data=["a"], names=["a", "f", "g", "n"], not_fetched=["n"],
            tables=tables, ref_tables=[(REF, ref_table)], titles={"provenance": "7. Provenance"},
            latest=[obs("f", "error", "time\nout"), obs("f", "blocked"), obs("f", "error", "time out"),
                    obs("g", "rate_limited"), obs("a", "ok")])
    lead = "**m1 leads** with 75% [59–86%] of 40 method matches (m1 30, m2 10); p = 0.003 adjusted for 2 comparisons (Holm; p = 0.002 alone); m1:m2 3.00 [1.48–6.05]."
    assert headline.render(c) == "\n".join([
        "- **`a`, early (2000–2009):** M1 leads in 1 of 1 tasks (t1)." + AGAINST
        + "the clear lead differs in t1 (then m2 75% [59–86%], now m1 75% [59–86%]); the same method leads "
        "in 1 other.",
        f"  - t1: {lead}",
        f"  - overall: {lead}",
        "- **2016 study, Web\\_of Science, 2000s:** M2 leads in 1 of 1 tasks (t1).",
        "  - t1: **m2 leads** with 75% [59–86%] of 40 method matches (m1 10, m2 30); p = 0.003 adjusted for 2 comparisons (Holm; p = 0.002 alone); "
        "m1:m2 0.33 [0.16–0.68].",
        f"  - overall: {lead}",
    ]) + "\n\n" + LEADS + "\n\n" + (
        "**Not fetched:** `n` has no counts in the cache, so its tables are absent here. Live-source tables "
        "appear after a refresh with network:\n\n```\nsurvey refresh -q q.toml -s n\n"
        "survey report -q q.toml -o reports/r.md\n```\n\n"
        "**Fetched, but without a count:** `f` (blocked and other reasons) and `g` (rate\\_limited); "
        "[7. Provenance](#7-provenance) lists every cell. `survey refresh -q q.toml -s f -s g` tries again.")


def test_render_without_current_counts():
    empty = study("wos", REF.window, t1=(None, None), total=(None, None))
    c = ctx(tasks=["t1"], pairs=[("m1", "m2")], names=["n", "o"], not_fetched=["n", "o"])
    fetch = ("**Not fetched:** `n`, `o` have no counts in the cache, so their tables are absent here. Live-source "
             "tables appear after a refresh with network:\n\n```\nsurvey refresh -q q.toml -s n -s o\n"
             "survey report -q q.toml -o reports/r.md\n```")
    assert headline.render(c) == (
        "- No source has counts in the cache yet, so there are no current figures to quote.\n\n" + fetch)
    # a published table without counts is quoted, but gives no lead to explain
    c.ref_tables = [(REF, empty)]
    assert headline.render(c) == "\n".join([
        "- No source has counts in the cache yet, so there are no current figures to quote; the published "
        "numbers follow.",
        "- **2016 study, Web\\_of Science, 2000s:** no task has every method's count.",
        "  - t1: no claim (m1 and m2 without a count).",
        "  - overall: no claim (m1 and m2 without a count).",
    ]) + "\n\n" + fetch
    c.ref_tables = [(REF, study("wos", REF.window, t1=(1, 0), total=(1, 0)))]
    c.not_fetched, c.names = [], ["f"]
    c.latest = [obs("f", "error", "HTTP 500")]
    assert headline.render(c) == "\n".join([
        "- No source has counts in the cache yet, so there are no current figures to quote; the published "
        "numbers follow.",
        "- **2016 study, Web\\_of Science, 2000s:** Too few matches to say in 1 (t1).",
        "  - t1: too few to say: 1 method match, under 10 (m1 has 100% [20–100%]; m1 1, m2 0); m1:m2 n/a (m2 is 0).",
        "  - overall: too few to say: 1 method match, under 10 (m1 has 100% [20–100%]; m1 1, m2 0); m1:m2 n/a "
        "(m2 is 0).",
    ]) + "\n\n" + LEADS + "\n\n" + (
        "**Fetched, but without a count:** `f` (HTTP 500); provenance lists every cell. "
        "`survey refresh -q q.toml -s f` tries again.")


def test_a_tie_has_its_ratio_and_a_task_named_total_in_the_query_file_keeps_its_name():
    # 5 of 10: Wilson 0.237-0.763, so the ratio 1 runs from 0.31 to 3.23
    assert headline.task_sentence(ctx(), "t1", v(m1=5, m2=5)) == (
        "t1: no clear leader: m1 has 50% [23–77%] of 10 method matches, an interval that includes parity "
        "(m1 5, m2 5); m1:m2 1.00 [0.30–3.23], m2:m1 1.00 [0.30–3.23].")
    c = ctx(pairs=[])
    c.matrix.tasks = {"total": "title:survey"}  # a task of that name with its own query, not the overall column
    assert headline.task_sentence(c, "total", v(m1=30, m2=10)) == (
        "total: **m1 leads** with 75% [59–86%] of 40 method matches (m1 30, m2 10); p = 0.002 (the table's one comparison: nothing to adjust for).")
    # a ratio of two zero counts is passed over, and the next one still given
    three = ctx(methods=["m1", "m2", "m3"], pairs=[("m2", "m3"), ("m1", "m3")])
    assert headline.task_sentence(three, "t2", v(m1=12, m2=0, m3=0)) == (
        "t2: **m1 leads** with 100% [75–100%] of 12 method matches (m1 12, m2 0, m3 0); against m2, "
        "100% [75–100%]; p < 0.001 (the table's one comparison: nothing to adjust for); m1:m3 n/a (m3 is 0).")


def test_flips_prefer_the_published_table_of_the_same_source_to_one_of_the_same_years():
    same_years = SimpleNamespace(**{**vars(REF), "source": "other", "source_label": "Other"})
    same_source = SimpleNamespace(**{**vars(REF), "source": "a", "window": LATE, "label": "2020"})
    c = ctx(ref_tables=[(same_years, study("other", EARLY, t1=(30, 10))), (same_source, study("a", LATE, t1=(10, 30)))])
    assert headline.flips(c, study("a", EARLY), {"t1": v(m1=30, m2=10)}) == (
        " Against the 2020 Web\\_of Science counts (late), a clear lead changed hands in t1 (then m2 75% [59–86%], "
        "now m1 75% [59–86%]).")


def test_render_with_every_source_counted_ends_with_the_note_on_leads():
    tables = {("a", "early"): study("a", EARLY, t1=(30, 10), total=(30, 10)),
              ("a", "late"): study("a", LATE, t1=(None, None), total=(None, None))}
    c = ctx(tasks=["t1"], pairs=[], with_data=["a"], names=["a"], tables=tables, latest=[obs("a", "ok")])
    lead = "**m1 leads** with 75% [59–86%] of 40 method matches (m1 30, m2 10); p = 0.003 adjusted for 2 comparisons (Holm; p = 0.002 alone)."
    assert headline.render(c) == "\n".join([
        "- **`a`, early (2000–2009):** M1 leads in 1 of 1 tasks (t1).", f"  - t1: {lead}", f"  - overall: {lead}",
    ]) + "\n\n" + LEADS


def test_a_lead_lost_to_the_adjustment_is_said_with_both_p_values():
    # 300 vs 250 passes alone (p = 0.033); beside a clear total and five more tasks it does not
    table = {"t1": {"m1": 300, "m2": 250}, "t2": {"m1": 130, "m2": 100}, "t3": {"m1": 250, "m2": 300},
             "t4": {"m1": 40, "m2": 41}, "t5": {"m1": 90, "m2": 60}, "total": {"m1": 900, "m2": 600}}
    from survey.evidence.claims import verdicts

    found = verdicts(table)
    assert headline.task_sentence(ctx(pairs=[]), "t1", found["t1"]) == (
        "t1: no clear leader: m1 has 55% [50.3–59%] of 550 method matches (m1 300, m2 250); a lead alone, not "
        "after adjusting: p = 0.132 adjusted for 6 comparisons (Holm; p = 0.033 alone).")
    assert headline.task_sentence(ctx(pairs=[]), "total", found["total"]).endswith(
        "p < 0.001 adjusted for 6 comparisons (Holm; p < 0.001 alone).")


def test_a_lead_whose_bound_rounds_to_parity_prints_one_more_decimal():
    # 299 of 550: 54.4%, Wilson 50.19-58.48%: a lead whose low bound reads 50% at whole percents
    assert headline.task_sentence(ctx(pairs=[]), "t1", v(m1=299, m2=251)).startswith(
        "t1: **m1 leads** with 54% [50.1–59%] of 550 method matches")
    three = ctx(pairs=[], methods=["m1", "m2", "m3"])  # the tested interval is the head-to-head one
    assert "; against m2, 54% [50.1–59%];" in headline.task_sentence(three, "t1", v(m1=299, m2=251, m3=10))


def test_scholar_estimates_are_shown_without_an_interval_or_a_tested_lead():
    scholar = SimpleNamespace(label="2016", source_label="Google Scholar", window=Window("since 2006", 2006, None),
                              source="scholar")
    table = study("scholar", scholar.window, t1=(3690, 5670))
    c = ctx(tasks=["t1"], pairs=[], names=["n"], not_fetched=["n"], ref_tables=[(scholar, table)])
    lines = headline.render(c).split("\n")
    assert lines[1] == (
        "- **2016 study, Google Scholar, since 2006:** M2 has most in 1 of 1 tasks (t1). These counts are estimates "
        "(Google Scholar's 'About N results', rounded to about three significant figures): shown as they are, "
        "with no interval and no tested lead.")
    assert lines[2] == "  - t1: m2 has most, about 61% of about 9,360 (m1 about 3,690, m2 about 5,670)."
    assert "[" not in lines[2]
    # and a current table set against them claims no change of lead
    assert headline.flips(ctx(ref_tables=[(scholar, table)]), study("scholar", EARLY), {"t1": v(m1=30, m2=10)}) == (
        " Against the 2016 Google Scholar counts (since 2006): those are the source's estimates, with no tested "
        "lead, so no change of lead is claimed.")


def test_too_few_names_the_pair_it_counts_where_a_third_method_is_left_out():
    # 4 and 3 of 9: the test would be m1 against m2, 7 matches between them, under 10; m3's 2 are not in it
    three = ctx(methods=["m1", "m2", "m3"], pairs=[])
    assert headline.task_sentence(three, "t1", v(m1=4, m2=3, m3=2)) == (
        "t1: too few to say: 7 method matches between m1 and m2, under 10 (m1 has 44% [18–74%]; m1 4, m2 3, m3 2).")
    # one method alone: nothing to be between, and its count is the whole pair
    one = ctx(methods=["m1"], pairs=[])
    assert headline.task_sentence(one, "t1", v(m1=3)) == (
        "t1: too few to say: 3 method matches, under 10 (m1 has 100% [43–100%]; m1 3).")


def test_only_the_tested_interval_gets_a_decimal_where_it_rounds_to_parity():
    # 12 of 16: Wilson 50.50-89.82%. With three methods the tested interval is the head-to-head one
    # (12 of 12 + 4 = 16 as well where m3 has none); the share of all three is not tested against
    # parity, so its bound reads 50 at whole percents.
    three = ctx(methods=["m1", "m2", "m3"], pairs=[])
    assert headline.task_sentence(three, "t1", v(m1=12, m2=2, m3=2)).startswith(
        "t1: **m1 leads** with 75% [50–90%] of 16 method matches (m1 12, m2 2, m3 2); against m2, 86% [60–96%];")
    from survey.evidence.claims import verdicts

    # p = 0.046 alone, 0.091 after Holm over two tasks: a lead alone, whose head-to-head interval excludes parity
    found = verdicts({"t1": {"m1": 12, "m2": 4, "m3": 0}, "t2": {"m1": 12, "m2": 4, "m3": 0}})
    assert headline.task_sentence(three, "t1", found["t1"]) == (
        "t1: no clear leader: m1 has 75% [50–90%] of 16 method matches (m1 12, m2 4, m3 0); against m2, "
        "75% [50.5–90%]; a lead alone, not after adjusting: p = 0.091 adjusted for 2 comparisons (Holm; p = 0.046 "
        "alone).")


def test_the_recent_change_comes_first_in_the_headline(monkeypatch):
    from survey.reporting import recent

    c = ctx(names=["n"], not_fetched=["n"])
    monkeypatch.setattr(recent, "headline_lines", lambda c: [])
    rest = headline.render(c)
    assert headline.recent_lead(c) == ""
    lines = ["- **Recent change in `a`, overall** (matches per year, every year fitted; joinpoint segments, 95% "
             "intervals):", "  - m1: steady +5%/yr [+1, +9] over 2010–2019."]
    monkeypatch.setattr(recent, "headline_lines", lambda c: lines)
    # one line each, then a blank line before the claims of the counts
    assert headline.render(c) == lines[0] + "\n" + lines[1] + "\n\n" + rest
