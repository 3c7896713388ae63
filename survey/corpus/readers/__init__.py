"""Readers for exported bibliographic records, one module per export family.

``read_records(path)`` opens a file (gzip by its magic bytes), chooses its text encoding
(:mod:`.encoding`), tells its format from its content (:mod:`.detect`) and returns its records
as a lazy stream of ``(where, Entry | Noted | reason)``, read record by record through a
bounded window (a record over MAX_RECORD_CHARS is skipped unread, with its place). Only a file
that cannot be read at all, or whose format cannot be told, raises :class:`CorpusFormatError`
(at once, or where the reading meets the fault); one bad record never stops an import, and a
field that cannot be read costs only itself (Noted).
"""

from __future__ import annotations

import codecs
import itertools
from pathlib import Path
from typing import Iterator

from survey.corpus.readers import detect, encoding as enc
from survey.corpus.records import MAX_RECORD_CHARS, Entry, Item, Noted, RecordStream
from survey.errors import CorpusFormatError

FORMATS = ("jsonl", "json", "bibtex", "ris", "wos", "medline", "pubmed-xml", "endnote-xml", "zotero-rdf", "refer",
           "csv")

EXPECTED = (
    "expected JSON Lines, JSON, BibTeX/BibLaTeX, RIS, Web of Science plain text, PubMed MEDLINE or XML, "
    "EndNote XML, Zotero RDF, EndNote tagged (Refer) or CSV/TSV with a header row (optionally gzipped); "
    "or pass --format"
)

WHAT = {
    "jsonl": "one JSON object per line with a title (and abstract, year, doi)",
    "json": "a JSON array of records, or an API page with a results list",
    "bibtex": "@article{key, title = {...}, year = {...}} entries",
    "ris": "RIS records (TY  - ... TI  - ... ER  - )",
    "wos": "Web of Science records (PT ... TI ... ER)",
    "medline": "MEDLINE records (PMID- ... TI  - ...)",
    "pubmed-xml": "<PubmedArticle> records",
    "endnote-xml": "<record> elements with <titles><title>",
    "zotero-rdf": "Zotero RDF items with dc:title",
    "refer": "EndNote tagged (Refer) records (%T title, %A author, %D year), a blank line between records",
    "csv": "a header row with a Title column and one record per row",
}

_SNIFF_BYTES = 256 * 1024


def read_records(path, fmt: str = "auto", encoding: str | None = None) -> RecordStream:
    """Open ``path`` and return its records as a lazy stream; raises CorpusFormatError early."""
    from survey.corpus.readers.table import title_column

    path = Path(path)
    if fmt not in ("auto", *FORMATS):
        raise CorpusFormatError(f"{path}: unknown format {fmt!r}; expected auto, {', '.join(FORMATS)}")
    head = enc.read_bytes(path, enc.HEAD_BYTES + 1)  # a missing file or a directory fails here, by name
    whole = len(head) <= enc.HEAD_BYTES
    if not head.strip():
        raise CorpusFormatError(f"{path}: file is empty; {EXPECTED}")
    chosen = enc.choose(path, head, whole, encoding)
    head_text = codecs.getincrementaldecoder(chosen.name)(errors="replace").decode(head[:_SNIFF_BYTES])
    detected = fmt == "auto"
    if detected:
        fmt = detect.sniff(head_text, title_column) or detect.extension_format(path)
        if fmt is None:
            raise CorpusFormatError(f"{path}: cannot tell the format from the content or the name; {EXPECTED}")
        if fmt == "json" and head_text.lstrip(_BLANK).startswith("{") and "\n" not in head_text.strip(_BLANK):
            # One object on a first line longer than the sniff: JSON Lines or a one-line document, as that line says
            fmt = detect.sniff(_first_line(path, chosen), title_column) or fmt
    if detected and fmt in ("json", "jsonl"):
        fmt, items = _json_either(path, fmt, chosen)
    else:
        items = _items(path, fmt, chosen)
    return RecordStream(path, fmt, items, chosen.name, chosen.note)


_BLANK = "\ufeff \t\r\n"


def _first_line(path: Path, chosen: enc.Encoding) -> str:
    """The file's first line when it is within the record limit, else nothing (never read past)."""
    with enc.open_binary(path) as fh:
        line = enc.read_limited(path, fh.readline, MAX_RECORD_CHARS + 1)
    if not line.endswith(b"\n"):
        return ""
    return codecs.decode(line, chosen.name, errors="replace")


def _json_either(path: Path, fmt: str, chosen: enc.Encoding) -> tuple[str, Iterator[Item]]:
    """JSON or JSON Lines as detected, else the other where the detected way fails at its first record.

    A file is never lost to the sniff: a JSON Lines file whose first record is longer than it, or a
    document that looks like JSON Lines, is read the other way before it is refused.
    """
    first_try = _first(path, fmt, chosen)
    if not isinstance(first_try, Exception) and not _unreadable(first_try[1]):
        return fmt, first_try[0]
    other = "jsonl" if fmt == "json" else "json"
    second_try = _first(path, other, chosen)
    if not isinstance(second_try, Exception) and second_try[1] is not None and isinstance(second_try[1][1], (Entry, Noted)):
        _close(first_try)
        return other, second_try[0]
    _close(second_try)
    if isinstance(first_try, Exception):
        raise first_try
    return fmt, first_try[0]


def _first(path: Path, fmt: str, chosen: enc.Encoding):
    """(all the items, the first one, the reading) of ``path`` as ``fmt``, or the error that reading raised first."""
    items = _items(path, fmt, chosen)
    try:
        first = next(items, None)
    except CorpusFormatError as exc:
        return exc
    return (items if first is None else itertools.chain([first], items)), first, items


def _close(attempt) -> None:
    """Close the file of a reading that was not taken."""
    if not isinstance(attempt, Exception):
        attempt[2].close()


def _unreadable(first: Item | None) -> bool:
    return first is not None and isinstance(first[1], str) and first[1].startswith("not valid JSON")


def _items(path: Path, fmt: str, chosen: enc.Encoding) -> Iterator[Item]:
    from survey.corpus.readers import bibtex, jsonrecords, medline, refer, ris, table, wos, xmlexports

    by_lines = {"bibtex": bibtex.iter_bibtex, "ris": ris.iter_ris, "wos": wos.iter_wos, "medline": medline.iter_medline,
                "refer": refer.iter_refer}
    by_bytes = {"pubmed-xml": xmlexports.read_pubmed_xml, "endnote-xml": xmlexports.read_endnote_xml,
                "zotero-rdf": xmlexports.read_zotero_rdf, "json": jsonrecords.iter_json_document}
    if fmt in by_bytes:
        # RFC 8259 JSON is UTF-8: a JSON file in another encoding is turned into it on the way
        opened = enc.TextStream(path, chosen) if fmt == "json" and chosen.name not in ("utf-8", "utf-8-sig") else \
            enc.open_binary(path)
        with opened as fh:
            if fmt == "json":
                fh = _Utf8(fh) if isinstance(fh, enc.TextStream) else _without_bom(fh)
            try:
                yield from _guarded(path, by_bytes[fmt](fh))
            except ValueError as exc:
                raise CorpusFormatError(f"{path}: {exc}; expected {WHAT[fmt]}") from None
    elif fmt == "jsonl" and chosen.name in ("utf-8", "utf-8-sig"):
        # orjson parses UTF-8 bytes directly: no decoding pass over a large file
        with enc.open_binary(path) as fh:
            yield from _guarded(path, jsonrecords.read_jsonl_file(fh))
    else:
        with enc.TextStream(path, chosen) as lines:
            if fmt in by_lines:
                yield from by_lines[fmt](lines)
            elif fmt == "jsonl":
                yield from jsonrecords.read_jsonl(lines)
            else:
                try:
                    yield from table.read_csv(lines)
                except ValueError as exc:
                    raise CorpusFormatError(f"{path}: {exc}") from None


class _without_bom:
    """The bytes of ``fh`` less a UTF-8 byte-order mark at the start."""

    def __init__(self, fh):
        self._fh, self._first = fh, True

    def _strip(self, data: bytes) -> bytes:
        if self._first and data:
            self._first = False
            return data.removeprefix(codecs.BOM_UTF8)
        return data

    def read(self, size: int = -1) -> bytes:
        return self._strip(self._fh.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._strip(self._fh.readline(size))


class _Utf8:
    """The text of a file in another encoding, read as UTF-8 bytes."""

    def __init__(self, text: enc.TextStream):
        self._text = text

    def read(self, size: int = -1) -> bytes:
        return self._text.read(size).encode("utf-8", "surrogatepass")


def _guarded(path: Path, items: Iterator[Item]) -> Iterator[Item]:
    try:
        yield from items
    except (EOFError, OSError) as exc:
        raise CorpusFormatError(f"{path}: cannot read past a broken stretch ({exc})") from None
