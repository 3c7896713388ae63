"""JSON Lines and JSON documents, whatever produced them.

One mapping reads the records of plain JSON Lines, OpenAlex works (``display_name``,
``publication_year``, ``abstract_inverted_index``), Semantic Scholar papers
(``externalIds.DOI``, ``paperId``), the arXiv metadata snapshot (no year field: the year of
``versions[0].created``), CSL-JSON (``issued.date-parts``, ``DOI``) and Crossref
(``title`` as a list). A JSON document is an array of such records or an API page holding
one (OpenAlex ``results``, Semantic Scholar ``data``, Crossref ``message.items``).
"""

from __future__ import annotations

import codecs
import io
import re
from typing import Iterator

import orjson

from survey.corpus.readers import jsonstream
from survey.corpus.readers.encoding import Overlong, read_past
from survey.corpus.records import MAX_RECORD_CHARS, Entry, Item, Noted, is_year, make_entry, year_of

_TAGS = re.compile(r"<[^>]+>")  # Crossref abstracts are JATS XML


def inverted_index_text(index: dict) -> str:
    """OpenAlex's ``abstract_inverted_index`` (word -> positions) back to running text."""
    if not isinstance(index, dict):
        raise ValueError("abstract_inverted_index is not an object")
    slots: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list):
            raise ValueError(f"abstract_inverted_index[{word!r}] is not a list of positions")
        for pos in positions:
            slots[int(pos)] = word
    return " ".join(slots[i] for i in sorted(slots))


def _csl_year(issued):
    if not isinstance(issued, dict):
        return issued
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return parts[0][0]
    return issued.get("raw") or issued.get("literal")


def _arxiv_year(versions):
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        return versions[0].get("created")  # "Mon, 2 Apr 2007 19:18:42 GMT"
    return None


def json_entry(obj: dict) -> Entry | Noted | str:
    title = obj.get("title")
    if title is None or title == "" or title == []:
        title = obj.get("display_name") or obj.get("Title")
    if isinstance(title, list):  # Crossref
        title = next((t for t in title if isinstance(t, str) and t.strip()), None)
    notes: tuple[str, ...] = ()
    abstract = obj.get("abstract")
    if not abstract and obj.get("abstract_inverted_index"):
        try:
            abstract = inverted_index_text(obj["abstract_inverted_index"])
        except (ValueError, TypeError) as exc:
            notes = (f"field 'abstract_inverted_index' skipped ({exc})",)
    if isinstance(abstract, str) and "<" in abstract and "jats:" in abstract:
        abstract = _TAGS.sub(" ", abstract)
    elif abstract is not None and not isinstance(abstract, str):
        abstract = None
    year = obj.get("year")
    # Most JSON Lines corpora give the year as a plain number: the other fields need no look.
    if not is_year(year):
        year, no_year = _any_year(obj)
        notes += no_year
    ids = obj.get("externalIds") if isinstance(obj.get("externalIds"), dict) else {}
    doi = obj.get("doi") or obj.get("DOI") or ids.get("DOI")
    ident = obj.get("id") if obj.get("id") is not None else obj.get("paperId")
    return make_entry(title, abstract, year, doi if isinstance(doi, str) else None, None if ident is None else str(ident), notes)


def _any_year(obj: dict) -> tuple[int | None, tuple[str, ...]]:
    """The year from the first field that gives one, and a note when none does but one was no year."""
    return year_of(
        obj.get("year"),
        obj.get("publication_year"),
        _csl_year(obj.get("issued")),
        obj.get("publicationDate") or obj.get("publication_date"),
        _arxiv_year(obj.get("versions")),
        _csl_year(obj.get("published")),
        obj.get("date"),
    )


def _entry_or_reason(obj) -> Entry | Noted | str:
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {_json_type(obj)}"
    try:
        return json_entry(obj)
    except Exception as exc:  # one odd record never stops the import, whatever is odd about it
        return f"cannot read the record ({type(exc).__name__}: {str(exc)[:80]})"


def _json_type(obj) -> str:
    return {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(obj), "null")


def _overlong(line: Overlong) -> str:
    unit = "bytes" if isinstance(line.head, bytes) else "characters"
    return f"the line is {line:,} {unit} long, over the limit of {MAX_RECORD_CHARS:,}; skipped unread"


def read_jsonl_file(fh) -> Iterator[Item]:
    """What read_jsonl gives for the lines of the binary UTF-8 file ``fh`` (a byte-order mark
    dropped), in one loop: the path of large imports, where a generator layer a line for the mark
    and the line limit cost a few percent of the whole import."""
    limit, readline, loads, entry = MAX_RECORD_CHARS, fh.readline, orjson.loads, _entry_or_reason
    number = 0
    line = readline(limit + 1).removeprefix(codecs.BOM_UTF8)
    while line:
        number += 1
        if len(line) > limit and line[-1:] != b"\n":
            yield f"line {number}", _overlong(read_past(fh, line, limit))
        elif line.strip():
            try:
                obj = loads(line)
            except orjson.JSONDecodeError as exc:
                yield f"line {number}", f"not valid JSON ({str(exc)[:100]})"
            else:
                yield f"line {number}", entry(obj)
        line = readline(limit + 1)


def read_jsonl(lines) -> Iterator[Item]:
    """One object per line; ``lines`` gives bytes (UTF-8, parsed as is) or text, an Overlong for a line over the limit."""
    for number, line in enumerate(lines, 1):
        if isinstance(line, Overlong):
            yield f"line {number}", _overlong(line)
            continue
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield f"line {number}", f"not valid JSON ({str(exc)[:100]})"
            continue
        yield f"line {number}", _entry_or_reason(obj)


def iter_json_document(fh) -> Iterator[Item]:
    """The records of a JSON array, or of an API page holding one, read from the bytes ``fh`` one at a time."""
    for number, record in jsonstream.records(fh):
        where = f"record {number}"
        if isinstance(record, int):
            yield where, f"the record is {record:,} bytes long, over the limit of {MAX_RECORD_CHARS:,}; skipped unread"
        else:
            yield where, _entry_or_reason(record)


def read_json_document(text: str) -> tuple[list[Item], int]:
    """An array of records, or an API page holding one."""
    items = list(iter_json_document(io.BytesIO(text.encode("utf-8"))))
    return items, len(items)
