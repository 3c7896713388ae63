"""The precision audit: a sample of the records a cell matched, so a reader can judge false positives.

A hit count says nothing about what was hit. In the ACL Anthology, for instance, ``CNN`` also
matches papers on the CNN/Daily Mail summarisation dataset. Sources that return records
(``Capabilities.records``) can show a sample; the report prints one per cell and
``survey audit`` prints one cell in the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey.matrix import Cell, Window
from survey.sources.base import Record, Source


@dataclass
class AuditSample:
    source: str
    cell: Cell
    window: Window
    records: list[Record]
    matched: int | None  # how many records the cell matched in the window; None: unknown


def supports_records(source: Source) -> bool:
    return source.capabilities.records


def sample_cell(source: Source, cell: Cell, window: Window, n: int, matched: int | None = None) -> AuditSample:
    """Up to ``n`` records matched by ``cell`` in ``window``.

    ``matched`` is the cell's count where the caller already has it (the report reads it from
    the store); otherwise the source is asked, which for an online source is one more request.
    """
    records = source.sample(cell.query, window.start, window.end, n)
    if matched is None:
        matched = source.count(cell.query, window.start, window.end)
    return AuditSample(source.name, cell, window, list(records), matched)


def record_line(record: Record) -> str:
    """One record as plain text: year, identifier, title."""
    year = str(record.year) if record.year is not None else "----"
    ident = record.id or (f"doi:{record.doi}" if record.doi else "")
    return f"{year}  {ident:<24} {' '.join(record.title.split())}"
