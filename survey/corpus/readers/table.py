"""CSV and TSV exports: a header row naming the columns, one record per row.

Columns are found by name, case-insensitively, through the synonyms each database uses. A row
is read by the columns it has: Scopus writes rows one field longer than its header, and a
short row still has its first columns. One line above the header (Dimensions' search details) is
passed over.
"""

from __future__ import annotations

import csv
import itertools
import re
from typing import Iterator

from survey.corpus.readers.encoding import Overlong
from survey.corpus.records import MAX_RECORD_CHARS, Item, make_entry, year_of

# Most specific first. Scopus (Title, Year, DOI, EID), Web of Science (Article Title,
# Publication Year, UT (Unique WOS ID); tab-delimited: TI, PY, DI, UT), IEEE Xplore (Document
# Title), Springer (Item Title, Item DOI), Lens (Lens ID, Date Published), OpenAlex
# (display_name, publication_year), Dimensions (PubYear, Publication ID), Embase (the year only in Source),
# Zotero (Abstract Note), asreview (primary_title, notes_abstract).
COLUMNS = {
    "title": ("title", "article title", "document title", "item title", "display_name", "primary_title", "ti"),
    "abstract": ("abstract", "abstract note", "notes_abstract", "ab"),
    "year": ("year", "publication year", "publication_year", "pubyear", "py"),
    "date": ("publication date", "publication_date", "date published", "date", "issued", "online date"),
    "doi": ("doi", "item doi", "di"),
    "id": ("eid", "ut (unique wos id)", "ut", "lens id", "id", "pmid", "pubmed id", "accession number", "publication id"),
    "source": ("source",),
}
_TITLE_NAMES = set(COLUMNS["title"])
_PAREN_YEAR = re.compile(r"\((\d{4})\)")  # Embase: "Endoscopic Ultrasound (2014) 3:3 (152-160)"


def title_column(header_line: str) -> bool:
    """Whether a header line names a title column, under any delimiter."""
    names = re.split(r"[,;\t]", header_line)
    return any(n.strip().strip('"').strip().lower().lstrip("\ufeff") in _TITLE_NAMES for n in names)


def read_csv(lines) -> Iterator[Item]:
    # Abstracts can be longer than the csv module's 128 KiB default; a cell over the record limit
    # is a malformed row. The limit is process-wide state, so it is put back when this reading
    # ends (or is closed early).
    limit = csv.field_size_limit(MAX_RECORD_CHARS)
    try:
        yield from _read_rows(lines)
    finally:
        csv.field_size_limit(limit)


class _Lines:
    """Text lines for the csv module: a line over the limit goes in as an empty one, and is remembered."""

    def __init__(self, lines):
        self._lines, self.overlong = iter(lines), 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if isinstance(line, Overlong):
            self.overlong = max(self.overlong, int(line))
            return "\n"
        return line


def _read_rows(lines) -> Iterator[Item]:
    lines = _Lines(lines)
    head = [_header_line(lines)]
    above = 0
    if head[0].strip() and not title_column(head[0]):
        # Dimensions writes a line of search details ("About the data: Exported on ...") above its
        # header: one such line is passed over when the next one names a title column (else both
        # are read as they stand)
        head.append(_header_line(lines))
        if title_column(head[1]):
            head, above = head[1:], 1
    delimiter = max(",;\t", key=head[0].count)
    reader = csv.reader(itertools.chain(head, lines), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise ValueError("empty CSV; expected a header row with a Title column")
    names = [h.strip().lstrip("\ufeff").strip().lower() for h in header]
    cols = {field: next((names.index(a) for a in aliases if a in names), None) for field, aliases in COLUMNS.items()}
    if cols["title"] is None:
        have = ", ".join(h.strip() for h in header[:12])
        raise ValueError(f"CSV header has no title column (have: {have}); expected a column named Title")
    while True:
        start = reader.line_num + above + 1  # a quoted cell may span lines: a record is named by its first
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield f"line {start}", f"malformed CSV row ({exc})"
            continue
        if lines.overlong:  # the row had a line over the limit, read past
            yield f"line {start}", f"the row has a line {lines.overlong:,} characters long, over the limit of {MAX_RECORD_CHARS:,}; skipped unread"
            lines.overlong = 0
            continue
        if not any(cell.strip() for cell in row):
            continue
        yield f"line {start}", _entry(row, cols)


def _header_line(lines: _Lines) -> str:
    line = next(lines, "")
    if lines.overlong:
        raise ValueError(f"the header line is {lines.overlong:,} characters long, over the limit of {MAX_RECORD_CHARS:,}")
    return line


def _entry(row: list[str], cols: dict):
    def cell(field):
        i = cols[field]
        return row[i] if i is not None and i < len(row) else None

    source = cell("source")
    embase_year = m.group(1) if source and (m := _PAREN_YEAR.search(source)) else None
    year, notes = year_of(cell("year"), cell("date"), embase_year)
    return make_entry(cell("title"), cell("abstract"), year, cell("doi"), cell("id"), notes)
