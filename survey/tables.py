"""Study tables as text: display cells with n/a footnotes, a ratio row, Markdown.

Shared by `survey counts` and the report so both print the same thing.
"""

from __future__ import annotations

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
    if pd.isna(value):
        return "n/a"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def display(table: StudyTable, ratio: tuple[str, str] | None = None, footnotes: list[str] | None = None) -> Display:
    """Cells as text. Each distinct reason for a missing count becomes one numbered footnote.

    Pass a shared ``footnotes`` list to number footnotes across several tables.
    """
    notes = footnotes if footnotes is not None else []
    methods = list(table.counts.index)
    if ratio is None and len(methods) >= 2:
        ratio = (methods[0], methods[1])
    rows: dict[str, list[str]] = {}
    for m in methods:
        cells = []
        for t in table.counts.columns:
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
    if ratio:
        rows[f"{ratio[0]}:{ratio[1]}"] = [format_ratio(v) for v in table.ratio(*ratio)]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(table.counts.columns))
    frame.index.name = "method"
    return Display(frame, notes)


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
