"""EndNote tagged text, or Refer (.enw; Google Scholar's "EndNote", the AIS eLibrary): ``%T title``.

A tag is ``%`` and one character, a space, then the value; a line without a tag continues the
value before it. Records are separated by blank lines, so a blank line ends a record only when a
tag line follows it: a paragraph break inside an abstract keeps the abstract whole.
"""

from __future__ import annotations

import re
from typing import Iterator

from survey.corpus.readers.encoding import Overlong
from survey.corpus.readers.ris import over_limit, text_lines
from survey.corpus.records import MAX_RECORD_CHARS, Item, make_entry, year_of

TAG = re.compile(r"^%([0-9A-Z@!#$&()*+^~>?])(?: |$)")
_DOI = re.compile(r"\b(10\.\d+/\S+)")


def iter_refer(lines) -> Iterator[Item]:
    record: dict[str, list[str]] | None = None  # first, size, last_tag and after_blank are set with it
    for number, line in enumerate(lines, 1):
        length = int(line) if isinstance(line, Overlong) else None  # a line over the limit is known by its start
        line = line.head if length is not None else line.rstrip("\r\n")
        m = TAG.match(line)
        if m and (record is None or after_blank):
            if record is not None:
                yield f"line {first}", _entry(record) if size <= MAX_RECORD_CHARS else over_limit(size)
            record, first, size, last_tag = {}, number, 0, None
        after_blank = not line.strip()
        if record is None or after_blank:
            continue  # text before the first record; blank lines
        size += len(line) if length is None else length
        if size > MAX_RECORD_CHARS:
            record.clear()  # forgotten as it grows; the record is named when the next one starts
        elif m:
            last_tag = m.group(1)
            record.setdefault(last_tag, []).append(line[m.end():].strip())
        elif last_tag in record:
            record[last_tag][-1] += " " + line.strip()
    if record is not None:
        yield f"line {first}", _entry(record) if size <= MAX_RECORD_CHARS else over_limit(size)


def read_refer(text: str) -> tuple[list[Item], int]:
    items = list(iter_refer(text_lines(text)))
    return items, len(items)


def _entry(record: dict[str, list[str]]):
    def one(tag):
        return next((v for v in record.get(tag, ()) if v), None)

    # EndNote writes the DOI in %R (the "electronic resource number"), bare or as a URL
    doi = next((m.group(1) for v in record.get("R", ()) if (m := _DOI.search(v))), None)
    year, notes = year_of(one("D"), one("8"))  # %D the year, %8 the full date
    return make_entry(one("T"), " ".join(v for v in record.get("X", ()) if v), year, doi, one("M"), notes)
