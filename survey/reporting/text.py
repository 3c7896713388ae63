"""Small text helpers shared by the report's sections: Markdown escaping, paths, dates, numbers."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from survey.matrix import Window
from survey.table_text import markdown_footnotes, markdown_table, pct, pct_interval, ratio_words, share_words  # noqa: F401

# `|` is left alone: the table helpers escape it, and escaping twice would split a cell.
_INLINE = re.compile(r"([\\`*_\[\]<>$#])")


def md(text) -> str:
    """Text as literal inline Markdown: titles carry `*`, `_`, `$`, `<` and the like."""
    return _INLINE.sub(r"\\\1", " ".join(str(text).split()))


def shown_path(path, base: Path | None = None) -> str:
    """A path as the report may show it: relative, never this machine's absolute layout."""
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    for root in (base, Path.cwd()):
        if root is not None:
            try:
                return p.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                pass
    return p.name


def day(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%d")


def date_range(times: list[datetime]) -> str:
    if not times:
        return "never"
    a, b = min(times), max(times)
    return day(a) if day(a) == day(b) else f"{day(a)} to {day(b)}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def anchor(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def thousands(n) -> str:
    return f"{int(n):,}"


def count_of(n, one: str, many: str | None = None) -> str:
    """``n`` with its noun (and verb) agreeing: "1 variant", "3 variants", "1 record matches"."""
    return f"{thousands(n)} {one if n == 1 else many or one + 's'}"


def year_span(first: int, last: int) -> str:
    """Years first to last, one year once: "2012–2015", "2020"."""
    return str(first) if first == last else f"{first}–{last}"


def window_words(w: Window) -> str:
    return f"{w.name} ({w.span})" if w.span != w.name else w.name


def table_and_notes(frame: pd.DataFrame, notes: list[str]) -> list[str]:
    """A display table and, where it has any, its numbered notes."""
    return [markdown_table(frame), markdown_footnotes(notes)] if notes else [markdown_table(frame)]


def and_(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
