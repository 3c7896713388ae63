"""Query variants: does a task's leader survive reasonable changes to the query?

From one query file, without the user writing them, ``derive`` makes:

- per method with several terms, the method by each term alone (the acronym only, the full
  name only), the other methods as written; and, where every method has several terms, every
  method at once by its term in the same place (all acronyms, all full names);
- all terms exact, and all terms stemmed, where the source stems and can also match a term
  unstemmed (``Capabilities.exact``) and the file does not already say so;
- titles only, against the source's default fields, where the source can restrict a search to
  titles (``Capabilities.title_only``: a local corpus can);
- the tasks without their synonyms: each task by its first term only;
- the file without its exclusions (every ``not``), where it has any, so a reader sees what they changed.

Each variant is a whole ``Matrix``, counted and cached like any other, so a cell whose query
a variant leaves unchanged is the same count (its identity is the compiled query).
``assess`` then names, per source, window and task, the leader under each variant and the
variants that change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from survey.evidence.precision import leader
from survey.matrix import TITLE, Matrix, TermSpec

BASELINE = "as written"


# Two groups of variants, reported apart: a variant applied to every method alike (the same term
# position everywhere, exact or stemmed, titles only, tasks without synonyms) is a fairer test of
# a lead than one that cuts a single method down beside the others whole, which mechanically
# moves close comparisons.
WRITTEN, ALIKE, ONE_METHOD = "as written", "every method alike", "one method only"
GROUPS = (ALIKE, ONE_METHOD)


@dataclass(frozen=True)
class Variant:
    name: str
    kind: str  # baseline, method term, exact, stemmed, fields, exclusions, task synonyms
    matrix: Matrix
    group: str = ALIKE  # WRITTEN, ALIKE or ONE_METHOD


def _text(term) -> str:
    return term.text if isinstance(term, TermSpec) else str(term)


def _exact(term) -> bool:
    return isinstance(term, TermSpec) and term.exact


def _with(matrix: Matrix, name: str, *, methods=None, tasks=None, fields=None, exclusions=True) -> Matrix:
    return Matrix(f"{matrix.name} [{name}]", matrix.title, dict(methods or matrix.methods),
                  dict(tasks or matrix.tasks), list(matrix.windows), None, matrix.path,
                  fields=fields or matrix.fields,
                  method_exclusions=dict(matrix.method_exclusions) if exclusions else {},
                  task_exclusions=dict(matrix.task_exclusions) if exclusions else {})


def _all(terms: dict, exact: bool) -> dict:
    return {label: tuple(TermSpec(_text(t), True) if exact else _text(t) for t in ts) for label, ts in terms.items()}


def derive(matrix: Matrix, capabilities=None) -> list[Variant]:
    """The variants of ``matrix``, the file as written first. ``capabilities``: the source's (for exactness)."""
    out = [Variant(BASELINE, "baseline", matrix, WRITTEN)]
    for method, terms in matrix.methods.items():
        if len(terms) < 2:
            continue
        for term in terms:
            name = f"{method} by {_text(term)!r} only"
            out.append(Variant(name, "method term", _with(matrix, name, methods={**matrix.methods, method: (term,)}),
                               ONE_METHOD))
    # The same position in every method at once (acronyms against acronyms, full names against
    # full names): a fairer comparison than one method cut down beside the others whole.
    shortest = min(len(ts) for ts in matrix.methods.values())
    for position in range(shortest if shortest > 1 and len(matrix.methods) > 1 else 0):
        picked = {m: (ts[position],) for m, ts in matrix.methods.items()}
        name = f"every method by term {position + 1} only: " + " / ".join(_text(t[0]) for t in picked.values())
        out.append(Variant(name, "method term", _with(matrix, name, methods=picked)))
    if capabilities is not None and capabilities.stemming and capabilities.exact:
        terms = [t for ts in (*matrix.methods.values(), *matrix.tasks.values()) for t in ts]
        if not all(_exact(t) for t in terms):
            out.append(Variant("every term exact (unstemmed)", "exact", _with(
                matrix, "exact", methods=_all(matrix.methods, True), tasks=_all(matrix.tasks, True))))
        if any(_exact(t) for t in terms):
            out.append(Variant("every term stemmed", "stemmed", _with(
                matrix, "stemmed", methods=_all(matrix.methods, False), tasks=_all(matrix.tasks, False))))
    if capabilities is not None and capabilities.title_only and matrix.fields is None:
        out.append(Variant("titles only", "fields", _with(matrix, "titles only", fields=TITLE)))
    if matrix.method_exclusions or matrix.task_exclusions:
        out.append(Variant("without exclusions", "exclusions", _with(matrix, "without exclusions", exclusions=False)))
    if any(len(ts) > 1 for ts in matrix.tasks.values()):
        name = "tasks by their first term only"
        tasks = {label: ts[:1] for label, ts in matrix.tasks.items()}
        out.append(Variant(name, "task synonyms", _with(matrix, name, tasks=tasks)))
    return out


@dataclass(frozen=True)
class Row:
    """One count of one variant: the CSV's row."""

    source: str
    window: str
    task: str
    variant: str
    method: str
    count: int | None  # None: not counted (not cached, failed or unsupported)
    share: float | None  # of the task's counts over the methods; None where any is missing
    group: str = ALIKE  # the variant's group: WRITTEN, ALIKE or ONE_METHOD


def changed_tasks(variant: Variant, baseline: Matrix) -> list[str]:
    """The tasks whose cells the variant queries differently: the only ones it can say anything about."""
    if variant.kind == "baseline":
        return list(baseline.tasks)
    before = {(c.method, c.task): c.query for c in baseline.cells}
    return [t for t in variant.matrix.tasks
            if any(before.get((c.method, c.task)) != c.query for c in variant.matrix.cells if c.task == t)]


def rows(source: str, variant: Variant, counts: dict, tasks: list[str] | None = None) -> list[Row]:
    """Rows from ``counts[(window name, method, task)] -> count or None``, for ``tasks`` (default: all)."""
    m = variant.matrix
    out = []
    for window in m.windows:
        for task in (m.tasks if tasks is None else tasks):
            values = {method: counts.get((window.name, method, task)) for method in m.methods}
            total = sum(v for v in values.values() if v is not None)
            complete = all(v is not None for v in values.values()) and total > 0
            for method, value in values.items():
                out.append(Row(source, window.name, task, variant.name, method, value,
                               value / total if complete else None, variant.group))
    return out


# What a variant does to the claim as written, from the written leader's side.
HOLDS, FLIPS, LOST, GAINED, SAME = "holds", "another method leads", "lead lost", "a method leads", "still no lead"
CHANGES = (FLIPS, LOST, GAINED)  # the outcomes the section's table lists and the curve colours apart


@dataclass
class TaskRobustness:
    """One task's claim under each variant (the report's rules, Holm across the tasks of the variant's
    table), and what each variant does to the claim as written."""

    source: str
    window: str
    task: str
    leader: str | None  # the most-matched method as written (a claim or not); None: a tie or nothing counted
    leaders: dict[str, str | None] = field(default_factory=dict)  # variant -> most-matched method, counted variants
    claims: dict = field(default_factory=dict)  # variant -> survey.evidence.claims.Verdict
    flips: list[str] = field(default_factory=list)  # variants where a clear lead passes to another method
    weakened: list[str] = field(default_factory=list)  # variants where the clear lead as written is no longer clear
    missing: list[str] = field(default_factory=list)  # variants not (fully) counted
    groups: dict[str, str] = field(default_factory=dict)  # variant -> its group (ALIKE unless said)

    @property
    def written(self):
        """The claim of the file as written (a claims.Verdict), or None where it was not counted."""
        return self.claims.get(BASELINE)

    def outcome(self, variant: str) -> str:
        """What ``variant`` does to the claim as written: HOLDS, FLIPS, LOST, GAINED or SAME."""
        written, claim = self.written, self.claims[variant]
        if written is not None and written.is_lead:
            if claim.is_lead:
                return HOLDS if claim.leader == written.leader else FLIPS
            return LOST
        return GAINED if claim.is_lead else SAME

    def counted(self, group: str | None = None) -> list[str]:
        """The counted variants other than the file as written, of ``group`` (default: every group)."""
        return [v for v in self.claims if v != BASELINE and (group is None or self.groups.get(v, ALIKE) == group)]

    def changes(self, group: str | None = None) -> list[str]:
        """The counted variants (of ``group``) whose outcome is a change: the table's and the curve's."""
        return [v for v in self.counted(group) if self.outcome(v) in CHANGES]

    def robust_to(self, group: str | None = None) -> bool:
        """A clear lead as written that every counted variant of ``group`` keeps, clearly (and one at least)."""
        variants = self.counted(group)
        return (self.written is not None and self.written.is_lead and bool(variants)
                and all(self.outcome(v) == HOLDS for v in variants))

    @property
    def robust(self) -> bool:
        return self.robust_to(None)


def assess(all_rows: Iterable[Row]) -> list[TaskRobustness]:
    """Per source, window and task: the claim under every variant that was fully counted.

    A variant's claims are Holm-adjusted across the tasks of its own table: the tasks it counts,
    and as written the ones it leaves unchanged (a cell the variant does not change is the same count).
    """
    from survey.evidence.claims import is_flip, verdicts

    groups: dict[tuple, dict[str, list[Row]]] = {}
    for r in all_rows:
        groups.setdefault((r.source, r.window, r.task), {}).setdefault(r.variant, []).append(r)
    tables: dict[tuple, dict[str, dict | None]] = {}  # (source, window, variant) -> task -> counts (None: missing)
    for (source, window, task), by_variant in groups.items():
        for variant, rs in by_variant.items():
            complete = not any(r.count is None for r in rs)
            counts = {r.method: r.count for r in rs} if complete else None
            tables.setdefault((source, window, variant), {})[task] = counts
    claimed: dict[tuple, dict] = {}
    for (source, window, variant), table in tables.items():
        whole = {**(tables.get((source, window, BASELINE)) or {}), **table}
        claimed[(source, window, variant)] = verdicts({t: c for t, c in whole.items() if c is not None})
    out = []
    for (source, window, task), by_variant in groups.items():
        verdict = TaskRobustness(source, window, task, None)
        for variant, rs in by_variant.items():
            verdict.groups[variant] = rs[0].group
            counts = tables[(source, window, variant)][task]
            if counts is None:
                verdict.missing.append(variant)
                continue
            verdict.leaders[variant] = leader(counts) if sum(counts.values()) else None
            verdict.claims[variant] = claimed[(source, window, variant)][task]
        verdict.leader = verdict.leaders.get(BASELINE)
        written = verdict.written
        if written is not None:
            others = [(v, c) for v, c in verdict.claims.items() if v != BASELINE]
            verdict.flips = [v for v, c in others if is_flip(written, c)]
            if written.is_lead:
                verdict.weakened = [v for v, c in others if not c.is_lead]
        out.append(verdict)
    return out


def leader_shares(verdict: TaskRobustness, all_rows: Iterable[Row]) -> list[Row]:
    """The rows of the file's leader in each counted variant of ``verdict``'s task (for the curve)."""
    return [r for r in all_rows if (r.source, r.window, r.task) == (verdict.source, verdict.window, verdict.task)
            and r.method == verdict.leader and r.variant in verdict.leaders]



def count(variants: list[Variant], name: str, source, store, *, fetch: bool = True,
          max_age=None) -> tuple[list[Row], list]:
    """Every variant's window counts in ``source``: from the cache, and (with ``fetch``) counted and
    cached where missing. ``max_age``: a cached count older than this is counted again (None: never).

    Returns the rows, and the plan items answering the variants' changed tasks (the file as
    written left out: its counts are the report's own), for the manifest and the export.
    """
    from survey.refreshing import plan, run

    out, answered = [], []
    baseline = variants[0].matrix
    answers: dict = {}  # the source's cached rows, read once while nothing is counted
    for variant in variants:
        tasks = changed_tasks(variant, baseline)
        if not tasks:
            continue
        items = plan(variant.matrix, {name: source}, store, max_age=max_age, answers=answers)
        if fetch and any(i.due for i in items):
            run(items, {name: source}, store)
            answers.clear()
            items = plan(variant.matrix, {name: source}, store, max_age=None, answers=answers)
        counts = {(i.window.name, i.cell.method, i.cell.task): i.cached.count
                  for i in items if i.cached is not None and i.cached.status == "ok"}
        out.extend(rows(name, variant, counts, tasks))
        if variant.kind != "baseline":
            answered.extend(i for i in items if i.cached is not None and i.cell.task in tasks)
    return out, answered


def cached_observations(matrix: Matrix, sources: dict, store) -> list:
    """The cached observations of every variant's changed tasks (each count once), for export."""
    seen, out = set(), []
    for name, source in sources.items():
        for i in count(derive(matrix, source.capabilities), name, source, store, fetch=False)[1]:
            if i.cached.key not in seen:
                seen.add(i.cached.key)
                out.append(i.cached)
    return sorted(out, key=lambda o: (o.source, o.query, o.year_from or 0, o.year or 0, o.fetched_at))
