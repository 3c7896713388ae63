"""The trends section: which years are counted and fitted, how the recent change and each table read.

The fits are real (synthetic series of known shape); figures are replaced by recorders; the
Wilson bounds below are worked out by hand (z = 1.96): 3 of 4 0.301-0.954, 1 of 4 0.046-0.699,
2 of 4 0.150-0.850, 1,500 of 2,000 0.731-0.768, 500 of 2,000 0.232-0.269.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from survey import analysis
from survey.evidence import trends as trend_mod
from survey.refreshing import WORKS
from survey.reporting import evidence_figures, figures, recent, trends
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
               figure_paths=[], _totals={}, instances={})


def ob(source, method, task, year, count, status="ok"):
    return SimpleNamespace(source=source, method=method, task=task, year=year, count=count, status=status,
                           fetched_at="")


def rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in frame.astype(object).itertuples(index=False, name=None)]


# ------------------------------------------------------------------ which years


def test_per_year_keeps_the_matrix_methods_and_tasks_within_the_trend_years():
    latest = [ob("s", "m1", "t1", y, y - 1990) for y in (1999, 2000, 2005, 2010, 2011, 2012)] + [
        ob("s", "m9", "t1", 2005, 1), ob("s", "m1", "t9", 2005, 1), ob("s", "m2", "t1", 2005, 7, status="error"),
        ob("s", "m2", "t1", None, 99)]
    assert rows(recent.per_year(ctx(latest=latest))) == [
        ("s", "m1", "t1", 2000, 10), ("s", "m1", "t1", 2005, 15), ("s", "m1", "t1", 2010, 20)]
    # an open trend runs to the current year
    open_trend = ctx(latest=latest, year=2011, trend=SimpleNamespace(start=2005, end=None))
    assert rows(recent.per_year(open_trend)) == [
        ("s", "m1", "t1", 2005, 15), ("s", "m1", "t1", 2010, 20), ("s", "m1", "t1", 2011, 21)]


def works(source, totals):
    return [ob(source, WORKS, WORKS, y, n) for y, n in totals.items()]


def part_of(latest, source="s"):
    frame = analysis.per_year_frame(latest)
    return frame[frame["source"] == source]


def test_covered_leaves_out_years_the_source_holds_no_works_for():
    counts = [ob("s", m, "t1", y, c) for y in (2001, 2002, 2003, 2004) for m, c in (("m1", y - 2000), ("m2", 1))]
    totals = {2000: 5, 2001: 100, 2002: 0, 2003: 50, 2004: 70, 2005: 9}
    part, kept = recent.covered(ctx(latest=counts + works("s", totals) + works("other", {2002: 3})), "s",
                                part_of(counts))
    assert kept == {2001: 100, 2002: 0, 2003: 50, 2004: 70}
    assert rows(part) == [("m1", "t1", 2001, 1), ("m1", "t1", 2003, 3), ("m1", "t1", 2004, 4),
                          ("m2", "t1", 2001, 1), ("m2", "t1", 2003, 1), ("m2", "t1", 2004, 1)]
    # without year totals every year stays
    part, kept = recent.covered(ctx(latest=counts), "s", part_of(counts))
    assert kept == {}
    assert [r[2] for r in rows(part)] == [2001, 2002, 2003, 2004] * 2
    # a year the source gives no total for is a gap too; one work is enough to count a year
    part, kept = recent.covered(ctx(latest=works("s", {2001: 1, 2003: 2})), "s", part_of(counts))
    assert kept == {2001: 1, 2003: 2}
    assert [r[2] for r in rows(part)] == [2001, 2003] * 2
    part, kept = recent.covered(ctx(latest=works("s", totals)), "s", part_of(counts)[:0])
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
    monkeypatch.setattr(trends, "block", lambda c, s, f: f"<{c.query_shown} {s}: {sorted(set(map(int, f.part['year'])))}>")
    monkeypatch.setattr(recent, "complete_years", lambda *a: recent.CompleteYears(None))
    latest = [ob("a", "m1", "t1", 2001, 1), ob("d", "m2", "t1", 2002, 1), ob("b", "m1", "t1", 2030, 1),
              ob("a", "m1", "t1", None, 5)]
    c = ctx(latest=latest, names=["a", "b", "c", "d"], with_data=["a", "b", "c", "d"])
    assert trends.render(c) == "\n\n".join([
        "<q.toml a: [2001]>", "<q.toml d: [2002]>", trends.MODELS,
        "Per-year counts for `b`, `c` come with `survey refresh -q q.toml -s b -s c --by-year`."])
    c = ctx(latest=latest, names=["b", "c"], with_data=["c"])
    assert trends.render(c) == (
        "No per-year counts are cached, so there is no trend to draw.\n\n"
        "Per-year counts for `c` come with `survey refresh -q q.toml -s c --by-year`.")
    c = ctx(latest=latest, names=["a"], with_data=["a"], trend=None)
    assert trends.render(c) == "The query file `q.toml` has no `[trend]` table, so there are no per-year counts."


RISE_FALL = {y: (round(20 * 1.4 ** (y - 2008)) if y <= 2017 else round(20 * 1.4 ** 9 * 0.7 ** (y - 2017)), 100)
             for y in range(2008, 2026)}


@pytest.fixture
def drawn(monkeypatch):
    calls = {}

    def recorder(name):
        def draw(*args, **kw):
            calls[name] = kw
            return args[2] if name != "normalised" else args[3]
        return draw

    monkeypatch.setattr(figures, "counts_by_year", recorder("counts"))
    monkeypatch.setattr(figures, "normalised_by_year", recorder("normalised"))
    monkeypatch.setattr(evidence_figures, "share_bands", recorder("bands"))
    return calls


def test_block_leads_with_the_recent_change_fits_complete_years_only_and_marks_the_rest(tmp_path, drawn):
    fetched = "2026-03-01T00:00:00Z"  # counted in March 2026: 2026 is not over, 2025 is
    latest = [SimpleNamespace(**{**vars(ob("s", m, "total", y, c)), "fetched_at": fetched},
                              fetched=datetime(2026, 3, 1, tzinfo=timezone.utc))
              for y, (a, b) in RISE_FALL.items() for m, c in (("m1", a), ("m2", b))]
    trend = SimpleNamespace(start=2008, end=None, complete_until=2024, reason="2025 lacks its autumn")
    c = ctx(tmp_path, year=2027, latest=latest, names=["s"], with_data=["s"], tasks=("total",), trend=trend)
    text = trends.render(c)
    assert ("Fitted years end at 2024: counts fetched on 2026-03-01, so 2026 is not over; the query file ends "
            "complete years at 2024: 2025 lacks its autumn. 2025 is shown hollow (shaded) and marked in the table, "
            "but not fitted.") in text
    assert "**The recent change** (matches per year)" in text
    row = next(line for line in text.splitlines() if line.startswith("| total | m1 | "))
    assert "since 2017, after +40%/yr" in row and "peak 2017" in row and "average 2020–2024 -30%/yr" in row
    assert "| 2025 (not fitted) |" in text and "| 2024 |" in text
    assert drawn["counts"]["incomplete_from"] == 2025 and ("total", "m1") in drawn["counts"]["fits"]
    assert drawn["bands"]["incomplete_from"] == 2025
    # the headline's lines come from the same fits
    (lead, *items) = recent.headline_lines(c)
    assert lead.startswith("- **Recent change in `s`, overall** (matches per year, complete years through 2024")
    assert items[0].startswith("  - m1: -30%/yr") and items[1].startswith("  - m2: no significant change")
    # m1 overtook m2 near 2013 and fell behind again near 2021 (414 x 0.7^4 = 99): the latest crossing is said
    assert items[2].startswith("  - m2 ahead of m1 from 2021.")


def test_a_flat_series_and_a_short_one_are_described_honestly():
    years = np.arange(2010, 2025)
    flat = pd.DataFrame([{"method": "m1", "task": "t", "year": int(y), "count": 50 + (-1) ** int(y)} for y in years])
    (s,), _ = trend_mod.series(flat, "s", ["m1"], ["t"])
    assert recent.describe(s).startswith("no significant change over 2010–2024 (")
    growth = pd.DataFrame([{"method": "m1", "task": "t", "year": int(y), "count": round(40 * 1.09 ** (y - 2010))}
                           for y in years])
    (s,), _ = trend_mod.series(growth, "s", ["m1"], ["t"])
    assert recent.describe(s) == "steady +9%/yr [+8, +11] over 2010–2024"
    (s,), _ = trend_mod.series(growth[growth["year"] >= 2021], "s", ["m1"], ["t"])
    assert recent.describe(s) == "too short to fit: 4 complete years (at least 5)"


# ------------------------------------------------------------------ the per-year table


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
    assert trends.total_table(c, total_part(), {}, 2003) == TOTAL_CAPTION + "\n\n" + "\n".join([
        "| year | m1 | m2 | m1 share | m2 share |", "| :--- | ---: | ---: | ---: | ---: |",
        "| 2000 | 1,500 | 500 | 75% [73–77%] | 25% [23–27%] |",
        "| 2001 | 3 | 1 | 75% [30–96%] | 25% [4–70%] |",
        "| 2002 | 0 | 0 | n/a (no match) | n/a (no match) |",
        # 2003 lacks m2's count: no row
        "| 2004 (not fitted) | 2 | 2 | 50% [15–85%] | 50% [15–85%] |",
        "| 2005 (not fitted) | 1 | 3 | 25% [4–70%] | 75% [30–96%] |"])
    totals = {2000: 10000, 2001: 400, 2002: 0, 2004: 800}
    assert trends.total_table(c, total_part(), totals, 2003) == (
        TOTAL_CAPTION + " All records: the source's count of every record that year.\n\n" + "\n".join([
            "| year | m1 | m2 | m1 share | m2 share | all records | m1 per 1,000 | m2 per 1,000 |",
            "| :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            "| 2000 | 1,500 | 500 | 75% [73–77%] | 25% [23–27%] | 10,000 | 150.0 | 50.0 |",
            "| 2001 | 3 | 1 | 75% [30–96%] | 25% [4–70%] | 400 | 7.5 | 2.5 |",
            "| 2002 | 0 | 0 | n/a (no match) | n/a (no match) | n/a | n/a | n/a |",
            "| 2004 (not fitted) | 2 | 2 | 50% [15–85%] | 50% [15–85%] | 800 | 2.5 | 2.5 |",
            "| 2005 (not fitted) | 1 | 3 | 25% [4–70%] | 75% [30–96%] | n/a | n/a | n/a |"]))


def test_total_table_is_absent_without_a_total_column_two_methods_or_a_complete_year():
    part = total_part()
    assert trends.total_table(ctx(tasks=("t1",)), part, {}, 2003) == ""
    assert trends.total_table(ctx(methods=("m1",)), part, {}, 2003) == ""
    assert trends.total_table(ctx(), part[part["task"] == "t1"], {}, 2003) == ""
    assert trends.total_table(ctx(), part[(part["year"] == 2003) & (part["task"] == "total")], {}, 2003) == ""
    # the total column found among several, whatever its place
    c = ctx(tasks=("t1", "total", "t2"))
    assert trends.total_table(c, part[part["year"] == 2001], {}, None).endswith("| 2001 | 3 | 1 | 75% [30–96%] | 25% [4–70%] |")


# ------------------------------------------------------------------ the recent change in words


def two_segments(last, measure="count", poor=False, average=None):
    """A series of two joinpoint segments, 2010-2016 rising clearly, then ``last`` (start 2016)."""
    from survey.evidence.joinpoint import Segment

    first = Segment(2010, 2016, math.log(1.2), math.log(1.1), math.log(1.3), 0.0001)
    fit = SimpleNamespace(segments=[first, last], level=0.95, poor_fit=poor, dispersion=3.14159,
                          average=lambda a, b: average, eta=lambda ys: [0.0])
    years = np.arange(2010, 2025) if average else np.arange(2021, 2025)  # under 5 years: no recent average
    return trend_mod.Series("s", "t", "m1", measure, years, fit)


def test_the_last_segment_says_whether_it_is_significant_and_whether_its_interval_is_clear():
    from survey.evidence.joinpoint import Segment

    up = math.log(1.05)
    # p at the level's edge (1 - 0.95, as the fit computes it) is not significant: the test rejects only below it
    edge = two_segments(Segment(2016, 2024, up, math.log(0.99), math.log(1.12), 1 - 0.95))
    assert recent.describe(edge) == ("+5%/yr [-1, +12] since 2016 (not significant, p = 0.050), after +20%/yr "
                                     "[+10, +30] over 2010–2016")
    # significant alone, but the interval widened over the possible joinpoints holds no change
    wide = two_segments(Segment(2016, 2024, up, math.log(0.99), math.log(1.12), 0.01))
    assert recent.describe(wide) == ("+5%/yr [-1, +12] since 2016 (not clear: its interval, over the joinpoint "
                                     "years the data allow, includes no change), after +20%/yr [+10, +30] over "
                                     "2010–2016")
    clear = two_segments(Segment(2016, 2024, up, math.log(1.01), math.log(1.12), 0.0004), poor=True)
    assert recent.describe(clear) == ("+5%/yr [+1, +12] since 2016, after +20%/yr [+10, +30] over 2010–2016; "
                                      "poor fit (dispersion 3.1)")


def test_a_share_is_described_by_odds_ratios_and_its_recent_average_too():
    from survey.evidence.joinpoint import Segment

    last = Segment(2016, 2024, math.log(1.5), math.log(1.2), math.log(1.8), 0.0001)
    s = two_segments(last, measure="share", average=(math.log(1.4), math.log(1.1), math.log(1.7)))
    assert recent.describe(s) == ("odds ratio 1.50/yr [1.20, 1.80] since 2016, after odds ratio 1.20/yr "
                                  "[1.10, 1.30] over 2010–2016; average 2020–2024 1.40 [1.10, 1.70]")
    rate = two_segments(last, average=(math.log(1.4), math.log(1.1), math.log(1.7)))
    assert recent.describe(rate).endswith("; average 2020–2024 +40%/yr [+10, +70]")


def test_p_values_under_a_thousandth_are_bounded_and_the_rest_given_to_three_decimals():
    assert recent.p_words(0.0004) == "p < 0.001"
    assert recent.p_words(0.001) == "p = 0.001"
    assert recent.p_words(0.2) == "p = 0.200"


@pytest.mark.parametrize("leader, runner_up", [("m1", "encoder/decoder"), ("encoder/decoder", "m1"), ("a/b", "c/d")])
def test_a_crossover_names_its_two_methods_whatever_slashes_their_labels_hold(leader, runner_up):
    """A user's labels may hold a slash: the pair is never read back out of "leader/runner-up"."""
    years = range(2010, 2022)
    steady = pd.DataFrame([{"method": m, "task": "t", "year": y, "count": n}
                           for y in years for m, n in ((leader, 60 + (-1) ** y), (runner_up, 30))])
    _, (crossing,) = trend_mod.series(steady, "s", [leader, runner_up], ["t"])
    assert crossing.year is None and (crossing.leader, crossing.runner_up) == (leader, runner_up)
    assert recent.crossing_words(crossing) == f"{leader} vs {runner_up}: no crossover ({crossing.note})"
    assert recent.crossing_words(trend_mod.Crossover("t", "", None, None, None, "one method")) == ""


def test_each_measure_is_named_in_words():
    assert recent.measure_words("count") == "matches per year"
    assert recent.measure_words("per_1000") == "matches per 1,000 works"
    assert recent.measure_words("per_1000_searchable") == "matches per 1,000 works with an abstract"
    assert recent.measure_words("share") == "share of method matches"
