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

import re
from functools import lru_cache

from survey.corpus.records import Item, first_year, make_entry

_ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*([{(])", re.M)
_NAME = re.compile(r"\s*([^\s=,{}()\"#]+)\s*")
_BARE = re.compile(r"[^\s,#{}()\"]+")
_MONTHS = {m: m.capitalize() for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}
_LATEX_SIGNS = re.compile(r"[\\{}$~]")


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
    raise _Broken("unbalanced braces: the entry does not close before the next @entry")


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
                raise _Broken(f"expected a field value at {text[i:i + 20]!r}")
            word, i = m.group(0), m.end()
            part = word if word.isdigit() else macros.get(word.lower(), word)
        parts.append(part)
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text) and text[i] == "#":
            i += 1
            continue
        return "".join(parts), i


def _fields(text: str, i: int, close: str, macros: dict) -> dict[str, str]:
    fields: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and (text[i].isspace() or text[i] == ","):
            i += 1
        if i >= n:
            raise _Broken("unbalanced braces: the entry does not close before the next @entry")
        if text[i] == close:
            return fields
        m = _NAME.match(text, i)
        if not m or m.end() >= n or text[m.end()] != "=":
            raise _Broken(f"expected field = value at {text[i:i + 30]!r}")
        value, i = _value(text, m.end() + 1, macros)
        fields.setdefault(m.group(1).lower(), value)


def _chunks(text: str):
    starts = list(_ENTRY_START.finditer(text))
    for k, m in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(text)
        yield m, text[m.end() : end]


def read_bibtex(text: str) -> tuple[list[Item], int]:
    macros = dict(_MONTHS)
    entries = []  # (where, key, fields) or (where, None, reason)
    for m, body in _chunks(text):
        kind, close = m.group(1).lower(), ")" if m.group(2) == "(" else "}"
        if kind in ("comment", "preamble"):
            continue
        line = text.count("\n", 0, m.start()) + 1
        if kind == "string":
            try:
                macros.update({k: v for k, v in _fields(body, 0, close, macros).items()})
            except _Broken:
                pass  # a broken macro shows up as the raw name in the fields that use it
            continue
        key_match = re.match(r"\s*([^\s,]*)\s*,", body)
        key = key_match.group(1) if key_match else ""
        where = f"line {line}" + (f" ({key})" if key else "")
        try:
            fields = _fields(body, key_match.end() if key_match else 0, close, macros)
        except _Broken as exc:
            entries.append((where, None, str(exc)))
            continue
        entries.append((where, key, fields))
    by_key = {key.lower(): fields for _, key, fields in entries if key}
    items: list[Item] = []
    for where, key, fields in entries:
        if key is None:
            items.append((where, fields))
            continue
        items.append((where, _entry(fields, by_key, key)))
    return items, len(items)


def _entry(fields: dict, by_key: dict, key: str):
    parent = by_key.get(fields.get("crossref", "").strip().lower(), {})
    try:
        year = first_year(
            fields.get("year"), fields.get("date"), fields.get("eventdate"),
            parent.get("year"), parent.get("date"), parent.get("eventdate"),
        )
    except ValueError as exc:
        return str(exc)
    return make_entry(latex_text(fields.get("title")), latex_text(fields.get("abstract")), year,
                      _plain(fields.get("doi")), key or None)


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
    try:
        return _converter().latex_to_text(value)
    except Exception:  # pylatexenc gives up on some malformed input: keep the text, drop the braces
        return _plain(value)
