"""Real exports of the families ../shared lacks (tests/fixtures/exports, SOURCES.md there): no record lost.

Each file is counted by a parser that shares no code with survey (bibtexparser, rispy, csv, a regex for XML); the
records survey imports plus the duplicates it merges must equal the titled records counted there,
and the titled records with a year and with an abstract must be as many in both.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import bibtexparser
import pytest
import rispy

from survey.corpus import import_corpus
from survey.corpus.readers import read_records
from survey.corpus.records import Entry

EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def bibtex_counts(path: Path) -> tuple[str, int, int, int]:
    parser = bibtexparser.bparser.BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    entries = bibtexparser.loads(path.read_text(encoding="utf-8-sig"), parser=parser).entries
    titled = [{k.lower(): v for k, v in e.items()} for e in entries if e.get("title", "").strip()]
    return "bibtex", len(titled), sum(bool(e.get("year")) for e in titled), sum(bool(e.get("abstract")) for e in titled)


def ris_counts(path: Path) -> tuple[str, int, int, int]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        text = fh.read()
    # rispy drops a last record with no ER line (TRID's export ends so): it is closed to be counted
    if text.rfind("\nTY  - ") > text.rfind("\nER  -"):
        text += "\nER  - \n"
    refs = rispy.loads(text)
    titled = [r for r in refs if (r.get("title") or r.get("primary_title") or "").strip()]
    # the RIS specification's other places for both: Y1 (rispy's publication_year) or DA for the
    # date, N2 (notes_abstract) for the abstract; Ovid writes only Y1 and N2, and the ACM Digital
    # Library a conference paper's date only in C2 (custom2), as a RIS date
    dated = sum(any(re.search(r"\d{4}", r.get(k) or "") for k in ("year", "publication_year", "date"))
                or bool(re.match(r"\d{4}/", r.get("custom2") or "")) for r in titled)
    return "ris", len(titled), dated, sum(bool(r.get("abstract") or r.get("notes_abstract")) for r in titled)


def csv_counts(path: Path, title: str, year: str, abstract: str | None, delimiter: str = ",") -> tuple[str, int, int, int]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter=delimiter) if r[title].strip()]
    return "csv", len(rows), sum(bool(r[year].strip()) for r in rows), sum(bool(abstract and r[abstract].strip()) for r in rows)


def refer_counts(path: Path) -> tuple[str, int, int, int]:
    # a regex on the raw file: records are the blocks between blank lines, titled by a %T line
    blocks = re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
    titled = [b for b in blocks if re.search(r"^%T +\S", b, re.M)]
    return ("refer", len(titled), sum(bool(re.search(r"^%D +\d{4}", b, re.M)) for b in titled),
            sum(bool(re.search(r"^%X +\S", b, re.M)) for b in titled))


def pubmed_xml_counts(path: Path) -> tuple[str, int, int, int]:
    # a regex on the raw file: an article is titled when its ArticleTitle holds text
    articles = re.findall(r"<PubmedArticle>(.*?)</PubmedArticle>", path.read_text(encoding="utf-8"), re.S)
    titled = [a for a in articles if re.search(r"<ArticleTitle>\s*[^<\s]", a)]
    return ("pubmed-xml", len(titled), sum(bool(re.search(r"<PubDate><Year>\d{4}</Year>", a)) for a in titled),
            sum("<AbstractText" in a for a in titled))


COUNTS = {
    "wos_bibtex_sample.bib": bibtex_counts,
    "colrev_web_of_science.bib": bibtex_counts,
    "colrev_scopus.bib": bibtex_counts,
    "colrev_ieee.ris": ris_counts,
    "colrev_pubmed.csv": lambda path: csv_counts(path, "Title", "Publication Year", None),
    "biopython_pubmed2.xml": pubmed_xml_counts,
    "litstudy_ieee.csv": lambda path: csv_counts(path, "Document Title", "Publication Year", "Abstract"),
    "bibliometrix_lens_sample.csv": lambda path: csv_counts(path, "Title", "Publication Year", "Abstract"),
    "asreview_pubmed_zotero.ris": ris_counts,
    "asreview_pubmed_endnote.txt": ris_counts,
    "synthesisr_ovid_ris_example.ris": ris_counts,
    "synthesisr_asp_ris_example.ris": ris_counts,
    "colrev_ebsco.bib": bibtex_counts,
    "colrev_dblp.bib": bibtex_counts,
    "colrev_jstor.ris": ris_counts,
    "colrev_trid.ris": ris_counts,
    "colrev_ais.txt": refer_counts,
    "ref_convert_acm.ris": ris_counts,
    "ref_convert_acm.bib": bibtex_counts,
    "asreview_proquest.ris": ris_counts,
    "asreview_embase.ris": ris_counts,
    "litsearchr_wos_medline.txt": lambda path: csv_counts(path, "TI", "PY", "AB", delimiter="\t"),
    "bbt_zotero_export_901.bib": bibtex_counts,
}


def test_every_file_in_sources_is_tested():
    listed = {line.split("`")[1] for line in (EXPORTS / "SOURCES.md").read_text(encoding="utf-8").splitlines()
              if line.startswith("| `")}
    assert listed == set(COUNTS) == {p.name for p in EXPORTS.iterdir() if p.name != "SOURCES.md"}


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_no_titled_record_is_lost(tmp_path, name):
    path = EXPORTS / name
    fmt, titled, with_year, with_abstract = COUNTS[name](path)
    assert titled > 0
    stream = read_records(path)
    entries = [item for _, item in stream.items if isinstance(item, Entry)]
    assert stream.format == fmt
    assert (len(entries), sum(e.year is not None for e in entries), sum(bool(e.abstract) for e in entries)) == (
        titled, with_year, with_abstract)
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert report.imported + report.duplicates == titled


def test_acm_values_cut_at_70_characters_are_read_whole():
    # every ACM value is cut into lines of 70 characters, mid-word: each title, taken here by a
    # regex from its TI line and the untagged lines under it, must come out as one unbroken string
    path = EXPORTS / "ref_convert_acm.ris"
    text = path.read_text(encoding="utf-8")
    titles = [m.group(1).replace("\n", "") for m in re.finditer(r"^TI  - (.*(?:\n(?![A-Z][A-Z0-9]  - ).*)*)", text, re.M)]
    entries = [item for _, item in read_records(path).items if isinstance(item, Entry)]
    assert len(titles) == 183
    assert [e.title for e in entries] == titles
    assert "The Application of Artificial Intelligence in the Recognition, Diagnosis, and Treatment of Autism" in titles


def test_acm_bibtex_and_ris_exports_of_one_search_give_the_same_records():
    # the two files are the ACM Digital Library's BibTeX and RIS exports of one search: read
    # through different readers, each record keeps the same title, year and abstract
    def records(name):
        entries = [item for _, item in read_records(EXPORTS / name).items if isinstance(item, Entry)]
        return [(" ".join(e.title.split()), e.year, " ".join(e.abstract.split()).replace("--", "\u2013")) for e in entries]

    assert records("ref_convert_acm.bib") == records("ref_convert_acm.ris")
