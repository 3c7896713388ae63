"""The records behind a count, written for screening tools: RIS (ASReview, Rayyan, Zotero read it) or CSV.

A corpus keeps each record's id, title, abstract, year and DOI; it does not keep authors or
venue, so neither format has them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from survey.csv_cells import Writer

FORMATS = ("ris", "csv")
CSV_COLUMNS = ("id", "title", "year", "doi", "abstract")


def write_csv(target, header, rows: Iterable) -> int:
    """The one place a cell's records or senses become CSV: ``header`` then ``rows``, to a path or an
    open text stream; returns the rows written."""
    if not hasattr(target, "write"):
        with open(target, "w", encoding="utf-8", newline="") as out:
            return write_csv(out, header, rows)
    writer = Writer(target)  # titles come from imported files: no cell a spreadsheet would run
    writer.writerow(header)
    written = 0
    for row in rows:
        writer.writerow(row)
        written += 1
    return written


def _ris_value(text) -> str:
    # A line break inside a value would start a tag of its own.
    return " ".join(str(text).split())


def ris_entry(rid, title, year, doi, abstract) -> str:
    """One RIS record: a generic reference (TY GEN), as every importer reads it."""
    lines = ["TY  - GEN"]
    for tag, value in (("ID", rid), ("TI", title), ("PY", year), ("DO", doi), ("AB", abstract)):
        if value not in (None, ""):
            lines.append(f"{tag}  - {_ris_value(value)}")
    lines.append("ER  - ")
    return "\n".join(lines) + "\n\n"


def write_records(batches: Iterable[list[tuple]], path: Path, fmt: str) -> int:
    """Rows (rowid, id, title, year, DOI, abstract) from ``Corpus.matched`` written as ``fmt``; returns how many."""
    def records():
        for rows in batches:
            for _, rid, title, year, doi, abstract in rows:
                yield rid or "", title, year, doi or "", abstract or ""

    if fmt == "csv":
        return write_csv(path, CSV_COLUMNS, records())
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for record in records():
            out.write(ris_entry(*record))
            written += 1
    return written
