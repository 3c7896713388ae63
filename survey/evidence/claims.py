"""What the counts of one table let a report say about which method leads each task.

One rule, used wherever a lead is claimed (headline, tables, then and now, robustness,
labelled precision, figures' colours): within a task, the leader is compared with the
runner-up by the two-sided score test of the leader's count out of the two at one half (the
test the Wilson interval inverts, so with one comparison "p < 0.05" and "the 95% interval
excludes parity" are the same statement). The tasks of one table (one source and window, the
total included) are tested together, so their p-values are adjusted by Holm's method
(statsmodels ``multipletests``); a method leads a task only where its adjusted p-value is under
0.05. Where the leader and runner-up together match fewer than ``MIN_MATCHES`` records there
are "too few to say", and the task is outside the family. A tie is never a lead: its score
statistic is zero.

Counts that a source documents as estimates (``estimate`` in ``verdicts``) are not tested at
all: a binomial test of a rounded "About N results" would treat it as a count of papers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Mapping

from survey.evidence.intervals import LEVEL, Interval, share_interval

MIN_MATCHES = 10
LEAD, UNCLEAR, TOO_FEW, NO_DATA = "lead", "no clear leader", "too few to say", "no data"
ESTIMATE = "estimate"  # the source's counts are estimates: who has most, never a tested lead


@dataclass(frozen=True)
class Verdict:
    kind: str  # LEAD, UNCLEAR, TOO_FEW, NO_DATA or ESTIMATE
    leader: str | None  # the method with the most matches (alphabetically first of a tie: the query file's order)
    runner_up: str | None
    counts: dict  # method -> count, the query file's order
    share: float | None  # the leader's share of all method matches in the task
    share_ci: Interval | None
    head_to_head: float | None  # leader / (leader + runner-up)
    head_to_head_ci: Interval | None
    p_value: float | None = None  # the score test of leader against runner-up, before adjustment
    p_holm: float | None = None  # ... adjusted for the ``family`` comparisons of its table
    family: int = 0  # how many comparisons the claim was adjusted for; 0: not tested

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def is_lead(self) -> bool:
        return self.kind == LEAD


def score_p(count: int, n: int) -> float:
    """Two-sided p-value of the score test that ``count`` of ``n`` comes from a proportion of one half."""
    z = (2 * count - n) / math.sqrt(n)
    return math.erfc(abs(z) / math.sqrt(2))


def _untested(counts: Mapping, min_matches: int, level: float) -> Verdict:
    """The task's counts, shares and p-value; kind LEAD or UNCLEAR is settled by ``verdicts``."""
    if not counts or any(v is None for v in counts.values()):
        return Verdict(NO_DATA, None, None, dict(counts), None, None, None, None)
    counts = {m: int(v) for m, v in counts.items()}
    ranked = sorted(counts, key=lambda m: -counts[m])  # stable: ties keep the query file's order
    leader = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    total = sum(counts.values())
    pair = counts[leader] + (counts[runner] if runner else 0)
    share = counts[leader] / total if total else None
    share_ci = share_interval(counts[leader], total, level)
    if pair < min_matches or pair == 0:  # no match at all is too few whatever the minimum asked
        return Verdict(TOO_FEW, leader, runner, counts, share, share_ci, None, None)
    if runner is None:  # one method: nothing to compare it with
        return Verdict(LEAD, leader, None, counts, share, share_ci, None, None)
    h2h_ci = share_interval(counts[leader], pair, level)
    return Verdict(UNCLEAR, leader, runner, counts, share, share_ci, counts[leader] / pair, h2h_ci,
                   p_value=score_p(counts[leader], pair))


def _holm(p_values: list[float], level: float):
    """Holm-adjusted p-values, by statsmodels' ``multipletests``. Its Holm branch ends in a full
    ``gc.collect()``, which walks every object the process holds (60 ms a call once pandas and
    matplotlib are loaded; a report adjusts dozens of tables): the heap is frozen around the call,
    so the collection sees only what the call made."""
    import gc

    from statsmodels.stats.multitest import multipletests

    gc.freeze()
    try:
        return multipletests(p_values, alpha=1 - level, method="holm")[1]
    finally:
        gc.unfreeze()


def verdicts(table: Mapping, *, min_matches: int = MIN_MATCHES, level: float = LEVEL,
             estimate: bool = False) -> dict:
    """The claims one table (task -> {method: count or None}) supports, Holm-adjusted across its tasks.

    ``estimate``: the counts are a source's documented estimates; each task says who has most
    (kind ESTIMATE) with no interval and no test.
    """
    out = {task: _untested(counts, min_matches, level) for task, counts in table.items()}
    if estimate:
        return {t: v if v.kind == NO_DATA or not v.total else
                Verdict(ESTIMATE, v.leader, v.runner_up, v.counts, v.share, None, None, None)
                for t, v in out.items()}
    tested = [t for t, v in out.items() if v.p_value is not None]
    if tested:
        adjusted = _holm([out[t].p_value for t in tested], level)
        for task, p in zip(tested, adjusted):
            out[task] = replace(out[task], kind=LEAD if p < 1 - level else UNCLEAR, p_holm=float(p),
                                family=len(tested))
    return out


def verdict(counts: Mapping, *, min_matches: int = MIN_MATCHES, level: float = LEVEL) -> Verdict:
    """The claim ``counts`` (method -> count, every method of the task) support, tested alone.

    A missing count (None) means no claim at all: a share needs every method's count. Where the
    task belongs to a table, ``verdicts`` of the whole table is the claim to make.
    """
    return verdicts({None: counts}, min_matches=min_matches, level=level)[None]


def is_flip(then: Verdict, now: Verdict) -> bool:
    """Both times a clear lead, by different methods: the only change a report calls a flip."""
    return then.is_lead and now.is_lead and then.leader != now.leader


def method_claim(v: Verdict, method: str) -> str:
    """One method's side of its task's claim: leads, trails, unclear or too few ('' where none is made)."""
    if v.kind == LEAD:
        return "leads" if v.leader == method else "trails"
    return {UNCLEAR: "unclear", TOO_FEW: "too few"}.get(v.kind, "")
