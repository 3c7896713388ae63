"""What the counts of one task let a report say about which method leads.

A method leads a task only when its interval against the runner-up excludes parity: the
Wilson interval of the leader's conditional share leader / (leader + runner-up) lies wholly
above one half. Where it does not, there is "no clear leader"; where the methods together
match fewer than ``MIN_MATCHES`` records, there are "too few to say". A tie is never a lead:
its conditional share is exactly one half, which every interval around it contains.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey.evidence.intervals import LEVEL, Interval, share_interval

MIN_MATCHES = 10
LEAD, UNCLEAR, TOO_FEW, NO_DATA = "lead", "no clear leader", "too few to say", "no data"


@dataclass(frozen=True)
class Verdict:
    kind: str  # LEAD, UNCLEAR, TOO_FEW or NO_DATA
    leader: str | None  # the method with the most matches (alphabetically first of a tie: the query file's order)
    runner_up: str | None
    counts: dict  # method -> count, the query file's order
    share: float | None  # the leader's share of all method matches in the task
    share_ci: Interval | None
    head_to_head: float | None  # leader / (leader + runner-up)
    head_to_head_ci: Interval | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def is_lead(self) -> bool:
        return self.kind == LEAD


def verdict(counts: dict, *, min_matches: int = MIN_MATCHES, level: float = LEVEL) -> Verdict:
    """The claim ``counts`` (method -> count, every method of the task) support.

    A missing count (None) means no claim at all: a share needs every method's count.
    """
    if not counts or any(v is None for v in counts.values()):
        return Verdict(NO_DATA, None, None, dict(counts), None, None, None, None)
    counts = {m: int(v) for m, v in counts.items()}
    ranked = sorted(counts, key=lambda m: -counts[m])  # stable: ties keep the query file's order
    leader = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    total = sum(counts.values())
    if total < min_matches or total == 0:  # no match at all is too few whatever the minimum asked
        share = counts[leader] / total if total else None
        return Verdict(TOO_FEW, leader, runner, counts, share, share_interval(counts[leader], total, level),
                       None, None)
    share = counts[leader] / total
    share_ci = share_interval(counts[leader], total, level)
    if runner is None:
        return Verdict(LEAD, leader, None, counts, share, share_ci, None, None)
    pair = counts[leader] + counts[runner]  # > 0: the leader has the most of a positive total
    h2h = counts[leader] / pair
    h2h_ci = share_interval(counts[leader], pair, level)
    kind = LEAD if h2h_ci.low > 0.5 else UNCLEAR
    return Verdict(kind, leader, runner, counts, share, share_ci, h2h, h2h_ci)


def is_flip(then: Verdict, now: Verdict) -> bool:
    """Both times a clear lead, by different methods: the only change a report calls a flip."""
    return then.is_lead and now.is_lead and then.leader != now.leader
