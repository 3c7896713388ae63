"""CSV and TSV exports: the header synonyms of each database, delimiters, short rows and bad rows."""

from __future__ import annotations

import csv

import pytest

from survey.corpus.readers.table import read_csv, title_column
from survey.corpus.records import Entry, Noted


def rows(text):
    return list(read_csv(text.splitlines(keepends=True)))


@pytest.mark.parametrize(
    "line, found",
    [
        ("Authors,Title,Year", True), ('"Article Title";"Year"', True), ("PT\tAU\tTI\tPY", True), ("\ufeffTitle,Year", True),
        (' " Item Title " ,x', True), ("display_name,publication_year", True),
        ("primary_title", True), ("Name,When", False), ("Name,TITLEX", False), ("Titles,Year", False), ("Source title,Year", False), ("", False),
    ],
)
def test_title_column(line, found):
    assert title_column(line) is found


@pytest.mark.parametrize(
    "text, items",
    [
        # Scopus: BOM, quoted cells, one field more per row than its header
        ('\ufeff"Authors","Title","Year","Source title","DOI","Abstract","EID"\n'
         '"A. B.","Dialogue, again","2018","Proc.","10.1/d","We model dialogue.","2-s2.0-1",""\n',
         [("line 2", Entry("Dialogue, again", "We model dialogue.", 2018, "10.1/d", "2-s2.0-1"))]),
        # a BOM left on the title column itself (read without utf-8-sig)
        ("\ufeffTitle,Year\nBOM first,2019\n", [("line 2", Entry("BOM first", year=2019))]),
        # Web of Science tab-delimited
        ("PT\tAU\tTI\tPY\tAB\tDI\tUT\nJ\tSmith\tTab record\t2017\tAbstract.\t10.1/t\tWOS:1\n",
         [("line 2", Entry("Tab record", "Abstract.", 2017, "10.1/t", "WOS:1"))]),
        ("Article Title;Publication Year;UT (Unique WOS ID);Abstract\nSemicolons;2016;WOS:2;A.\n",
         [("line 2", Entry("Semicolons", "A.", 2016, None, "WOS:2"))]),
        # IEEE Xplore, Springer, Lens, OpenAlex, Dimensions, Zotero, asreview
        ("Document Title,Publication Year,DOI\nIEEE paper,2015,10.1/ieee\n", [("line 2", Entry("IEEE paper", year=2015, doi="10.1/ieee"))]),
        ("Item Title,Item DOI,Publication Year\nSpringer chapter,10.1/sp,2014\n",
         [("line 2", Entry("Springer chapter", year=2014, doi="10.1/sp"))]),
        ("Lens ID,Title,Date Published\n000-1,Lens paper,2013-04-05\n", [("line 2", Entry("Lens paper", year=2013, id="000-1"))]),
        ("id,display_name,publication_year\nW1,OpenAlex work,2012\n", [("line 2", Entry("OpenAlex work", year=2012, id="W1"))]),
        ("Title,PubYear\nDimensions paper,2011\n", [("line 2", Entry("Dimensions paper", year=2011))]),
        ("Title,Abstract Note,Date\nZotero item,Z abstract.,2010-01-01\n", [("line 2", Entry("Zotero item", "Z abstract.", 2010))]),
        ("record_id,primary_title,notes_abstract,year\n1,asreview,A abstract.,2009\n",
         [("line 2", Entry("asreview", "A abstract.", 2009))]),
        ("Title,PMID,Online Date\nPubMed CSV,123,2008 Jan\n", [("line 2", Entry("PubMed CSV", year=2008, id="123"))]),
        ("Title,PubMed ID,issued\nPubMed id,124,2007\n", [("line 2", Entry("PubMed id", year=2007, id="124"))]),
        ("Title,Accession Number,Publication_Date\nAccession,A1,2006-02\n", [("line 2", Entry("Accession", year=2006, id="A1"))]),
        ("Title,Year,Publication Date,Source\nYear first,2001,2002,J (2003) 1:1\n", [("line 2", Entry("Year first", year=2001))]),
        ("Title,Publication Date,Source\nDate next,2002,J (2003) 1:1\n", [("line 2", Entry("Date next", year=2002))]),
        # Embase: the year only in Source
        ("Title,Source\nEmbase record,Endoscopic Ultrasound (2014) 3:3 (152-160)\n", [("line 2", Entry("Embase record", year=2014))]),
        ("Title,Source\nNo year in source,Endoscopic Ultrasound 3:3\n", [("line 2", Entry("No year in source"))]),
        # the most specific name wins, and names are matched whole, in any case
        ("Title,Article Title,EID,UT,ID\nPlain,Specific,e1,u1,i1\n", [("line 2", Entry("Plain", id="e1"))]),
        ("ID,UT\ni1,u1\n", None),
        ("XTitle,Year\nA,2001\n", None),
        (" TITLE , YEAR \nUpper case,2005\n", [("line 2", Entry("Upper case", year=2005))]),
        # placeholders, bad years, short rows and blank rows
        ("Title,Abstract,Year\nScopus gap,[No abstract available],2004\n", [("line 2", Entry("Scopus gap", "", 2004))]),
        ("Title,Year\nBad year,20x4\n", [("line 2", Noted(Entry("Bad year"), ("field 'year' skipped (year '20x4' is not a four-digit year)",)))]),
        ("Title,Year,DOI\nShort row\n", [("line 2", Entry("Short row"))]),
        ("Year,Title\n2003\n", [("line 2", "no title")]),
        ("Title,Year\n,,\n  ,  \n\nAfter blanks,2002\n", [("line 5", Entry("After blanks", year=2002))]),
        # a record is named by the line it starts on, however many lines its quoted cells span
        ('Title,Abstract\n"Quoted\nnewline","two\nlines"\nNext,\n', [("line 2", Entry("Quoted newline", "two\nlines")),
                                                                     ("line 5", Entry("Next"))]),
    ],
)
def test_read_csv(text, items):
    if items is None:
        with pytest.raises(ValueError):
            rows(text)
        return
    assert rows(text) == items


def test_delimiter_is_the_commonest_on_the_header_line():
    assert rows("Title;Year;Note, with comma\nA;2001;x, y\n") == [("line 2", Entry("A", year=2001))]
    assert rows("Title,Year\tx\nA,2001\tz\n") == [("line 2", Entry("A"))]  # a tie goes to the comma: no Year column
    assert rows("Title;Year\tx;y\nA;2001\t1;2\n") == [("line 2", Entry("A"))]  # ; is commonest: "Year\tx" is one name


def test_header_errors():
    with pytest.raises(ValueError) as err:
        rows("\nTitle,Year\n")
    assert str(err.value) == "empty CSV; expected a header row with a Title column"
    with pytest.raises(ValueError) as err:
        rows(",".join(f" c{i} " for i in range(15)) + "\n")
    assert str(err.value) == ("CSV header has no title column (have: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11); "
                              "expected a column named Title")
    assert list(read_csv(iter(["Title,Year\n"]))) == []
    with pytest.raises(ValueError) as err:
        list(read_csv(iter([])))
    assert str(err.value) == "empty CSV; expected a header row with a Title column"


def test_a_header_of_one_column_is_read_with_the_comma():
    assert rows("Title\nXylophone eXperiments\nTwo, with a comma\n") == [("line 2", Entry("Xylophone eXperiments")),
                                                                         ("line 3", Entry("Two"))]


def test_a_malformed_row_is_skipped_and_the_next_read():
    items = list(read_csv(["Title,Year\n", "Good,2001\n", "Lone\rCR,2002\n", "After,2003\n"]))
    assert items == [("line 2", Entry("Good", year=2001)),
                     ("line 3", "malformed CSV row (new-line character seen in unquoted field - "
                                "do you need to open the file in universal-newline mode?)"),
                     ("line 4", Entry("After", year=2003))]


def test_a_cell_longer_than_the_csv_module_default_is_read():
    abstract = "word " * 40000  # 200 KB, over csv's 128 KiB field limit
    before = csv.field_size_limit(131072)  # the module default
    try:
        [(_, entry)] = rows(f'Title,Abstract\nLong,"{abstract}"\n')
        assert entry.abstract == abstract.strip()
        # the limit is raised for this reader only: the process's other CSV readers keep theirs
        assert csv.field_size_limit() == 131072
        reading = read_csv(["Title\n", "A\n", "B\n"])
        next(reading)
        reading.close()  # a reading stopped early puts it back too
        assert csv.field_size_limit() == 131072
    finally:
        csv.field_size_limit(before)


# Dimensions writes one line of search details above its header row ("About the data: Exported on
# ..."); its users read the file with skip=1. Without the skip no record of the file was read.
DIMENSIONS = ('"About the data: Exported on Sep 30, 2026. Criteria: influenza in title and abstract."\n'
              '"Rank","Publication ID","DOI","Title","Abstract","Source title","PubYear","Publication Date"\n'
              '"1","pub.1","10.1/d1","First, with a comma","An abstract.","J","2020","2020-03-01"\n'
              '"2","pub.2","","Second","","J","","2019"\n')


def test_a_line_above_the_header_is_passed_over():
    assert rows(DIMENSIONS) == [("line 3", Entry("First, with a comma", "An abstract.", 2020, "10.1/d1", "pub.1")),
                                ("line 4", Entry("Second", year=2019, id="pub.2"))]
    # semicolons in the line above do not choose the delimiter of the header under it
    assert rows("About the data; exported; today\nTitle,Year\nA,2001\n") == [("line 3", Entry("A", year=2001))]


def test_only_one_line_above_the_header_is_passed_over():
    with pytest.raises(ValueError) as err:
        rows("About the data\nStill not a header\nTitle,Year\nA,2001\n")
    assert str(err.value).startswith("CSV header has no title column (have: About the data)")


def test_a_header_line_over_the_limit_is_named_with_its_length(tmp_path, monkeypatch):
    import survey.corpus.readers.encoding as enc
    from survey.corpus.readers import read_records, table
    from survey.errors import CorpusFormatError

    monkeypatch.setattr(table, "MAX_RECORD_CHARS", 100)
    monkeypatch.setattr(enc.TextStream.__init__, "__defaults__", (100,))
    path = tmp_path / "wide.csv"
    path.write_text("Title," + ",".join(f"column {i}" for i in range(40)) + "\nA title,x\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"the header line is [\d,]+ characters long, over the limit of 100"):
        list(read_records(path).items)
