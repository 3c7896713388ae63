"""Joinpoint regression on synthetic series of known shape: where the joinpoints fall, what each
segment's change is, and whether the intervals cover the truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from survey.evidence import joinpoint as jp

YEARS = np.arange(2008, 2025)


def rise_then_fall(peak: int, start: float, up: float = 1.4, down: float = 0.7) -> np.ndarray:
    t = YEARS - YEARS[0]
    return start * np.where(YEARS <= peak, up ** t, up ** (peak - YEARS[0]) * down ** (YEARS - peak))


def covers(seg: jp.Segment, ratio: float) -> bool:
    return seg.low <= math.log(ratio) <= seg.high


@pytest.mark.parametrize("seed,peak", [(1, 2015), (2, 2017), (3, 2019)])
def test_rise_then_fall_has_one_joinpoint_at_the_peak_and_intervals_over_the_true_changes(seed, peak):
    y = np.random.default_rng(seed).poisson(rise_then_fall(peak, 15.0))
    fit = jp.fit("poisson", YEARS, y)
    assert len(fit.joinpoints) == 1 and abs(fit.joinpoints[0] - peak) <= 1
    up, down = fit.segments
    assert (up.start, up.end, down.start, down.end) == (2008, fit.joinpoints[0], fit.joinpoints[0], 2024)
    assert covers(up, 1.4) and covers(down, 0.7)
    assert up.p_value < 0.001 and down.p_value < 0.001


def test_a_rate_per_work_is_fitted_with_the_works_as_offset():
    rng = np.random.default_rng(0)
    works = np.round(1000 * 1.12 ** (YEARS - YEARS[0]))  # the literature grows 12% a year
    rate = rise_then_fall(2016, 0.02)  # matches per work: +40% to 2016, then -30%
    fit = jp.fit("poisson", YEARS, rng.poisson(rate * works), exposure=works)
    assert fit.joinpoints == (2016,)
    assert covers(fit.segments[0], 1.4) and covers(fit.segments[1], 0.7)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_steady_growth_is_one_segment_whose_interval_covers_it(seed):
    y = np.random.default_rng(seed).poisson(30 * 1.09 ** (YEARS - YEARS[0]))
    fit = jp.fit("poisson", YEARS, y)
    assert fit.joinpoints == ()
    (seg,) = fit.segments
    assert covers(seg, 1.09) and seg.p_value < 0.001
    assert (seg.start, seg.end) == (2008, 2024)


def test_flat_series_are_one_segment_whose_interval_covers_no_change_at_the_stated_rate():
    rng = np.random.default_rng(8)
    fits = [jp.fit("poisson", YEARS, rng.poisson(np.full(len(YEARS), 60.0))) for _ in range(60)]
    assert sum(f.joinpoints == () for f in fits) >= 58  # a joinpoint in noise: about 1 in 200 (module docstring)
    assert sum(covers(f.segments[0], 1.0) for f in fits if f.joinpoints == ()) >= 53  # 95%, less noise: 57 expected


def test_intervals_of_both_segments_cover_the_truth_in_most_rise_then_fall_series():
    rng = np.random.default_rng(9)
    hits = 0
    for _ in range(40):
        fit = jp.fit("poisson", YEARS, rng.poisson(rise_then_fall(2016, 15.0)))
        hits += len(fit.segments) == 2 and covers(fit.segments[0], 1.4) and covers(fit.segments[1], 0.7)
    assert hits >= 32  # two 95% intervals, conditional on the joinpoint: about 36 expected


def test_a_share_crossing_one_half_gives_the_crossover_within_a_year_and_covers_it():
    rng = np.random.default_rng(11)
    truth = 2016.5  # logit share = 0.35 (year - 2016.5): the odds ratio per year is exp(0.35)
    n = rng.poisson(200, len(YEARS))
    k = rng.binomial(n, 1 / (1 + np.exp(-0.35 * (YEARS - truth))))
    fit = jp.fit("binomial", YEARS, k, m=n)
    year, low, high = fit.crossing()
    assert abs(year - truth) <= 1 and low <= truth <= high and high - low < 3
    assert covers(fit.segments[0], math.exp(0.35))


def test_a_share_that_never_reaches_one_half_has_no_crossover():
    rng = np.random.default_rng(12)
    n = np.full(len(YEARS), 300)
    k = rng.binomial(n, 1 / (1 + np.exp(-(-2 + 0.05 * (YEARS - YEARS[0])))))
    assert jp.fit("binomial", YEARS, k, m=n).crossing() is None


def test_a_flat_share_at_one_half_is_no_crossover():
    n = np.full(len(YEARS), 400)
    k = np.random.default_rng(13).binomial(n, 0.5)
    fit = jp.fit("binomial", YEARS, k, m=n)
    assert fit.segments[0].p_value > 0.05 and fit.crossing() is None


def test_over_dispersion_widens_every_interval_and_is_reported():
    rng = np.random.default_rng(14)
    mean = 50 * 1.05 ** (YEARS - YEARS[0])
    y = rng.negative_binomial(5, 5 / (5 + mean))  # variance mean + mean^2 / 5: about 11 times Poisson's
    fit = jp.fit("poisson", YEARS, y, k_max=0)
    plain = GLM(y, np.column_stack([np.ones(len(YEARS)), YEARS - YEARS[0]]), family=families.Poisson()).fit()
    assert fit.dispersion == pytest.approx(plain.pearson_chi2 / plain.df_resid)
    assert fit.dispersion > 2 and fit.poor_fit
    wide = fit.segments[0].high - fit.segments[0].low
    narrow = 2 * 1.959964 * plain.bse[1]
    assert wide > narrow * math.sqrt(fit.dispersion) * 0.99  # scaled, and Student's t on top


def test_the_average_over_the_last_years_weighs_each_segment_by_its_years():
    y = np.random.default_rng(15).poisson(rise_then_fall(2021, 15.0))
    fit = jp.fit("poisson", YEARS, y)
    assert fit.joinpoints == (2021,)
    up, down = fit.segments
    value, low, high = fit.average(2020, 2024)  # 1 year of the rise, 3 of the fall
    assert value == pytest.approx((1 * up.slope + 3 * down.slope) / 4)
    assert low < value < high
    only_fall = fit.average(2021, 2024)
    assert only_fall[0] == pytest.approx(down.slope) and only_fall[1] == pytest.approx(down.low)


def test_the_grid_search_deviance_is_statsmodels_deviance():
    rng = np.random.default_rng(16)
    x = (YEARS - YEARS[0]).astype(float)
    works = rng.integers(500, 900, len(x)).astype(float)
    y = rng.poisson(works * 0.01 * np.exp(0.1 * x - 0.25 * np.maximum(x - 9, 0))).astype(float)
    best = jp.best_placements("poisson", x, y, offset=np.log(works), k_max=2)
    for k, (idx, dev, *_) in best.items():
        res = GLM(y, jp.design(x, [x[i] for i in idx]), family=families.Poisson(), offset=np.log(works)).fit()
        assert dev == pytest.approx(res.deviance, rel=1e-6)
    n = rng.integers(50, 100, len(x)).astype(float)
    k = rng.binomial(n.astype(int), 0.3).astype(float)
    for k_joins, (idx, dev, *_) in jp.best_placements("binomial", x, k, m=n, k_max=1).items():
        res = GLM(np.column_stack([k, n - k]), jp.design(x, [x[i] for i in idx]), family=families.Binomial()).fit()
        assert dev == pytest.approx(res.deviance, rel=1e-6)


def test_too_short_or_too_sparse_is_no_fit():
    assert jp.fit("poisson", YEARS[:4], [10, 20, 30, 40]) is None
    assert jp.fit("poisson", YEARS[:5], [10, 20, 30, 40, 50]) is not None
    assert jp.fit("poisson", YEARS, np.r_[np.zeros(len(YEARS) - 3), 3, 3, 3]) is None  # 9 matches
    n = np.full(len(YEARS), 50)
    assert jp.fit("binomial", YEARS, n, m=n) is None  # always matched


@pytest.mark.parametrize("n,k", [(5, 0), (6, 0), (7, 1), (11, 1), (12, 2), (16, 2), (17, 3), (40, 3)])
def test_the_most_joinpoints_tried_follow_nci_defaults_up_to_three(n, k):
    assert jp.max_joinpoints(n) == k


def test_placements_keep_two_years_between_joinpoints_and_three_from_either_end():
    assert jp.placements(7, 1) == [(3,)]
    assert jp.placements(9, 1) == [(3,), (4,), (5,)]
    assert jp.placements(9, 2) == []
    assert jp.placements(10, 2) == [(3, 6)]  # every segment four years long, joinpoints counted in both
    assert jp.placements(11, 2) == [(3, 6), (3, 7), (4, 7)]


def test_intervals_cover_the_joinpoint_years_the_data_cannot_tell_apart(monkeypatch):
    # a blunt peak: here a joinpoint in 2015 fits within the region of 2016's (deviance 1.44 more, under 3.84)
    y = np.random.default_rng(19).poisson(rise_then_fall(2016, 6.0, up=1.25, down=0.8))
    wide = jp.fit("poisson", YEARS, y)
    monkeypatch.setattr(jp, "MAX_ALTERNATIVES", 0)
    narrow = jp.fit("poisson", YEARS, y)
    assert wide.joinpoints == narrow.joinpoints and len(wide.segments) == 2
    for w, n in zip(wide.segments, narrow.segments):
        assert (w.slope, w.p_value) == (n.slope, n.p_value)  # the estimate is the best placement's
        assert w.low <= n.low and w.high >= n.high
    assert any(w.low < n.low or w.high > n.high for w, n in zip(wide.segments, narrow.segments))


def test_the_mirror_of_a_share_fit_is_the_fit_of_the_other_share():
    rng = np.random.default_rng(21)
    n = rng.poisson(150, len(YEARS))
    k = rng.binomial(n, 1 / (1 + np.exp(-np.where(YEARS < 2016, 0.3 * (YEARS - 2014), 0.6 - 0.2 * (YEARS - 2016)))))
    fit, other = jp.fit("binomial", YEARS, k, m=n), jp.fit("binomial", YEARS, n - k, m=n)
    mirrored = jp.mirror(fit)
    assert mirrored.joinpoints == other.joinpoints == fit.joinpoints != ()
    np.testing.assert_allclose(mirrored.params, other.params, rtol=1e-5, atol=1e-7)
    for a, b in zip(mirrored.segments, other.segments):
        assert (a.slope, a.low, a.high, a.p_value) == pytest.approx((b.slope, b.low, b.high, b.p_value), rel=1e-4, abs=1e-6)
    assert jp.mirror(None) is None


def test_a_segment_claims_a_change_only_where_its_widened_interval_excludes_none():
    """p < 0.05 given the joinpoint, but the interval widened over the joinpoint years the data
    allow holds zero (the ACL LSTM share over 2013-2016 did): no clear change, so no crossover in it."""
    unclear = jp.Segment(start=2013, end=2016, slope=0.9, low=-0.003, high=1.78, p_value=0.007)
    clear = jp.Segment(start=2013, end=2016, slope=0.9, low=0.2, high=1.6, p_value=0.007)
    flat = jp.Segment(start=2016, end=2024, slope=0.0, low=-0.1, high=0.1, p_value=0.9)
    assert not unclear.clear() and clear.clear() and not flat.clear()
    # a logit share rising through one half in the first segment (x from -2 to 1), flat after
    params = np.array([0.0, 0.9, -0.9])
    knots, x = [1.0], np.arange(-2.0, 7.0)
    assert jp._last_zero(params, knots, x, [clear, flat], 0.95) == pytest.approx(0.0)
    assert jp._last_zero(params, knots, x, [unclear, flat], 0.95) is None


# ------------------------------------------------------------------ mutation survivors (issue 23)


def test_a_segment_is_clear_only_with_p_under_the_level_and_an_interval_that_excludes_no_change():
    from survey.evidence.joinpoint import Segment

    assert Segment(2000, 2010, 0.3, 0.1, 0.5, 0.01).clear() and Segment(2000, 2010, -0.3, -0.5, -0.1, 0.01).clear()
    assert not Segment(2000, 2010, 0.3, 0.0, 0.5, 0.01).clear()  # the interval reaches no change
    assert not Segment(2000, 2010, -0.3, -0.5, 0.0, 0.01).clear()
    assert not Segment(2000, 2010, 0.3, -0.2, 0.5, 0.01).clear()
    assert not Segment(2000, 2010, 0.3, 0.1, 0.5, 0.5).clear()
    assert Segment(2000, 2010, 0.3, 0.1, 0.5, 0.07).clear(level=0.90)


def test_student_t_only_where_the_dispersion_was_estimated_above_one_with_residual_df():
    from scipy import stats

    from survey.evidence.joinpoint import _ppf, _sf

    for dispersion, df, t in [(1.5, 10, True), (1.5, 1, True), (1.0, 10, False), (0.5, 10, False), (1.5, 0, False)]:
        assert _sf(2.0, dispersion, df) == (stats.t.sf(2.0, df) if t else stats.norm.sf(2.0))
        assert _ppf(0.975, dispersion, df) == (stats.t.ppf(0.975, df) if t else stats.norm.ppf(0.975))


def test_a_one_segment_fit_has_two_sided_p_values_and_its_average_is_its_segment():
    import math

    from scipy import stats

    from survey.evidence import joinpoint

    years = np.arange(2010, 2020)
    y = np.round(50 * 1.2 ** (years - 2010) * (1 + 0.05 * np.sin(years)))
    f = joinpoint.fit("poisson", years, y)
    (seg,) = f.segments
    se = math.sqrt(f.cov[1, 1])
    q = joinpoint._ppf(0.975, f.dispersion, f.df_resid)
    assert seg.p_value == pytest.approx(2 * joinpoint._sf(abs(seg.slope) / se, f.dispersion, f.df_resid), rel=1e-9)
    assert joinpoint._p_values(f.params, f.cov, 1.0, 0)[1] == pytest.approx(2 * stats.norm.sf(abs(f.params[1]) / se))
    assert f.average(2010, 2019) == pytest.approx((seg.slope, seg.slope - q * se, seg.slope + q * se), rel=1e-9)
