"""The trends section word for word: which years are counted, how each test and table reads.

Figures and fits are replaced by recorders where the section's own wording is under test; the
Wilson bounds below are worked out by hand (z = 1.96): 3 of 4 0.301-0.954, 1 of 4 0.046-0.699,
2 of 4 0.150-0.850, 1,500 of 2,000 0.731-0.768, 500 of 2,000 0.232-0.269.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from survey import analysis
from survey.evidence.trends import COLUMNS
from survey.refreshing import WORKS
from survey.reporting import evidence_figures, figures, trends
from survey.reporting.context import Context

NAN = math.nan


class Ctx(SimpleNamespace):
    link = Context.link
    figure = Context.figure
    year_totals = Context.year_totals
    is_total = Context.is_total
    refresh_command = Context.refresh_command


def ctx(tmp_path=Path("out"), year=2030, methods=("m1", "m2"), tasks=("t1", "total"), latest=(), names=(),
        with_data=(), trend=SimpleNamespace(start=2000, end=2010)):
    matrix = SimpleNamespace(trend=trend, tasks={t: ("" if t == "total" else "q") for t in tasks})
    return Ctx(matrix=matrix, now=datetime(year, 6, 1, tzinfo=timezone.utc), methods=list(methods),
               tasks=list(tasks), latest=list(latest), names=list(names), with_data=list(with_data),
               query_shown="q.toml", out_path=tmp_path / "r.md", fig_dir=tmp_path / "figures", stem="r",
               figure_paths=[], _totals={})


def ob(source, method, task, year, count, status="ok"):
    return SimpleNamespace(source=source, method=method, task=task, year=year, count=count, status=status)


def rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in frame.astype(object).itertuples(index=False, name=None)]


# ------------------------------------------------------------------ which years


def test_per_year_keeps_the_matrix_methods_and_tasks_within_the_trend_years():
    latest = [ob("s", "m1", "t1", y, y - 1990) for y in (1999, 2000, 2005, 2010, 2011, 2012)] + [
        ob("s", "m9", "t1", 2005, 1), ob("s", "m1", "t9", 2005, 1), ob("s", "m2", "t1", 2005, 7, status="error"),
        ob("s", "m2", "t1", None, 99)]
    assert rows(trends.per_year(ctx(latest=latest))) == [
        ("s", "m1", "t1", 2000, 10), ("s", "m1", "t1", 2005, 15), ("s", "m1", "t1", 2010, 20)]
    # an open trend runs to the current year
    open_trend = ctx(latest=latest, year=2011, trend=SimpleNamespace(start=2005, end=None))
    assert rows(trends.per_year(open_trend)) == [
        ("s", "m1", "t1", 2005, 15), ("s", "m1", "t1", 2010, 20), ("s", "m1", "t1", 2011, 21)]


def works(source, totals):
    return [ob(source, WORKS, WORKS, y, n) for y, n in totals.items()]


def part_of(latest, source="s"):
    frame = analysis.per_year_frame(latest)
    return frame[frame["source"] == source]


def test_covered_leaves_out_years_the_source_holds_no_works_for():
    counts = [ob("s", m, "t1", y, c) for y in (2001, 2002, 2003, 2004) for m, c in (("m1", y - 2000), ("m2", 1))]
    totals = {2000: 5, 2001: 100, 2002: 0, 2003: 50, 2004: 70, 2005: 9}
    part, kept = trends.covered(ctx(latest=counts + works("s", totals) + works("other", {2002: 3})), "s",
                                part_of(counts))
    assert kept == {2001: 100, 2002: 0, 2003: 50, 2004: 70}
    assert rows(part) == [("m1", "t1", 2001, 1), ("m1", "t1", 2003, 3), ("m1", "t1", 2004, 4),
                          ("m2", "t1", 2001, 1), ("m2", "t1", 2003, 1), ("m2", "t1", 2004, 1)]
    # without year totals every year stays
    part, kept = trends.covered(ctx(latest=counts), "s", part_of(counts))
    assert kept == {}
    assert [r[2] for r in rows(part)] == [2001, 2002, 2003, 2004] * 2
    # a year the source gives no total for is a gap too; one work is enough to count a year
    part, kept = trends.covered(ctx(latest=works("s", {2001: 1, 2003: 2})), "s", part_of(counts))
    assert kept == {2001: 1, 2003: 2}
    assert [r[2] for r in rows(part)] == [2001, 2003] * 2
    part, kept = trends.covered(ctx(latest=works("s", totals)), "s", part_of(counts)[:0])
    assert (kept, rows(part)) == ({}, [])


def test_year_shares_give_each_method_its_share_of_the_year_and_the_year_total():
    part = pd.DataFrame({"method": ["m1", "m2", "m1", "m2", "m1"], "task": ["t1", "t1", "t1", "t1", "t2"],
                         "year": [2001, 2001, 2002, 2002, 2001], "count": [3, 1, 0, 0, 2]})
    out = trends.year_shares(part)
    assert list(out.columns) == ["source", "window", "year", "task", "method", "count", "share", "ci_low",
                                 "ci_high", "p_holm", "claim", "total"]
    assert rows(out[["source", "window", "year", "task", "method", "count", "total"]]) == [
        ("", "", 2001, "t1", "m1", 3, 4.0), ("", "", 2001, "t1", "m2", 1, 4.0), ("", "", 2002, "t1", "m1", 0, 0.0),
        ("", "", 2002, "t1", "m2", 0, 0.0), ("", "", 2001, "t2", "m1", 2, 2.0)]
    assert out["total"].dtype == "float64"
    assert out["share"].tolist()[:2] == [0.75, 0.25] and out["share"][2:4].isna().all()
    assert out["ci_low"][0] == pytest.approx(0.3006, abs=1e-4) and out["ci_high"][1] == pytest.approx(0.6994,
                                                                                                      abs=1e-4)


# ------------------------------------------------------------------ the section and one source's block


def test_render_gives_a_block_per_source_with_per_year_counts_and_names_the_rest(monkeypatch):
    monkeypatch.setattr(trends, "block", lambda c, s, part: f"<{c.query_shown} {s}: {sorted(set(map(int, part['year'])))}>")
    latest = [ob("a", "m1", "t1", 2001, 1), ob("d", "m2", "t1", 2002, 1), ob("b", "m1", "t1", 2030, 1),
              ob("a", "m1", "t1", None, 5)]
    c = ctx(latest=latest, names=["a", "b", "c", "d"], with_data=["a", "b", "c", "d"])
    assert trends.render(c) == "\n\n".join([
        "<q.toml a: [2001]>", "<q.toml d: [2002]>", trends.MODELS,
        "Per-year counts for `b`, `c` come with `survey refresh -q q.toml -s b -s c --by-year`."])
    c = ctx(latest=latest, names=["a", "c"], with_data=["a"])
    assert trends.render(c) == "\n\n".join(["<q.toml a: [2001]>", trends.MODELS])
    c = ctx(latest=latest, names=["b", "c"], with_data=["c"])
    assert trends.render(c) == (
        "No per-year counts are cached, so there is no trend to draw.\n\n"
        "Per-year counts for `c` come with `survey refresh -q q.toml -s c --by-year`.")
    c = ctx(latest=latest, names=["a"], with_data=["a"], trend=None)
    assert trends.render(c) == "The query file `q.toml` has no `[trend]` table, so there are no per-year counts."


FITTED = pd.DataFrame({"x": [1]})


@pytest.fixture
def recorded(monkeypatch):
    """The fit, the figures and the sub-tables replaced by recorders of what the block hands them."""
    calls: dict = {}
    drawn = {"counts": True, "bands": True, "normalised": True, "crossovers": "<crossovers>"}

    def fit(part, source, methods, tasks, *, totals, incomplete_from, fits):
        calls["fit"] = (rows(part), source, methods, tasks, totals, incomplete_from)
        fits[("t1", "m1")] = "fit"
        return FITTED

    def counts(part, source, path, *, incomplete_from, methods, tasks):
        calls["counts"] = (rows(part), source, incomplete_from, methods, tasks)
        return path if drawn["counts"] else None

    def bands(shares, source, path, *, fits, min_total, incomplete_from, methods, tasks):
        calls["bands"] = (shares, source, fits, min_total, incomplete_from, methods, tasks)
        return path if drawn["bands"] else None

    def normalised(part, totals, source, path, *, incomplete_from, methods, tasks):
        calls["normalised"] = (rows(part), totals, source, incomplete_from, methods, tasks)
        return path if drawn["normalised"] else None

    monkeypatch.setattr(trends.trend_mod, "trends", fit)
    monkeypatch.setattr(figures, "counts_by_year", counts)
    monkeypatch.setattr(figures, "normalised_by_year", normalised)
    monkeypatch.setattr(evidence_figures, "share_bands", bands)
    monkeypatch.setattr(trends, "tests_table", lambda f, with_totals: f"<tests {f is FITTED} {with_totals}>")
    monkeypatch.setattr(trends, "literature", lambda f, s, totals, inc: f"<literature {f is FITTED} {s} {totals} {inc}>")
    # an empty text ("" where the task has no crossover) leaves no blank paragraph
    monkeypatch.setattr(trends, "crossovers", lambda f: drawn["crossovers"] and f"{drawn['crossovers']} {f is FITTED}")
    monkeypatch.setattr(trends, "total_table", lambda c, part, totals: (
        f"<total {c.now.year} {sorted(set(map(int, part['year'])))} {totals}>"))
    return calls, drawn


FAINT = "Years where a task's methods match fewer than 10 records are drawn faint in the share figure."
COUNTS_ALT = "Open Alex: matching records per year for each method, one panel per task"
BANDS_ALT = ("Open Alex: each method's share of the year's method matches per task, with 95% Wilson bands and the "
             "fitted trend")


def test_block_without_year_totals_draws_counts_and_shares_and_marks_the_current_year(tmp_path, recorded):
    calls, _ = recorded
    latest = [ob("Open Alex", m, "t1", y, c) for y in (2001, 2002, 2003, 2004) for m, c in (("m1", y - 2000), ("m2", 2))]
    c = ctx(tmp_path, year=2004, latest=latest)
    text = trends.block(c, "Open Alex", part_of(latest, "Open Alex"))
    assert text == "\n\n".join([
        "### `Open Alex`, per publication year (2001–2004)",
        f"![{COUNTS_ALT}](figures/r_open-alex_counts_by_year.png)",
        f"![{BANDS_ALT}](figures/r_open-alex_share_by_year.png)",
        "2004 is the current year and still incomplete: drawn hollow (and shaded), and left out of every fit.",
        FAINT, "<tests True False>", "<literature True Open Alex {} 2004>", "<crossovers> True",
        "<total 2004 [2001, 2002, 2003, 2004] {}>"])
    assert c.figure_paths == [tmp_path / "figures" / "r_open-alex_counts_by_year.png",
                              tmp_path / "figures" / "r_open-alex_share_by_year.png"]
    counted = [(m, "t1", y, c) for m in ("m1", "m2") for y, c in zip(range(2001, 2005), (1, 2, 3, 4) if m == "m1"
                                                                       else (2, 2, 2, 2))]
    assert calls["fit"] == (counted, "Open Alex", ["m1", "m2"], ["t1", "total"], {}, 2004)
    assert calls["counts"] == (counted, "Open Alex", 2004, ["m1", "m2"], ["t1", "total"])
    shares, source, fits, min_total, incomplete, methods, tasks = calls["bands"]
    pd.testing.assert_frame_equal(shares, trends.year_shares(part_of(latest, "Open Alex")[["method", "task", "year",
                                                                                              "count"]]))
    assert (source, fits, min_total, incomplete, methods, tasks) == (
        "Open Alex", {("t1", "m1"): "fit"}, 10, 2004, ["m1", "m2"], ["t1", "total"])
    assert "normalised" not in calls


def test_block_with_year_totals_draws_matches_per_1000_works_over_the_covered_years(tmp_path, recorded):
    calls, _ = recorded
    latest = [ob("s", m, "t1", y, 1) for y in (2001, 2002, 2003, 2004) for m in ("m1", "m2")]
    c = ctx(tmp_path, year=2030, latest=latest + works("s", {2001: 100, 2002: 50, 2003: 40, 2004: 0}))
    text = trends.block(c, "s", part_of(latest))
    totals = {2001: 100, 2002: 50, 2003: 40, 2004: 0}
    assert text == "\n\n".join([
        "### `s`, per publication year (2001–2003)",  # 2004 holds no works: a gap, not a year
        "![s: each method's share of the year's method matches per task, with 95% Wilson bands and the fitted "
        "trend](figures/r_s_share_by_year.png)",
        "![s: matches per 1,000 records of the same year, one panel per task](figures/r_s_per_1000_by_year.png)",
        FAINT, "<tests True True>", f"<literature True s {totals} 2030>", "<crossovers> True",
        f"<total 2030 [2001, 2002, 2003] {totals}>"])
    counted = [(m, "t1", y, 1) for m in ("m1", "m2") for y in (2001, 2002, 2003)]
    assert calls["fit"] == (counted, "s", ["m1", "m2"], ["t1", "total"], totals, 2030)
    assert calls["normalised"] == (counted, totals, "s", 2030, ["m1", "m2"], ["t1", "total"])
    assert "counts" not in calls


def test_block_with_one_method_and_nothing_drawn(tmp_path, recorded):
    calls, drawn = recorded
    drawn["counts"], drawn["crossovers"] = False, ""
    latest = [ob("s", "m1", "t1", y, 0) for y in (2001, 2002)]
    c = ctx(tmp_path, year=2030, methods=["m1"], latest=latest)
    assert trends.block(c, "s", part_of(latest)) == "\n\n".join([
        "### `s`, per publication year (2001–2002)", "Every per-year count is zero, so there is nothing to draw.",
        "<tests True False>", "<literature True s {} 2030>", "<total 2030 [2001, 2002] {}>"])
    assert "bands" not in calls and c.figure_paths == []
    assert trends.block(c, "s", part_of(latest)[:0]).split("\n\n")[0] == "### `s`"


# ------------------------------------------------------------------ the tables


def fitted(*rows_) -> pd.DataFrame:
    return pd.DataFrame([{**dict.fromkeys(COLUMNS, NAN), **r} for r in rows_], columns=COLUMNS)


TESTS_HEAD = ("Tested trends, complete years only (n/a: the method never or always matched, or fewer than 3 years):"
              "\n\n| task | method | years fitted | matches | share: odds ratio per year | p | count growth per year")


def test_tests_table_rounds_each_figure_and_says_n_a_where_there_is_no_fit():
    frame = fitted(
        dict(task="t1", method="m1", first_year=2001, last_year=2010, years=10, matches=1234, odds_ratio=1.234,
             or_low=1.1, or_high=1.456, p_value=0.0004, growth=0.1234, growth_low=-0.004, growth_high=0.6,
             growth_per_work=0.05, growth_per_work_low=0.011, growth_per_work_high=0.1),
        dict(task="t1", method="m2", first_year=2001, last_year=2010, years=0, matches=0),
        dict(task="t2", method="m1", first_year=2003, last_year=2005, years=3, matches=5, odds_ratio=0.5,
             or_low=0.25, or_high=0.99, p_value=0.001, growth=-0.5, growth_low=-0.75, growth_high=-0.1),
        dict(task="t2", method="m2", first_year=2003, last_year=2005, years=3, matches=7, odds_ratio=1.0,
             or_low=0.9, or_high=1.1, p_value=0.0314, growth=0.004, growth_low=-0.001, growth_high=0.009),
    )
    body = ["| t1 | m1 | 2001–2010 | 1,234 | 1.23 [1.10–1.46] | < 0.001 | +12% [0, +60]",
            "| t1 | m2 | no match | 0 | n/a | n/a | n/a",
            "| t2 | m1 | 2003–2005 | 5 | 0.50 [0.25–0.99] | 0.001 | -50% [-75, -10]",
            "| t2 | m2 | 2003–2005 | 7 | 1.00 [0.90–1.10] | 0.031 | 0% [0, +1]"]
    assert trends.tests_table(frame, False) == "\n".join([
        TESTS_HEAD + " |", "| :--- | :--- | ---: | ---: | ---: | ---: | ---: |", *(b + " |" for b in body)])
    assert trends.tests_table(frame, True) == "\n".join([
        TESTS_HEAD + " | growth per 1,000 works |", "| :--- | :--- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(b + f" | {w} |" for b, w in zip(body, ["+5% [+1, +10]", "n/a", "n/a", "n/a"]))])
    assert trends.tests_table(fitted(), True) == (
        "Too few complete years with every method's count to fit a trend (at least 3 are needed).")


def test_literature_sets_each_method_beside_the_sources_own_growth():
    frame = fitted(
        dict(task="t1", method="m1", first_year=1990, last_year=2010, literature_growth=0.5, growth=0.9),
        dict(task="t1", method="m2", first_year=1990, last_year=2010, growth=0.9),
        dict(task="t2", method="m1", first_year=2001, last_year=2010, growth=0.1, growth_low=0.05,
             growth_high=0.15, growth_per_work=0.02, growth_per_work_low=-0.01, growth_per_work_high=0.05,
             literature_growth=0.08, literature_growth_low=0.06, literature_growth_high=0.1),
        dict(task="t2", method="m2", first_year=2001, last_year=2010, literature_growth=0.08),  # no growth: left out
        dict(task="t2", method="m3", first_year=2001, last_year=2010, growth=-0.2, growth_low=-0.3,
             growth_high=-0.1, literature_growth=0.08),
    )
    assert trends.literature(frame, "s", {2001: 5}, 2030) == "\n".join([
        "Over 2001–2010 (the `t2` column's complete years), `s` itself grew +8% [+6, +10] a year (all its works). "
        "Beside it:",
        "- m1: +10% [+5, +15] a year; per 1,000 works +2% [-1, +5].",
        "- m3: -20% [-30, -10] a year; per 1,000 works n/a."])
    one = fitted(frame.iloc[0].to_dict(), {**frame.iloc[2].to_dict(), "task": "t3", "first_year": 2005})
    assert trends.literature(one, "s", {2001: 5}, 2030) == "\n".join([
        "Over 2005–2010 (the `t3` column's complete years), `s` itself grew +8% [+6, +10] a year (all its works). "
        "Beside it:",
        "- m1: +10% [+5, +15] a year; per 1,000 works +2% [-1, +5]."])
    assert trends.literature(frame, "s", {}, 2030) == (
        "`s` gives no yearly total of its works, so counts cannot be set against the literature's own growth here.")
    assert trends.literature(fitted(), "s", {2001: 5}, 2030) == ""
    assert trends.literature(frame.assign(literature_growth=NAN), "s", {2001: 5}, 2030) == ""
    assert trends.literature(fitted(), "s", {}, 2030).startswith("`s` gives no yearly total")


def test_year_of_a_crossover():
    assert [trends._year(v) for v in (None, NAN, -math.inf, math.inf, 2012.345, 2012.96)] == [
        "n/a", "n/a", "−∞", "∞", "2012.3", "2013.0"]


CROSS_HEAD = ("Where the lead changes: the year the fitted share of the leader (most matches over the years fitted) "
              "against the runner-up crosses one half:\n\n"
              "| task | leader vs runner-up | crossover year | 95% interval |\n| :--- | :--- | ---: | ---: |\n")


def test_crossovers_one_row_per_task_with_a_pair_in_the_query_files_order():
    frame = fitted(
        dict(task="t3", crossover_pair="m2/m1/x", crossover_note="no crossing in the years fitted"),
        dict(task="t1", crossover_pair="m1/m2", crossover=2012.34, crossover_low=-math.inf, crossover_high=math.inf),
        dict(task="t1", crossover_pair="m2/m1", crossover=1.0, crossover_low=1.0, crossover_high=1.0),
        dict(task="t2", crossover_pair="", crossover_note="one method only"),
        dict(task="t0", crossover_pair="m1/m2", crossover=2015.0, crossover_low=2014.06, crossover_high=2016.0),
    )
    assert trends.crossovers(frame) == CROSS_HEAD + "\n".join([
        "| t3 | m2 vs m1/x | no crossing in the years fitted | n/a |",
        "| t1 | m1 vs m2 | 2012.3 | [−∞, ∞] |",
        "| t0 | m1 vs m2 | 2015.0 | [2014.1, 2016.0] |"])
    assert trends.crossovers(fitted(dict(task="t2", crossover_pair="", crossover_note="one method only"))) == ""
    assert trends.crossovers(fitted()) == ""


TOTAL_CAPTION = ("Per-year counts for the `total` column (each method anywhere, any task); a share is of the year's "
                 "method matches, with its 95% Wilson interval.")


def total_part():
    per_year = {2000: (500, 500), 2001: (3, 1), 2002: (0, 0), 2003: (5, None), 2004: (2, 2), 2005: (1, 3)}
    # m1's 1,500 of 2000 comes in two rows (1,000 and 500): they add up
    out = [("m3", "total", 2001, 9), ("m1", "t1", 2001, 9), ("m2", "t1", 2001, 9), ("m1", "total", 2000, 1000)]
    for y, (a, b) in per_year.items():
        out.append(("m1", "total", y, a))
        if b is not None:
            out.append(("m2", "total", y, b))
    return pd.DataFrame(out, columns=["method", "task", "year", "count"])


def test_total_table_counts_shares_and_rates_per_year():
    c = ctx(year=2004)
    assert trends.total_table(c, total_part(), {}) == TOTAL_CAPTION + "\n\n" + "\n".join([
        "| year | m1 | m2 | m1 share | m2 share |", "| :--- | ---: | ---: | ---: | ---: |",
        "| 2000 | 1,500 | 500 | 75% [73–77%] | 25% [23–27%] |",
        "| 2001 | 3 | 1 | 75% [30–96%] | 25% [4–70%] |",
        "| 2002 | 0 | 0 | n/a (no match) | n/a (no match) |",
        # 2003 lacks m2's count: no row
        "| 2004 (incomplete) | 2 | 2 | 50% [15–85%] | 50% [15–85%] |",
        "| 2005 (incomplete) | 1 | 3 | 25% [4–70%] | 75% [30–96%] |"])
    totals = {2000: 10000, 2001: 400, 2002: 0, 2004: 800}
    assert trends.total_table(c, total_part(), totals) == (
        TOTAL_CAPTION + " All records: the source's count of every record that year.\n\n" + "\n".join([
            "| year | m1 | m2 | m1 share | m2 share | all records | m1 per 1,000 | m2 per 1,000 |",
            "| :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            "| 2000 | 1,500 | 500 | 75% [73–77%] | 25% [23–27%] | 10,000 | 150.0 | 50.0 |",
            "| 2001 | 3 | 1 | 75% [30–96%] | 25% [4–70%] | 400 | 7.5 | 2.5 |",
            "| 2002 | 0 | 0 | n/a (no match) | n/a (no match) | n/a | n/a | n/a |",
            "| 2004 (incomplete) | 2 | 2 | 50% [15–85%] | 50% [15–85%] | 800 | 2.5 | 2.5 |",
            "| 2005 (incomplete) | 1 | 3 | 25% [4–70%] | 75% [30–96%] | n/a | n/a | n/a |"]))


def test_total_table_is_absent_without_a_total_column_two_methods_or_a_complete_year():
    part = total_part()
    assert trends.total_table(ctx(tasks=("t1",)), part, {}) == ""
    assert trends.total_table(ctx(methods=("m1",)), part, {}) == ""
    assert trends.total_table(ctx(), part[part["task"] == "t1"], {}) == ""
    assert trends.total_table(ctx(), part[(part["year"] == 2003) & (part["task"] == "total")], {}) == ""
    # the total column found among several, whatever its place
    c = ctx(tasks=("t1", "total", "t2"))
    assert trends.total_table(c, part[part["year"] == 2001], {}).endswith("| 2001 | 3 | 1 | 75% [30–96%] | 25% [4–70%] |")
