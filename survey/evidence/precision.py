"""Precision from labelled samples: how many of a cell's matches are about what the cell means.

A labelled sample of ``judged`` matched records, ``relevant`` of them judged relevant, gives
the cell's precision with a Wilson interval (statsmodels). The precision-corrected count is
the count times the precision, with the interval scaled the same way: the count of a local
corpus is a census, so the uncertainty is in the precision alone. (For an online source the
count is the provider's, taken as given; its own error is not in this interval.)

The Wilson interval is the headline's own, ``survey.evidence.intervals.wilson`` (statsmodels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

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
        """The count of relevant records this precision implies: estimate, low, high."""
        low, high = self.interval
        return count * self.estimate, count * low, count * high


def precision(verdicts: Iterable[bool | None]) -> Precision | None:
    """Precision from verdicts (True relevant, False not, None skipped); None when nothing was judged."""
    judged = [v for v in verdicts if v is not None]
    if not judged:
        return None
    return Precision(sum(1 for v in judged if v), len(judged))


@dataclass(frozen=True)
class VerdictCheck:
    """Which method leads a task on raw counts and on precision-corrected counts."""

    raw_leader: str | None  # the most-matched method; None: a tie or no counts
    corrected_leader: str | None
    labelled: tuple[str, ...]  # the methods whose counts were corrected; the others stay as counted
    within_intervals: bool  # whether the corrected leader's low bound still beats every other's high bound
    raw_claim: object  # survey.evidence.claims.Verdict on the counts
    corrected_claim: object  # ... on the corrected counts (point estimates, rounded)

    @property
    def changed(self) -> bool:
        """Whether the claim the report would make changes: who leads clearly, or whether anyone does."""
        return _claimed(self.raw_claim) != _claimed(self.corrected_claim)


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


def check_verdict(counts: Mapping[str, int], precisions: Mapping[str, Precision | None]) -> VerdictCheck:
    """Compare the leader of one task on raw and on corrected counts.

    A method without labels keeps its raw count (its precision is unknown, not assumed 1 or 0),
    and the check says which methods were corrected.
    """
    corrected: dict[str, tuple[float, float, float]] = {}
    labelled = []
    for method, count in counts.items():
        p = precisions.get(method)
        if p is None:
            corrected[method] = (float(count), float(count), float(count))
        elif p.judged >= count:  # every match judged: the relevant count is known, not estimated
            corrected[method] = (float(p.relevant),) * 3
            labelled.append(method)
        else:
            corrected[method] = p.corrected(count)
            labelled.append(method)
    from survey.evidence.claims import verdict as claim

    new = leader({m: c[0] for m, c in corrected.items()})
    clear = new is not None and all(corrected[new][1] > c[2] for m, c in corrected.items() if m != new)
    # The headline's rules on both: a corrected count is an estimate, so it is rounded to a whole
    # number of records before its interval is taken.
    raw_claim = claim(dict(counts))
    corrected_claim = claim({m: round(c[0]) for m, c in corrected.items()})
    return VerdictCheck(leader(dict(counts)), new, tuple(labelled), clear, raw_claim, corrected_claim)
