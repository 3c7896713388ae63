"""Readers for exported bibliographic records: JSON Lines (incl. OpenAlex works), BibTeX, RIS, CSV.

Every reader yields ``(where, entry_or_reason)`` pairs: an :class:`Entry` for a usable record,
or a string saying why the record at ``where`` ("line 12", "entry 3") was skipped. Only a file
that cannot be read at all, or whose format cannot be told, raises :class:`CorpusFormatError`;
one bad record never stops an import. Gzip is detected by its magic bytes, not the name.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import re
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from survey.errors import CorpusFormatError
from survey.matrix import MAX_YEAR, MIN_YEAR

FORMATS = ("jsonl", "bibtex", "ris", "csv")

EXPECTED = (
    "expected JSON Lines (.jsonl), BibTeX (.bib), RIS (.ris) or CSV with a header row (.csv), "
    "optionally gzipped; or pass --format"
)

EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".ris": "ris",
    ".csv": "csv",
}

# Sniffing reads this much of the (decompressed) text; enough to get past a CSV header or a
# BibTeX @comment preamble.
_SNIFF_CHARS = 64 * 1024

# What reading a file that is not (gzipped) UTF-8 text raises; gzip.BadGzipFile is an OSError.
_UNREADABLE = (UnicodeDecodeError, EOFError, zlib.error, OSError)


class Entry(NamedTuple):
    """One usable record. A tuple, not a frozen dataclass: large imports create 100k of them."""

    title: str
    abstract: str = ""
    year: int | None = None
    doi: str | None = None
    id: str | None = None


Item = tuple[str, "Entry | str"]


@dataclass
class RecordStream:
    """The records of one file, read lazily; ``total`` is known only for formats parsed whole."""

    path: Path
    format: str
    items: Iterator[Item]
    total: int | None = None


# ---------------------------------------------------------------- opening and detection


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_text(path: Path) -> io.TextIOBase:
    """The file as UTF-8 text (a byte-order mark is dropped), gunzipped when it is gzip."""
    try:
        if _is_gzip(path):
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
        return open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise CorpusFormatError(f"{path}: no such file; {EXPECTED}") from None
    except IsADirectoryError:
        raise CorpusFormatError(f"{path}: is a directory; expected a file of records") from None
    except OSError as exc:
        raise CorpusFormatError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _read_text(path: Path, size: int = -1) -> str:
    """The first ``size`` characters of the file's text (all of it by default)."""
    try:
        with open_text(path) as fh:
            return fh.read(size)
    except _UNREADABLE as exc:
        raise CorpusFormatError(f"{path}: cannot read as UTF-8 text ({_short(exc)}); {EXPECTED}") from None


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def detect_format(path: Path, head: str) -> str:
    """The format by extension (``.gz`` looked through), else by sniffing ``head``, the first text."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in EXTENSIONS:
        return EXTENSIONS[suffixes[-1]]
    sniffed = sniff_format(head)
    if sniffed is None:
        raise CorpusFormatError(f"{path}: cannot tell the format from the name or content; {EXPECTED}")
    return sniffed


def sniff_format(head: str) -> str | None:
    text = head.lstrip()
    if not text:
        return None
    if text.startswith("{"):
        return "jsonl"
    if any(m.group(1).lower() not in _BIB_NON_ENTRIES for m in _BIB_ENTRY_START.finditer(text)):
        return "bibtex"
    if re.search(r"^TY  - ", text, re.M):
        return "ris"
    first = text.splitlines()[0]
    if _TITLE_COLUMN.search(first) and any(d in first for d in ",;\t"):
        return "csv"
    return None


# ---------------------------------------------------------------- field helpers


def parse_year(value) -> int | None:
    """A year from an int or a string that starts with one ("2016", "2016///", "2016-05-01").

    Empty is None (an undated record is kept); anything else is a ValueError (the record is bad).
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
        m = re.match(r"^(\d{4})(?:\D|$)", text)
        if not m:
            raise ValueError(f"year {text[:40]!r} is not a four-digit year")
        year = int(m.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is out of range {MIN_YEAR}-{MAX_YEAR}")
    return year


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # RIS and some JSON exports repeat a field
        value = " ".join(str(v) for v in value if v)
    # Runs of whitespace are left alone: the tokenizer ignores them, and collapsing every
    # abstract would cost a sizeable share of a large import.
    return str(value).strip()


def _opt(value) -> str | None:
    text = _text(value)
    return text or None


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


def make_entry(title, abstract, year, doi, ident) -> Entry | str:
    """An Entry, or the reason the fields do not make one."""
    title = " ".join(_text(title).split())
    if not title:
        return "no title"
    try:
        parsed_year = parse_year(year)
    except ValueError as exc:
        return str(exc)
    return Entry(title=title, abstract=_text(abstract), year=parsed_year, doi=_opt(doi), id=_opt(ident))


# ---------------------------------------------------------------- JSON Lines


def read_jsonl(fh) -> Iterator[Item]:
    for number, line in enumerate(fh, 1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield where, f"not valid JSON ({exc.msg} at column {exc.colno})"
            continue
        if not isinstance(obj, dict):
            yield where, f"expected a JSON object, got {type(obj).__name__}"
            continue
        yield where, _json_entry(obj)


def _json_entry(obj: dict) -> Entry | str:
    title = obj.get("title") or obj.get("display_name")
    abstract = obj.get("abstract")
    if not abstract and obj.get("abstract_inverted_index"):
        try:
            abstract = inverted_index_text(obj["abstract_inverted_index"])
        except (ValueError, TypeError) as exc:
            return str(exc)
    year = obj["year"] if obj.get("year") is not None else obj.get("publication_year")
    if title is not None and not isinstance(title, str):
        return f"title is a {type(title).__name__}, expected a string"
    return make_entry(title, abstract, year, obj.get("doi"), obj.get("id"))


# ---------------------------------------------------------------- BibTeX

_BIB_ENTRY_START = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]", re.M)
_BIB_NON_ENTRIES = {"comment", "string", "preamble"}
_BIB_KEY = re.compile(r"\s*([^\s,{}()]+)\s*,")


def read_bibtex(text: str, path: Path) -> tuple[list[Item], int]:
    import bibtexparser
    from bibtexparser.bparser import BibTexParser
    from bibtexparser.customization import convert_to_unicode

    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True)
    parser.customization = convert_to_unicode
    try:
        db = bibtexparser.loads(text, parser=parser)
    except Exception as exc:  # bibtexparser raises assorted pyparsing and key errors on garbage
        raise CorpusFormatError(f"{path}: cannot parse as BibTeX ({_short(exc)}); expected @type{{key, field = {{...}}, ...}}") from None
    items: list[Item] = []
    for number, e in enumerate(db.entries, 1):
        where = f"entry {number} ({e.get('ID', '?')})"
        items.append((where, make_entry(_unbrace(e.get("title")), _unbrace(e.get("abstract")), e.get("year"), e.get("doi"), e.get("ID"))))
    # bibtexparser 1.x drops an entry it cannot parse without a word; find those in the raw text.
    parsed = {e.get("ID") for e in db.entries}
    declared = 0
    for m in _BIB_ENTRY_START.finditer(text):
        if m.group(1).lower() in _BIB_NON_ENTRIES:
            continue
        declared += 1
        key = _BIB_KEY.match(text, m.end())
        if key is None or key.group(1) not in parsed:
            line = text.count("\n", 0, m.start()) + 1
            name = f" ({key.group(1)})" if key else ""
            items.append((f"line {line}{name}", "BibTeX entry that could not be parsed; expected @type{key, field = {value}, ...} with balanced braces"))
    return items, max(declared, len(db.entries))


def _unbrace(value):
    # Braces protect capitalisation in BibTeX; they are not part of the text.
    return None if value is None else value.replace("{", "").replace("}", "")


# ---------------------------------------------------------------- RIS


def read_ris(text: str, path: Path) -> tuple[list[Item], int]:
    import rispy

    try:
        refs = rispy.loads(text, skip_unknown_tags=True)
    except Exception as exc:  # rispy raises IOError and friends on a broken file
        raise CorpusFormatError(f"{path}: cannot parse as RIS ({_short(exc)}); expected TY  - ... ER  - records") from None
    items: list[Item] = []
    for number, ref in enumerate(refs, 1):
        where = f"record {number}"
        title = ref.get("title") or ref.get("primary_title")
        abstract = ref.get("abstract") or ref.get("notes_abstract")
        year = ref.get("year") or ref.get("publication_year") or ref.get("date")
        items.append((where, make_entry(title, abstract, year, ref.get("doi"), ref.get("id"))))
    return items, len(refs)


# ---------------------------------------------------------------- CSV

# Header names, compared case-insensitively; Scopus (Title, Abstract, Year, DOI, EID),
# Web of Science (Article Title, Publication Year, UT) and IEEE (Document Title) exports.
_COLUMNS = {
    "title": ("title", "article title", "document title", "ti"),
    "abstract": ("abstract", "ab"),
    "year": ("year", "publication year", "py"),
    "doi": ("doi", "di"),
    "id": ("id", "eid", "ut", "ut (unique wos id)"),
}
_TITLE_COLUMN = re.compile(r"(^|[,;\t\"])\s*(title|article title|document title)\s*(\"|[,;\t]|$)", re.I)


def read_csv(fh, path: Path) -> Iterator[Item]:
    csv.field_size_limit(2**31 - 1)  # abstracts can be longer than the module's 128 KiB default
    first = fh.readline()
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(itertools.chain([first], fh), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise CorpusFormatError(f"{path}: empty CSV; expected a header row with a Title column") from None
    names = [h.strip().lower() for h in header]
    cols = {}
    for field, aliases in _COLUMNS.items():
        cols[field] = next((names.index(a) for a in aliases if a in names), None)
    if cols["title"] is None:
        have = ", ".join(h.strip() for h in header[:12])
        raise CorpusFormatError(f"{path}: CSV header has no title column (have: {have}); expected a column named Title")
    width = len(header)
    for row in reader:
        where = f"line {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            yield where, f"{len(row)} fields, header has {width}"
            continue
        # _COLUMNS lists the fields in make_entry's order: title, abstract, year, doi, id
        yield where, make_entry(*(None if i is None else row[i] for i in cols.values()))


# ---------------------------------------------------------------- entry point


def read_records(path, fmt: str = "auto") -> RecordStream:
    """Open ``path`` and return its records as a lazy stream; raises CorpusFormatError early."""
    path = Path(path)
    if fmt not in ("auto", *FORMATS):
        raise CorpusFormatError(f"{path}: unknown format {fmt!r}; expected auto, {', '.join(FORMATS)}")
    head = _read_text(path, _SNIFF_CHARS)  # a missing file or a directory fails here, by name
    if not head.strip():
        raise CorpusFormatError(f"{path}: file is empty; {EXPECTED}")
    if fmt == "auto":
        fmt = detect_format(path, head)

    if fmt in ("bibtex", "ris"):
        reader: Callable = read_bibtex if fmt == "bibtex" else read_ris
        items, total = reader(_read_text(path), path)
        return RecordStream(path, fmt, iter(items), total)

    def lazy() -> Iterator[Item]:
        with open_text(path) as fh:
            try:
                if fmt == "jsonl":
                    yield from read_jsonl(fh)
                else:
                    yield from read_csv(fh, path)
            except _UNREADABLE as exc:
                raise CorpusFormatError(f"{path}: cannot read past a broken stretch ({_short(exc)}); {EXPECTED}") from None
            except csv.Error as exc:
                raise CorpusFormatError(f"{path}: malformed CSV ({_short(exc)}); expected a header row and comma-separated rows") from None

    return RecordStream(path, fmt, lazy(), None)


# ---------------------------------------------------------------- normalisation for dedup


def normalise_doi(doi: str | None) -> str | None:
    """Lowercase, without a resolver prefix (``https://doi.org/``, ``doi:``); None if empty."""
    if not doi:
        return None
    text = doi.strip().lower()
    text = re.sub(r"^(https?://)?(dx\.)?doi\.org/", "", text)
    text = re.sub(r"^doi:\s*", "", text)
    return text or None


def normalise_title(title: str) -> str:
    """Casefolded, diacritics dropped, words joined by single spaces: the dedup form of a title."""
    if not title.isascii():  # most titles are ASCII; decomposing them would cost most of an import
        decomposed = unicodedata.normalize("NFKD", title)
        title = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(title.casefold()))


_WORD = re.compile(r"[^\W_]+")
