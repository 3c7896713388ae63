"""Web of Science plain text (the FN/PT/ER "Plain Text File" export; bibliometrix's default input).

Parsed with rispy's WokParser, one PT..ER record at a time, so a broken record is skipped
alone. The year is ``PY``, else the early-access date ``EA`` (early-access records have none
until they are assigned an issue).
"""

from __future__ import annotations

import re
from typing import Iterator

import rispy

from survey.corpus.readers.ris import over_limit, tagged_blocks, text_lines
from survey.corpus.records import Item, make_entry, year_of

_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: |$)")


def iter_wos(lines) -> Iterator[Item]:
    for line, block in tagged_blocks(lines, "PT", "ER", _TAG, rewrite=False):
        where = f"line {line}"
        if isinstance(block, int):
            yield where, over_limit(block)
            continue
        if not block[-1].startswith("ER"):
            block.append("ER")  # a file cut before its last ER still has that record; rispy needs the ER
        try:
            [ref] = rispy.loads("\n".join(block), implementation=rispy.WokParser, skip_unknown_tags=True)
        except Exception as exc:  # rispy raises assorted errors on a malformed block
            yield where, f"cannot read the Web of Science record ({type(exc).__name__}: {str(exc)[:80]})"
            continue
        year, notes = year_of(ref.get("publication_year"), ref.get("early_access_year"), ref.get("early_access_date"))
        yield where, make_entry(ref.get("document_title"), ref.get("abstract"), year, ref.get("doi"),
                                ref.get("accession_number"), notes)


def read_wos(text: str) -> tuple[list[Item], int]:
    items = list(iter_wos(text_lines(text)))
    return items, len(items)
