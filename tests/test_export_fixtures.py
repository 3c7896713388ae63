"""The real exports in ../shared/fixtures/exports against the counts of their MANIFEST.tsv.

The manifest's counts come from a parser that shares no code with survey. Records + duplicates
must equal the titled records (an untitled record cannot be kept), and the records with a year
and with an abstract must equal the manifest's, among titled records, before dedup.
"""

from __future__ import annotations

import csv

import pytest

from survey.corpus import Corpus, import_corpus
from survey.corpus.readers import read_records
from survey.corpus.records import Entry
from tests.conftest import SHARED

EXPORTS = SHARED / "fixtures" / "exports"
MANIFEST = EXPORTS / "MANIFEST.tsv"
ROWS = list(csv.DictReader(MANIFEST.open(encoding="utf-8"), delimiter="\t")) if MANIFEST.is_file() else []

# Years the manifest leaves out on purpose ("a year reachable only through BibTeX crossref is
# not counted") and survey inherits: biber-examples.bib's westfahl:space, whose parent
# westfahl:frontier has the year.
CROSSREF_YEARS = {"biber-examples.bib": 1}


@pytest.fixture
def exports(shared):
    if not MANIFEST.is_file():
        pytest.skip(f"{MANIFEST} is absent")
    return EXPORTS


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_export_matches_manifest(exports, tmp_path, row):
    path = exports / row["file"]
    items = [item for _, item in read_records(path).items]
    entries = [e for e in items if isinstance(e, Entry)]
    assert len(items) == int(row["records"])
    assert len(entries) == int(row["with_title"])
    assert sum(e.year is not None for e in entries) == int(row["titled_with_year"]) + CROSSREF_YEARS.get(row["file"], 0)
    assert sum(bool(e.abstract) for e in entries) == int(row["titled_with_abstract"])

    report = import_corpus(path, tmp_path / "c.sqlite")
    assert report.imported + report.duplicates == int(row["with_title"])
    assert report.skipped == int(row["records"]) - int(row["with_title"])
    with Corpus(tmp_path / "c.sqlite") as corpus:
        stats = corpus.stats()
    assert stats["records"] == report.imported
    if row["year_min"]:
        assert (stats["year_min"], stats["year_max"]) == (int(row["year_min"]), int(row["year_max"]))


def test_every_format_class_is_read(exports):
    formats = {read_records(exports / r["file"]).format for r in ROWS}
    assert formats == {"bibtex", "endnote-xml", "json", "csv", "ris", "medline", "wos"}
