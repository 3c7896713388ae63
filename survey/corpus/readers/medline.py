"""PubMed MEDLINE (.nbib, "PubMed format"): ``TAG - value`` lines, continuations indented.

Written out rather than taken from a library: the format is a few lines of rules (a tag of up
to four characters padded to column four, ``- `` then the value, continuation lines indented
by six spaces, a record starting at ``PMID-``), and the one maintained parser (Biopython's
Bio.Medline) would bring all of Biopython for it.
"""

from __future__ import annotations

import re

from survey.corpus.records import Item, first_year, make_entry

_TAG = re.compile(r"^([A-Z][A-Z0-9]{0,3})\s*- ?(.*)$")
_DOI = re.compile(r"^(\S+)\s*\[doi\]\s*$")
_LINE_END = re.compile(r"\r\n?|\n")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def read_medline(text: str) -> tuple[list[Item], int]:
    items: list[Item] = []
    record: dict[str, list[str]] | None = None
    first = 0
    last_tag = None
    for number, line in enumerate(_LINE_END.split(text), 1):
        m = _TAG.match(line)
        if m and m.group(1) == "PMID":
            if record is not None:
                items.append((f"line {first}", _entry(record)))
            record, first = {}, number
        if record is None:
            continue
        if m:
            last_tag = m.group(1)
            record.setdefault(last_tag, []).append(m.group(2).strip())
        elif line.startswith(" ") and last_tag and line.strip():
            record[last_tag][-1] += " " + line.strip()
    if record is not None:
        items.append((f"line {first}", _entry(record)))
    return items, len(items)


def _dashed(date: str | None) -> str | None:
    """DEP and DA write a date as 20181201, which is no four-digit year until split."""
    return _COMPACT_DATE.sub(r"\1-\2-\3", date) if date else date


def _entry(record: dict[str, list[str]]):
    def one(tag):
        values = record.get(tag)
        return values[0] if values else None

    doi = next((m.group(1) for tag in ("LID", "AID") for v in record.get(tag, ()) if (m := _DOI.match(v))), None)
    try:
        year = first_year(one("DP"), _dashed(one("DEP")), _dashed(one("DA")))
    except ValueError as exc:
        return str(exc)
    # Books and chapters have BTI (book title) where articles have TI.
    return make_entry(one("TI") or one("BTI"), " ".join(record.get("AB", ())), year, doi, one("PMID"))
