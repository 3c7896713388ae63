"""Every reader on a small sample written here, format detection by content, and a fuzz of each."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from survey.corpus.readers import FORMATS, read_records
from survey.corpus.records import Entry, Noted

WOS = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Smith, J
TI Attention is not all you need
   for long documents
SO JOURNAL OF TESTS
AB We study transformers.
PY 2021
DI 10.1/wos1
UT WOS:000000000000001
ER

PT J
TI An early access paper
EA MAR 2025
UT WOS:000000000000002
ER

EF
"""

MEDLINE = """PMID- 111
TI  - Deep learning for
      radiology.
AB  - Convolutional networks
      read scans.
DP  - 2019 Jan
LID - 10.1/med1 [doi]

PMID- 222
BTI - A book chapter title
DP  - 2005
"""

PUBMED_XML = """<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
 <Journal><JournalIssue><PubDate><Year>2018</Year></PubDate></JournalIssue></Journal>
 <ArticleTitle>LSTMs in <i>clinical</i> notes</ArticleTitle>
 <Abstract><AbstractText Label="BACKGROUND">Notes.</AbstractText><AbstractText Label="RESULTS">Good.</AbstractText></Abstract>
 <ELocationID EIdType="doi">10.1/pm1</ELocationID>
</Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>2</PMID><Article>
 <Journal><JournalIssue><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate></JournalIssue></Journal>
 <ArticleTitle>Second</ArticleTitle>
</Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>
"""

ENDNOTE = ('<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><rec-number>7</rec-number><titles><title>'
           '<style face="normal">EndNote title</style></title><secondary-title>A journal</secondary-title></titles>'
           '<dates><year><style>2020</style></year></dates><abstract>Some abstract.</abstract>'
           '<electronic-resource-num>10.1/en</electronic-resource-num></record></records></xml>')

ZOTERO_RDF = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:z="http://www.zotero.org/namespaces/export#"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:bib="http://purl.org/net/biblio#">
  <bib:Article rdf:about="http://example.org/a">
    <z:itemType>journalArticle</z:itemType>
    <dcterms:isPartOf><bib:Journal><dc:title>Journal title, not the article's</dc:title></bib:Journal></dcterms:isPartOf>
    <dc:title>Zotero article</dc:title>
    <dcterms:abstract>An abstract.</dcterms:abstract>
    <dc:date>2016-05-01</dc:date>
    <dc:identifier>DOI 10.1/zot</dc:identifier>
  </bib:Article>
  <z:Attachment rdf:about="#item_2"><z:itemType>attachment</z:itemType><dc:title>Full Text PDF</dc:title></z:Attachment>
  <bib:Journal rdf:about="urn:issn:1"><dc:title>A journal</dc:title></bib:Journal>
</rdf:RDF>
"""

ARXIV = {"id": "0704.0001", "title": "Calculation of prompt diphoton production", "abstract": "  A fully differential calculation.",
         "doi": "10.1103/PhysRevD.76.013009", "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
                                                            {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"}],
         "update_date": "2008-11-13"}
S2 = {"paperId": "abc", "title": "A Semantic Scholar paper", "abstract": None, "year": 2020, "externalIds": {"DOI": "10.1/s2"}}
OPENALEX = {"id": "https://openalex.org/W1", "display_name": "An OpenAlex work", "publication_year": 2014,
            "abstract_inverted_index": {"We": [0], "convolve": [1]}}

TSV = "PT\tAU\tTI\tPY\tAB\tDI\tUT\nJ\tSmith\tA tab-delimited record\t2017\tAbstract.\t10.1/t\tWOS:1\n"

SAMPLES = {
    "wos": (WOS, [("Attention is not all you need for long documents", 2021, "We study transformers.", "10.1/wos1"),
                  ("An early access paper", 2025, "", None)]),
    "medline": (MEDLINE, [("Deep learning for radiology.", 2019, "Convolutional networks read scans.", "10.1/med1"),
                          ("A book chapter title", 2005, "", None)]),
    "pubmed-xml": (PUBMED_XML, [("LSTMs in clinical notes", 2018, "BACKGROUND: Notes. RESULTS: Good.", "10.1/pm1"),
                                ("Second", 1998, "", None)]),
    "endnote-xml": (ENDNOTE, [("EndNote title", 2020, "Some abstract.", "10.1/en")]),
    "zotero-rdf": (ZOTERO_RDF, [("Zotero article", 2016, "An abstract.", "10.1/zot")]),
    "jsonl": ("".join(json.dumps(r) + "\n" for r in (ARXIV, S2, OPENALEX)),
              [("Calculation of prompt diphoton production", 2007, "A fully differential calculation.", "10.1103/PhysRevD.76.013009"),
               ("A Semantic Scholar paper", 2020, "", "10.1/s2"), ("An OpenAlex work", 2014, "We convolve", None)]),
    "csv": (TSV, [("A tab-delimited record", 2017, "Abstract.", "10.1/t")]),
    "refer": ("%0 Journal Article\n%T An EndNote tagged record\n%A Doe, J.\n%D 2012\n%X An abstract.\n%R 10.1/enw\n\n"
              "%T A second\n%8 March 3, 1999\n", [("An EndNote tagged record", 2012, "An abstract.", "10.1/enw"),
                                                   ("A second", 1999, "", None)]),
}


def read(path, fmt="auto"):
    stream = read_records(path, fmt)
    return stream.format, [item for _, item in stream.items]


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_sample_of_each_format_read_by_content_whatever_the_name(tmp_path, fmt):
    text, expected = SAMPLES[fmt]
    for name in ("export.txt", "export"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        found, items = read(path)
        assert found == fmt
        assert [(e.title, e.year, e.abstract, e.doi) for e in items] == expected


def test_gzip_of_any_format(tmp_path):
    path = tmp_path / "export.gz"
    path.write_bytes(gzip.compress(MEDLINE.encode()))
    assert read(path)[0] == "medline"


def test_format_option_overrides_detection(tmp_path):
    path = tmp_path / "titles.txt"
    path.write_text("Title\nOne\nTwo\n", encoding="utf-8")
    fmt, items = read(path, "csv")
    assert fmt == "csv" and [e.title for e in items] == ["One", "Two"]


def test_encoding_decision_is_reported(tmp_path):
    path = tmp_path / "refs.ris"
    path.write_bytes("TY  - JOUR\nTI  - Réseaux de neurones profonds pour la traduction\nER  - \n".encode("cp1252"))
    stream = read_records(path)
    assert "charset-normalizer" in stream.encoding_note and "byte offset 18" in stream.encoding_note
    assert [e.title for _, e in stream.items] == ["Réseaux de neurones profonds pour la traduction"]
    forced = read_records(path, encoding="latin-1")
    assert forced.encoding_note == "read as iso8859-1 (--encoding)"


# ---------------------------------------------------------------- fuzz: records or reasons, nothing else

def _mutations(text: str):
    return st.one_of(
        st.text(max_size=200),
        st.builds(lambda cut, junk: text[:cut] + junk + text[cut:], st.integers(0, len(text)), st.text(max_size=30)),
        st.builds(lambda a, b: text[:a] + text[b:], st.integers(0, len(text)), st.integers(0, len(text))),
    )


FUZZ_BASES = {**{fmt: text for fmt, (text, _) in SAMPLES.items()},
              "bibtex": "@article{a, title = {T {x}}, year = 2001, date = {2001-02}}\n@string{s = {v}}\n@book{b, title = s # {y}}\n",
              "ris": "TY  - JOUR\nTI  - t\nPY  - 2001\nER  - \n",
              "json": json.dumps({"results": [OPENALEX, S2]})}


@pytest.mark.parametrize("fmt", sorted(FUZZ_BASES))
def test_fuzz_each_reader_yields_records_or_reasons(tmp_path_factory, fmt):
    assert set(FUZZ_BASES) == set(FORMATS)
    folder = tmp_path_factory.mktemp(fmt)

    @hsettings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_mutations(FUZZ_BASES[fmt]))
    def check(text):
        path = folder / "fuzz"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        from survey.errors import CorpusFormatError

        try:
            stream = read_records(path, fmt)
            items = list(stream.items)
        except CorpusFormatError as exc:  # the whole file unreadable: one line naming it
            assert str(path) in str(exc) and "\n" not in str(exc)
            return
        for where, item in items:
            assert isinstance(where, str) and where
            assert isinstance(item, (Entry, Noted, str))
            if isinstance(item, Noted):  # kept without a field: each note names the field
                assert item.notes and all(note.startswith(("field '", "expected field")) for note in item.notes)
                item = item.entry
            if isinstance(item, Entry):
                assert item.title and item.title == " ".join(item.title.split())

    check()
