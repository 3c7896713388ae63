"""RIS (EndNote, Zotero, Mendeley, Scopus, IEEE, Ovid exports), record by record through rispy.

Line endings are unified first (rispy splits on ``\\n`` only, so a file with lone CRs read as
one record), tags written with one to three spaces before the dash are put in the standard
``XX  - `` form, and each TY..ER block is parsed alone: a block rispy cannot read is skipped
with its line, never the whole file. A record whose values are cut into lines of 70 characters
(the ACM Digital Library's export) has them joined back before rispy reads it.
"""

from __future__ import annotations

import io
import re
from typing import Iterator

import rispy

from survey.corpus.readers.encoding import Overlong
from survey.corpus.records import MAX_RECORD_CHARS, Item, make_entry, text_of, year_of

_TAG = re.compile(r"^([A-Z][A-Z0-9])[ \t]{1,3}-(?:[ \t]|$)[ \t]?")
_MAPPING = {**rispy.TAG_KEY_MAPPING, "BT": "book_title", "CT": "caption_title", "DI": "doi_alt"}
# rispy keeps only the first of a repeated single-value tag; exports split long abstracts over
# several AB (or N2) lines, so those are read as lists and joined.
_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "AB", "N2"]
_RIS_DATE = re.compile(r"^\s*\d{4}/")


def tagged_blocks(lines, start: str, end: str, tag=_TAG, rewrite: bool = True):
    """(first line number, lines) of each block from a ``start`` tag to an ``end`` tag.

    ``lines`` are text lines with or without their ends (:class:`Overlong` for one over the
    limit); a block longer than MAX_RECORD_CHARS comes as its size instead of its lines. With
    ``rewrite``, tag lines are put in the standard ``XX  - value`` form.
    """
    block: list[str] = []
    first = size = 0
    for number, line in enumerate(lines, 1):
        long = isinstance(line, Overlong)
        m = tag.match(line.head if long else line.rstrip("\r\n"))
        name = m.group(1) if m else None
        if name == start:
            if block:
                yield first, block if size <= MAX_RECORD_CHARS else size
            block, first, size = [], number, 0
        if not block and name != start:
            continue  # text between records: headers, blank lines
        if long:
            block.append("")  # the block is over the limit now, named by its size: what the line held is not needed
            size += line
            continue
        line = line.rstrip("\r\n")
        size += len(line)
        if size <= MAX_RECORD_CHARS:
            block.append(f"{name}  - {line[m.end():]}" if m and rewrite else line)
        if name == end:
            yield first, block if size <= MAX_RECORD_CHARS else size
            block = []
    if block:
        yield first, block if size <= MAX_RECORD_CHARS else size


def over_limit(size: int) -> str:
    return f"the record is {size:,} characters long, over the limit of {MAX_RECORD_CHARS:,}; skipped unread"


def text_lines(text: str):
    """The lines of a text as a file gives them (any line ending), for the readers of whole texts."""
    return io.StringIO(text, newline="")


def iter_ris(lines) -> Iterator[Item]:
    for line, block in tagged_blocks(lines, "TY", "ER"):
        where = f"line {line}"
        if isinstance(block, int):
            yield where, over_limit(block)
            continue
        if not block[-1].startswith("ER  -"):  # tag lines are rewritten: only a real ER reads so
            block.append("ER  - ")
        block = _unwrapped(block)
        try:
            [ref] = rispy.loads("\n".join(block), mapping=_MAPPING, list_tags=_LIST_TAGS, skip_unknown_tags=True)
        except Exception as exc:  # rispy raises assorted errors on a malformed block
            yield where, f"cannot read the RIS record ({type(exc).__name__}: {str(exc)[:80]})"
            continue
        yield where, ris_entry(ref)


_WRAP = 70  # the RIS specification's line width, which the ACM Digital Library cuts every value to


def _unwrapped(block: list[str]) -> list[str]:
    """The block with values cut into lines of 70 characters (mid-word) joined back whole.

    rispy joins a continuation line with a space, which breaks a word cut in two. Only a record
    whose every line fits the width, and that has a full line followed by a continuation, is
    taken to be cut; a line continued after a shorter one stays a line of its own.
    """
    tagged = [line[2:6] == "  - " for line in block]  # tag lines were rewritten to "XX  - value"
    if all(tagged):  # most records: nothing continued
        return block
    widths = [len(line) - 6 if t else len(line) for line, t in zip(block, tagged)]
    if max(widths) > _WRAP or not any(w == _WRAP and not t for w, t in zip(widths, tagged[1:])):
        return block
    joined = [block[0]]
    for line, width_before, is_tagged in zip(block[1:], widths, tagged[1:]):
        if not is_tagged and width_before == _WRAP:
            joined[-1] += line
        else:
            joined.append(line)
    return joined


def read_ris(text: str) -> tuple[list[Item], int]:
    items = list(iter_ris(text_lines(text)))
    return items, len(items)


def ris_entry(ref: dict):
    title = next((ref[k] for k in ("title", "primary_title", "caption_title", "book_title", "short_title") if ref.get(k)), None)
    abstract = text_of(ref.get("abstract")) or ref.get("notes_abstract")
    # the ACM Digital Library puts a conference paper's date in C2 (a custom field, elsewhere a
    # PMCID or a note): it counts only in the shape of a RIS date
    custom_date = ref.get("custom2") if _RIS_DATE.match(str(ref.get("custom2") or "")) else None
    year, notes = year_of(ref.get("year"), ref.get("publication_year"), ref.get("date"), custom_date)
    return make_entry(title, abstract, year, ref.get("doi") or ref.get("doi_alt"), ref.get("id") or ref.get("accession_number"),
                      notes)
