"""Telling an export's format from its first characters, and from its name only as a fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.corpus.readers.detect import EXTENSIONS, extension_format, sniff
from survey.corpus.readers.table import title_column


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("refs.bib", "bibtex"), ("refs.BIB", "bibtex"), ("refs.bib.gz", "bibtex"), ("refs.bibtex", "bibtex"),
        ("refs.biblatex", "bibtex"), ("a.jsonl", "jsonl"), ("a.ndjson", "jsonl"), ("a.json", "json"), ("a.ris", "ris"),
        ("pubmed.nbib", "medline"), ("pubmed.medline", "medline"), ("savedrecs.ciw", "wos"), ("zotero.rdf", "zotero-rdf"),
        ("scholar.enw", "refer"),
        ("scopus.csv", "csv"), ("wos.tsv", "csv"), ("x.tab", "csv"), ("export.CSV.GZ", "csv"), ("v1.2.ris", "ris"), ("scopus_2024.01.csv.gz", "csv"),
        ("export.txt", None), ("export", None), ("export.gz", None), ("refs.bib.zip", None), (".bib", None),
    ],
)
def test_extension_format(name, fmt):
    assert extension_format(Path("/data") / name) == fmt


def test_every_extension_names_a_known_format():
    from survey.corpus.readers import FORMATS

    assert set(EXTENSIONS.values()) <= set(FORMATS)


def fmt_of(text):
    return sniff(text, title_column)


@pytest.mark.parametrize(
    "text, fmt",
    [
        ("", None),
        ("\ufeff \t\r\n", None),
        ("just prose\nwith no records\n", None),
        ("X[1]", None),  # only a BOM and whitespace are passed over before the first character
        # XML families
        ('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet>\n<PubmedArticleSet>', "pubmed-xml"),
        ("<PubmedArticle><MedlineCitation>", "pubmed-xml"),
        ("<PubmedBookArticle><BookDocument>", "pubmed-xml"),
        ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', "zotero-rdf"),
        ("<rdf:RDFx>", None),
        ('<?xml version="1.0" encoding="UTF-8" ?><xml><records><record>', "endnote-xml"),
        ("<xml>\n  <records>", "endnote-xml"),
        ("<records>\n<record><titles>", "endnote-xml"),
        ("<html><body>not an export</body></html>", None),
        # JSON
        ("\ufeff[{\"title\": \"x\"}]", "json"),
        ("  [\n", "json"),
        ('{"title": "x", "results": []}\n{"title": "y"}\n', "jsonl"),
        ('{"display_name": "x", "data": [1]}\n', "jsonl"),
        ('{"meta": {"count": 1}, "results": [{"display_name": "x"}]}', "json"),
        ('{"data": [{"title": "x"}]}', "json"),
        ('{"items": {}}', "json"),
        ('{"records": []}', "json"),
        ('{"message": {"items": []}}', "json"),
        ('{"results": "not a list"}', "jsonl"),
        ('{"id": 1}\n', "jsonl"),
        ('[1, 2', "json"),
        ('{\n  "results": [\n', "json"),
        ('{"title": "broken\n{"title": "y"}\n', "jsonl"),
        ('{"title": "broken\n  {"title": "y"}  \n', "jsonl"),
        ('{"title": "broken\n{"title": "y"\n', "json"),
        ('{"title": "broken\n"title": "y"}\n', "json"),
        ('{"title": "broken', "json"),
        ('{"title": "a\n{"title": "b"}\n{"title": "c\nx', "jsonl"),  # the second line decides, not a later one
        # tagged text
        ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI A\nER\n", "wos"),
        ("PT J\nTI A\nER\n\nEF\n", "wos"),
        ("PT J\r\nTI A\r\nER\r\n", "wos"),
        ("VR 1.0\nPT J\nTI A\n", None),  # no ER: not a WoS export
        ("PT Journal\nTI A\nER\n", None),
        ("TY  - JOUR\nTI  - A\nER  - \n", "ris"),
        ("Provider: Scopus\n\nTY - JOUR\nTI - A\nER - \n", "ris"),
        ("  TY  - JOUR\n", "ris"),
        ("TY   - JOUR\n", None),  # three spaces is not a RIS tag
        ("PMID- 12345\nTI  - A\n", "medline"),
        ("\nPMID-12345\n", "medline"),
        ("PMID- none\n", None),
        ("TI  - A\n PMID- 1\n", None),  # MEDLINE tags start a line
        ("% exported\n@article{k, title={T}}", "bibtex"),
        ("@ InProceedings ( k, title = {T})", "bibtex"),
        ("@comment{x}\n@string{s = {v}}\n@preamble{p}\n", None),
        ("@Comment{x}\n@Book{b, title={T}}\n", "bibtex"),
        ("mail me @home{x}", None),
        # CSV by its header
        ("Authors,Title,Year\nA,B,2001\n", "csv"),
        ("\ufeff\"Article Title\";\"Publication Year\"\n", "csv"),
        ("PT\tAU\tTI\tPY\r\nJ\tA\tB\t2001\r\n", "csv"),
        ("Title\nA\n", None),  # one column: no delimiter to tell a table by
        ("Name,When,\nTitle,2001,\n", None),  # only the first line is the header
        ("Name,When,\rTitle,2001,\r", None),  # also with classic Mac line ends
    ],
)
def test_sniff(text, fmt):
    assert fmt_of(text) == fmt


def test_sniff_looks_at_the_first_4096_characters_of_xml():
    def after_comment(n):
        return "<!--" + "x" * n + "-->" + "<PubmedArticle>"

    assert after_comment(4075).index("PubmedArticle") + len("PubmedArticle") == 4096
    assert fmt_of(after_comment(4075)) == "pubmed-xml"
    assert fmt_of(after_comment(4076)) is None  # its last letter is the 4097th character
    assert fmt_of(after_comment(5000)) is None
