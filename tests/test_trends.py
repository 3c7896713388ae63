"""Trend models against quasi-likelihood fits done by hand (scipy), and the table's edges.

The reference fit below maximises the binomial or Poisson log-likelihood with scipy, takes the
covariance from the Fisher information, scales it by Pearson's chi-squared over the residual
degrees of freedom where that exceeds 1 (the rule the module states), and builds Wald intervals
with the normal quantile: nothing of statsmodels is used.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from survey.evidence import trends


def _reference(family: str, successes, totals_or_none, years, exposure=None, level: float = 0.95) -> dict:
    y = np.asarray(years, dtype="float64")
    x = y - y.mean()
    design = np.column_stack([np.ones_like(x), x])
    offset = np.zeros_like(x) if exposure is None else np.log(np.asarray(exposure, dtype="float64"))
    k = np.asarray(successes, dtype="float64")
    n = None if totals_or_none is None else np.asarray(totals_or_none, dtype="float64")

    def mean_and_weight(b):
        eta = design @ b + offset
        if family == "binomial":
            p = 1 / (1 + np.exp(-eta))
            return n * p, n * p * (1 - p)
        return np.exp(eta), np.exp(eta)

    def nll(b):
        eta = design @ b + offset
        if family == "binomial":
            return -(k * eta - n * np.logaddexp(0, eta)).sum()
        return -(k * eta - np.exp(eta)).sum()

    def grad(b):
        return -design.T @ (k - mean_and_weight(b)[0])

    def hess(b):
        return design.T @ (design * mean_and_weight(b)[1][:, None])

    b = optimize.minimize(nll, np.zeros(2), jac=grad, hess=hess, method="trust-exact", options={"gtol": 1e-12}).x
    eta = design @ b + offset
    if family == "binomial":
        p = 1 / (1 + np.exp(-eta))
        weight, chi2 = n * p * (1 - p), ((k - n * p) ** 2 / (n * p * (1 - p))).sum()
    else:
        mu = np.exp(eta)
        weight, chi2 = mu, ((k - mu) ** 2 / mu).sum()
    dispersion = max(1.0, chi2 / (len(x) - 2))
    cov = np.linalg.inv(design.T @ (design * weight[:, None])) * dispersion
    se = math.sqrt(cov[1, 1])
    z = stats.norm.ppf(0.5 + level / 2)
    return {"b": b, "se": se, "ratio": math.exp(b[1]), "low": math.exp(b[1] - z * se), "high": math.exp(b[1] + z * se),
            "p": 2 * stats.norm.sf(abs(b[1]) / se), "dispersion": chi2 / (len(x) - 2), "cov": cov, "centre": y.mean()}


def _same(fit: trends.Slope, ref: dict, rel: float = 1e-6) -> None:
    assert (fit.ratio, fit.low, fit.high) == pytest.approx((ref["ratio"], ref["low"], ref["high"]), rel=rel)
    assert fit.p_value == pytest.approx(ref["p"], rel=1e-4)
    assert fit.centre == ref["centre"]


S, N, Y = [3, 9, 10, 22], [40, 35, 50, 41], [2010, 2011, 2012, 2013]


@pytest.mark.parametrize("level", [0.95, 0.9])
def test_share_trend_is_the_quasi_binomial_fit(level):
    ref = _reference("binomial", S, N, Y, level=level)
    assert ref["dispersion"] > 2  # overdispersed: the scaled covariance is what is tested
    _same(trends.share_trend(S, N, Y, level=level), ref)


def test_dispersion_between_one_and_two_still_widens_the_interval():
    counts, years = [10, 21, 17, 40, 48], range(2010, 2015)
    ref = _reference("poisson", counts, None, years)
    assert 1 < ref["dispersion"] < 2
    _same(trends.count_trend(counts, years), ref)


def test_an_underdispersed_series_keeps_the_model_variance():
    counts, years = [100, 120, 144, 173, 207], range(2010, 2015)
    ref = _reference("poisson", counts, None, years)
    assert ref["dispersion"] < 1
    _same(trends.count_trend(counts, years), ref)


def test_three_years_are_enough_and_their_one_residual_degree_scales():
    s, n, y = [2, 9, 9], [40, 40, 40], [2010, 2011, 2012]
    ref = _reference("binomial", s, n, y)
    assert ref["dispersion"] > 1
    _same(trends.share_trend(s, n, y), ref)
    counts = [5, 30, 31]
    _same(trends.count_trend(counts, y), _reference("poisson", counts, None, y))


def test_two_years_are_no_trend():
    assert trends.share_trend([1, 5], [10, 10], [2010, 2011]) is None
    assert trends.count_trend([1, 5], [2010, 2011]) is None


def test_a_year_without_totals_is_left_out_and_one_work_is_kept():
    with_gap = trends.share_trend([1, 2, 0, 3, 1], [4, 4, 0, 5, 1], [2010, 2011, 2012, 2013, 2014])
    _same(with_gap, _reference("binomial", [1, 2, 3, 1], [4, 4, 5, 1], [2010, 2011, 2013, 2014]))
    assert trends.share_trend([1, 0, 3], [4, 0, 5], [2010, 2011, 2012]) is None  # two years left


def test_a_single_match_in_the_middle_year_is_a_flat_trend():
    share = trends.share_trend([0, 1, 0], [5, 5, 5], [2010, 2011, 2012])
    _same(share, _reference("binomial", [0, 1, 0], [5, 5, 5], [2010, 2011, 2012]), rel=1e-4)  # IRLS stops early on tiny counts
    assert share.ratio == pytest.approx(1.0, abs=1e-9)
    count = trends.count_trend([0, 1, 0], [2010, 2011, 2012])
    assert count.ratio == pytest.approx(1.0, abs=1e-9)


def test_never_or_always_matched_has_no_share_trend():
    assert trends.share_trend([0, 0, 0], [5, 6, 7], [1, 2, 3]) is None
    assert trends.share_trend([5, 6, 7], [5, 6, 7], [1, 2, 3]) is None
    assert trends.count_trend([0, 0, 0], [1, 2, 3]) is None


def test_nullable_integer_series_are_read_as_numbers():
    share = trends.share_trend(*(pd.Series(v, dtype="Int64") for v in (S, N, Y)))
    _same(share, _reference("binomial", S, N, Y))
    counts = [5, 9, 30, 31, 60]
    years, works = range(2010, 2015), [100, 110, 150, 160, 200]
    count = trends.count_trend(*(pd.Series(list(v), dtype="Int64") for v in (counts, years, works)))
    _same(count, _reference("poisson", counts, None, years, exposure=works))


def test_exposure_of_zero_is_left_out_and_of_one_kept():
    counts, years, works = [5, 9, 7, 30, 31, 2], range(2010, 2016), [100, 110, 0, 150, 160, 1]
    fit = trends.count_trend(counts, years, works, level=0.9)
    _same(fit, _reference("poisson", [5, 9, 30, 31, 2], None, [2010, 2011, 2013, 2014, 2015],
                          exposure=[100, 110, 150, 160, 1], level=0.9))


def test_a_slope_past_fifty_on_the_log_scale_is_not_a_number():
    years = np.arange(2010, 2014)
    assert trends.count_trend(np.exp(51 * (years - 2010.0)), years) is None
    exact = trends.count_trend(np.exp(20 * (years - 2010.0)), years)
    assert math.log(exact.ratio) == pytest.approx(20, rel=1e-9)


@pytest.mark.parametrize("counts", [[3000, 0, 2], [2, 0, 3000]])
def test_an_interval_bound_past_fifty_on_the_log_scale_is_not_a_number(counts):
    years = [2010, 2011, 2012]
    ref = _reference("poisson", counts, None, years)
    b, se = ref["b"][1], ref["se"]
    assert 5 < abs(b) < 10 and se > 10

    def level_for(half_width):  # the level whose Wald interval is b +- half_width
        return 2 * stats.norm.cdf(half_width / se) - 1

    # the far bound at 44 (inside 50), then at 50.5 and |b| + 50 (outside), the near one always inside
    inside = trends.count_trend(counts, years, level=level_for(44 - abs(b)))
    assert math.log(inside.ratio) == pytest.approx(b, rel=1e-6)
    assert trends.count_trend(counts, years, level=level_for(50.5 - abs(b))) is None
    assert trends.count_trend(counts, years, level=level_for(50)) is None


def test_a_series_on_the_logistic_curve_exactly_is_a_trend():
    # 20%, 50%, 80%: log-odds -ln 4, 0, ln 4, so statsmodels warns of perfect prediction; the fit stands
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = trends.share_trend([2, 5, 8], [10, 10, 10], [2010, 2011, 2012])
    assert caught == []
    assert fit.ratio == pytest.approx(4.0, rel=1e-9)
    _same(fit, _reference("binomial", [2, 5, 8], [10, 10, 10], [2010, 2011, 2012]), rel=1e-5)


def test_a_missing_total_or_exposure_leaves_its_year_out():
    share = trends.share_trend(pd.Series([1, 2, 3, 4, 5], dtype="Int64"), pd.Series([4, None, 5, 6, 9], dtype="Int64"),
                               [2010, 2011, 2012, 2013, 2014])
    _same(share, _reference("binomial", [1, 3, 4, 5], [4, 5, 6, 9], [2010, 2012, 2013, 2014]))
    count = trends.count_trend([1, 2, 3, 4, 9], [2010, 2011, 2012, 2013, 2014],
                               pd.Series([4, None, 5, 6, 7], dtype="Int64"))
    _same(count, _reference("poisson", [1, 3, 4, 9], None, [2010, 2012, 2013, 2014], exposure=[4, 5, 6, 7]))
    assert trends.count_trend(pd.Series([1, None, 3, 4], dtype="Int64"), [2010, 2011, 2012, 2013]) is None


def test_a_separated_series_is_said_quietly():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert trends.share_trend([0, 0, 10, 10], [10, 10, 10, 10], [1, 2, 3, 4]) is None
    assert caught == []


# ------------------------------------------------------------------ crossover, from a given fit


def _slope(b0: float, b1: float, p: float = 0.001, centre: float = 2010.0, cov=((0.04, 0.0), (0.0, 0.01))) -> trends.Slope:
    return trends.Slope(math.exp(b1), math.exp(b1 - 0.1), math.exp(b1 + 0.1), p, np.array([b0, b1]),
                        np.array(cov, dtype="float64"), centre)


def test_crossover_year_and_its_bootstrap_interval():
    fit = _slope(1.0, 0.5, cov=((0.04, 0.01), (0.01, 0.02)))
    cross = trends.crossover(fit, 2000, 2020)
    assert cross.year == pytest.approx(2008.0) and cross.note == ""  # centre - b0 / b1
    # 4,000 Krinsky-Robb draws from the fixed default seed 0; the 2.5% and 97.5% quantiles of their parity years
    draws = np.random.default_rng(0).multivariate_normal([1.0, 0.5], fit.cov, size=4000)
    years = 2010.0 - draws[:, 0] / draws[:, 1]
    assert (cross.low, cross.high) == tuple(np.quantile(years[np.isfinite(years)], [0.025, 0.975]))
    narrow = trends.crossover(fit, 2000, 2020, level=0.5)
    assert (narrow.low, narrow.high) == tuple(np.quantile(years[np.isfinite(years)], [0.25, 0.75]))


def test_crossover_at_the_first_and_last_year_is_inside():
    assert trends.crossover(_slope(2.0, 1.0), 2008, 2012).year == 2008.0
    assert trends.crossover(_slope(-2.0, 1.0), 2008, 2012).year == 2012.0
    assert trends.crossover(_slope(-2.0, 1.0), 2008, 2011).note == "none in 2008–2011"


def test_a_flat_slope_has_no_crossover():
    assert trends.crossover(_slope(0.3, 0.0), 2000, 2020) == trends.Crossover(None, None, None, "none in 2000–2020")


def test_crossover_needs_a_p_value_below_one_minus_the_level():
    fit = _slope(0.5, 0.25, p=1 - 0.9)  # exactly at the bound: not significant
    assert trends.crossover(fit, 2000, 2020, level=0.9).note == "none: no significant trend (p = 0.10)"
    assert trends.crossover(fit, 2000, 2020, level=0.89).year == 2008.0


def test_fitted_share_is_the_logistic_curve():
    fit = _slope(0.4, -0.3, centre=2015.0)
    expected = [1 / (1 + math.exp(-(0.4 - 0.3 * (y - 2015)))) for y in (2010, 2015, 2021)]
    assert list(trends.fitted_share(fit, [2010, 2015, 2021])) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------------ the table


def _frame(counts: dict, years, task: str = "QA") -> pd.DataFrame:
    """counts: method -> one count per year."""
    return pd.DataFrame([{"method": m, "task": task, "year": y, "count": c}
                         for m, cs in counts.items() for y, c in zip(years, cs)])


YEARS = [2010, 2011, 2012, 2013, 2014]
TWO = {"A": [12, 15, 30, 28, 44], "B": [40, 31, 36, 20, 18]}
WORKS = {2010: 900, 2011: 1000, 2012: 1300, 2013: 1250, 2014: 1600}


def test_two_methods_every_column_against_fits_by_hand():
    fits: dict = {}
    out = trends.trends(_frame(TWO, YEARS), "s", ["A", "B"], ["QA"], totals=WORKS, level=0.9, fits=fits)
    out = out.set_index("method")
    a, b = np.array(TWO["A"]), np.array(TWO["B"])
    works = [WORKS[y] for y in YEARS]
    for m, k in (("A", a), ("B", b)):
        row = out.loc[m]
        share = _reference("binomial", k, a + b, YEARS, level=0.9)
        assert (row["odds_ratio"], row["or_low"], row["or_high"]) == pytest.approx(
            (share["ratio"], share["low"], share["high"]), rel=1e-6)
        assert row["p_value"] == pytest.approx(share["p"], rel=1e-4)
        for column, ref in (("growth", _reference("poisson", k, None, YEARS, level=0.9)),
                            ("growth_per_work", _reference("poisson", k, None, YEARS, exposure=works, level=0.9)),
                            ("literature_growth", _reference("poisson", works, None, YEARS, level=0.9))):
            got = (row[column], row[f"{column}_low"], row[f"{column}_high"])
            assert got == pytest.approx((ref["ratio"] - 1, ref["low"] - 1, ref["high"] - 1), rel=1e-6, abs=1e-9)
        assert (row["first_year"], row["last_year"], row["years"], row["matches"]) == (2010, 2014, 5, k.sum())
        assert fits[("QA", m)].ratio == row["odds_ratio"]
    np.testing.assert_array_equal(fits[("QA", "B")].params, -fits[("QA", "A")].params)
    # the leader is B (145 matches against 129): the crossover is where B's fitted share falls to one half
    lead = _reference("binomial", b, a + b, YEARS, level=0.9)
    assert lead["p"] < 0.1
    assert set(out["crossover_pair"]) == {"B/A"} and set(out["crossover_note"]) == {""}
    year = lead["centre"] - lead["b"][0] / lead["b"][1]
    assert 2010 <= year <= 2014 and out["crossover"].iloc[0] == pytest.approx(year, rel=1e-9)
    draws = np.random.default_rng(0).multivariate_normal(fits[("QA", "B")].params, fits[("QA", "B")].cov, size=4000)
    low, high = np.quantile(lead["centre"] - draws[:, 0] / draws[:, 1], [0.05, 0.95])
    assert (out["crossover_low"].iloc[0], out["crossover_high"].iloc[0]) == (low, high)
    assert {c: str(out.reset_index()[c].dtype) for c in ("first_year", "last_year", "years", "matches")} == dict.fromkeys(
        ("first_year", "last_year", "years", "matches"), "Int64")


def test_three_methods_each_share_of_all_and_the_pair_against_each_other():
    counts = {"A": [0, 1, 10, 20, 35, 50, 70], "B": [0, 0, 60, 50, 40, 30, 20], "C": [5, 9, 4, 12, 6, 3, 8]}
    years = list(range(2010, 2017))
    out = trends.trends(_frame(counts, years), "s", ["C", "A", "B"], ["QA"]).set_index("method")
    total = sum(np.array(v) for v in counts.values())
    for m, k in counts.items():
        ref = _reference("binomial", k, total, years)
        assert (out.loc[m, "odds_ratio"], out.loc[m, "or_low"], out.loc[m, "or_high"]) == pytest.approx(
            (ref["ratio"], ref["low"], ref["high"]), rel=1e-6)
    assert set(out["crossover_pair"]) == {"B/A"}
    a, b = np.array(counts["A"]), np.array(counts["B"])
    pair = _reference("binomial", b[1:], (a + b)[1:], years[1:])  # 2010 has no match of either
    assert out.loc["A", "crossover"] == pytest.approx(pair["centre"] - pair["b"][0] / pair["b"][1], rel=1e-9)


def test_the_crossover_range_is_where_the_pair_has_matches():
    # 2010: C only; 2011: a single match of the pair; B leads throughout and would reach parity after 2016
    counts = {"A": [0, 0, 10, 12, 14, 16, 18], "B": [0, 1, 80, 70, 60, 50, 40], "C": [5, 9, 4, 12, 6, 3, 8]}
    years = list(range(2010, 2017))
    out = trends.trends(_frame(counts, years), "s", ["A", "B", "C"], ["QA"])
    assert set(out["crossover_note"]) == {"none in 2011–2016"} and out["crossover"].isna().all()
    assert set(out["first_year"]) == {2010}


def test_one_method_has_growth_but_no_share_or_pair():
    out = trends.trends(_frame({"A": TWO["A"]}, YEARS), "s", ["A"], ["QA"])
    row = out.iloc[0]
    assert (row["crossover_pair"], row["crossover_note"]) == ("", "one method only")
    assert math.isnan(row["odds_ratio"]) and math.isnan(row["crossover"])
    assert row["growth"] == pytest.approx(_reference("poisson", TWO["A"], None, YEARS)["ratio"] - 1, rel=1e-6)
    assert math.isnan(row["growth_per_work"]) and math.isnan(row["literature_growth"])  # no totals given


def test_a_task_without_any_match_has_no_years_and_says_so():
    out = trends.trends(_frame({"A": [0, 0, 0], "B": [0, 0, 0]}, [2018, 2019, 2020]), "s", ["A", "B"], ["QA"])
    assert list(out["years"]) == [0, 0] and list(out["matches"]) == [0, 0]
    assert out["first_year"].isna().all() and out["last_year"].isna().all()
    assert set(out["crossover_note"]) == {"no matches"} and set(out["crossover_pair"]) == {""}


def test_years_before_the_first_match_are_not_part_of_the_series():
    counts = {"A": [0, 0, 1, 9, 20, 31], "B": [0, 0, 0, 30, 28, 25]}
    out = trends.trends(_frame(counts, range(2008, 2014)), "s", ["A", "B"], ["QA"]).set_index("method")
    assert (out.loc["A", "first_year"], out.loc["A", "years"]) == (2010, 4)
    ref = _reference("binomial", [1, 9, 20, 31], [1, 39, 48, 56], [2010, 2011, 2012, 2013])
    assert out.loc["A", "odds_ratio"] == pytest.approx(ref["ratio"], rel=1e-6)


def test_a_task_lacking_a_method_is_left_out_and_the_next_one_kept():
    frame = pd.concat([_frame({"A": TWO["A"]}, YEARS, task="MT"), _frame(TWO, YEARS, task="QA")])
    out = trends.trends(frame, "s", ["A", "B"], ["MT", "QA"])
    assert list(out["task"]) == ["QA", "QA"]


def test_rows_of_the_same_year_are_added_and_a_missing_count_dropped():
    frame = _frame(TWO, YEARS)
    split = pd.concat([frame.assign(count=frame["count"] - 2), frame.assign(count=2),
                       pd.DataFrame([{"method": "A", "task": "QA", "year": 2015, "count": None}])])
    split = split.assign(query=None)  # a column without values is no reason to drop a row
    pd.testing.assert_frame_equal(trends.trends(split, "s", ["A", "B"], ["QA"]), trends.trends(frame, "s", ["A", "B"], ["QA"]))


def test_a_year_with_no_works_in_the_totals_is_a_gap_in_coverage():
    frame = _frame({"A": TWO["A"] + [99], "B": TWO["B"] + [1]}, YEARS + [2015])
    with_gap = trends.trends(frame, "s", ["A", "B"], ["QA"], totals=WORKS | {2015: 0})
    pd.testing.assert_frame_equal(with_gap, trends.trends(_frame(TWO, YEARS), "s", ["A", "B"], ["QA"], totals=WORKS))
    assert set(with_gap["last_year"]) == {2014}


def test_totals_of_the_incomplete_year_only_are_no_totals():
    frame = _frame(TWO, YEARS)
    out = trends.trends(frame, "s", ["A", "B"], ["QA"], totals={2015: 500}, incomplete_from=2015)
    pd.testing.assert_frame_equal(out, trends.trends(frame, "s", ["A", "B"], ["QA"]))
    assert out["growth_per_work"].isna().all()


def test_the_literature_growth_is_fitted_over_each_task_span():
    frame = pd.concat([_frame(TWO, YEARS, task="QA"), _frame({"A": [3, 5, 9], "B": [4, 4, 5]}, YEARS[2:], task="MT")])
    out = trends.trends(frame, "s", ["A", "B"], ["QA", "MT"], totals=WORKS).set_index("task")
    for task, years in (("QA", YEARS), ("MT", YEARS[2:])):
        ref = _reference("poisson", [WORKS[y] for y in years], None, years)
        assert list(out.loc[task, "literature_growth"]) == pytest.approx([ref["ratio"] - 1] * 2, rel=1e-6)


def test_years_and_counts_given_as_text_are_read_as_numbers():
    frame = _frame({"A": TWO["A"] + [1], "B": TWO["B"] + [1]}, YEARS + [2015])
    as_text = frame.astype({"year": str, "count": str})
    pd.testing.assert_frame_equal(trends.trends(as_text, "s", ["A", "B"], ["QA"], incomplete_from=2015),
                                  trends.trends(frame, "s", ["A", "B"], ["QA"], incomplete_from=2015))


# ------------------------------------------------------------------ the fit's own edges, with statsmodels stood in for


def test_the_fit_silences_only_the_warnings_of_degenerate_data(monkeypatch):
    from statsmodels.genmod import generalized_linear_model as glm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    class Noisy(glm.GLM):
        def fit(self, *args, **kwargs):
            warnings.warn("separation", PerfectSeparationWarning)
            warnings.warn("overflow", RuntimeWarning)
            warnings.warn("an API about to change", FutureWarning)  # not the data's: the caller should see it
            return super().fit(*args, **kwargs)

    monkeypatch.setattr(glm, "GLM", Noisy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = trends.share_trend(S, N, Y)
    assert caught and {w.category for w in caught} == {FutureWarning}
    _same(fit, _reference("binomial", S, N, Y))


@pytest.mark.parametrize("low, high, kept", [(40.0, 50.0, True), (-50.0, -40.0, True),
                                             (40.0, math.nextafter(50.0, 51.0), False)])
def test_a_bound_of_exactly_fifty_on_the_log_scale_is_still_a_number(monkeypatch, low, high, kept):
    from statsmodels.genmod import generalized_linear_model as glm

    class Result:  # a fit whose interval is given, so that a bound sits exactly on the cutoff
        params, pvalues, pearson_chi2, df_resid = np.array([1.0, 45.0 if low > 0 else -45.0]), np.array([0.5, 0.01]), 0.5, 1

        def conf_int(self, alpha):
            return np.array([[0.0, 2.0], [low, high]])

        def cov_params(self):
            return np.eye(2)

    class Model:
        def __init__(self, endog, exog, family=None, offset=None):
            pass

        def fit(self, scale=None):
            return Result()

    monkeypatch.setattr(glm, "GLM", Model)
    fit = trends.count_trend([1, 2, 3], [2010, 2011, 2012])
    if not kept:
        assert fit is None
        return
    slope = 45.0 if low > 0 else -45.0
    assert (fit.ratio, fit.low, fit.high, fit.p_value) == (math.exp(slope), math.exp(low), math.exp(high), 0.01)
    assert fit.centre == 2011.0 and fit.params.tolist() == [1.0, slope]


def test_never_or_always_matched_has_no_share_trend_however_large_the_totals():
    # With a trillion matches a year the GLM of an all-zero series settles on a flat slope with a
    # finite interval; no variation is still no trend.
    years, totals = range(2010, 2016), [10**12] * 6
    assert trends.share_trend([0] * 6, totals, years) is None
    assert trends.share_trend(totals, totals, years) is None


def test_the_level_reaches_the_fit_of_the_pair_of_three_methods():
    # A against B: 1 of 1, 0 of 8, 8 of 8. At 95% the slope's interval stays inside 50 on the log
    # scale; at a level whose far bound is 55 the pair has no fit at all.
    counts = {"A": [1, 0, 8], "B": [0, 8, 0], "C": [1, 1, 1]}
    years = [2010, 2011, 2012]
    a, b = np.array(counts["A"]), np.array(counts["B"])
    ref = _reference("binomial", a, a + b, years)
    slope, se = ref["b"][1], ref["se"]
    assert abs(slope) + stats.norm.ppf(0.975) * se < 50
    wide = 2 * stats.norm.cdf((55 - abs(slope)) / se) - 1
    notes = {level: set(trends.trends(_frame(counts, years), "s", ["A", "B", "C"], ["QA"], level=level)["crossover_note"])
             for level in (0.95, wide)}
    assert notes == {0.95: {f"none: no significant trend (p = {ref['p']:.2f})"}, wide: {"no fit"}}
