"""PubMed MEDLINE (.nbib, "PubMed format"): ``TAG - value`` lines, continuations indented.

Written out rather than taken from a library: the format is a few lines of rules (a tag of up
to four characters padded to column four, ``- `` then the value, continuation lines indented
by six spaces, a record starting at ``PMID-``), and the one maintained parser (Biopython's
Bio.Medline) would bring all of Biopython for it.
"""

from __future__ import annotations

import re
from typing import Iterator

from survey.corpus.readers.encoding import Overlong
from survey.corpus.readers.ris import over_limit, text_lines
from survey.corpus.records import MAX_RECORD_CHARS, Item, make_entry, year_of

_TAG = re.compile(r"^([A-Z][A-Z0-9]{0,3})\s*- ?(.*)$")
_DOI = re.compile(r"^(\S+)\s*\[doi\]\s*$")


def iter_medline(lines) -> Iterator[Item]:
    record: dict[str, list[str]] | None = None
    first = size = 0
    last_tag = None
    for number, line in enumerate(lines, 1):
        length = int(line) if isinstance(line, Overlong) else None  # a line over the limit is known by its start
        line = line.head if length is not None else line.rstrip("\r\n")
        m = _TAG.match(line)
        if m and m.group(1) == "PMID":
            if record is not None:
                yield f"line {first}", _entry(record) if size <= MAX_RECORD_CHARS else over_limit(size)
            record, first, size = {}, number, 0
        if record is None:
            continue
        size += len(line) if length is None else length
        if size > MAX_RECORD_CHARS:
            record.clear()  # forgotten as it grows; the record is named when the next one starts
        elif m:
            last_tag = m.group(1)
            record.setdefault(last_tag, []).append(m.group(2).strip())
        elif line.startswith(" ") and last_tag in record and line.strip():
            record[last_tag][-1] += " " + line.strip()
    if record is not None:
        yield f"line {first}", _entry(record) if size <= MAX_RECORD_CHARS else over_limit(size)


def read_medline(text: str) -> tuple[list[Item], int]:
    items = list(iter_medline(text_lines(text)))
    return items, len(items)


def _entry(record: dict[str, list[str]]):
    def one(tag):
        values = record.get(tag)
        return values[0] if values else None

    doi = next((m.group(1) for tag in ("LID", "AID") for v in record.get(tag, ()) if (m := _DOI.match(v))), None)
    year, notes = year_of(one("DP"), one("DEP"), one("DA"))  # DEP, DA: 20181201
    # Books and chapters have BTI (book title) where articles have TI.
    return make_entry(one("TI") or one("BTI"), " ".join(record.get("AB", ())), year, doi, one("PMID"), notes)
