"""XML exports: PubMed XML, EndNote XML and Zotero RDF, record by record, with the faults they report."""

from __future__ import annotations

import io

import pytest

from survey.corpus.readers.xmlexports import read_endnote_xml, read_pubmed_xml, read_zotero_rdf
from survey.corpus.records import Entry, Noted


def pubmed(*articles):
    return list(read_pubmed_xml(io.BytesIO(("<PubmedArticleSet>" + "".join(articles) + "</PubmedArticleSet>").encode())))


def article(inner, pmid="1", data=""):
    return (f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article>{inner}</Article></MedlineCitation>"
            f"{data}</PubmedArticle>")


@pytest.mark.parametrize(
    "xml, entry",
    [
        (article("<ArticleTitle>  Deep <i>nets</i>\n for   text </ArticleTitle>"
                 "<Abstract><AbstractText Label=\"BACKGROUND\">Why.</AbstractText><AbstractText>  </AbstractText>"
                 "<AbstractText>Unlabelled.</AbstractText></Abstract>"
                 "<Journal><JournalIssue><PubDate><Year>2018</Year></PubDate></JournalIssue></Journal>"
                 "<ELocationID EIdType=\"pii\">S1</ELocationID><ELocationID EIdType=\"doi\">10.1/pm</ELocationID>"),
         Entry("Deep nets for text", "BACKGROUND: Why. Unlabelled.", 2018, "10.1/pm", "1")),
        (article("<ArticleTitle></ArticleTitle><VernacularTitle>Titre</VernacularTitle>"), Entry("Titre", id="1")),
        (article("<ArticleTitle>T</ArticleTitle><VernacularTitle>Titre</VernacularTitle>"), Entry("T", id="1")),
        (article("<ArticleTitle>T</ArticleTitle><Journal><JournalIssue><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate>"
                 "</PubDate></JournalIssue></Journal><ArticleDate><Year>2000</Year></ArticleDate>"), Entry("T", year=1998, id="1")),
        (article("<ArticleTitle>T</ArticleTitle><Journal><JournalIssue><PubDate><Year>2001</Year><MedlineDate>1998</MedlineDate>"
                 "</PubDate></JournalIssue></Journal>"), Entry("T", year=2001, id="1")),
        (article("<ArticleTitle>T</ArticleTitle><ArticleDate><Year>2000</Year></ArticleDate>"), Entry("T", year=2000, id="1")),
        (article("<ArticleTitle>T</ArticleTitle><Journal><JournalIssue><PubDate><Year>soon</Year></PubDate></JournalIssue>"
                 "</Journal>"), Noted(Entry("T", id="1"), ("field 'year' skipped (year 'soon' is not a four-digit year)",))),
        (article("<ArticleTitle>T</ArticleTitle>", data="<PubmedData><ArticleIdList><ArticleId IdType=\"pubmed\">1</ArticleId>"
                 "<ArticleId IdType=\"doi\">10.1/data</ArticleId></ArticleIdList></PubmedData>"), Entry("T", doi="10.1/data", id="1")),
        (article("<ArticleTitle>T</ArticleTitle><ELocationID EIdType=\"doi\">10.1/own</ELocationID>",
                 data="<PubmedData><ArticleIdList><ArticleId IdType=\"doi\">10.1/data</ArticleId></ArticleIdList></PubmedData>"),
         Entry("T", doi="10.1/own", id="1")),
        ("<PubmedArticle><MedlineCitation><PMID>2</PMID></MedlineCitation></PubmedArticle>", "no Article"),
        ("<PubmedArticle><PubmedData/></PubmedArticle>", "no MedlineCitation or BookDocument"),
        ("<PubmedBookArticle><BookDocument><PMID>3</PMID><Book><BookTitle>A book</BookTitle><PubDate><Year>2005</Year></PubDate>"
         "</Book><Abstract><AbstractText>Book abstract.</AbstractText></Abstract></BookDocument></PubmedBookArticle>",
         Entry("A book", "Book abstract.", 2005, None, "3")),
        ("<PubmedBookArticle><BookDocument><PMID>4</PMID><ArticleTitle>A chapter</ArticleTitle><Book><BookTitle>A book</BookTitle>"
         "</Book></BookDocument></PubmedBookArticle>", Entry("A chapter", id="4")),
        ("<PubmedBookArticle><MedlineCitation><PMID>5</PMID><Article><ArticleTitle>Wrong branch</ArticleTitle></Article>"
         "</MedlineCitation></PubmedBookArticle>", "no MedlineCitation or BookDocument"),
    ],
)
def test_pubmed_record(xml, entry):
    assert pubmed(xml) == [("record 1", entry)]


def test_pubmed_records_are_numbered_and_a_fault_is_reported_with_its_line():
    good = article("<ArticleTitle>Good</ArticleTitle>")
    items = list(read_pubmed_xml(io.BytesIO(f"<PubmedArticleSet>\n{good}\n{good}\n<PubmedArticle><oops></PubmedArticle>".encode())))
    assert items[:2] == [("record 1", Entry("Good", id="1")), ("record 2", Entry("Good", id="1"))]
    assert items[2] == ("line 4", "malformed XML (mismatched tag: line 4, column 23); nothing after it could be read")
    assert len(items) == 3


def test_a_record_that_raises_is_skipped_alone(monkeypatch):
    import survey.corpus.readers.xmlexports as xml

    def convert(el):
        if el.findtext("MedlineCitation/PMID") == "2":
            raise KeyError("odd " * 30)
        return xml._pubmed(el)

    fh = io.BytesIO(("<PubmedArticleSet>" + article("<ArticleTitle>A</ArticleTitle>") + article("<ArticleTitle>B</ArticleTitle>", "2")
                     + article("<ArticleTitle>C</ArticleTitle>", "3") + "</PubmedArticleSet>").encode())
    items = list(xml._iter_records(fh, {"PubmedArticle"}, convert))
    assert items == [("record 1", Entry("A", id="1")), ("record 2", f"cannot read the record (KeyError: {repr('odd ' * 30)[:80]})"),
                     ("record 3", Entry("C", id="3"))]


def test_entity_declarations_are_refused():
    bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            '<PubmedArticleSet><PubmedArticle>&b;</PubmedArticle></PubmedArticleSet>')
    assert list(read_pubmed_xml(io.BytesIO(bomb.encode()))) == [
        ("file", "XML refused (EntitiesForbidden: EntitiesForbidden(name='a', system_id=None, public_id=None)); "
                 "nothing after it could be read")]


def test_a_refusal_is_cut_to_100_characters():
    name = "e" * 120
    doc = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY {name} "x">]><PubmedArticleSet/>'
    detail = f"EntitiesForbidden(name='{name}', system_id=None, public_id=None)"[:100]
    assert list(read_pubmed_xml(io.BytesIO(doc.encode()))) == [
        ("file", f"XML refused (EntitiesForbidden: {detail}); nothing after it could be read")]


ENDNOTE = ('<?xml version="1.0" encoding="UTF-8"?><xml><records>'
           '<record><rec-number>7</rec-number><titles><title><style face="normal">EndNote </style><style>title</style></title>'
           '<secondary-title>A journal</secondary-title></titles><dates><year>2020</year><pub-dates><date>2019</date></pub-dates>'
           '</dates><abstract>Abstract.</abstract><electronic-resource-num>10.1/en</electronic-resource-num></record>'
           '<record><rec-number>8</rec-number><titles><title>Pub date only</title></titles>'
           '<dates><pub-dates><date>Mar 2018</date></pub-dates></dates></record>'
           '<record><titles><secondary-title>Journal only</secondary-title></titles></record>'
           '<record><titles><title>Bad</title></titles><dates><year>20x0</year></dates></record>'
           '</records></xml>')


def test_endnote_xml():
    assert list(read_endnote_xml(io.BytesIO(ENDNOTE.encode()))) == [
        ("record 1", Entry("EndNote title", "Abstract.", 2020, "10.1/en", "7")),
        ("record 2", Entry("Pub date only", "", 2018, None, "8")),
        ("record 3", "no title"),
        ("record 4", Noted(Entry("Bad"), ("field 'year' skipped (year '20x0' is not a four-digit year)",))),
    ]


ZOTERO = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:z="http://www.zotero.org/namespaces/export#"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:bib="http://purl.org/net/biblio#">
  <bib:Journal rdf:about="urn:issn:1"><dc:title>A journal</dc:title></bib:Journal>
  <bib:Article rdf:about="http://example.org/a">
    <z:itemType>journalArticle</z:itemType>
    <dc:title>Zotero   article</dc:title>
    <dcterms:abstract>An abstract.</dcterms:abstract>
    <dc:date>2016-05-01</dc:date>
    <dc:identifier>ISSN 1234-5678</dc:identifier>
    <dc:identifier>doi  10.1/zot </dc:identifier>
  </bib:Article>
  <z:Attachment rdf:about="#item_2"><z:itemType>attachment</z:itemType><dc:title>Full Text PDF</dc:title></z:Attachment>
  <bib:Memo rdf:about="#item_3"><z:itemType>note</z:itemType><dc:title>A note</dc:title></bib:Memo>
  <rdf:Description rdf:about="#item_4"><z:itemType>preprint</z:itemType><dc:title>Submitted</dc:title>
    <dcterms:dateSubmitted>2021-01-02 10:00:00</dcterms:dateSubmitted></rdf:Description>
  <rdf:Description rdf:about="#item_5"><z:itemType>book</z:itemType><dc:title>Bad date</dc:title><dc:date>someday</dc:date>
  </rdf:Description>
  <rdf:Description rdf:about="#item_6"><z:itemType>book</z:itemType><dc:date>2001</dc:date>
    <dcterms:dateSubmitted>2000</dcterms:dateSubmitted><dc:title>Date first</dc:title></rdf:Description>
</rdf:RDF>
"""


def test_zotero_rdf():
    items = list(read_zotero_rdf(io.BytesIO(ZOTERO.encode())))
    total = len(items)
    assert total == 4
    assert items == [
        ("record 1", Entry("Zotero article", "An abstract.", 2016, "10.1/zot", "http://example.org/a")),
        ("record 2", Entry("Submitted", "", 2021, None, "#item_4")),
        ("record 3", Noted(Entry("Bad date", id="#item_5"), ("field 'year' skipped (year 'someday' is not a four-digit year)",))),
        ("record 4", Entry("Date first", "", 2001, None, "#item_6")),
    ]


def test_zotero_rdf_that_is_not_xml():
    with pytest.raises(ValueError) as err:
        list(read_zotero_rdf(io.BytesIO(b"<rdf:RDF xmlns:rdf='x'><open></rdf:RDF>")))
    assert str(err.value) == "malformed XML (mismatched tag: line 1, column 31)"
