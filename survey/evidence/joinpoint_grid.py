"""The grid search of joinpoint regression (Lerman 1980): every placement of joinpoints on observed
years, all fitted at once.

A placement's deviance comes from iteratively reweighted least squares (the Fisher scoring
statsmodels runs) over a batch of designs, one per placement, padded to the same number of hinge
columns: one statsmodels fit costs about a millisecond and a series has hundreds of placements.
``survey.evidence.joinpoint`` refits the chosen ones with statsmodels; the tests hold the two
deviances equal.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

GAP = 2  # observed years strictly between two joinpoints
END = 3  # observed years from a joinpoint to either end, the joinpoint not counted
_ITERATIONS = 30


def placements(n_years: int, k: int) -> list[tuple[int, ...]]:
    """Every choice of ``k`` joinpoint indices with ``GAP`` observed years strictly between two, and
    ``END`` from one to either end."""
    inner = range(END, n_years - END)
    return [c for c in combinations(inner, k) if all(b - a > GAP for a, b in zip(c, c[1:]))]


def design(x: np.ndarray, knots) -> np.ndarray:
    """Intercept, x, and a hinge (x - knot)+ per joinpoint."""
    return np.column_stack([np.ones_like(x), x, *(np.maximum(x - t, 0.0) for t in knots)])


def _irls(family: str, X: np.ndarray, y: np.ndarray, m: np.ndarray | None, offset: np.ndarray):
    """Every design in ``X`` (candidates x years x columns) fitted at once: (coefficients, deviances).

    An all-zero column (a candidate with fewer joinpoints, padded) gets a zero coefficient."""
    if family == "poisson":
        eta = np.broadcast_to(np.log(y + 0.5), X.shape[:2]).copy()
    else:
        p = (y + 0.5) / (m + 1)
        eta = np.broadcast_to(np.log(p / (1 - p)), X.shape[:2]).copy()
    ridge = 1e-10 * np.eye(X.shape[2])
    dev = np.full(X.shape[0], np.inf)
    XT = X.transpose(0, 2, 1)
    for _ in range(_ITERATIONS):
        if family == "poisson":
            mu = np.exp(eta)
            w, z = mu, eta - offset + (y - mu) / mu
        else:
            p = 1 / (1 + np.exp(-eta))
            w = np.maximum(m * p * (1 - p), 1e-10)
            z = eta + (y - m * p) / w
        xtw = XT * w[:, None, :]
        beta = np.linalg.solve(xtw @ X + ridge, (xtw @ z[:, :, None]))[:, :, 0]
        eta = np.clip(np.einsum("cnp,cp->cn", X, beta) + (offset if family == "poisson" else 0), -30, 30)
        new = _deviance(family, y, m, eta)
        done = np.all(np.abs(new - dev) <= 1e-9 * (1 + np.abs(new)))
        dev = new
        if done:
            break
    return beta, dev


def _deviance(family: str, y, m, eta) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if family == "poisson":
            mu = np.exp(eta)
            term = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
        else:
            mu = m / (1 + np.exp(-eta))
            term = (np.where(y > 0, y * np.log(y / mu), 0.0)
                    + np.where(m - y > 0, (m - y) * np.log((m - y) / (m - mu)), 0.0))
    return 2 * term.sum(axis=-1)


def best_placements(family: str, x, y, m=None, offset=None, k_max: int = 0) -> dict[int, tuple]:
    """For each number of joinpoints 0..k_max: the placement (indices) of least deviance, its
    deviance, its coefficients, and every placement of that many as (placement, deviance,
    coefficients), least deviance first. All are fitted in one batch, padded to K hinges."""
    offset = np.zeros_like(x) if offset is None else offset
    cands = [c for k in range(k_max + 1) for c in placements(len(x), k)]
    knots = np.full((len(cands), max(k_max, 1)), np.inf)  # (x - inf)+ = 0: a padded hinge
    for i, c in enumerate(cands):
        knots[i, :len(c)] = x[list(c)]
    X = np.concatenate([np.broadcast_to(np.column_stack([np.ones_like(x), x]), (len(cands), len(x), 2)),
                        np.maximum(x[None, :, None] - knots[:, None, :], 0.0)], axis=2)
    beta, dev = _irls(family, X, y, m, offset)
    dev = np.where(np.isfinite(dev), dev, np.inf)
    out = {}
    for k in range(k_max + 1):
        idx = [i for i, c in enumerate(cands) if len(c) == k]
        if idx:
            ranked = sorted(idx, key=lambda i: dev[i])
            best = ranked[0]
            every = [(cands[i], float(dev[i]), beta[i, :2 + k]) for i in ranked]
            out[k] = (cands[best], float(dev[best]), beta[best, :2 + k], every)
    return out
