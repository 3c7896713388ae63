"""Study tables as text: display cells with n/a footnotes, the ratio rows the query file asks for, Markdown.

Shared by `survey counts` and the report so both print the same thing. The report adds each
method's share of the task's method matches and the ratios' intervals (``intervals=True``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from survey.analysis import NOT_FETCHED, StudyTable

_STATUS_WORDS = {
    "unsupported": "unsupported by this source",
    "error": "fetch failed",
    "blocked": "blocked by the source",
    NOT_FETCHED: "not fetched yet",
    "unplaced": "not placed by the publication",
    "not published": "not published",
}


@dataclass
class Display:
    frame: pd.DataFrame  # strings only: methods (and a ratio row) x tasks
    footnotes: list[str]


def format_count(value) -> str:
    return "n/a" if pd.isna(value) else str(int(value))


def format_ratio(value) -> str:
    """A ratio: two decimals under 10, one above; an unbounded interval end is ∞."""
    if pd.isna(value):
        return "n/a"
    if math.isinf(value):
        return "∞"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def pct(x: float) -> str:
    """A share as a percentage: whole numbers, one decimal under 1% and over 99% so 0.4% is not 0%.

    Only none and all read 0% and 100%: a share that rounds to them reads <0.1% or >99.9%.
    """
    v = 100 * x
    if abs(v) < 1e-9 or abs(v - 100) < 1e-9:  # 0 and n of n, and float noise around them
        return f"{round(v):.0f}%"
    if v < 0.05:
        return "<0.1%"
    if v >= 99.95:
        return ">99.9%"
    if v < 1 or v > 99:
        return f"{v:.1f}%"
    return f"{v:.0f}%"


def p_words(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def pct_bound(x: float, up: bool, parity: float | None = None) -> str:
    """An interval's bound as a percentage without the sign, rounded outward (``up`` for the high bound).

    Outward, so the printed interval always contains the computed one. Where the bound rounds
    to ``parity`` without being it (50.2% to 50%), one more decimal is shown (up to three), so
    a claim that the interval excludes parity never reads as touching it.
    """
    v = 100 * x
    if abs(v) < 1e-9 or abs(v - 100) < 1e-9:
        return f"{round(v):.0f}"
    decimals = 1 if v < 1 or v > 99 else 0
    while True:
        q = 10 ** decimals
        r = (math.ceil(v * q - 1e-9) if up else math.floor(v * q + 1e-9)) / q
        if parity is None or decimals >= 3 or abs(r - 100 * parity) > 1e-9 or abs(v - 100 * parity) < 1e-9:
            break
        decimals += 1
    if up and r >= 100:
        return ">99.9"  # only all of them reads 100
    return f"{r:.{decimals}f}"


def pct_interval(low: float, high: float, parity: float | None = None) -> str:
    return f"[{pct_bound(low, False, parity)}–{pct_bound(high, True, parity)}%]"


def share_words(share: float, low: float, high: float, parity: float | None = None) -> str:
    """"54% [52–56%]": bounds rounded outward; ``parity``: the value a claim says the interval excludes."""
    return f"{pct(share)} {pct_interval(low, high, parity)}"


def _ratio_bound(value: float, up: bool) -> str:
    """An interval's end as ``format_ratio`` writes it, rounded outward so the printed interval holds the
    computed one; an end that would read as parity (1.00) without being it gets more decimals (up to four)."""
    if pd.isna(value) or math.isinf(value):
        return format_ratio(value)
    decimals = 2 if value < 10 else 1
    while True:
        q = 10 ** decimals
        r = (math.ceil(value * q - 1e-9) if up else math.floor(value * q + 1e-9)) / q
        if decimals >= 4 or abs(r - 1) > 1e-12 or abs(value - 1) < 1e-12:
            return f"{r:.{decimals}f}"
        decimals += 1


def ratio_words(value: float, low: float, high: float) -> str:
    """"1.25 [1.10–1.42]"; bounds rounded outward (one near 1 never printed as 1.00); ∞ for an unbounded side."""
    return f"{format_ratio(value)} [{_ratio_bound(low, False)}–{_ratio_bound(high, True)}]"


def display(table: StudyTable, ratios: list[tuple[str, str]] = (), footnotes: list[str] | None = None,
            *, intervals: bool = False) -> Display:
    """Cells as text. Each distinct reason for a missing count becomes one numbered footnote.

    ``ratios``: the (numerator, denominator) rows to add, as the query file's ``ratios`` names
    them; none by default. ``intervals``: add a share row per method (its share of all method
    matches in the task, with the 95% Wilson interval) and give each ratio its interval.
    Pass a shared ``footnotes`` list to number footnotes across several tables.
    """
    notes = footnotes if footnotes is not None else []
    methods = list(table.counts.index)
    tasks = list(table.counts.columns)
    rows: dict[str, list[str]] = {}
    for m in methods:
        cells = []
        for t in tasks:
            value = table.counts.loc[m, t]
            if not pd.isna(value):
                cells.append(format_count(value))
                continue
            status = table.status.loc[m, t]
            reason = _STATUS_WORDS.get(status, status)
            detail = table.notes.get((m, t))
            text = f"{reason}: {detail}" if detail and detail != status else reason
            text = " ".join(text.split())
            if text not in notes:
                notes.append(text)
            cells.append(f"n/a [{notes.index(text) + 1}]")
        rows[m] = cells
    if intervals and len(methods) >= 2:
        rows.update(_share_rows(table))
        rows[CLAIM_ROW] = _claim_cells(table)
    for a, b in ratios:
        if intervals:
            rows[f"{a}:{b}"] = [_ratio_cell(table.counts.loc[a, t], table.counts.loc[b, t], b) for t in tasks]
        else:
            rows[f"{a}:{b}"] = [format_ratio(v) for v in table.ratio(a, b)]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=tasks)
    frame.index.name = "method"
    return Display(frame, notes)


CLAIM_ROW = "claim (Holm)"


def _claim_cells(table: StudyTable) -> list[str]:
    """Per task, the claim of ``survey.evidence.claims`` (Holm across the table's tasks), as the headline makes it."""
    from survey.evidence.claims import ESTIMATE, LEAD, NO_DATA, verdicts
    from survey.sources import estimate_of

    found = verdicts({t: {m: None if pd.isna(table.counts.loc[m, t]) else int(table.counts.loc[m, t])
                          for m in table.counts.index} for t in table.counts.columns},
                     estimate=bool(estimate_of(table.source)))
    out = []
    for v in found.values():
        if v.kind == LEAD and v.p_holm is not None:
            out.append(f"{v.leader} leads ({p_words(v.p_holm)}, {v.family} test{'s' if v.family != 1 else ''})")
        elif v.kind == ESTIMATE:
            out.append(f"{v.leader} most (estimates, untested)")
        else:
            out.append("n/a" if v.kind == NO_DATA else v.kind)
    return out


def _share_rows(table: StudyTable) -> dict[str, list[str]]:
    from survey.evidence.intervals import wilson
    from survey.sources import estimate_of

    if estimate_of(table.source):  # a rounded estimate is no count of papers: no binomial interval
        return {f"{m} share": [_estimate_share(table.counts[t], m) for t in table.counts.columns]
                for m in table.counts.index}
    out: dict[str, list[str]] = {f"{m} share": [] for m in table.counts.index}
    for t in table.counts.columns:
        column = table.counts[t]
        total = None if column.isna().any() else int(column.sum())
        for m in table.counts.index:
            if total is None:
                out[f"{m} share"].append("n/a")
            elif total == 0:
                out[f"{m} share"].append("n/a (no match)")
            else:
                low, high = wilson(int(column[m]), total)
                parity = 0.5 if len(column) == 2 else None  # two methods: the share is the tested one
                out[f"{m} share"].append(share_words(int(column[m]) / total, low, high, parity))
    return out


def _estimate_share(column: pd.Series, method: str) -> str:
    if column.isna().any():
        return "n/a"
    total = int(column.sum())
    return f"about {pct(int(column[method]) / total)} (estimate)" if total else "n/a (no match)"


def _ratio_cell(a, b, denominator: str) -> str:
    from survey.evidence.intervals import ratio_interval

    if pd.isna(a) or pd.isna(b):
        return "n/a"
    if int(a) + int(b) == 0:
        return "n/a (no match)"
    r = ratio_interval(int(a), int(b))
    return f"n/a ({denominator} is 0)" if b == 0 else ratio_words(r.value, r.low, r.high)


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|")


def markdown_table(frame: pd.DataFrame, index_label: str | None = None) -> str:
    """A GitHub-flavoured Markdown table; the first column right-aligned numbers are not assumed."""
    label = index_label if index_label is not None else (frame.index.name or "")
    header = [label, *map(str, frame.columns)]
    lines = [
        "| " + " | ".join(_escape(h) for h in header) + " |",
        "| " + " | ".join([":---"] + ["---:"] * len(frame.columns)) + " |",
    ]
    for idx, row in frame.iterrows():
        lines.append("| " + " | ".join(_escape(x) for x in [idx, *row.tolist()]) + " |")
    return "\n".join(lines)


def markdown_footnotes(notes: list[str]) -> str:
    return "\n".join(f"[{i}] {n}  " for i, n in enumerate(notes, 1))


_LEAKS = {"", "nan", "none", "<na>", "nat"}


def markdown_rows(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A GitHub-flavoured Markdown table from rows of text.

    ``align`` has one letter per column: ``l`` left, ``r`` right (default: first column left,
    the rest right). A missing value must be written out (``n/a``, with its reason nearby):
    an empty or ``nan`` cell is a bug upstream, so it raises instead of rendering.
    """
    align = align or "l" + "r" * (len(header) - 1)
    if len(align) != len(header):
        raise ValueError(f"align {align!r} has {len(align)} columns, header has {len(header)}")
    lines = [
        "| " + " | ".join(_escape(h) for h in header) + " |",
        "| " + " | ".join(":---" if a == "l" else "---:" for a in align) + " |",
    ]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row {row!r} has {len(row)} cells, header has {len(header)}")
        for cell in row:
            if cell is None or str(cell).strip().lower() in _LEAKS:
                raise ValueError(f"empty or missing value {cell!r} in table row {row!r}")
        lines.append("| " + " | ".join(_escape(" ".join(str(c).split())) for c in row) + " |")
    return "\n".join(lines)
