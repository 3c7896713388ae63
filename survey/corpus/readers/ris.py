"""RIS (EndNote, Zotero, Mendeley, Scopus, IEEE, Ovid exports), record by record through rispy.

Line endings are unified first (rispy splits on ``\\n`` only, so a file with lone CRs read as
one record), tags written with one to three spaces before the dash are put in the standard
``XX  - `` form, and each TY..ER block is parsed alone: a block rispy cannot read is skipped
with its line, never the whole file.
"""

from __future__ import annotations

import re

import rispy

from survey.corpus.records import Item, first_year, make_entry, text_of

_TAG = re.compile(r"^([A-Z][A-Z0-9])[ \t]{1,3}-(?:[ \t]|$)[ \t]?")
_MAPPING = {**rispy.TAG_KEY_MAPPING, "BT": "book_title", "CT": "caption_title", "DI": "doi_alt"}
_LINE_END = re.compile(r"\r\n?|\n")
# rispy keeps only the first of a repeated single-value tag; exports split long abstracts over
# several AB (or N2) lines, so those are read as lists and joined.
_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "AB", "N2"]


def tagged_blocks(text: str, start: str, end: str, tag=_TAG, rewrite: bool = True):
    """(first line number, lines) of each block from a ``start`` tag to an ``end`` tag.

    With ``rewrite``, tag lines are put in the standard ``XX  - value`` form.
    """
    block: list[str] = []
    first = 0
    for number, line in enumerate(_LINE_END.split(text), 1):
        m = tag.match(line)
        name = m.group(1) if m else None
        if name == start:
            if block:
                yield first, block
            block, first = [], number
        if not block and name != start:
            continue  # text between records: headers, blank lines
        block.append(f"{name}  - {line[m.end():]}" if m and rewrite else line)
        if name == end:
            yield first, block
            block = []
    if block:
        yield first, block


def read_ris(text: str) -> tuple[list[Item], int]:
    items: list[Item] = []
    for line, block in tagged_blocks(text, "TY", "ER"):
        if not block[-1].startswith("ER  -"):  # tag lines are rewritten: only a real ER reads so
            block.append("ER  - ")
        where = f"line {line}"
        try:
            [ref] = rispy.loads("\n".join(block), mapping=_MAPPING, list_tags=_LIST_TAGS, skip_unknown_tags=True)
        except Exception as exc:  # rispy raises assorted errors on a malformed block
            items.append((where, f"cannot read the RIS record ({type(exc).__name__}: {str(exc)[:80]})"))
            continue
        items.append((where, ris_entry(ref)))
    return items, len(items)


def ris_entry(ref: dict):
    title = next((ref[k] for k in ("title", "primary_title", "caption_title", "book_title", "short_title") if ref.get(k)), None)
    abstract = text_of(ref.get("abstract")) or ref.get("notes_abstract")
    try:
        year = first_year(ref.get("year"), ref.get("publication_year"), ref.get("date"))
    except ValueError as exc:
        return str(exc)
    return make_entry(title, abstract, year, ref.get("doi") or ref.get("doi_alt"), ref.get("id") or ref.get("accession_number"))
