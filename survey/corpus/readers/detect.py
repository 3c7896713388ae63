"""Telling an export's format from its content; the file name is only a fallback.

Many exports share extensions (``.txt`` is Web of Science, MEDLINE or RIS; ``.json`` is JSON
Lines, a CSL-JSON array or an API page; ``.xml`` is PubMed, EndNote or Zotero RDF), so the
first characters decide, and the extension is used only where they say nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".biblatex": "bibtex",
    ".ris": "ris",
    ".nbib": "medline",
    ".medline": "medline",
    ".ciw": "wos",
    ".rdf": "zotero-rdf",
    ".enw": "refer",
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
}

_BIB_ENTRY = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]", re.M)
_BIB_NON_ENTRIES = {"comment", "string", "preamble"}
_RIS_START = re.compile(r"^\s*TY\s{1,2}-", re.M)
_MEDLINE_START = re.compile(r"^PMID-\s*\d", re.M)
_REFER_TAG = re.compile(r"%[0-9A-Z@!#$&()*+^~>?] ")
_REFER_TITLE = re.compile(r"^%T ", re.M)
_WOS_START = re.compile(r"^(FN |VR |PT [A-Z]\s*$)", re.M)
_JSON_PAGE_KEYS = ("results", "data", "items", "records", "message")


def extension_format(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return EXTENSIONS.get(suffixes[-1]) if suffixes else None


def sniff(head: str, title_column) -> str | None:
    """The format the first text of a file shows, or None; ``title_column`` tests a CSV header."""
    text = head.lstrip("\ufeff \t\r\n")
    if not text:
        return None
    if text.startswith("<"):
        return _sniff_xml(text[:4096])
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        return _sniff_json(text)
    first = text.split("\n", 1)[0].split("\r", 1)[0]
    if _WOS_START.match(text) and re.search(r"^ER\s*$", text, re.M):
        return "wos"
    if _RIS_START.search(text):
        return "ris"
    if _MEDLINE_START.search(text):
        return "medline"
    # before BibTeX: an abstract may hold "@article{"; a BibTeX comment ("% ...") has no tag letter
    if _REFER_TAG.match(first) and _REFER_TITLE.search(text):
        return "refer"
    if any(m.group(1).lower() not in _BIB_NON_ENTRIES for m in _BIB_ENTRY.finditer(text)):
        return "bibtex"
    if any(d in first for d in ",;\t") and title_column(first):
        return "csv"
    return None


def _sniff_xml(text: str) -> str | None:
    if "PubmedArticle" in text or "PubmedBookArticle" in text:  # PubmedArticleSet contains the first
        return "pubmed-xml"
    if re.search(r"<rdf:RDF\b", text):
        return "zotero-rdf"
    if re.search(r"<xml>\s*<records>|<records>\s*<record>", text):
        return "endnote-xml"
    return None


def _sniff_json(text: str) -> str:
    """JSON Lines (an object per line), or one JSON document (an API page, a pretty-printed file)."""
    first = text.split("\n", 1)[0]
    try:
        obj = json.loads(first)
    except ValueError:
        # A first line that is not a whole object is a document spread over lines, or a JSON
        # Lines file whose first line is bad; the second shows which.
        rest = text.split("\n", 2)[1:2]
        return "jsonl" if rest and rest[0].lstrip().startswith("{") and rest[0].rstrip().endswith("}") else "json"
    if isinstance(obj, dict) and "title" not in obj and "display_name" not in obj and any(
        isinstance(obj.get(k), (list, dict)) for k in _JSON_PAGE_KEYS
    ):
        return "json"
    return "jsonl"
