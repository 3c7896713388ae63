"""Tested trends: how a method's share and count change per year, and when the lead changes.

Models (statsmodels GLMs, year centred on the mean of the years fitted):

- share: a binomial regression of the method's matches on year, out of all method matches of
  the task that year. exp(slope) is the odds ratio per year, with its 95% interval and p-value.
- crossover: the same regression for the leader against the runner-up (the two methods with
  the most matches over the years fitted); the crossover is the year where the fitted
  conditional share is one half. Its interval comes from 4,000 draws of the coefficients from
  their estimated normal distribution (the parametric bootstrap of Krinsky and Robb, 1986): a
  refit per resample would cost a second per task, this costs a millisecond.
- growth: a Poisson regression of the method's count on year; with the source's year totals,
  a second one with log(total) as offset (growth per work, beyond the literature's own), and one
  of the totals themselves (the literature's growth).

Counts of papers vary between years more than binomial or Poisson noise allows, so every fit is
quasi-likelihood: the covariance is scaled by Pearson's chi-squared over the residual degrees
of freedom where that exceeds 1 (McCullagh and Nelder 1989, section 4.5). Years from
``incomplete_from`` on are left out of every fit: a year still being indexed would read as a
fall.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.evidence.intervals import LEVEL

MIN_YEARS = 3
DRAWS = 4000
COLUMNS = [
    "source", "task", "method", "first_year", "last_year", "years", "matches",
    "odds_ratio", "or_low", "or_high", "p_value",
    "growth", "growth_low", "growth_high",
    "growth_per_work", "growth_per_work_low", "growth_per_work_high",
    "literature_growth", "literature_growth_low", "literature_growth_high",
    "crossover_pair", "crossover", "crossover_low", "crossover_high", "crossover_note",
]  # fmt: skip


@dataclass(frozen=True)
class Slope:
    """exp(slope per year) of a GLM, with its interval and p-value."""

    ratio: float
    low: float
    high: float
    p_value: float
    params: np.ndarray
    cov: np.ndarray
    centre: float


def _fit(family: str, endog, years: np.ndarray, offset=None, level: float = LEVEL) -> Slope | None:
    """One GLM of ``endog`` on centred year; None where it cannot be estimated."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    centre = float(years.mean())
    exog = np.column_stack([np.ones(len(years)), years - centre])
    fam = families.Binomial() if family == "binomial" else families.Poisson()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            model = GLM(endog, exog, family=fam, offset=offset)
            res = model.fit()
            dispersion = res.pearson_chi2 / res.df_resid if res.df_resid > 0 else 1.0
            if dispersion > 1.0 and np.isfinite(dispersion):
                res = model.fit(scale=dispersion)
        except Exception:  # statsmodels raises several types on degenerate data; the caller says "n/a"
            return None
    low, high = res.conf_int(alpha=1 - level)[1]
    slope, p = float(res.params[1]), float(res.pvalues[1])
    # A near-separated series (a method in every match of one year, none of the next) has a slope
    # without a usable estimate: said as n/a, never an overflowing number.
    if not all(map(math.isfinite, (slope, low, high, p))) or max(abs(slope), abs(low), abs(high)) > 50:
        return None
    return Slope(math.exp(slope), math.exp(low), math.exp(high), p, np.asarray(res.params),
                 np.asarray(res.cov_params()), centre)


def share_trend(successes, totals, years, level: float = LEVEL) -> Slope | None:
    """Binomial regression of ``successes`` out of ``totals`` on year (arrays, one entry per year)."""
    s, n, y = (np.asarray(v, dtype="float64") for v in (successes, totals, years))
    keep = n > 0
    s, n, y = s[keep], n[keep], y[keep]
    if len(y) < MIN_YEARS or s.sum() == 0 or s.sum() == n.sum():
        return None  # no variation to fit: a method never or always matched
    return _fit("binomial", np.column_stack([s, n - s]), y, level=level)


def count_trend(counts, years, exposure=None, level: float = LEVEL) -> Slope | None:
    """Poisson regression of ``counts`` on year, with log(``exposure``) as offset where given."""
    c, y = np.asarray(counts, dtype="float64"), np.asarray(years, dtype="float64")
    offset = None
    if exposure is not None:
        e = np.asarray(exposure, dtype="float64")
        keep = e > 0
        c, y, e = c[keep], y[keep], e[keep]
        offset = np.log(e)
    if len(y) < MIN_YEARS or c.sum() == 0:
        return None
    return _fit("poisson", c, y, offset, level)


@dataclass(frozen=True)
class Crossover:
    year: float | None  # the fitted year of parity; None where it falls outside the years fitted
    low: float | None
    high: float | None
    note: str  # "" where ``year`` is set, else why there is none


def crossover(fit: Slope | None, first: int, last: int, level: float = LEVEL, seed: int = 0) -> Crossover:
    """Where the fitted conditional share of a pair reaches one half, with a parametric bootstrap interval."""
    if fit is None:
        return Crossover(None, None, None, "no fit")
    if fit.p_value >= 1 - level:
        # A parity year of a slope indistinguishable from zero is an artefact of the fit, not a change of lead.
        return Crossover(None, None, None, f"none: no significant trend (p = {fit.p_value:.2f})")
    b0, b1 = fit.params
    if b1 == 0:
        return Crossover(None, None, None, f"none in {first}–{last}")
    year = fit.centre - b0 / b1
    if not first <= year <= last:
        return Crossover(None, None, None, f"none in {first}–{last}")
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(fit.params, fit.cov, size=DRAWS)
    with np.errstate(divide="ignore", invalid="ignore"):
        years = fit.centre - draws[:, 0] / draws[:, 1]
    years = years[np.isfinite(years)]
    tail = (1 - level) / 2
    low, high = np.quantile(years, [tail, 1 - tail])
    return Crossover(float(year), float(low), float(high), "")


def fitted_share(fit: Slope, years) -> np.ndarray:
    """The fitted share at ``years`` (for figures)."""
    x = np.asarray(years, dtype="float64") - fit.centre
    return 1 / (1 + np.exp(-(fit.params[0] + fit.params[1] * x)))


def _mirror(fit: Slope | None) -> Slope | None:
    """The fit of 1 - share: the same model with the coefficients negated."""
    if fit is None:
        return None
    return Slope(1 / fit.ratio, 1 / fit.high, 1 / fit.low, fit.p_value, -fit.params, fit.cov, fit.centre)


def _growth(fit: Slope | None) -> tuple:
    return (None, None, None) if fit is None else (fit.ratio - 1, fit.low - 1, fit.high - 1)


def trends(per_year: pd.DataFrame, source: str, methods: list[str], tasks: list[str], *,
           totals: dict[int, int] | None = None, incomplete_from: int | None = None,
           level: float = LEVEL, fits: dict | None = None) -> pd.DataFrame:
    """One row per task and method: share odds ratio per year, count growth, and the task's crossover.

    ``per_year``: method, task, year, count (one source). ``totals``: the source's works per year,
    where it gives them; a year with no works is a gap in coverage and is left out. ``fits``: a dict
    to fill with (task, method) -> the share fit (``Slope`` or None), for drawing the fitted curves.
    """
    frame = per_year.dropna(subset=["count"])
    frame = frame.assign(year=frame["year"].astype("int64"), count=frame["count"].astype("int64"))
    if incomplete_from is not None:
        frame = frame[frame["year"] < incomplete_from]
    totals = {int(y): int(n) for y, n in (totals or {}).items() if n and (incomplete_from is None or y < incomplete_from)}
    if totals:
        frame = frame[frame["year"].isin(list(totals))]
    rows = []
    fits = fits if fits is not None else {}
    cache: dict = {}  # the literature's growth over a span of years, fitted once per span
    for task in tasks:
        wide = frame[frame["task"] == task].pivot_table(index="year", columns="method", values="count", aggfunc="sum")
        present = [m for m in methods if m in wide.columns]
        if len(present) < len(methods) or wide.empty:
            continue
        wide = wide[present].dropna()  # a year needs every method's count for its shares
        # Before the first match of any method, the methods did not exist under these names: those
        # structural zeros would drive every fit, so a task's series starts at its first match.
        matched = wide.index[wide.sum(axis=1) > 0]
        wide = wide.loc[matched.min():] if len(matched) else wide.iloc[:0]
        years = wide.index.to_numpy(dtype="float64")
        all_matches = wide.sum(axis=1).to_numpy()
        exposure = np.array([totals.get(int(y), 0) for y in years]) if totals else None
        span = (tuple(years), "literature")
        if totals and span not in cache:
            cache[span] = count_trend(exposure, years, level=level)
        literature = cache.get(span)
        ranked = sorted(present, key=lambda m: -wide[m].sum())
        pair, cross = "", Crossover(None, None, None, "one method only" if len(present) < 2 else "no matches")
        shares_fit: dict = {}
        if len(present) > 1:
            for m in present:
                if len(present) == 2 and shares_fit:
                    # Two methods: the other share is one minus this one, its fit the mirror image.
                    shares_fit[m] = _mirror(next(iter(shares_fit.values())))
                else:
                    shares_fit[m] = share_trend(wide[m], all_matches, years, level)
        if len(ranked) >= 2 and len(years):
            a, b = ranked[0], ranked[1]
            pair = f"{a}/{b}"
            # with two methods the leader's share of all matches is its share against the runner-up
            fit = shares_fit[a] if len(present) == 2 else share_trend(wide[a], wide[a] + wide[b], years, level)
            matched = years[(wide[a] + wide[b]).to_numpy() > 0]  # the range is where the pair has matches
            if len(matched):
                cross = crossover(fit, int(matched.min()), int(matched.max()), level)
        for m in present:
            share = shares_fit.get(m)
            fits[(task, m)] = share
            growth = _growth(count_trend(wide[m], years, level=level))
            per_work = _growth(count_trend(wide[m], years, exposure, level)) if totals else (None, None, None)
            rows.append([
                source, task, m, int(years.min()) if len(years) else None, int(years.max()) if len(years) else None,
                len(years), int(wide[m].sum()),
                *((share.ratio, share.low, share.high, share.p_value) if share else (None,) * 4),
                *growth, *per_work, *_growth(literature),
                pair, cross.year, cross.low, cross.high, cross.note,
            ])
    out = pd.DataFrame(rows, columns=COLUMNS)
    numeric = [c for c in COLUMNS if c not in ("source", "task", "method", "crossover_pair", "crossover_note")]
    out = out.astype({c: "float64" for c in numeric} | {"first_year": "Int64", "last_year": "Int64",
                                                         "years": "Int64", "matches": "Int64"})
    return out
