"""CSV cells a spreadsheet will not run, and read back as the text they were.

Titles, queries and labels come from imported files and servers, and the README tells users to
open survey's CSV files in a spreadsheet, where a cell starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is taken as a formula (OWASP, "CSV Injection"). Such a text cell is
written with a leading apostrophe, which spreadsheets show as text and do not evaluate.

Numbers stay numbers: only text is changed, and text that is a plain decimal number (``-34.1``,
``+2``, ``1e-3``) is left alone, since a spreadsheet reads it as that number and runs nothing.
Numeric values (int, float, a numeric DataFrame column) are never touched.

So that every text survives the trip, a text that already starts with apostrophes before one of
those characters gets one more; ``restore`` takes one off exactly where ``inert`` added one, so
``restore(inert(s)) == s`` for every ``s`` and an apostrophe a title really starts with is kept.
"""

from __future__ import annotations

import csv
import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _runs(text: str) -> bool:
    """Whether a spreadsheet would take ``text`` (its leading apostrophes set aside) as a formula."""
    bare = text.lstrip("'")
    return bare.startswith(TRIGGERS) and not _NUMBER.fullmatch(bare)


def inert(value):
    """``value`` safe for a spreadsheet cell: text that would run gets a leading apostrophe."""
    if isinstance(value, str) and _runs(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The text ``inert`` was given: one leading apostrophe off where ``inert`` put one."""
    if isinstance(text, str) and text.startswith("'") and _runs(text[1:]):
        return text[1:]
    return text


def inert_row(row) -> list:
    return [inert(v) for v in row]


class Writer:
    """A ``csv.writer`` of inert rows ending in ``\n``. A row with a carriage return but no newline
    in a cell is written fully quoted: Python 3.11's csv leaves such a cell bare when rows end in
    ``\n``, and a reader then ends the row at the carriage return."""

    def __init__(self, f):
        self._plain = csv.writer(f, lineterminator="\n")
        self._quoted = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row) -> None:
        row = inert_row(row)
        (self._quoted if any(isinstance(v, str) and "\r" in v and "\n" not in v for v in row) else self._plain).writerow(row)

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def inert_frame(frame):
    """A copy of a DataFrame whose text columns are inert; numeric columns are left as they are."""
    from pandas.api.types import is_numeric_dtype

    out = frame.copy()
    for column in out.columns:
        if not is_numeric_dtype(out[column].dtype):
            out[column] = out[column].map(inert)
    return out
