"""What the cache answers for a query file: every planned count and the observation that answers it.

A count answers a cell only for the same source, compiled query, window and year and, for a
local corpus, the same corpus content; the plan (``survey.refreshing.plan``) does that matching, so
tables, reports and ``survey plan`` always agree on what is cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterable

from survey.matrix import Matrix
from survey.source_names import close_all, make_sources

if TYPE_CHECKING:
    from survey.observation import Observation
    from survey.store import Store


@dataclass
class Reading:
    """What the cache answers for a query file: per source, the plan items and their answers."""

    matrix: Matrix
    sources: dict  # name -> Source (a cache-only local source where its corpus is absent)
    items: list  # PlanItem, window totals and (with by_year) trend years
    with_data: list[str] = field(default_factory=list)  # sources with at least one answer
    without_data: list[str] = field(default_factory=list)  # named or configured, nothing cached

    @property
    def observations(self) -> list["Observation"]:
        """The answering observation of every item that has one, labelled as the query file labels it."""
        return [i.cached for i in self.items if i.cached is not None]

    def close(self) -> None:
        close_all(self.sources)


def read(matrix: Matrix, store: "Store", settings, names: Iterable[str] | None = None, *,
         by_year: bool = True, now=None) -> Reading:
    """The answers in ``store`` to ``matrix`` for the named sources (default: every source with an answer)."""
    from survey.refreshing import plan as make_plan
    from survey.sources import source_names

    explicit = names is not None and len(list(names)) > 0
    if explicit:
        wanted = list(dict.fromkeys(names))
    else:
        try:
            configured = source_names(settings)
        except Exception:  # an unreadable corpora folder must not stop a read of the cache
            configured = []
        # Registry order, then local corpora by name: the same order whatever the cache holds.
        order = {n: i for i, n in enumerate(configured)}
        wanted = sorted(set(store.sources()) | set(configured), key=lambda n: (order.get(n, len(order)), n))
    srcs = make_sources(wanted, settings, store, reading=True)
    items = make_plan(matrix, srcs, store, by_year=False, max_age=None, now=now)
    answered = {i.source for i in items if i.cached is not None}
    if by_year and matrix.trend is not None:
        # Per-year items (no window again) only where there are answers: compiling every year of
        # every source never fetched costs time and says nothing the window items do not.
        yearly = make_plan(matrix, {n: s for n, s in srcs.items() if n in answered or explicit}, store,
                           by_year=True, max_age=None, now=now, windows=[])
        items = items + yearly
        answered |= {i.source for i in yearly if i.cached is not None}
    with_data = [s for s in srcs if s in answered]
    without = [s for s in srcs if s not in answered]
    return Reading(matrix, srcs, items, with_data, without)


def stored_history(store: "Store", items: list, *, relabel: bool = True) -> list["Observation"]:
    """Every stored observation of the items' keys (every fetch, not only the answering one).

    A key is the item's source, corpus, window, year and compiled query; an item whose corpus is
    not on this machine (``corpus`` None) takes the stored fetches of any corpus. ``relabel``:
    labelled as the query file labels the cell, for display (an export keeps the stored labels).
    """
    cells = {}
    for i in items:
        cells[(i.source, i.corpus, i.window.start, i.window.end, i.year, i.query)] = i.cell
    out = []
    for o in store.history(queries={i.query for i in items}):
        where = (o.source, o.year_from, o.year_to, o.year, o.query)
        cell = cells.get((where[0], o.corpus, *where[1:])) or cells.get((where[0], None, *where[1:]))
        if cell is not None:
            out.append(replace(o, method=cell.method, task=cell.task) if relabel else o)
    return out
