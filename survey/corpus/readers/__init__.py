"""Readers for exported bibliographic records, one module per export family.

``read_records(path)`` opens a file (gzip by its magic bytes), chooses its text encoding
(:mod:`.encoding`), tells its format from its content (:mod:`.detect`) and returns its records
as a lazy stream of ``(where, Entry | reason)``. Only a file that cannot be read at all, or
whose format cannot be told, raises :class:`CorpusFormatError`; one bad record never stops
an import.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Iterator

from survey.corpus.readers import detect, encoding as enc
from survey.corpus.records import Item, RecordStream
from survey.errors import CorpusFormatError

FORMATS = ("jsonl", "json", "bibtex", "ris", "wos", "medline", "pubmed-xml", "endnote-xml", "zotero-rdf", "csv")

EXPECTED = (
    "expected JSON Lines, JSON, BibTeX/BibLaTeX, RIS, Web of Science plain text, PubMed MEDLINE or XML, "
    "EndNote XML, Zotero RDF or CSV/TSV with a header row (optionally gzipped); or pass --format"
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
    if fmt == "auto":
        fmt = detect.sniff(head_text, title_column) or detect.extension_format(path)
        if fmt is None:
            raise CorpusFormatError(f"{path}: cannot tell the format from the content or the name; {EXPECTED}")
    items, total = _items(path, fmt, chosen, head if whole else None)
    return RecordStream(path, fmt, items, total, chosen.name, chosen.note)


def _items(path: Path, fmt: str, chosen: enc.Encoding, data: bytes | None) -> tuple[Iterator[Item], int | None]:
    from survey.corpus.readers import bibtex, jsonrecords, medline, ris, table, wos, xmlexports

    whole_text = {"json": jsonrecords.read_json_document}
    by_lines = {"bibtex": bibtex.iter_bibtex, "ris": ris.iter_ris, "wos": wos.iter_wos, "medline": medline.iter_medline}
    if fmt in whole_text:
        # A BOM read as UTF-8 (--encoding utf-8) is a character that would hide the first tag
        text = enc.decode(path, data if data is not None else enc.read_bytes(path), chosen).removeprefix("\ufeff")
        try:
            items, total = whole_text[fmt](text)
        except ValueError as exc:
            raise CorpusFormatError(f"{path}: {exc}; expected {WHAT[fmt]}") from None
        return iter(items), total
    if fmt == "zotero-rdf":
        import io

        try:
            items, total = xmlexports.read_zotero_rdf(io.BytesIO(data if data is not None else enc.read_bytes(path)))
        except ValueError as exc:
            raise CorpusFormatError(f"{path}: {exc}; expected {WHAT[fmt]}") from None
        return iter(items), total

    def lazy() -> Iterator[Item]:
        if fmt in ("pubmed-xml", "endnote-xml"):
            reader = xmlexports.read_pubmed_xml if fmt == "pubmed-xml" else xmlexports.read_endnote_xml
            with enc.open_binary(path) as fh:
                yield from _guarded(path, reader(fh))
        elif fmt == "jsonl" and chosen.name in ("utf-8", "utf-8-sig"):
            # orjson parses UTF-8 bytes directly: no decoding pass over a large file
            with enc.open_binary(path) as fh:
                yield from _guarded(path, jsonrecords.read_jsonl(_without_bom(fh)))
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

    return lazy(), None


def _without_bom(fh):
    first = True
    for line in fh:
        if first:
            line, first = line.removeprefix(codecs.BOM_UTF8), False
        yield line


def _guarded(path: Path, items: Iterator[Item]) -> Iterator[Item]:
    try:
        yield from items
    except (EOFError, OSError) as exc:
        raise CorpusFormatError(f"{path}: cannot read past a broken stretch ({exc})") from None
