"""Intervals, lead verdicts, shares and trend models: against published values and synthetic truths."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from survey import analysis
from survey.evidence import claims, intervals, shares, trends

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in
# Medicine 17:857-872, Table I, method 3 (Wilson score interval without continuity correction).
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize("count, n, low, high", NEWCOMBE)
def test_wilson_matches_newcombe_1998(count, n, low, high):
    lo, hi = intervals.wilson(count, n)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_wilson_n_of_n_mirrors_0_of_n_and_stays_in_bounds():
    lo, hi = intervals.wilson(20, 20)
    assert hi == 1.0 and lo == pytest.approx(1 - 0.1611, abs=1e-4)
    assert intervals.wilson(0, 20)[0] == 0.0


def test_wilson_agrees_with_scipy_on_a_grid():
    from scipy.stats import binomtest

    ks, ns = [], []
    for n in (1, 2, 5, 13, 100, 2546):
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            ks.append(k)
            ns.append(n)
    lows, highs = intervals.wilson(ks, ns)
    for k, n, lo, hi in zip(ks, ns, lows, highs):
        ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert lo == pytest.approx(ref.low, abs=1e-9) and hi == pytest.approx(ref.high, abs=1e-9), (k, n)


def test_wilson_has_no_interval_without_trials_and_rejects_impossible_counts():
    assert all(math.isnan(v) for v in intervals.wilson(0, 0))
    assert intervals.share_interval(0, 0) is None
    with pytest.raises(ValueError):
        intervals.wilson(5, 4)


def test_ratio_interval_follows_from_the_conditional_share():
    r = intervals.ratio_interval(300, 100)
    lo, hi = intervals.wilson(300, 400)
    assert r.value == 3.0 and r.share == 0.75
    assert r.low == pytest.approx(lo / (1 - lo)) and r.high == pytest.approx(hi / (1 - hi))
    assert r.low < 3.0 < r.high
    assert intervals.ratio_interval(5, 0).value == math.inf and intervals.ratio_interval(5, 0).high == math.inf
    assert math.isnan(intervals.ratio_interval(0, 0).value)


# ------------------------------------------------------------------ claims


def test_a_clear_lead_needs_the_interval_against_the_runner_up_to_exclude_parity():
    v = claims.verdict({"LSTM": 300, "CNN": 100})
    assert v.kind == claims.LEAD and v.leader == "LSTM" and v.runner_up == "CNN"
    assert v.share == 0.75 and v.share_ci.low > 0.5


def test_overlapping_intervals_give_no_clear_leader():
    v = claims.verdict({"LSTM": 14, "CNN": 11})  # ACL's language generation cell
    assert v.kind == claims.UNCLEAR and v.leader == "LSTM"
    assert v.head_to_head_ci.low < 0.5 < v.head_to_head_ci.high


def test_a_tie_is_never_a_lead_and_never_a_flip():
    tie = claims.verdict({"LSTM": 200, "CNN": 200})
    assert tie.kind == claims.UNCLEAR and tie.head_to_head == 0.5
    then = claims.verdict({"LSTM": 100, "CNN": 400})
    assert then.kind == claims.LEAD and not claims.is_flip(then, tie) and not claims.is_flip(tie, then)
    assert claims.is_flip(then, claims.verdict({"LSTM": 400, "CNN": 100}))


def test_too_few_matches_to_say_whatever_the_split():
    v = claims.verdict({"LSTM": 9, "CNN": 0})
    assert v.kind == claims.TOO_FEW and v.total == 9 and v.share == 1.0
    assert claims.verdict({"LSTM": 10, "CNN": 0}).kind == claims.LEAD  # 10 of 10: interval [0.72, 1]
    assert claims.verdict({"LSTM": 0, "CNN": 0}).kind == claims.TOO_FEW


def test_three_methods_lead_against_the_runner_up_and_missing_counts_give_no_claim():
    v = claims.verdict({"Transformer": 500, "RNN": 450, "CNN": 50})
    assert v.kind == claims.UNCLEAR and v.runner_up == "RNN"  # 500 vs 450: 52.6% [49.4–55.7%]
    v = claims.verdict({"Transformer": 600, "RNN": 300, "CNN": 100})
    assert v.kind == claims.LEAD and v.share == 0.6 and v.head_to_head == pytest.approx(2 / 3)
    assert claims.verdict({"Transformer": 600, "RNN": None, "CNN": 100}).kind == claims.NO_DATA


# ------------------------------------------------------------------ shares


def _counts(rows):
    return pd.DataFrame(rows, columns=["source", "window", "year", "task", "method", "count"])


def test_shares_are_of_all_method_matches_and_empty_where_a_count_is_missing():
    frame = shares.shares(_counts([
        ("s", "w", None, "QA", "A", 30), ("s", "w", None, "QA", "B", 60), ("s", "w", None, "QA", "C", 10),
        ("s", "w", None, "MT", "A", 5), ("s", "w", None, "MT", "B", None), ("s", "w", None, "MT", "C", 5),
        ("s", "w", None, "NLI", "A", 0), ("s", "w", None, "NLI", "B", 0), ("s", "w", None, "NLI", "C", 0),
        ("s", "trend", 2020, "QA", "A", 1), ("s", "trend", 2020, "QA", "B", 3), ("s", "trend", 2020, "QA", "C", 0),
    ]))
    qa = frame[(frame["task"] == "QA") & frame["year"].isna()].set_index("method")
    assert list(qa["share"]) == [0.3, 0.6, 0.1]
    lo, hi = intervals.wilson(60, 100)
    assert qa.loc["B", "ci_low"] == lo and qa.loc["B", "ci_high"] == hi
    assert frame[frame["task"].isin(["MT", "NLI"])]["share"].isna().all()  # never a share of what happens to be there
    per_year = frame[frame["year"] == 2020].set_index("method")["share"]
    assert list(per_year) == [0.25, 0.75, 0.0]


def test_ratio_rows_are_exactly_the_pairs_asked_for():
    frame = shares.ratios(_counts([("s", "w", None, "QA", "A", 30), ("s", "w", None, "QA", "B", 60),
                                   ("s", "w", None, "QA", "C", 10)]), [("C", "A")])
    assert list(zip(frame["numerator"], frame["denominator"])) == [("C", "A")]
    assert frame["ratio"].iloc[0] == pytest.approx(1 / 3)


# ------------------------------------------------------------------ trends


def _series(slope: float, crossing: float, years, n=5000, methods=("A", "B")):
    """Expected counts (no noise) of a two-method share with a known log-odds slope and crossover."""
    rows = []
    for y in years:
        p = 1 / (1 + math.exp(-slope * (y - crossing)))
        a = round(n * p)
        rows += [{"method": methods[0], "task": "QA", "year": y, "count": a},
                 {"method": methods[1], "task": "QA", "year": y, "count": n - a}]
    return pd.DataFrame(rows)


def test_years_after_the_last_complete_one_are_left_out_of_every_fit():
    full = _series(0.3, 2012.5, range(2005, 2021))
    wild = pd.concat([full, pd.DataFrame([{"method": "A", "task": "QA", "year": 2021, "count": 1},
                                          {"method": "B", "task": "QA", "year": 2021, "count": 9000}])])
    kept = trends.frame(trends.series(full, "s", ["A", "B"], ["QA"], complete_through=2020)[0])
    cut = trends.frame(trends.series(wild, "s", ["A", "B"], ["QA"], complete_through=2020)[0])
    pd.testing.assert_frame_equal(kept, cut)
    assert cut["to"].max() == 2020
    uncut = trends.frame(trends.series(wild, "s", ["A", "B"], ["QA"])[0])
    assert uncut["to"].max() == 2021 and not uncut.equals(cut)  # without the cut, 2021 moves the fit


def test_a_share_with_a_known_slope_and_crossover_is_one_segment_and_crosses_there():
    fitted, (cross,) = trends.series(_series(0.3, 2012.5, range(2005, 2021)), "s", ["A", "B"], ["QA"])
    out = trends.frame(fitted).set_index(["method", "measure"])
    assert out.loc[("A", "share"), "change"] == pytest.approx(math.exp(0.3), abs=1e-3)
    assert out.loc[("B", "share"), "change"] == pytest.approx(math.exp(-0.3), abs=1e-3)
    assert cross.pair == "B/A" or cross.pair == "A/B"
    assert cross.year == pytest.approx(2012.5, abs=0.05) and cross.low < 2012.5 < cross.high
    assert (cross.ahead, cross.behind) == ("A", "B")


def test_rates_per_work_are_growth_beyond_the_literature_and_counts_are_not():
    years = range(2008, 2022)
    totals = {y: round(10000 * 1.1 ** (y - 2008)) for y in years}
    frame = pd.DataFrame([{"method": m, "task": "total", "year": y, "count": round(k * 1.3 ** (y - 2008))}
                          for y in years for m, k in (("A", 200), ("B", 100))])
    out = trends.frame(trends.series(frame, "s", ["A", "B"], ["total"], totals=totals)[0])
    out = out.set_index(["method", "measure"])
    assert out.loc[("A", "count"), "change"] == pytest.approx(30.0, abs=0.2)
    assert out.loc[("A", "per_1000"), "change"] == pytest.approx(100 * (1.3 / 1.1 - 1), abs=0.2)
    assert out.loc[("A", "share"), "change"] == pytest.approx(1.0, abs=1e-3)  # both grow alike: the share is flat
    assert out.loc[("A", "share"), "p"] > 0.5


def test_a_series_too_short_or_too_sparse_says_so_and_has_no_row():
    short = pd.DataFrame([{"method": m, "task": "QA", "year": y, "count": 50}
                          for y in (2018, 2019, 2020) for m in ("A", "B")])
    fitted, _ = trends.series(short, "s", ["A", "B"], ["QA"])
    assert trends.frame(fitted).empty
    assert all(s.fit is None and s.note.startswith("too short to fit: 3 complete years") for s in fitted)
    sparse = pd.DataFrame([{"method": m, "task": "QA", "year": y, "count": 1 if y % 3 == 0 else 0}
                           for y in range(2010, 2022) for m in ("A", "B")])
    fitted, (cross,) = trends.series(sparse, "s", ["A", "B"], ["QA"])
    assert fitted[0].note == "too sparse to fit: 4 matches (at least 10)"
    assert cross.year is None and cross.note.startswith("too sparse")


def test_rise_then_fall_reports_the_recent_change_the_average_and_the_peak():
    years = np.arange(2008, 2025)
    counts = np.where(years <= 2017, 20 * 1.4 ** (years - 2008), 20 * 1.4 ** 9 * 0.7 ** (years - 2017))
    frame = pd.DataFrame([{"method": "A", "task": "QA", "year": int(y), "count": round(c)}
                          for y, c in zip(years, counts)])
    (s,), _ = trends.series(frame, "s", ["A"], ["QA"])
    assert s.fit.joinpoints == (2017,) and s.peak == 2017
    assert s.change(s.last.slope) == pytest.approx(-30, abs=0.5)
    first, last, value, low, high = s.average()
    assert (first, last) == (2020, 2024) and value == pytest.approx(-30, abs=0.5) and low < value < high


# ------------------------------------------------------------------ Spearman (issue 14 survivors)


def test_spearman_with_ties_in_the_first_argument():
    from scipy.stats import spearmanr

    x, y = [1, 1, 2, 3, 3, 3], [10, 20, 30, 40, 50, 60]
    # average ranks of x: [1.5, 1.5, 3, 5, 5, 5]; Pearson's r of those against 1..6
    assert analysis.spearman(x, y) == pytest.approx(float(spearmanr(x, y).statistic))
    assert analysis.spearman(x, y) == pytest.approx(0.9258200997725514)
    assert analysis.spearman(y, x) == pytest.approx(analysis.spearman(x, y))
    assert analysis.spearman([4, 4, 4], [1, 2, 3]) is None  # no spread in the first argument


def test_wilson_vectorised_matches_scalar():
    lows, highs = intervals.wilson(np.array([1, 5]), np.array([10, 10]))
    assert (lows[1], highs[1]) == intervals.wilson(5, 10)


# ------------------------------------------------------------------ exact values (issue 14 survivors)

Z90, Z95 = 1.6448536269514722, 1.959963984540054  # the 95% and 97.5% points of the standard normal


def hand_wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927), written out here rather than taken from statsmodels."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _close(interval, expected):
    return (interval.low, interval.high) == pytest.approx(expected, abs=1e-12)


def test_no_data_keeps_the_counts_it_was_given():
    v = claims.verdict({"A": None, "B": 3})
    assert v == claims.Verdict(claims.NO_DATA, None, None, {"A": None, "B": 3}, None, None, None, None)
    assert claims.verdict({}).kind == claims.NO_DATA


def test_too_few_still_names_the_leader_and_its_share_with_interval():
    v = claims.verdict({"A": 2, "B": 5, "C": 1})
    assert (v.kind, v.leader, v.runner_up, v.counts) == (claims.TOO_FEW, "B", "A", {"A": 2, "B": 5, "C": 1})
    assert v.share == 5 / 8 and _close(v.share_ci, hand_wilson(5, 8))
    assert v.head_to_head is None and v.head_to_head_ci is None
    assert _close(claims.verdict({"A": 2, "B": 5}, level=0.90).share_ci, hand_wilson(5, 7, Z90))


def test_a_lone_method_leads_with_its_whole_share():
    v = claims.verdict({"A": 12})
    assert (v.kind, v.leader, v.runner_up, v.counts, v.share) == (claims.LEAD, "A", None, {"A": 12}, 1.0)
    assert _close(v.share_ci, hand_wilson(12, 12)) and (v.head_to_head, v.head_to_head_ci) == (None, None)
    assert claims.verdict({"A": 3}).kind == claims.TOO_FEW and claims.verdict({"A": 3}).runner_up is None


def test_head_to_head_at_another_level_and_the_counts_kept():
    counts = {"A": 33, "B": 17, "C": 50}
    v = claims.verdict(counts, level=0.90)  # 50 of 83 head to head: low bound 51.2% at 90%, 49.5% at 95%
    assert (v.kind, v.leader, v.runner_up, v.counts) == (claims.LEAD, "C", "A", counts)
    assert v.share == 0.5 and _close(v.share_ci, hand_wilson(50, 100, Z90))
    assert v.head_to_head == 50 / 83 and _close(v.head_to_head_ci, hand_wilson(50, 83, Z90))
    assert claims.verdict(counts).kind == claims.UNCLEAR


def test_an_interval_that_touches_one_half_does_not_exclude_parity():
    # 10 of 16 at z = 1 (a 68.27% level): the Wilson bound solves 10/16 - 1/2 = z * (1/2) / sqrt(16), so it is 1/2.
    level = 0.6826894921370859
    v = claims.verdict({"A": 10, "B": 6}, level=level)
    assert v.head_to_head_ci.low == 0.5
    assert v.kind == claims.UNCLEAR
    assert claims.verdict({"A": 11, "B": 5}, level=level).kind == claims.LEAD


def test_no_match_at_all_is_too_few_even_where_no_minimum_is_asked():
    v = claims.verdict({"A": 0, "B": 0}, min_matches=0)
    assert (v.kind, v.leader, v.share, v.share_ci) == (claims.TOO_FEW, "A", None, None)


def test_wilson_rejects_a_negative_count_and_says_what_it_expects():
    with pytest.raises(ValueError, match=r"counts must lie in 0\.\.n \(got -1\.0 of 5\.0\)"):
        intervals.wilson(-1, 5)
    with pytest.raises(ValueError, match=r"counts must lie in 0\.\.n \(got 6\.0 of 5\.0\)"):
        intervals.wilson(6, 5)


def test_wilson_of_no_trials_beside_others_is_nan_without_dividing_by_zero():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0/0 would warn "invalid value encountered"
        lows, highs = intervals.wilson([0, 3, 1], [0, 10, 1])
    assert math.isnan(lows[0]) and math.isnan(highs[0])
    assert (lows[1], highs[1]) == pytest.approx(hand_wilson(3, 10), abs=1e-12)
    assert (lows[2], highs[2]) == pytest.approx(hand_wilson(1, 1), abs=1e-12)


def test_wilson_clips_bounds_that_statsmodels_0_14_leaves_a_rounding_error_outside_0_1(monkeypatch):
    import statsmodels.stats.proportion as smp

    def unclipped(count, nobs, alpha=0.05, method="normal"):  # statsmodels 0.14's wilson, which did not clip
        from scipy.stats import norm

        z = norm.isf(alpha / 2)
        q = count / nobs
        denom = 1 + z**2 / nobs
        centre = (q + z**2 / (2 * nobs)) / denom
        dist = z * np.sqrt(q * (1.0 - q) / nobs + z**2 / (4.0 * nobs**2)) / denom
        return centre - dist, centre + dist

    alpha = 1 - 0.95  # as wilson() passes it: 0.05000000000000004
    assert unclipped(16.0, 16.0, alpha)[1] > 1.0 and unclipped(0.0, 21.0, alpha)[0] < 0.0
    monkeypatch.setattr(smp, "proportion_confint", unclipped)
    assert intervals.wilson(16, 16)[1] == 1.0 and intervals.wilson(0, 21)[0] == 0.0


def test_share_interval_of_one_trial_and_at_another_level():
    assert _close(intervals.share_interval(1, 1), hand_wilson(1, 1))
    assert _close(intervals.share_interval(0, 1), hand_wilson(0, 1))
    assert _close(intervals.share_interval(7, 30, level=0.90), hand_wilson(7, 30, Z90))
    assert intervals.share_interval(0, -1) is None


def test_ratio_interval_without_matches_keeps_its_counts_and_has_no_bounds():
    r = intervals.ratio_interval(0, 0)
    assert (r.a, r.b) == (0, 0) and all(math.isnan(v) for v in (r.value, r.low, r.high, r.share))
    r = intervals.ratio_interval(7, 3, level=0.90)
    low, high = hand_wilson(7, 10, Z90)
    assert (r.low, r.high) == pytest.approx((low / (1 - low), high / (1 - high)), abs=1e-12)
    assert r.value == 7 / 3 and r.share == 0.7


def test_shares_keep_integer_counts_and_a_fresh_index_whatever_the_input():
    counts = _counts([("s", "w", None, "QA", "A", 3.0), ("s", "w", None, "QA", "B", 1.0),
                      ("s", "w", None, "MT", "A", 1.0), ("s", "w", None, "MT", "B", 0.0)]).set_axis([10, 11, 12, 13])
    frame = shares.shares(counts)
    assert list(frame.columns) == shares.SHARE_COLUMNS and list(frame.index) == [0, 1, 2, 3]
    assert str(frame["count"].dtype) == "Int64" and frame["share"].dtype == "float64"
    assert list(frame["count"]) == [3, 1, 1, 0] and list(frame["share"]) == [0.75, 0.25, 1.0, 0.0]
    # one match in the task: 1 of 1 and 0 of 1, each with its own interval
    assert (frame.loc[2, "ci_low"], frame.loc[2, "ci_high"]) == pytest.approx(hand_wilson(1, 1), abs=1e-12)
    assert (frame.loc[3, "ci_low"], frame.loc[3, "ci_high"]) == pytest.approx(hand_wilson(0, 1), abs=1e-12)
    empty = shares.shares(counts.iloc[0:0])
    assert empty.empty and list(empty.columns) == shares.SHARE_COLUMNS


def test_shares_of_a_task_without_match_are_na_without_dividing_by_zero_and_take_the_level():
    import warnings

    counts = _counts([("s", "w", None, "QA", "A", 0), ("s", "w", None, "QA", "B", 0),
                      ("s", "w", None, "MT", "A", 7), ("s", "w", None, "MT", "B", 23)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = shares.shares(counts, level=0.90)
    assert frame.loc[:1, ["share", "ci_low", "ci_high"]].isna().all().all()
    assert (frame.loc[2, "ci_low"], frame.loc[2, "ci_high"]) == pytest.approx(hand_wilson(7, 30, Z90), abs=1e-12)


def test_ratio_rows_say_which_counts_they_had_in_the_order_of_the_tasks():
    counts = _counts([
        ("s", "w", None, "QA", "A", 7), ("s", "w", None, "QA", "B", 3),
        ("s", "w", None, "MT", "A", None), ("s", "w", None, "MT", "B", 4),
        ("s", "w", None, "NLI", "A", 5), ("s", "w", None, "NLI", "B", None),
        ("s", "w", None, "POS", "A", 0), ("s", "w", None, "POS", "B", 0),
        ("s", "w", None, "NER", "A", 6), ("s", "w", None, "NER", "B", 6),
        ("s", "trend", 2020, "NER", "A", 1), ("s", "trend", 2020, "NER", "B", 0),
        ("s", "w", None, "SRL", "B", 2),  # no row for A at all
    ])
    frame = shares.ratios(counts, [("A", "C"), ("A", "B")], level=0.90)
    assert list(frame.columns) == shares.RATIO_COLUMNS
    assert str(frame["count_a"].dtype) == "Int64" and str(frame["count_b"].dtype) == "Int64"
    asked = frame[frame["denominator"] == "B"].reset_index(drop=True)
    assert list(asked["task"]) == ["QA", "MT", "NLI", "POS", "NER", "NER", "SRL"]
    assert list(asked["window"]) == ["w"] * 5 + ["trend", "w"] and list(asked["source"]) == ["s"] * 7
    assert asked["year"].isna().tolist() == [True] * 5 + [False, True] and asked.loc[5, "year"] == 2020
    counted = asked[["count_a", "count_b"]].astype(object).where(asked[["count_a", "count_b"]].notna(), None)
    assert list(map(tuple, counted.to_numpy())) == [(7, 3), (None, 4), (5, None), (0, 0), (6, 6), (1, 0), (None, 2)]
    assert asked.loc[[1, 2, 3, 6], ["ratio", "ci_low", "ci_high"]].isna().all().all()
    low, high = hand_wilson(7, 10, Z90)
    assert asked.loc[0, "ratio"] == 7 / 3
    bounds = (asked.loc[0, "ci_low"], asked.loc[0, "ci_high"])
    assert bounds == pytest.approx((low / (1 - low), high / (1 - high)), abs=1e-12)
    assert asked.loc[4, "ratio"] == 1.0  # a tie is a ratio of one, not a missing one
    low, _ = hand_wilson(1, 1, Z90)
    assert asked.loc[5, "ratio"] == math.inf and asked.loc[5, "ci_high"] == math.inf
    assert asked.loc[5, "ci_low"] == pytest.approx(low / (1 - low), abs=1e-12)
    # a method the task never counted gives a missing ratio, and the next pair is still answered
    unasked = frame[frame["denominator"] == "C"]
    assert len(unasked) == 7 and unasked["ratio"].isna().all() and unasked["count_b"].isna().all()
    assert list(unasked["count_a"].fillna(-1)) == [7, -1, 5, 0, 6, 1, -1]
    empty = shares.ratios(counts.iloc[0:0], [("A", "B")])
    assert empty.empty and list(empty.columns) == shares.RATIO_COLUMNS


def test_shares_csv_writes_fractions_to_four_decimals_and_empty_for_none():
    frame = shares.shares(_counts([("s", "w", None, "QA", "A", 2), ("s", "w", None, "QA", "B", 1),
                                   ("s", "trend", 2021, "QA", "A", 0), ("s", "trend", 2021, "QA", "B", None)]))
    low, high = hand_wilson(2, 3)
    blow, bhigh = hand_wilson(1, 3)
    assert shares.to_csv(frame) == (
        "source,window,year,task,method,count,share,ci_low,ci_high,p_holm,claim\n"
        f"s,w,,QA,A,2,0.6667,{low:.4f},{high:.4f},,too few\n"
        f"s,w,,QA,B,1,0.3333,{blow:.4f},{bhigh:.4f},,too few\n"
        "s,trend,2021,QA,A,0,,,,,\n"
        "s,trend,2021,QA,B,,,,,,\n"
    )
    assert f"{low:.4f},{high:.4f}" == "0.2077,0.9385"


def test_a_missing_key_is_a_group_of_its_own_apart_from_an_empty_one():
    # Window totals have no year (NA); the report's per-year tables label source and window "":
    # an NA key and an empty-text key are different tasks and must not pool their counts.
    frame = shares.shares(_counts([("s", None, None, "QA", "A", 1), ("s", None, None, "QA", "B", 3),
                                   ("s", "", None, "QA", "A", 6), ("s", "", None, "QA", "B", 2)]))
    assert list(frame["share"]) == [1 / 4, 3 / 4, 6 / 8, 2 / 8]
    assert (frame.loc[0, "ci_low"], frame.loc[0, "ci_high"]) == pytest.approx(hand_wilson(1, 4), abs=1e-12)
    assert frame["window"].isna().tolist() == [True, True, False, False]


def test_ratios_of_no_counts_or_no_pairs_have_the_columns_types_of_any_other():
    counts = _counts([("s", "w", None, "QA", "A", 7), ("s", "w", None, "QA", "B", 3)])
    typed = {"count_a": "Int64", "count_b": "Int64", "ratio": "float64", "ci_low": "float64", "ci_high": "float64"}
    for frame in (shares.ratios(counts, [("A", "B")]), shares.ratios(counts.iloc[0:0], [("A", "B")]),
                  shares.ratios(counts, [])):
        assert list(frame.columns) == shares.RATIO_COLUMNS
        assert {c: str(frame[c].dtype) for c in typed} == typed
    assert len(shares.ratios(counts.iloc[0:0], [("A", "B")])) == len(shares.ratios(counts, [])) == 0


def test_shares_of_no_counts_have_the_columns_types_of_any_other():
    counts = _counts([("s", "w", None, "QA", "A", 7), ("s", "w", None, "QA", "B", 3)])
    typed = {"count": "Int64", "share": "float64", "ci_low": "float64", "ci_high": "float64"}
    for frame in (shares.shares(counts), shares.shares(counts.iloc[0:0])):
        assert list(frame.columns) == shares.SHARE_COLUMNS
        assert {c: str(frame[c].dtype) for c in typed} == typed
    assert len(shares.shares(counts.iloc[0:0])) == 0


def test_shares_csv_ends_its_lines_with_a_newline_whatever_the_platform(monkeypatch):
    import os

    monkeypatch.setattr(os, "linesep", "\r\n")  # pandas' default line end is the platform's
    frame = shares.shares(_counts([("s", "w", None, "QA", "A", 1), ("s", "w", None, "QA", "B", None)]))
    assert shares.to_csv(frame) == (
        "source,window,year,task,method,count,share,ci_low,ci_high,p_holm,claim\ns,w,,QA,A,1,,,,,\ns,w,,QA,B,,,,,,\n")


# ------------------------------------------------------------------ mutation survivors (issue 23)


def test_per_year_rows_have_an_empty_claim_and_window_rows_without_a_name_still_get_theirs():
    frame = shares.shares(_counts([("s", None, None, "QA", "A", 90), ("s", None, None, "QA", "B", 10),
                                   ("s", "w", 2020, "QA", "A", 9), ("s", "w", 2020, "QA", "B", 1)]))
    assert list(frame["claim"]) == ["leads", "trails", "", ""]  # an unnamed window is still a window total
    assert frame["p_holm"].iloc[:2].notna().all() and frame["p_holm"].iloc[2:].isna().all()


def test_share_claims_are_made_at_the_level_asked():
    # 59 against 41: p = 0.072, a lead at 90% and not at 95%
    counts = _counts([("s", "w", None, "QA", "A", 59), ("s", "w", None, "QA", "B", 41)])
    assert list(shares.shares(counts, level=0.90)["claim"]) == ["leads", "trails"]
    assert list(shares.shares(counts)["claim"]) == ["unclear", "unclear"]


# ------------------------------------------------------------------ trends (issue 23 survivors)


def _three(years=range(2005, 2021), n=6000):
    """Expected counts of three methods: C leads early and falls, A rises past it; B, least, stays a tenth.
    Ranked by their total matches they are C, A, B: neither alphabetical nor the order given."""
    rows = []
    for y in years:
        p = 1 / (1 + math.exp(-0.3 * (y - 2012.5)))  # A's share of A and C
        b = round(0.1 * n)
        a = round(0.9 * n * p * 0.9)
        rows += [{"method": "A", "task": "QA", "year": y, "count": a},
                 {"method": "B", "task": "QA", "year": y, "count": b},
                 {"method": "C", "task": "QA", "year": y, "count": n - a - b}]
    return pd.DataFrame(rows)


def test_three_methods_cross_between_the_two_most_matched_and_each_share_is_its_own_fit():
    frame = _three()
    fitted, (cross,) = trends.series(frame, "s", ["A", "B", "C"], ["QA"])
    totals = frame.groupby("method")["count"].sum()
    assert totals["C"] > totals["A"] > totals["B"]
    assert cross.pair == "C/A" and cross.note == ""
    # A against C alone (B left out) crosses where A's counts reach C's
    year = next(y for y in range(2005, 2021) if (frame[(frame.year == y) & (frame.method == "A")]["count"].item()
                                                  > frame[(frame.year == y) & (frame.method == "C")]["count"].item()))
    assert year - 1 <= cross.year <= year and cross.low <= cross.year <= cross.high
    assert (cross.ahead, cross.behind) == ("A", "C")
    share = {s.method: s.fit.segments for s in fitted if s.measure == "share"}
    assert share["A"][-1].slope > 0 and share["C"][-1].slope < 0  # not one the mirror of another
    assert abs(share["B"][0].slope) < 0.2 * abs(share["A"][-1].slope)  # B holds a steady tenth
    narrow = trends.series(frame, "s", ["A", "B", "C"], ["QA"], level=0.80)[1][0]
    assert narrow.high - narrow.low < cross.high - cross.low


def test_a_pair_that_never_crosses_or_cannot_be_fitted_says_why():
    years = range(2005, 2021)
    frame = pd.DataFrame([{"method": m, "task": "QA", "year": y, "count": c}
                          for y in years for m, c in (("A", 300 + 10 * (y - 2005)), ("B", 100))])
    (cross,) = trends.series(frame, "s", ["B", "A"], ["QA"])[1]
    assert (cross.pair, cross.year, cross.note) == ("A/B", None, "none in 2005–2020")
    sparse = pd.DataFrame([{"method": m, "task": "QA", "year": y, "count": 1 if y == 2010 else 0}
                           for y in years for m in ("A", "B")])
    (cross,) = trends.series(sparse, "s", ["A", "B"], ["QA"])[1]
    assert (cross.task, cross.pair, cross.year) == ("QA", "A/B", None)
    assert cross.note == "too sparse to fit: 2 matches (at least 10)"  # A's and B's together
    one = trends.series(frame[frame.method == "A"], "s", ["A"], ["QA"])[1]
    assert one == [trends.Crossover("QA", "", None, None, None, "one method only")]


def test_why_a_series_is_not_fitted_names_its_years_and_matches_in_words():
    assert trends._why(np.arange(2020, 2021), [50]) == "too short to fit: 1 complete year (at least 5)"
    assert trends._why(np.arange(2017, 2021), [50] * 4) == "too short to fit: 4 complete years (at least 5)"
    assert trends._why(np.arange(2016, 2021), [1, 0, 0, 0, 0]) == "too sparse to fit: 1 match (at least 10)"
    assert trends._why(np.arange(2016, 2021), [2, 0, 0, 0, 0]) == "too sparse to fit: 2 matches (at least 10)"
    assert trends._why(np.arange(2016, 2021), [9, 0, 0, 0, 0]) == "too sparse to fit: 9 matches (at least 10)"
    assert trends._why(np.arange(2016, 2021), [10, 0, 0, 0, 0]) == (
        "no usable fit (a share near 0 or 1 throughout, or a series the model cannot estimate)")


def test_series_start_at_the_first_match_skip_a_task_missing_a_method_and_keep_their_source():
    years = range(2005, 2021)
    rows = [{"method": m, "task": "QA", "year": y, "count": 0 if y < 2008 else (1 if y == 2008 else 40 + y - 2008)}
            for y in years for m in ("A", "B")]
    rows += [{"method": "A", "task": "MT", "year": y, "count": 30} for y in years]  # B never counted for MT
    rows += [{"method": m, "task": "NLI", "year": y, "count": 0} for y in years for m in ("A", "B")]
    fitted, crossings = trends.series(pd.DataFrame(rows), "src", ["A", "B"], ["MT", "QA", "NLI"])
    assert {s.task for s in fitted} == {"QA", "NLI"} and [c.task for c in crossings] == ["QA", "NLI"]
    qa = [s for s in fitted if s.task == "QA"]
    assert all(s.source == "src" and list(s.years) == list(range(2008, 2021)) for s in qa)
    assert qa[0].years.dtype.kind == "i"
    assert all(s.note == "" for s in qa if s.fit is not None) and any(s.fit is not None for s in qa)
    nli = [s for s in fitted if s.task == "NLI"]  # nothing matched: nothing to fit, not one year of zeros
    assert all(len(s.years) == 0 and s.note.startswith("too short to fit: 0 complete years") for s in nli)


def test_counts_of_one_year_in_several_rows_add_up():
    rows = [{"method": "A", "task": "QA", "year": 2010, "count": 3}] * 2
    rows += [{"method": "A", "task": "QA", "year": y, "count": 0} for y in range(2011, 2015)]
    (s,), _ = trends.series(pd.DataFrame(rows), "s", ["A"], ["QA"])
    assert s.note == "too sparse to fit: 6 matches (at least 10)"


def test_rates_are_per_1000_works_and_a_year_without_searchable_works_is_left_out():
    years = range(2008, 2022)
    totals = {y: 10000 + 500 * (y - 2008) for y in years}
    searchable = {y: n // 2 for y, n in totals.items() if y != 2012}
    frame = pd.DataFrame([{"method": "A", "task": "QA", "year": y, "count": totals[y] // 20} for y in years])
    fitted, _ = trends.series(frame, "s", ["A"], ["QA"], totals=totals, searchable=searchable, level=0.9)
    by = {s.measure: s for s in fitted}
    assert math.exp(by["per_1000"].fit.eta([2015])[0]) == pytest.approx(50, rel=0.01)  # 1 in 20 of 1,000 works
    assert math.exp(by["per_1000_searchable"].fit.eta([2015])[0]) == pytest.approx(100, rel=0.01)
    assert 2012 not in by["per_1000_searchable"].fit.years and 2012 in by["per_1000"].fit.years
    assert all(s.fit.level == 0.9 for s in fitted)


def test_the_recent_average_needs_the_whole_span_and_starts_no_earlier_than_the_series():
    years = np.arange(2016, 2021)  # exactly the five years of the span
    frame = pd.DataFrame([{"method": "A", "task": "QA", "year": int(y), "count": 20 + 5 * i}
                          for i, y in enumerate(years)])
    (s,), _ = trends.series(frame, "s", ["A"], ["QA"])
    first, last, *_ = s.average()
    assert (first, last) == (2016, 2020)
    assert s.average(6) is None  # longer than the series
    gapped = trends.Series("s", "QA", "A", "count", np.array([2014, 2017, 2018, 2019, 2020]), s.fit)
    assert gapped.average() == gapped.average(5) and gapped.average()[0] == 2016
    late = trends.Series("s", "QA", "A", "count", np.array([2017, 2018, 2019, 2020, 2021]), s.fit)
    assert late.average(6) is None
    assert trends.Series("s", "QA", "A", "count", np.arange(2000, 2021), None).average() is None


def test_the_segment_table_numbers_segments_from_one_and_rounds_shares_finer_than_rates():
    frame = _series(0.3, 2012.5, range(2005, 2021))
    fitted, _ = trends.series(frame, "s", ["A", "B"], ["QA"])
    none = trends.Series("s", "QA", "A", "count", np.array([2020]), None, "too short")
    out = trends.frame([none, *fitted])
    done = [s for s in fitted if s.fit]
    assert len(out) == sum(len(s.fit.segments) for s in done) and len(done) > 1  # a series without a fit: no row
    for s in done:
        rows = out[(out["method"] == s.method) & (out["measure"] == s.measure)]
        assert list(rows["segment"]) == list(range(1, len(s.fit.segments) + 1))
        digits = 3 if s.measure == "share" else 1
        for seg, change in zip(s.fit.segments, rows["change"]):
            assert change == round(s.change(seg.slope), digits)
    assert any(change != round(change, 2) for change in out[out["measure"] == "share"]["change"])
    assert any(change != round(change, 0) for change in out[out["measure"] == "count"]["change"])
