"""XML exports: PubMed XML, EndNote XML and Zotero RDF.

Parsed with defusedxml (entity expansion and external entities refused), from the bytes, so
the XML declaration's encoding applies. Every file is read record by record (iterparse) and a
record's elements are freed once read; a file that turns malformed part-way, or a record over
the size limit, keeps the records before it and is reported as a skipped record with its place.
"""

from __future__ import annotations

from typing import Iterator

from defusedxml import ElementTree as SafeET

from survey.corpus.records import MAX_RECORD_CHARS, Item, make_entry, year_of

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
DCTERMS = "{http://purl.org/dc/terms/}"
ZOTERO = "{http://www.zotero.org/namespaces/export#}"
_NOT_RECORDS = {"attachment", "note"}


def _text(el) -> str | None:
    return None if el is None else " ".join("".join(el.itertext()).split()) or None


class _TooLong(Exception):
    pass


class _Bounded:
    """The file's bytes, counting those read since the last record ended: an element cannot be cut
    short in the parser, so a record over the limit ends the reading there, named."""

    def __init__(self, fh):
        self._fh, self.since = fh, 0

    def read(self, size: int = -1) -> bytes:
        if self.since > MAX_RECORD_CHARS:  # counted up to the last read: the parser reads ahead of the records
            raise _TooLong
        data = self._fh.read(size)
        self.since += len(data)
        return data


def _iter_records(fh, tags: set[str], convert) -> Iterator[Item]:
    number = 0
    bounded = _Bounded(fh)
    try:
        for _, el in SafeET.iterparse(bounded, events=("end",)):
            if el.tag in tags:
                number += 1
                try:
                    entry = convert(el)
                except Exception as exc:  # one odd record never stops the others
                    entry = f"cannot read the record ({type(exc).__name__}: {str(exc)[:80]})"
                yield f"record {number}", entry
                el.clear()
                bounded.since = 0
    except _TooLong:
        yield f"record {number + 1}", _too_long()
    except SafeET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        yield f"line {line}", f"malformed XML ({str(exc)[:100]}); nothing after it could be read"
    except (EOFError, OSError):
        raise  # broken gzip data, not XML: the caller names the file
    except Exception as exc:  # defusedxml refuses entity declarations with its own errors
        yield "file", f"XML refused ({type(exc).__name__}: {str(exc)[:100]}); nothing after it could be read"


def _too_long() -> str:
    return f"the record is over the limit of {MAX_RECORD_CHARS:,} bytes; nothing after it could be read"


# ---------------------------------------------------------------- PubMed XML


def _pubmed(el):
    book = el.tag == "PubmedBookArticle"
    base = el.find("BookDocument") if book else el.find("MedlineCitation")
    if base is None:
        return "no MedlineCitation or BookDocument"
    article = base if book else base.find("Article")
    if article is None:
        return "no Article"
    title = _text(article.find("ArticleTitle")) or _text(base.find("Book/BookTitle")) or _text(article.find("VernacularTitle"))
    parts = []
    for ab in article.findall("Abstract/AbstractText"):
        text = _text(ab)
        if text:
            label = ab.get("Label")
            parts.append(f"{label}: {text}" if label else text)
    year, notes = year_of(
        _text(article.find("Journal/JournalIssue/PubDate/Year")),
        _text(article.find("Journal/JournalIssue/PubDate/MedlineDate")),
        _text(base.find("Book/PubDate/Year")),
        _text(article.find("ArticleDate/Year")),
    )
    doi = next((_text(e) for e in article.findall("ELocationID") if e.get("EIdType") == "doi"), None)
    if doi is None:
        doi = next((_text(e) for e in el.findall("PubmedData/ArticleIdList/ArticleId") if e.get("IdType") == "doi"), None)
    return make_entry(title, " ".join(parts), year, doi, _text(base.find("PMID")), notes)


def read_pubmed_xml(fh) -> Iterator[Item]:
    return _iter_records(fh, {"PubmedArticle", "PubmedBookArticle"}, _pubmed)


# ---------------------------------------------------------------- EndNote XML


def _endnote(el):
    title = _text(el.find("titles/title"))  # secondary-title is the journal
    year, notes = year_of(_text(el.find("dates/year")), _text(el.find("dates/pub-dates/date")))
    return make_entry(title, _text(el.find("abstract")), year, _text(el.find("electronic-resource-num")), _text(el.find("rec-number")),
                      notes)


def read_endnote_xml(fh) -> Iterator[Item]:
    return _iter_records(fh, {"record"}, _endnote)


# ---------------------------------------------------------------- Zotero RDF


def read_zotero_rdf(fh) -> Iterator[Item]:
    """Items are the top-level descriptions with a ``z:itemType`` other than attachment or note."""
    bounded = _Bounded(fh)
    depth = number = 0
    root = None
    try:
        for event, el in SafeET.iterparse(bounded, events=("start", "end")):
            depth += 1 if event == "start" else -1
            if event == "start" and root is None:
                root = el
            if event != "end" or depth != 1:
                continue
            bounded.since = 0
            kind = _text(el.find(f"{ZOTERO}itemType"))
            if kind is not None and kind not in _NOT_RECORDS:  # journals, people, attachments, notes are beside the items
                number += 1
                yield f"record {number}", _zotero(el)
            root.clear()  # what was read is dropped: memory stays at one item
    except _TooLong:
        yield f"record {number + 1}", _too_long()
    except SafeET.ParseError as exc:
        if number == 0:
            raise ValueError(f"malformed XML ({str(exc)[:100]})") from None
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        yield f"line {line}", f"malformed XML ({str(exc)[:100]}); nothing after it could be read"


def _zotero(el):
    year, notes = year_of(_text(el.find(f"{DC}date")), _text(el.find(f"{DCTERMS}dateSubmitted")))
    doi = None
    for ident in el.findall(f"{DC}identifier"):
        text = _text(ident) or ""
        if text.upper().startswith("DOI "):
            doi = text[4:].strip()
    return make_entry(_text(el.find(f"{DC}title")), _text(el.find(f"{DCTERMS}abstract")), year, doi, el.get(f"{RDF}about"),
                      notes)
