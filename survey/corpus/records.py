"""What a reader hands the index: an Entry per usable record, or the reason a record was skipped.

The field helpers here are shared by every reader, so a year, a placeholder abstract or a
DOI means the same whatever format it came from.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator, NamedTuple

from survey.matrix import MAX_YEAR, MIN_YEAR


class Entry(NamedTuple):
    """One usable record. A tuple, not a frozen dataclass: large imports create millions."""

    title: str
    abstract: str = ""
    year: int | None = None
    doi: str | None = None
    id: str | None = None


class Noted(NamedTuple):
    """A record kept without the fields a reader could not read: the entry, and a note per field passed over."""

    entry: Entry
    notes: tuple[str, ...]


# A NamedTuple's own constructor is a Python function: 1.2 us of an import's ~25 us per record.
_new_entry = tuple.__new__

# (where, entry or reason): "line 12", "record 3 (key)" says where the record starts.
Item = tuple[str, "Entry | Noted | str"]

# What one import holds in memory at a time is bounded by these (README, "Importing a corpus"):
# a record longer than MAX_RECORD_CHARS in the file is skipped unread, with its line.
MAX_RECORD_CHARS = 16 * 1024 * 1024


@dataclass
class RecordStream:
    """The records of one file, read lazily, one at a time: how many there are is known at the end."""

    path: object
    format: str
    items: Iterator[Item]
    encoding: str = "utf-8"
    encoding_note: str = ""  # how the encoding was chosen, shown when it is not plain UTF-8


# Exports write these where a field is empty (Scopus: "[No abstract available]").
_PLACEHOLDER = re.compile(
    r"^\s*[\[(]?\s*(no\s+(abstract|title)(\s+(is\s+)?available)?|(abstract|title)\s+not\s+available|"
    r"n/?a|none|null|nan)\s*\.?\s*[\])]?\s*$",
    re.I,
)
_PLACEHOLDER_STARTS = frozenset("[(nNaAtT")
_YEAR_AT_START = re.compile(r"^\s*(\d{4})(?!\d)")
_YEAR_ANYWHERE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
# a date written without separators (MEDLINE's DEP, TRID's "Start date: 20170812")
_COMPACT_DATE = re.compile(r"(?<!\d)(\d{4})(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)")


def parse_year(value) -> int | None:
    """A year from an int or from text that holds one ("2016", "2016///", "1 Jan.-Feb. 2019", "20170812").

    Empty is None (an undated record is kept); text with no plausible four-digit year, or a
    year out of range, is a ValueError (the record is bad).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"year {value!r} is not a year")
    if isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        m = _YEAR_AT_START.match(text)
        if m is None:
            m = next((c for pattern in (_YEAR_ANYWHERE, _COMPACT_DATE) for c in pattern.finditer(text)
                      if MIN_YEAR <= int(c.group(1)) <= MAX_YEAR), None)
        if m is None:
            raise ValueError(f"year {text[:40]!r} is not a four-digit year")
        year = int(m.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is out of range {MIN_YEAR}-{MAX_YEAR}")
    return year


def is_year(value) -> bool:
    """Whether ``value`` is a year already (an int in range, not a bool): the fast path of large imports."""
    return type(value) is int and MIN_YEAR <= value <= MAX_YEAR


def year_of(*values) -> tuple[int | None, tuple[str, ...]]:
    """The year as first_year finds it, and a note when a value was no year: the record keeps the rest."""
    try:
        return first_year(*values), ()
    except ValueError as exc:
        return None, (f"field 'year' skipped ({exc})",)


def first_year(*values) -> int | None:
    """The year of the first value that gives one; a bad value is passed over for the next."""
    error = None
    for value in values:
        try:
            year = parse_year(value)
        except ValueError as exc:
            error = error or exc
            continue
        if year is not None:
            return year
    if error is not None:
        raise error
    return None


def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):  # RIS and some JSON exports repeat a field
        value = " ".join(str(v) for v in value if v)
    # Runs of whitespace are left alone: the tokenizer ignores them, and collapsing every
    # abstract would cost a sizeable share of a large import.
    text = str(value).strip()
    # A placeholder starts with a bracket or one of the letters of no/none/null/n/a/nan/abstract/title:
    # the first character spares most DOIs, ids and titles the pattern.
    return "" if len(text) < 40 and text[:1] in _PLACEHOLDER_STARTS and _PLACEHOLDER.match(text) else text


def _unencodable(field: str, text: str) -> str | None:
    """Why ``text`` cannot be stored (a lone surrogate from a JSON escape), or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"{field} has an invalid character {text[exc.start]!r} at position {exc.start} (a lone UTF-16 surrogate)"
    return None


def make_entry(title, abstract, year, doi, ident, notes: tuple[str, ...] = ()) -> Entry | Noted | str:
    """An Entry (Noted when a field was passed over, as ``notes`` or here), or the reason there is no record.

    Only a missing title costs the record; an abstract, year, DOI or id that cannot be stored is dropped.
    """
    if title is not None and not isinstance(title, (str, list, tuple)):
        return f"title is a {type(title).__name__}, expected text"
    title = " ".join(text_of(title).split())
    if not title:
        return "no title"
    abstract = text_of(abstract)
    # Written out rather than looped over: this runs once per record of imports of millions.
    if reason := _unencodable("title", title):
        return reason
    if reason := _unencodable("abstract", abstract):
        abstract, notes = "", (*notes, f"field 'abstract' skipped ({reason})")
    if not is_year(year):
        try:
            year = parse_year(year)
        except ValueError as exc:
            year, notes = None, (*notes, f"field 'year' skipped ({exc})")
    doi, ident = text_of(doi) or None, text_of(ident) or None
    if doi and (reason := _unencodable("doi", doi)):
        doi, notes = None, (*notes, f"field 'doi' skipped ({reason})")
    if ident and (reason := _unencodable("id", ident)):
        ident, notes = None, (*notes, f"field 'id' skipped ({reason})")
    entry = _new_entry(Entry, (title, abstract, year, doi, ident))
    return Noted(entry, notes) if notes else entry


# ---------------------------------------------------------------- dedup keys


_RESOLVER = re.compile(r"^(https?://)?(dx\.)?doi\.org/")
_DOI_COLON = re.compile(r"^doi:\s*")


def normalise_doi(doi: str | None) -> str | None:
    """Lowercase, without a resolver prefix (``https://doi.org/``, ``doi:``); None if empty."""
    if not doi:
        return None
    text = doi.strip().lower()
    if not text.startswith("10."):  # most DOIs are bare: the two patterns cost a share of a large import
        text = _DOI_COLON.sub("", _RESOLVER.sub("", text))
    return text or None


_WORD = re.compile(r"[^\W_]+")
# Every ASCII byte that is not a letter or digit becomes a space: for ASCII text, splitting on
# those is finding the _WORD runs, at half the cost per record.
_ASCII_SPACES = bytes(c if chr(c).isalnum() and c < 128 else 32 for c in range(256))


class _NonAsciiWords(dict):
    """Code point -> what it becomes in a title's dedup form: nothing for a combining mark, else its
    casefolded characters with each one that is not a letter or digit made a space. Filled as
    characters are met (a table of every code point would cost half a second to build)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = "" if unicodedata.combining(ch) else "".join(c if c.isalnum() else " " for c in ch.casefold())
        self[code] = out
        return out


_NON_ASCII_WORDS = _NonAsciiWords()
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _ascii_words(m: re.Match) -> str:
    return m.group().translate(_NON_ASCII_WORDS)


def normalise_title(title: str) -> str:
    """Casefolded, diacritics dropped, words joined by single spaces: the dedup form of a title."""
    if not title.isascii():
        # Only the runs of non-ASCII characters are looked at: in most such titles they are a few
        # accents, dashes or quotes, and the rest is then ASCII (a third of the general rule's cost).
        title = _NON_ASCII_RUN.sub(_ascii_words, unicodedata.normalize("NFKD", title))
        if not title.isascii():
            return " ".join(_WORD.findall(title.casefold()))
    return b" ".join(title.encode("ascii").lower().translate(_ASCII_SPACES).split()).decode("ascii")


def digest64(text: str) -> int:
    """A signed 64-bit digest: dedup keys are held as these, not as the strings they stand for."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little", signed=True)
