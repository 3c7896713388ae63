"""Precision from labelled samples: how many of a cell's matches are about what the cell means.

A labelled sample of ``judged`` matched records, ``relevant`` of them judged relevant, gives
the cell's precision with a Wilson interval (statsmodels). The precision-corrected count, the
number of relevant records among the cell's matches, is the count times the precision; its
interval carries the labelled sample's uncertainty through by a parametric bootstrap: the
precision is drawn from its Jeffreys posterior Beta(relevant + 1/2, judged - relevant + 1/2)
(Brown, Cai and DasGupta 2001 recommend the Jeffreys interval beside Wilson's), and the
relevant records among the matches not judged from the binomial at that precision; the judged
ones are known. (For an online source the count is the provider's, taken as given.)

Whether a task's leader changes on corrected counts is decided by the same rule as every claim
(``survey.evidence.claims``), with the bootstrap in place of the score test: the corrected
leader against the corrected runner-up, the share drawn again from the binomial at each drawn
pair of corrected counts (so the count's own uncertainty is in it too), a two-sided bootstrap
p-value at one half, Holm across the tasks of the table. A verdict "changes" only where that
corrected comparison excludes parity; where the counts say a lead but the corrected comparison
settles nothing, it "may change", and the check says how many more labels would settle it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

import numpy as np

DRAWS = 4000  # bootstrap draws: a p-value's resolution of 1 in 2,000, enough at 0.05
SEED = 20  # fixed, so the same labels give the same report

@dataclass(frozen=True)
class Precision:
    relevant: int
    judged: int  # records labelled relevant or not; skipped ones are not judged

    @property
    def estimate(self) -> float:
        return self.relevant / self.judged

    @property
    def interval(self) -> tuple[float, float]:
        from survey.evidence.intervals import wilson

        return wilson(self.relevant, self.judged)  # judged > 0: precision() makes none of nothing

    def corrected(self, count: int) -> tuple[float, float, float]:
        """The count of relevant records among ``count`` matches: estimate, and the bootstrap's 95% interval."""
        if self.judged >= count:  # every match judged: the relevant count is known, not estimated
            return (float(self.relevant),) * 3
        draws = relevant_draws(count, self, np.random.default_rng(SEED), DRAWS)
        low, high = np.percentile(draws, [2.5, 97.5])
        return count * self.estimate, float(low), float(high)


def relevant_draws(count: int, p: Precision | None, rng, draws: int = DRAWS) -> np.ndarray:
    """Draws of the relevant records among a cell's ``count`` matches; unlabelled (None): the count as it is."""
    if p is None:
        return np.full(draws, float(count))
    if p.judged >= count:
        return np.full(draws, float(p.relevant))
    rate = rng.beta(p.relevant + 0.5, p.judged - p.relevant + 0.5, draws)
    return p.relevant + rng.binomial(count - p.judged, rate).astype("float64")


def precision(verdicts: Iterable[bool | None]) -> Precision | None:
    """Precision from verdicts (True relevant, False not, None skipped); None when nothing was judged."""
    judged = [v for v in verdicts if v is not None]
    if not judged:
        return None
    return Precision(sum(1 for v in judged if v), len(judged))


MAY_CHANGE, CHANGES, UNCHANGED = "may change", "changes", "unchanged"


@dataclass(frozen=True)
class VerdictCheck:
    """One task's claim on raw counts and on precision-corrected counts, and what that does to it."""

    labelled: tuple[str, ...]  # the methods whose counts were corrected; the others stay as counted
    raw_claim: object  # survey.evidence.claims.Verdict on the counts (Holm across the table)
    corrected_claim: object  # ... on the corrected counts (rounded), kind from the bootstrap (Holm across the table)
    corrected_ci: tuple[float, float] | None  # 95% bootstrap interval of the corrected leader's head-to-head share
    status: str = UNCHANGED  # UNCHANGED, CHANGES or MAY_CHANGE
    more_labels: int | None = None  # MAY_CHANGE: more labels per corrected method that would settle it (None: none)

    @property
    def changed(self) -> bool:
        return self.status == CHANGES


def _claimed(claim) -> tuple:
    return (claim.kind, claim.leader if claim.is_lead else None)


def leader(values: Mapping[str, float]) -> str | None:
    """The method with the largest value; None on a tie for first or with nothing to compare."""
    if not values:
        return None
    ordered = sorted(values.items(), key=lambda kv: kv[1], reverse=True)
    if len(ordered) > 1 and ordered[0][1] == ordered[1][1]:
        return None
    return ordered[0][0]


def _corrected(counts: Mapping[str, int], precisions: Mapping[str, Precision | None], level: float):
    """The corrected claim of one task before adjustment: a claims.Verdict with the bootstrap p-value, and
    the corrected head-to-head share's interval."""
    from survey.evidence.claims import MIN_MATCHES, TOO_FEW, UNCLEAR, Verdict, verdict

    rng = np.random.default_rng(SEED)
    draws = {m: relevant_draws(c, precisions.get(m), rng) for m, c in counts.items()}
    point = {m: float(precisions[m].relevant) if precisions.get(m) and precisions[m].judged >= c else
             c * precisions[m].estimate if precisions.get(m) else float(c) for m, c in counts.items()}
    rounded = {m: round(v) for m, v in point.items()}
    base = verdict(rounded)  # shares and ranking of the corrected counts; its test is replaced below
    if base.runner_up is None or base.kind == TOO_FEW:
        return base, None
    if point[base.leader] + point[base.runner_up] < MIN_MATCHES:  # rounding reached the minimum, the counts did not
        return replace(base, kind=TOO_FEW, head_to_head=None, head_to_head_ci=None, p_value=None), None
    pair = draws[base.leader] + draws[base.runner_up]
    safe = np.where(pair > 0, pair, 1)
    share = np.where(pair > 0, rng.binomial(safe.astype("int64"), draws[base.leader] / safe) / safe, 0.5)
    low, high = np.percentile(share, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    # Two-sided, and never 0: the draws that fall on the other side of one half, plus one (Davison and Hinkley 1997).
    p = min(1.0, 2 * (min(np.sum(share <= 0.5), np.sum(share >= 0.5)) + 1) / (len(share) + 1))
    return Verdict(UNCLEAR, base.leader, base.runner_up, rounded, base.share, base.share_ci,
                   point[base.leader] / (point[base.leader] + point[base.runner_up]), None, p_value=float(p)), (
        float(low), float(high))


def _adjust(found: dict, level: float) -> dict:
    from survey.evidence.claims import LEAD, UNCLEAR

    tested = [t for t, (v, _) in found.items() if v.p_value is not None]
    if not tested:
        return found
    from statsmodels.stats.multitest import multipletests

    adjusted = multipletests([found[t][0].p_value for t in tested], alpha=1 - level, method="holm")[1]
    for task, p in zip(tested, adjusted):
        v, ci = found[task]
        found[task] = (replace(v, kind=LEAD if p < 1 - level else UNCLEAR, p_holm=float(p), family=len(tested)), ci)
    return found


def check_table(table: Mapping[str, tuple[Mapping[str, int], Mapping[str, Precision | None]]], *,
                level: float = 0.95) -> dict[str, VerdictCheck]:
    """Per task of one table (task -> (counts, precisions)): the claim on counts and on corrected counts.

    A method without labels keeps its raw count (its precision is unknown, not assumed 1 or 0).
    """
    from survey.evidence.claims import verdicts

    raw = verdicts({t: dict(c) for t, (c, _) in table.items()}, level=level)
    corrected = _adjust({t: _corrected(c, p, level) for t, (c, p) in table.items()}, level)
    out = {}
    for task, (counts, precisions) in table.items():
        labelled = tuple(m for m in counts if precisions.get(m) is not None)
        new, ci = corrected[task]
        status = (UNCHANGED if _claimed(raw[task]) == _claimed(new) or not (raw[task].is_lead or new.is_lead)
                  else CHANGES if new.is_lead else MAY_CHANGE)
        more = _labels_to_settle(counts, precisions, new, level) if status == MAY_CHANGE else None
        out[task] = VerdictCheck(labelled, raw[task], new, ci, status, more)
    return out


def _labels_to_settle(counts, precisions, claim, level: float) -> int | None:
    """The fewest labels more per sampled method (at the precision estimated now) under which the corrected
    comparison excludes parity at the level its Holm adjustment asks; None where every match judged would not."""
    multiplier = claim.p_holm / claim.p_value if claim.p_value else 1.0  # its place in the Holm order, kept

    def settled(extra: int) -> bool:
        more = {}
        for m, p in precisions.items():
            if p is None or p.judged >= counts[m]:
                more[m] = p
                continue
            judged = min(counts[m], p.judged + extra)
            more[m] = Precision(min(judged, round(p.estimate * judged)), judged)
        v, _ = _corrected(counts, more, level)
        return v.p_value is not None and v.p_value * multiplier < 1 - level

    most = max((counts[m] - p.judged for m, p in precisions.items() if p is not None), default=0)
    if most <= 0 or not settled(most):
        return None
    low, high = 0, 10
    while high < most and not settled(high):
        low, high = high, high * 2
    high = min(high, most)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if settled(mid) else (mid, high)
    return high


def check_verdict(counts: Mapping[str, int], precisions: Mapping[str, Precision | None]) -> VerdictCheck:
    """``check_table`` of one task alone."""
    return check_table({None: (counts, precisions)})[None]
