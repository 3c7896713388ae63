"""Joinpoint regression: connected straight segments on the log or logit scale, and where they join.

The procedure is that of the US National Cancer Institute's Joinpoint program (Kim, Fay, Feuer
and Midthune 2000), with the grid search of Lerman (1980): a joinpoint sits on an observed year,
every placement of 0 to K joinpoints allowed by the minimum segment lengths is fitted, and the
best placement for each number of joinpoints is the one of least deviance. The model is a GLM
whose linear predictor is continuous and piecewise linear in year (hinge terms (year - tau)+),
so the segments connect at their joinpoints:

- ``poisson``: a yearly count, with log(exposure) as offset where given (a rate per work);
- ``binomial``: successes out of trials per year, logit link (a share).

Choices, with NCI's defaults where it has one:

- at least two observed years strictly between two joinpoints and between a joinpoint and either
  end of the series (NCI's default), so every segment spans at least three years;
- K, the most joinpoints tried, grows with the number of years as in NCI's table (0 under 7
  years, 1 for 7-11, 2 for 12-16, 3 from 17), and stops at 3 so the search stays affordable;
- the number of joinpoints is chosen by the Bayesian information criterion, as NCI offers it
  (each joinpoint costs two parameters: its year and its change of slope), on the quasi-likelihood
  scale: counts of papers vary between years far more than Poisson noise allows, so the deviance
  is divided by the over-dispersion of the largest model (Pearson chi2 / df, at least 1), the
  QAIC/QBIC practice of Burnham and Anderson (2002). The permutation test of Kim et al. is the
  other documented choice; it costs thousands of grid searches per series, and a report fits
  dozens of series;
- a joinpoint model is kept only where each of its changes of slope is significant at 5% divided
  by the number of placements searched for that many joinpoints (a Bonferroni bound): a hinge put
  where it fits best has a smaller p-value than one fixed in advance (Davies 1987). In simulated
  15-year Poisson series the criterion alone put a joinpoint in about 6% of flat or steadily
  growing ones; with the bound and the end rule above, under 0.5% (flat) and 3% (growth), while a
  rise of 40%/yr then a fall of 30%/yr still got its one joinpoint within a year of the peak in 99%;
- every interval and p-value of the chosen model is quasi-likelihood: the covariance is scaled by
  its own Pearson chi2 / df where that exceeds 1, with Student's t on the residual degrees of
  freedom. A segment's interval is then widened to the union of its intervals over the other
  joinpoint years the data cannot tell apart (Lerman's 1980 likelihood-ratio confidence region),
  so it does not pretend the joinpoint is known; p-values, the average change, the bands and the
  crossover are conditional on the chosen joinpoint years, like NCI's parametric intervals.

The candidate deviances of the grid search come from ``survey.evidence.joinpoint_grid`` (a batched
iteratively reweighted least squares, the Fisher scoring statsmodels runs, for all placements at
once); every figure reported is from statsmodels' GLM of the chosen placements.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import stats

from survey.evidence.intervals import LEVEL
from survey.evidence.joinpoint_grid import best_placements, design, placements

MIN_YEARS = 5  # a line through fewer years says nothing about its shape
MIN_EVENTS = 10  # nor through fewer matches in all
MAX_JOINPOINTS = 3
MAX_ALTERNATIVES = 8  # other joinpoint placements refitted to widen the intervals
DRAWS = 4000


def max_joinpoints(n_years: int) -> int:
    """NCI's default K for a series of ``n_years`` observations, at most ``MAX_JOINPOINTS``."""
    if n_years < 7:
        return 0
    return min(MAX_JOINPOINTS, 1 + (n_years - 7) // 5)


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    slope: float  # per year on the link scale
    low: float
    high: float
    p_value: float

    def clear(self, level: float = LEVEL) -> bool:
        """A change this segment can claim: significant, and its interval (widened over the joinpoint
        years the data cannot tell apart) excludes no change. The p-value alone is conditional on the
        joinpoints found, so a segment can pass it with an interval that still holds zero."""
        return self.p_value < 1 - level and (self.low > 0 or self.high < 0)


@dataclass
class Fit:
    """The chosen model of one series. Slopes are on the link scale: exp(slope) is the rate ratio
    (Poisson) or the odds ratio (binomial) per year."""

    family: str
    years: np.ndarray
    joinpoints: tuple[int, ...]
    segments: list[Segment]
    params: np.ndarray
    cov: np.ndarray  # scaled by the dispersion where it exceeds 1
    dispersion: float  # Pearson chi2 / df of the chosen model
    df_resid: int
    deviance: float
    level: float = LEVEL
    _x0: float = field(default=0.0, repr=False)

    @property
    def quantile(self) -> float:
        return _ppf(0.5 + self.level / 2, self.dispersion, self.df_resid)

    @property
    def poor_fit(self) -> bool:
        """Pearson chi2 / df above 2: the model leaves much of the year-to-year variation unexplained
        (the intervals are widened by it, but the shape may be too simple)."""
        return self.dispersion > 2

    def _x(self, years) -> np.ndarray:
        return np.asarray(years, dtype="float64") - self._x0

    def eta(self, years) -> np.ndarray:
        """The fitted linear predictor (log rate per unit exposure, or logit share) at ``years``."""
        return design(self._x(years), self._knots) @ self.params

    def band(self, years) -> tuple[np.ndarray, np.ndarray]:
        """The pointwise interval of the linear predictor at ``years``."""
        d = design(self._x(years), self._knots)
        se = np.sqrt(np.einsum("ij,jk,ik->i", d, self.cov, d))
        eta = d @ self.params
        return eta - self.quantile * se, eta + self.quantile * se

    @property
    def _knots(self) -> list[float]:
        return [float(j) - self._x0 for j in self.joinpoints]

    def average(self, start: int, end: int) -> tuple[float, float, float]:
        """The average slope over [start, end], weighted by each segment's years in it (the AAPC of
        Clegg et al. 2009 once exponentiated), with its interval."""
        weights = np.zeros(len(self.params))
        edges = [float(self.years[0]), *map(float, self.joinpoints), float(self.years[-1])]
        for i, (a, b) in enumerate(zip(edges, edges[1:])):
            w = max(0.0, min(b, end) - max(a, start)) / (end - start)
            weights[1:2 + i] += w  # segment i's slope is the slope plus the first i changes
        value = float(weights @ self.params)
        se = math.sqrt(float(weights @ self.cov @ weights))
        return value, value - self.quantile * se, value + self.quantile * se

    def crossing(self) -> tuple[float, float, float] | None:
        """Where the linear predictor last crosses 0 (a share of one half) within the years fitted, in
        a segment whose slope is significant, with a parametric bootstrap interval (Krinsky and Robb
        1986: coefficient draws from their estimated normal distribution); None where it does not."""
        x = self.years - self._x0
        year = _last_zero(self.params, self._knots, x, self.segments, self.level)
        if year is None:
            return None
        draws = np.random.default_rng(0).multivariate_normal(self.params, self.cov, size=DRAWS)
        found = _nearest_zeros(draws, self._knots, x, year) + self._x0
        found = found[np.isfinite(found)]
        if len(found) < DRAWS / 2:
            return None  # most draws never reach parity: no crossover to speak of
        tail = (1 - self.level) / 2
        # draws that never cross count as beyond either end: the interval is over all draws
        missing = DRAWS - len(found)
        padded = np.concatenate([found, np.full(missing // 2, -np.inf), np.full(missing - missing // 2, np.inf)])
        low, high = np.quantile(padded, [tail, 1 - tail])
        return year + self._x0, float(low), float(high)


def _zeros(params, knots, x) -> list[float]:
    """Every x in [x0, xn] where the piecewise-linear predictor is 0."""
    edges = [float(x[0]), *knots, float(x[-1])]
    out = []
    for i, (a, b) in enumerate(zip(edges, edges[1:])):
        ea, eb = design(np.array([a, b]), knots) @ params
        if ea == eb:
            continue
        if min(ea, eb) <= 0 <= max(ea, eb) and not (i and ea == 0):
            out.append(a + (b - a) * ea / (ea - eb))
    return out


def _last_zero(params, knots, x, segments, level) -> float | None:
    """The latest zero of the predictor (in x) inside a segment whose slope is significant: where
    the lead last changed hands."""
    x0 = segments[0].start - x[0]
    for z in reversed(_zeros(params, knots, x)):
        seg = next((s for s in segments if s.start <= z + x0 <= s.end), segments[-1])
        if seg.clear(level):
            return z
    return None


def _nearest_zeros(draws: np.ndarray, knots, x, target: float) -> np.ndarray:
    """For each row of coefficients, the zero of its predictor nearest ``target`` within [x0, xn]
    (NaN where it has none), all rows at once."""
    edges = np.array([float(x[0]), *knots, float(x[-1])])
    eta = draws @ design(edges, knots).T  # draws x edges: the predictor is linear between edges
    a, b = eta[:, :-1], eta[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = edges[:-1] + (edges[1:] - edges[:-1]) * a / (a - b)
    z = np.where((np.minimum(a, b) <= 0) & (np.maximum(a, b) >= 0) & (a != b), z, np.nan)
    distance = np.where(np.isnan(z), np.inf, np.abs(z - target))
    best = np.argmin(distance, axis=1)
    return z[np.arange(len(z)), best]


def _glm(family: str, X, y, m, offset):
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    if family == "binomial":
        return GLM(np.column_stack([y, m - y]), X, family=families.Binomial())
    return GLM(y, X, family=families.Poisson(), offset=offset)


def _statsmodels_fit(family, X, y, m, offset, start):
    """statsmodels' GLM from the grid search's coefficients: (coefficients, scaled covariance,
    dispersion, residual df, deviance)."""
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = _glm(family, X, y, m, offset).fit(start_params=start)
        # statsmodels computes these lazily: inside, so a degenerate fit's warnings stay quiet too
        df = int(res.df_resid)
        dispersion = float(res.pearson_chi2 / df) if df > 0 else 1.0
        # quasi-likelihood: the same coefficients, the covariance scaled (what fit(scale=dispersion) gives)
        scale = dispersion if dispersion > 1 and math.isfinite(dispersion) else 1.0
        return np.asarray(res.params), np.asarray(res.cov_params()) * scale, dispersion, df, float(res.deviance)


def fit(family: str, years, y, m=None, exposure=None, level: float = LEVEL, k_max: int | None = None) -> Fit | None:
    """The joinpoint model of one series (arrays, one entry per year), or None where it is too short
    (under ``MIN_YEARS``), too sparse (under ``MIN_EVENTS`` matches, or a share never or always
    matched) or cannot be estimated.

    ``family``: "poisson" (``y`` counts; ``exposure``: works per year, for a rate) or "binomial"
    (``y`` successes out of ``m``).
    """
    years = np.asarray(years, dtype="float64")
    y = np.asarray(y, dtype="float64")
    keep = np.isfinite(y)
    if m is not None:
        m = np.asarray(m, dtype="float64")
        keep &= m > 0
    if exposure is not None:
        exposure = np.asarray(exposure, dtype="float64")
        keep &= exposure > 0
    years, y = years[keep], y[keep]
    m = m[keep] if m is not None else None
    offset = np.log(exposure[keep]) if exposure is not None else np.zeros_like(y)
    if len(years) < MIN_YEARS or y.sum() < MIN_EVENTS or (m is not None and (m - y).sum() < MIN_EVENTS):
        return None
    x0 = float(years[0])
    x = years - x0
    k_max = max_joinpoints(len(x)) if k_max is None else k_max
    best = best_placements(family, x, y, m, offset, k_max)
    fits: dict = {}

    def model(k):
        if k not in fits:
            idx, _, start, _ = best[k]
            try:
                fits[k] = _statsmodels_fit(family, design(x, [x[i] for i in idx]), y, m, offset, start)
            except Exception:  # statsmodels raises several types on degenerate data; that k is not chosen
                fits[k] = None
        return fits[k]

    largest = next((model(k) for k in sorted(best, reverse=True) if model(k) is not None), None)
    if largest is None:
        return None
    phi = max(1.0, largest[2]) if largest[3] > 0 else 1.0
    alpha = 1 - level
    chosen = None
    for k in sorted(best, key=lambda k: best[k][1] / phi + 2 * (k + 1) * math.log(len(x))):
        f = model(k)
        # Bonferroni over the placements searched: the p-value of a hinge put where it fits best is
        # not that of a hinge fixed in advance (Davies 1987), and the bound keeps it honest.
        threshold = alpha / len(placements(len(x), k)) if k else 1.0
        if f is not None and all(p < threshold for p in _p_values(*f[:4])[2:]):
            chosen = k
            break
    if chosen is None:
        return None
    params, cov, dispersion, df, deviance = fits[chosen]
    if not np.all(np.isfinite(params)) or not np.all(np.isfinite(cov)):
        return None
    knots = tuple(int(years[i]) for i in best[chosen][0])
    out = Fit(family, years, knots, [], params, cov, dispersion, df, deviance, level, _x0=x0)
    out.segments = _segments(out)
    if chosen:
        out.segments = _widened(out, best[chosen], lambda idx, start: _statsmodels_fit(
            family, design(x, [x[i] for i in idx]), y, m, offset, start))
    if any(abs(s.slope) > 50 or not math.isfinite(s.high - s.low) for s in out.segments):
        return None  # a separated series: no usable slope
    return out


def mirror(f: Fit | None) -> Fit | None:
    """The binomial fit of the failures: the same joinpoints, deviance and dispersion, every
    coefficient negated (the logit of 1 - p is minus the logit of p), so it is not fitted again."""
    if f is None:
        return None
    segments = [replace(s, slope=-s.slope, low=-s.high, high=-s.low) for s in f.segments]
    return replace(f, params=-f.params, segments=segments)


def _widened(f: Fit, found: tuple, refit) -> list[Segment]:
    """Each segment's interval widened to cover the joinpoint years the data cannot tell apart: the
    union over every placement in the likelihood-ratio confidence region of the joinpoints
    (Lerman 1980: deviance within the chi-squared quantile, scaled by the dispersion, of the
    least), at most ``MAX_ALTERNATIVES`` of them."""
    best_idx, best_dev, _, every = found
    k = len(best_idx)
    margin = max(1.0, f.dispersion) * float(stats.chi2.ppf(f.level, k))
    segments = list(f.segments)
    near = [(idx, start) for idx, dev, start in every if idx != best_idx and dev - best_dev <= margin]
    for idx, start in near[:MAX_ALTERNATIVES]:
        try:
            params, cov, dispersion, df, deviance = refit(idx, start)
        except Exception:  # statsmodels raises several types on degenerate data; that placement adds nothing
            continue
        if not (np.all(np.isfinite(params)) and np.all(np.isfinite(cov))):
            continue
        knots = tuple(int(f.years[i]) for i in idx)
        other = _segments(Fit(f.family, f.years, knots, [], params, cov, dispersion, df, deviance, f.level, _x0=f._x0))
        segments = [replace(s, low=min(s.low, o.low), high=max(s.high, o.high)) for s, o in zip(segments, other)]
    return segments


def _sf(value, dispersion: float, df: int):
    """Upper tail of Student's t on the residual df where the dispersion was estimated (above 1), else
    of the normal (scipy's functions, not frozen distributions: those cost milliseconds to make)."""
    return stats.t.sf(value, df) if dispersion > 1 and df > 0 else stats.norm.sf(value)


def _ppf(q: float, dispersion: float, df: int) -> float:
    return float(stats.t.ppf(q, df) if dispersion > 1 and df > 0 else stats.norm.ppf(q))


def _p_values(params, cov, dispersion, df) -> np.ndarray:
    se = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        return 2 * _sf(np.abs(params) / se, dispersion, df)


def _segments(f: Fit) -> list[Segment]:
    edges = [int(f.years[0]), *f.joinpoints, int(f.years[-1])]
    out = []
    for i, (a, b) in enumerate(zip(edges, edges[1:])):
        c = np.zeros(len(f.params))
        c[1:2 + i] = 1
        slope = float(c @ f.params)
        se = math.sqrt(float(c @ f.cov @ c))
        q = f.quantile
        p = float(2 * _sf(abs(slope) / se, f.dispersion, f.df_resid)) if se > 0 else float("nan")
        out.append(Segment(a, b, slope, slope - q * se, slope + q * se, p))
    return out
