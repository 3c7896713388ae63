"""Report section: labelled precision per cell, precision-corrected counts, and whether verdicts change.

``gather`` matches labels to the report's counts by identity (source, compiled query, window),
so a label made for another query never corrects this one; ``section`` writes the Markdown.
Labels come from the labels store (``survey audit --label`` or ``--import-labels``) and from
committed label files; where both judge a record, the store's latest label wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from survey.evidence.precision import CHANGES, MAY_CHANGE, Precision, VerdictCheck, check_table, precision
from survey.labels import Label, SampleKey
from survey.reporting.text import count_of
from survey.table_text import markdown_rows, p_words, pct, pct_bound, share_words


@dataclass(frozen=True)
class CellPrecision:
    source: str
    window: str
    window_span: str
    method: str
    task: str
    count: int
    precision: Precision | None
    labelled_corpora: tuple[str, ...] = ()  # corpus identities the labels were made on
    corpus: str | None = ""  # the identity the count was made on


@dataclass
class PrecisionData:
    cells: list[CellPrecision] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # unreadable label files or rows
    query_shown: str = "QUERY.toml"

    def labelled(self) -> list[CellPrecision]:
        return [c for c in self.cells if c.precision is not None]


def merge(stored: list[Label], committed: list[Label]) -> list[Label]:
    """The store's labels, and the committed ones for records the store has not judged."""
    seen = {(label.key, label.record_id) for label in stored}
    return stored + [label for label in committed if (label.key, label.record_id) not in seen]


def gather(items, labels: list[Label], *, problems=(), query_shown: str = "QUERY.toml") -> PrecisionData:
    """Per window-total count of the report, its precision from the labels with the same identity."""
    by_key: dict[SampleKey, list[Label]] = {}
    for label in labels:
        by_key.setdefault(label.key, []).append(label)
    out = PrecisionData(problems=list(problems), query_shown=query_shown)
    for i in items:
        o = i.cached
        if i.year is not None or o is None or o.status != "ok" or o.count is None:
            continue
        mine = by_key.get(SampleKey(i.source, i.query, i.window.start, i.window.end), [])
        out.cells.append(CellPrecision(
            i.source, i.window.name, i.window.span, i.cell.method, i.cell.task, o.count,
            precision(label.relevant for label in mine),
            tuple(sorted({label.corpus for label in mine if label.relevant is not None})), o.corpus))
    return out


def _count(x: float) -> str:
    return f"{x:,.0f}"


def verdicts(data: PrecisionData) -> list[tuple[str, str, str, VerdictCheck, int]]:
    """(source, window, task, check, methods counted) for every task with at least one labelled cell; the
    checks of one source and window are adjusted together (Holm), every task of the table in the family."""
    tables: dict[tuple[str, str], dict[str, list[CellPrecision]]] = {}
    for c in data.cells:
        tables.setdefault((c.source, c.window), {}).setdefault(c.task, []).append(c)
    out = []
    for (source, window), tasks in tables.items():
        checks = check_table({task: ({c.method: c.count for c in cells}, {c.method: c.precision for c in cells})
                              for task, cells in tasks.items()})
        for task, cells in tasks.items():
            if any(c.precision is not None for c in cells):
                out.append((source, window, task, checks[task], len(cells)))
    return out


def _claim_words(claim) -> str:
    if claim.is_lead:
        return f"{claim.leader} leads"
    if claim.leader is None:
        return claim.kind
    return f"{claim.kind} ({claim.leader} most)"


def _corrected_words(check: VerdictCheck) -> str:
    """The corrected comparison: the leader's head-to-head share, its bootstrap interval, the adjusted p."""
    new = check.corrected_claim
    if check.corrected_ci is None:
        return ""
    low, high = check.corrected_ci
    family = f" adjusted for {new.family} comparisons (Holm)" if new.family > 1 else ""
    return (f"{new.leader} {share_words(new.head_to_head, low, high, 0.5)} against {new.runner_up}, "
            f"{p_words(new.p_holm)}{family}")


def _verdict_words(check: VerdictCheck) -> str:
    raw, new, detail = _claim_words(check.raw_claim), _claim_words(check.corrected_claim), _corrected_words(check)
    if check.status == CHANGES:
        return f"changes: {raw} on counts; on corrected counts {new}" + (f", {detail}" if detail else "")
    if check.status == MAY_CHANGE:
        settle = (f"about {check.more_labels:,} more labels per corrected method would settle it"
                  if check.more_labels is not None else "labelling every match would not settle it")
        return (f"may change; too few labels: {raw} on counts; on corrected counts {new}"
                + (f", {detail}" if detail else "") + f"; {settle}")
    return f"unchanged: {raw}" + (f"; on corrected counts, {detail}" if detail else "")


def section(data: PrecisionData) -> str:
    """Markdown: the precision table per labelled source and window, the verdict checks, how to label."""
    out = ["A person judged a seeded random sample of each labelled cell's matches relevant or not. Precision is "
           "the share judged relevant, with a 95% Wilson interval; the corrected count is the count times the "
           "precision, and its 95% interval carries the labelled sample's uncertainty through (a parametric "
           "bootstrap: the precision drawn from its Jeffreys posterior, the relevant records among the matches "
           "not judged from the binomial at that precision). A task's claim changes on corrected counts only "
           "where the corrected comparison, leader against runner-up with both counts' uncertainty, excludes "
           "parity after Holm's adjustment across the tasks of the table; where the counts claim a lead the "
           "corrected comparison cannot confirm, the claim may change and more labels would settle it. Labels "
           "count only for the query they were made on."]
    labelled = data.labelled()
    if labelled:
        groups: dict[tuple[str, str, str], list[CellPrecision]] = {}
        for c in labelled:
            groups.setdefault((c.source, c.window, c.window_span), []).append(c)
        for (source, window, span), cells in groups.items():
            body = []
            for c in cells:
                p = c.precision
                low, high = p.interval
                est, clow, chigh = p.corrected(c.count)
                if p.judged >= c.count:  # every match judged: a census, no sampling error to state
                    body.append([f"{c.method}:{c.task}", _count(c.count), f"{p.relevant} of {p.judged} (all)",
                                 f"{pct(p.estimate)} (every match judged)", f"{_count(p.relevant)} (exact)"])
                    continue
                body.append([f"{c.method}:{c.task}", _count(c.count), f"{p.relevant} of {p.judged}",
                             f"{pct(p.estimate)} ({pct_bound(low, False)}%–{pct_bound(high, True)}%)",
                             f"{_count(est)} ({math.floor(clow):,}–{math.ceil(chigh):,})"])
            out.append(f"`{source}`, {window} ({span}):\n\n" + markdown_rows(
                ["cell", "count", "judged relevant", "precision (95% CI)", "corrected count (95% CI)"], body, "lrrrr"))
            other = sorted({k for c in cells for k in c.labelled_corpora if c.corpus and k and k != c.corpus})
            if other:
                out.append(f"Some labels were made on another import of the corpus ({', '.join(other)}); "
                           "the records they judge may have changed.")
        lines = [f"- `{s}`, {w}, {t}: {_verdict_words(check)}"
                 + (f"; corrected: {', '.join(check.labelled)}, the other methods as counted"
                    if len(check.labelled) < n else "")
                 for s, w, t, check, n in verdicts(data)]
        out.append("Does the task's leader change on corrected counts?\n\n" + "\n".join(lines))
    else:
        out.append("No cell of this report has labels yet.")
    unlabelled = [c for c in data.cells if c.precision is None]
    if unlabelled:
        example = next((c for c in unlabelled if c.source.startswith("local:")), None)
        how = (f"`survey audit -q {data.query_shown} -s {example.source} --cell {example.method}:{example.task} "
               f"--label -n 30` (or `--export-labels FILE.csv`, fill the relevant column, then `--import-labels "
               f"FILE.csv`)" if example else
               "`survey audit -q QUERY -s local:NAME --cell METHOD:TASK --label -n 30` on a local corpus (online "
               "sources return records in their own order, not a seeded random sample, so they are not labelled)")
        cells = count_of(len(unlabelled), "counted cell has", "counted cells have")
        out.append(f"{cells} no labels. To label one: {how}.")
    if data.problems:
        out.append("Label files with problems (those rows are not used):\n\n"
                   + "\n".join(f"- {p}" for p in data.problems[:10])
                   + (f"\n- and {len(data.problems) - 10} more" if len(data.problems) > 10 else ""))
    return "\n\n".join(out)


def applies(ctx) -> bool:
    """Only with counts: labels correct counts."""
    return bool(ctx.with_data)


def render(ctx) -> str:
    """The section from the report's context: the labels store's labels and the committed label files."""
    from survey.labels import open_labels
    from survey.labels_csv import read_files
    from survey.store import StoreError

    committed, problems = read_files(ctx.label_files)
    try:
        store = open_labels(ctx.settings, write=False)
        stored = store.labels() if store is not None else []
    except StoreError as exc:  # a damaged labels file costs its labels, not the report
        stored, problems = [], [str(exc), *problems]
    else:
        if store is not None:
            store.close()
    return section(gather(ctx.reading.items, merge(stored, committed), problems=problems, query_shown=ctx.query_shown))
