"""Which years are complete, from the data rather than the clock of the render.

A year is fitted only once it is over for the count: for an online source, as of the date the
count was fetched (the earliest fetch of the source's per-year counts); for a local corpus, as of
what its import recorded (``survey corpus import --complete-through``, by default the year before
the import). A query file's ``[trend]`` can end the complete years earlier, with a reason (a
corpus known to lack a year's last conferences). Every cut says why, for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class CompleteYears:
    through: int | None  # the last complete year; None where nothing says
    reasons: list[str] = field(default_factory=list)


def complete_years(fetched: list[datetime], trend=None, recorded: tuple[int, str] | None = None) -> CompleteYears:
    """``fetched``: when the source's per-year counts were fetched; ``trend``: the query file's
    ``Trend``; ``recorded``: a local corpus's ``complete_through`` where it is on this machine."""
    through, reasons = None, []
    if recorded is not None:
        through, why = recorded
        reasons.append(f"the corpus is complete through {through} ({why})")
    elif fetched:
        first = min(fetched)
        through = first.year - 1
        reasons.append(f"counts fetched on {first.date().isoformat()}, so {first.year} is not over")
    until = getattr(trend, "complete_until", None)
    if until is not None and (through is None or until <= through):  # said also where both agree
        through = until
        reasons.append(f"the query file ends complete years at {until}: {trend.reason}")
    return CompleteYears(through, reasons)
