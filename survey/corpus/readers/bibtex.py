"""BibTeX and BibLaTeX, read entry by entry.

A small scanner rather than bibtexparser: bibtexparser 1.x (the version scholarly pins) parses
about 0.2 MB/s, so a Web of Science export with its cited references takes seconds, and an
unbalanced brace makes it swallow the entries after it. Here every entry starts at a line that
opens with ``@type{``, so a broken entry costs only itself. ``@string`` macros, ``#``
concatenation and the usual month macros are expanded; a year comes from ``year``, else the
BibLaTeX ``date`` or ``eventdate``, else through ``crossref`` from the parent entry. LaTeX is
turned into text (pylatexenc) only in the title and abstract, the fields survey reads.
"""

from __future__ import annotations

import contextlib
import io
import re
from functools import lru_cache
from typing import Iterator

from survey.corpus.readers.encoding import Overlong
from survey.corpus.records import MAX_RECORD_CHARS, Item, make_entry, year_of

_ENTRY_START = re.compile(r"[ \t]*@[ \t]*([A-Za-z]+)[ \t]*([{(])")
# Exporters write field names with any punctuation but the separators: Web of Science
# `Usage-Count-(Last-180-days)` and `Early Access Date`, BibDesk `Bdsk-Url-1`, JabRef `file`.
_NAME = re.compile(r"\s*([^\s=,{}\"#]+(?:[ \t]+[^\s=,{}\"#]+)*)\s*")
# A field starts a line in every export; lines end in \n, \r\n or (classic Mac exports) a lone \r
_NEXT_FIELD = re.compile(r"[\r\n][ \t]*(?=[^\s=,{}\"#@][^=\r\n{}\"#]*=)")
_LINE_END = re.compile(r"\r\n?|\n")
_BARE = re.compile(r"[^\s,#{}()\"]+")
_MONTHS = {m: m.capitalize() for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}
_LATEX_SIGNS = re.compile(r"[\\{}$~]")
_LATEX_MARKUP = re.compile(r"[\\$~]")
_DATES = ("year", "date", "eventdate")
# Entries whose year may come from a crossref parent further on wait for it, up to this many;
# past it they are read without the parent's year rather than held.
_MAX_WAITING = 10_000
# The dates of these kinds are kept for the entries that crossref them (BibTeX's and BibLaTeX's
# containers), and of any entry an entry read so far names: not of every entry of a large file.
_CONTAINERS = {"proceedings", "mvproceedings", "book", "mvbook", "collection", "mvcollection", "reference",
               "mvreference", "periodical", "inbook", "incollection"}


class _Broken(Exception):
    pass


def _braced(text: str, i: int) -> tuple[str, int]:
    """The content of the {...} that opens at ``i``, and the index after it."""
    depth, j = 0, i
    n = len(text)
    while j < n:
        c = text[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j], j + 1
        j += 1
    raise _Broken("unbalanced braces in the value")


def _quoted(text: str, i: int) -> tuple[str, int]:
    depth, j, n = 0, i + 1, len(text)
    while j < n:
        c = text[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == '"' and depth == 0:
            return text[i + 1 : j], j + 1
        j += 1
    raise _Broken("unterminated quoted value")


def _snippet(text: str, i: int, n: int) -> str:
    return repr(_LINE_END.split(text[i : i + n], 1)[0])


def _value(text: str, i: int, macros: dict) -> tuple[str, int]:
    parts = []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            raise _Broken("the entry ends inside a field value")
        c = text[i]
        if c == "{":
            part, i = _braced(text, i)
        elif c == '"':
            part, i = _quoted(text, i)
        else:
            m = _BARE.match(text, i)
            if not m:
                raise _Broken(f"expected a field value at {_snippet(text, i, 20)}")
            word, i = m.group(0), m.end()
            part = word if word.isdigit() else macros.get(word.lower(), word)
        parts.append(part)
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text) and text[i] == "#":
            i += 1
            continue
        return "".join(parts), i


def _fields(text: str, i: int, close: str, macros: dict) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The fields of an entry body, and (field name, why) of each field that could not be read.

    A field that cannot be read is passed over to the next line that starts a field, so one
    odd value or name costs only itself.
    """
    fields: dict[str, str] = {}
    broken: list[tuple[str, str]] = []
    n = len(text)
    while True:
        while i < n and (text[i].isspace() or text[i] == ","):
            i += 1
        if i >= n:
            # Its values may have swallowed what follows them: an entry that never closes is not trusted
            raise _Broken("unbalanced braces: the entry does not close before the next @entry")
        if text[i] == close:
            return fields, broken
        m = _NAME.match(text, i)
        try:
            if not m or m.end() >= n or text[m.end()] != "=":
                raise _Broken(f"expected field = value at {_snippet(text, i, 30)}")
            name = m.group(1).lower()
            value, i = _value(text, m.end() + 1, macros)
            fields.setdefault(name, value)
        except _Broken as exc:
            name = m.group(1).lower() if m and m.end() < n and text[m.end()] == "=" else ""
            broken.append((name, str(exc)))
            after = _NEXT_FIELD.search(text, m.end() if m else i)
            if after is None:
                return fields, broken
            i = after.end()


def _chunks(lines) -> Iterator[tuple[int, re.Match | None, str | int]]:
    """(first line number, start match, entry text after the ``@type{``, or its size when over the limit)."""
    number = first = 0
    start = None
    parts: list[str] = []
    size = 0
    for number, line in enumerate(lines, 1):
        long = isinstance(line, Overlong)
        m = _ENTRY_START.match(line.head if long else line)
        if m is not None:
            if start is not None:
                yield first, start, "".join(parts) if size <= MAX_RECORD_CHARS else size
            first, start = number, m
            parts, size = ([], line) if long else ([line[m.end():]], len(line))
            continue
        if start is None:
            continue  # text before the first entry
        size += line if isinstance(line, Overlong) else len(line)
        if size <= MAX_RECORD_CHARS:
            parts.append(line)
        else:
            parts.clear()
    if start is not None:
        yield first, start, "".join(parts) if size <= MAX_RECORD_CHARS else size


def iter_bibtex(lines) -> Iterator[Item]:
    """The entries of BibTeX text lines (with their ends; :class:`Overlong` for a line over the limit).

    Line numbers come with the lines, so the cost is linear in the file, and one entry is held at a time.
    """
    macros = dict(_MONTHS)
    parents: dict[str, tuple] = {}  # key -> its year, date and eventdate, for the entries that crossref it
    wanted: set[str] = set()  # the parents named by entries read so far
    waiting: list[tuple[str, str, dict, list]] = []
    for line, m, body in _chunks(lines):
        kind, close = m.group(1).lower(), ")" if m.group(2) == "(" else "}"
        if kind in ("comment", "preamble"):
            continue
        if isinstance(body, int):
            yield f"line {line}", f"the entry is {body:,} characters long, over the limit of {MAX_RECORD_CHARS:,}; skipped unread"
            continue
        if kind == "string":
            with contextlib.suppress(_Broken):  # a broken macro shows as its raw name where used
                macros.update(_fields(body, 0, close, macros)[0])
            continue
        key_match = re.match(r"\s*([^\s,]*)\s*,", body)
        key = key_match.group(1) if key_match else ""
        where = f"line {line}" + (f" ({key})" if key else "")
        try:
            fields, broken = _fields(body, key_match.end() if key_match else 0, close, macros)
        except _Broken as exc:
            yield where, str(exc)
            continue
        if key and (kind in _CONTAINERS or key.lower() in wanted):
            parents[key.lower()] = tuple(fields.get(f, "")[:100] for f in _DATES)
        parent = fields.get("crossref", "").strip().lower()
        if parent and parent not in parents and not any(fields.get(f) for f in _DATES) and len(waiting) < _MAX_WAITING:
            wanted.add(parent)
            waiting.append((where, key, fields, broken))  # BibTeX puts the parent after the entries that cite it
            continue
        yield _entry(where, key, fields, parents, broken)
    for where, key, fields, broken in waiting:
        yield _entry(where, key, fields, parents, broken)


def read_bibtex(text: str) -> tuple[list[Item], int]:
    """The entries of a BibTeX text, as a list and its length."""
    items = list(iter_bibtex(io.StringIO(text, newline="")))
    return items, len(items)


def _entry(where: str, key: str, fields: dict, parents: dict, broken: list[tuple[str, str]]) -> Item:
    """The entry, noted with each field passed over; only the reason when no title remains."""
    title = latex_text(fields.get("title"))
    if not title and broken:
        name, why = next(((n, w) for n, w in broken if n == "title"), broken[0])
        return where, f"no title (the {name or 'title'} field could not be read: {why})"
    notes = tuple(f"field {name!r} skipped ({why})" if name else why for name, why in broken)
    parent = parents.get(fields.get("crossref", "").strip().lower(), ())
    year, no_year = year_of(*(fields.get(f) for f in _DATES), *parent)
    return where, make_entry(title, latex_text(fields.get("abstract")), year, _plain(fields.get("doi")), key or None,
                             notes + no_year)


def _plain(value: str | None) -> str | None:
    return None if value is None else value.replace("{", "").replace("}", "").strip()


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def latex_text(value: str | None) -> str | None:
    """LaTeX macros, accents and protective braces to plain text."""
    if value is None or not _LATEX_SIGNS.search(value):
        return value
    if not _LATEX_MARKUP.search(value):
        # Only protective braces ({LSTM}, {{Title}}): dropping them is what pylatexenc does, at a
        # thousandth of its cost, which was most of a BibTeX import's time
        return _plain(value)
    try:
        return _converter().latex_to_text(value)
    except Exception:  # pylatexenc gives up on some malformed input: keep the text, drop the braces
        return _plain(value)
