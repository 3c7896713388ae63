"""Wilson score intervals for shares, and the intervals of ratios that follow from them.

The Wilson interval is the one recommended for a binomial proportion by Newcombe (1998) and
Brown, Cai and DasGupta (2001): unlike the textbook Wald interval it stays inside [0, 1] and
keeps its coverage near 0 and n of n, exactly where small cells of a survey sit. The
computation is statsmodels' ``proportion_confint(method="wilson")``.

A ratio a:b of two counts is read through its conditional share p = a / (a + b): given a
match for either method, the chance it is a match for a. The ratio is p / (1 - p), a monotone
function of p, so the Wilson bounds of p map to bounds of the ratio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson(count, n, level: float = LEVEL):
    """Wilson interval(s) for ``count`` successes out of ``n``: (low, high), arrays in, arrays out.

    n = 0 has no interval: NaN bounds, never a guessed [0, 1].
    """
    from statsmodels.stats.proportion import proportion_confint

    count = np.asarray(count, dtype="float64")
    n = np.asarray(n, dtype="float64")
    if np.any(count < 0) or np.any(count > n):
        raise ValueError(f"counts must lie in 0..n (got {count} of {n})")
    safe = np.where(n > 0, n, 1.0)
    low, high = proportion_confint(count, safe, alpha=1 - level, method="wilson")
    low = np.where(n > 0, np.clip(low, 0.0, 1.0), np.nan)
    high = np.where(n > 0, np.clip(high, 0.0, 1.0), np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def share_interval(count: int, n: int, level: float = LEVEL) -> Interval | None:
    if n <= 0:
        return None
    low, high = wilson(count, n, level)
    return Interval(low, high)


@dataclass(frozen=True)
class Ratio:
    """a:b with the interval that follows from the conditional share a / (a + b)."""

    a: int
    b: int
    value: float  # inf where b is 0 and a is not; NaN where both are 0
    low: float
    high: float  # inf where the share's upper bound is 1

    @property
    def share(self) -> float:
        return self.a / (self.a + self.b) if self.a + self.b else math.nan


def _odds(p: float) -> float:
    return math.inf if p >= 1.0 else p / (1.0 - p)


def ratio_interval(a: int, b: int, level: float = LEVEL) -> Ratio:
    n = a + b
    if n == 0:
        return Ratio(a, b, math.nan, math.nan, math.nan)
    low, high = wilson(a, n, level)
    value = math.inf if b == 0 else a / b
    return Ratio(a, b, value, _odds(low), _odds(high))
