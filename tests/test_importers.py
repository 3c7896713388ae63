"""Importers: each format, gzip, detection, malformed records, atomic replacement."""

from __future__ import annotations

import gzip
import json
import sqlite3

import pytest

from corpuskit import write_jsonl
from survey.corpus import Corpus, import_corpus
from survey.corpus.readers import read_records
from survey.corpus.records import Entry, Noted, normalise_doi, normalise_title, parse_year
from survey.errors import BadInput, CorpusFormatError


def entries(path, fmt="auto"):
    stream = read_records(path, fmt)  # a record kept without a field counts as its entry here
    return stream.format, [item.entry if isinstance(item, Noted) else item for _, item in stream.items]


def titles(path):
    with sqlite3.connect(path) as conn:
        return sorted(t for (t,) in conn.execute("SELECT title FROM records"))



# ---------------------------------------------------------------- formats

def test_jsonl_fields(tmp_path):
    path = write_jsonl(
        tmp_path / "r.jsonl",
        [
            {"id": "P1", "title": "  An  LSTM ", "abstract": "Text.", "year": 2016, "doi": "10.1/A"},
            {"title": "No year", "abstract": "", "year": None},
            {"title": "String year", "year": "2019"},
        ],
    )
    fmt, items = entries(path)
    assert fmt == "jsonl"
    assert items[0] == Entry("An LSTM", "Text.", 2016, "10.1/A", "P1")
    assert items[1].year is None and items[1].abstract == ""
    assert items[2].year == 2019


def test_openalex_works(tmp_path):
    work = {
        "id": "https://openalex.org/W1",
        "display_name": "Convolutional networks",
        "publication_year": 2014,
        "doi": "https://doi.org/10.5555/CNN",
        "abstract_inverted_index": {"We": [0], "convolve": [1], "text": [2, 4], "and": [3]},
    }
    path = write_jsonl(tmp_path / "works.jsonl", [work])
    _, [entry] = entries(path)
    assert entry.title == "Convolutional networks"
    assert entry.abstract == "We convolve text and text"
    assert entry.year == 2014
    assert normalise_doi(entry.doi) == "10.5555/cnn"


BIBTEX = r"""
@comment{exported by a reference manager}
@article{hochreiter97,
  title = {Long Short-Term Memory},
  abstract = {Learning to store information over extended time intervals.},
  year = {1997},
  doi = {10.1162/neco.1997.9.8.1735}
}
@inproceedings{kim14,
  title = {{C}onvolutional Neural Networks for Sentence Classification in M{\"u}nchen},
  year = 2014
}
@misc{untitled, year = {2020}}
@article{broken, title = {Unbalanced, year = {2019}
@article{badyear, title = {Year is junk}, year = {20x6}}
"""


def test_bibtex(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(BIBTEX, encoding="utf-8")
    fmt, items = entries(path)
    assert fmt == "bibtex"
    good = [i for i in items if isinstance(i, Entry)]
    assert [e.title for e in good] == [
        "Long Short-Term Memory",
        "Convolutional Neural Networks for Sentence Classification in München",
        "Year is junk",  # a year that is no year costs the year, not the record
    ]
    assert good[0].year == 1997 and good[0].abstract.startswith("Learning")
    assert good[0].id == "hochreiter97"
    reasons = [(where, i) for where, i in read_records(path).items if isinstance(i, str)]
    line = {key: i for i, text in enumerate(BIBTEX.splitlines(), 1) for key in ("untitled", "broken", "badyear") if "{" + key + "," in text}
    assert reasons == [
        (f"line {line['untitled']} (untitled)", "no title"),
        (f"line {line['broken']} (broken)", "no title (the title field could not be read: unbalanced braces in the value)"),
    ]
    assert (f"line {line['badyear']} (badyear)", Noted(Entry("Year is junk", id="badyear"), (
        "field 'year' skipped (year '20x6' is not a four-digit year)",))) in list(read_records(path).items)
    assert len(items) == 5


RIS = """TY  - JOUR
TI  - Sequence to sequence learning
AB  - We use an LSTM.
PY  - 2014///
DO  - 10.1/s2s
ER  -

TY  - CONF
T1  - Primary title only
Y1  - 2015
ER  -

TY  - JOUR
AB  - An abstract without a title.
ER  -
"""


def test_ris(tmp_path):
    path = tmp_path / "export.ris"
    path.write_text(RIS, encoding="utf-8")
    fmt, items = entries(path)
    assert fmt == "ris"
    assert items[0] == Entry("Sequence to sequence learning", "We use an LSTM.", 2014, "10.1/s2s", None)
    assert items[1].title == "Primary title only" and items[1].year == 2015
    assert items[2] == "no title"


def test_csv_generic_with_quoted_newlines(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(
        'title,abstract,year,doi\n'
        '"CNNs, again","line one\nline two",2017,10.1/c\n'
        'Short row,only two\n'
        'Plain,,,\n',
        encoding="utf-8",
    )
    report = import_corpus(path, tmp_path / "c.sqlite")
    # a short row is read by the columns it has
    assert (report.read, report.imported, report.skipped) == (3, 3, 0)
    assert titles(tmp_path / "c.sqlite") == ["CNNs, again", "Plain", "Short row"]


def test_csv_scopus_export(tmp_path):
    path = tmp_path / "scopus.csv"
    # Scopus writes a UTF-8 byte-order mark and these column names.
    path.write_text(
        "\ufeffAuthors,Title,Year,Source title,DOI,Abstract,EID\n"
        'A. Author,Dialogue with LSTMs,2018,Proc.,10.1/d,"We model dialogue.",2-s2.0-1\n',
        encoding="utf-8",
    )
    _, [entry] = entries(path)
    assert entry == Entry("Dialogue with LSTMs", "We model dialogue.", 2018, "10.1/d", "2-s2.0-1")


def test_csv_without_title_column(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,when\nfoo,2001\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"x\.csv: CSV header has no title column \(have: name, when\)"):
        import_corpus(path, tmp_path / "c.sqlite")


# ---------------------------------------------------------------- gzip and detection

def test_gzip_read_by_magic_bytes_whatever_the_name(tmp_path):
    records = [{"title": "Compressed", "year": 2001}]
    payload = "".join(json.dumps(r) + "\n" for r in records).encode()
    for name in ("a.jsonl.gz", "b.jsonl", "c.data"):
        (tmp_path / name).write_bytes(gzip.compress(payload))
        fmt, items = entries(tmp_path / name)
        assert fmt == "jsonl" and items == [Entry("Compressed", year=2001)]


def test_gzip_bibtex(tmp_path):
    path = tmp_path / "refs.bib.gz"
    path.write_bytes(gzip.compress(BIBTEX.encode()))
    fmt, items = entries(path)
    assert fmt == "bibtex" and sum(isinstance(i, Entry) for i in items) == 3


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"title": "x"}\n', "jsonl"),
        (BIBTEX, "bibtex"),
        (RIS, "ris"),
        ("Title,Year\nA,2001\n", "csv"),
        ("Authors;Title;Year\nA;B;2001\n", "csv"),
    ],
)
def test_sniffing_without_a_known_extension(tmp_path, text, expected):
    path = tmp_path / "export.txt"
    path.write_text(text, encoding="utf-8")
    assert read_records(path).format == expected


def test_explicit_format_overrides_extension(tmp_path):
    path = tmp_path / "records.txt"
    path.write_text("Title,Year\nA,2001\n", encoding="utf-8")
    assert entries(path, "csv") == ("csv", [Entry("A", year=2001)])


# ---------------------------------------------------------------- errors

def test_unknown_format(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some prose\nwith no records\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as err:
        import_corpus(path, tmp_path / "c.sqlite")
    message = str(err.value)
    assert "notes.txt" in message and "JSON Lines" in message and "\n" not in message
    assert not (tmp_path / "c.sqlite").exists()


@pytest.mark.parametrize(
    "make, pattern",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b""), "file is empty"),
        (lambda p: p.write_bytes(b"\x1f\x8b" + b"not really gzip"), "broken gzip data"),
    ],
)
def test_unreadable_file(tmp_path, make, pattern):
    path = tmp_path / "input.jsonl"
    make(path)
    with pytest.raises(CorpusFormatError, match=pattern) as err:
        import_corpus(path, tmp_path / "c.sqlite")
    assert str(path) in str(err.value)


def test_bad_format_name(tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [{"title": "x"}])
    with pytest.raises(CorpusFormatError, match="unknown format 'endnote'; expected auto, jsonl, json, bibtex, ris, wos, medline, pubmed-xml, endnote-xml, zotero-rdf, refer, csv"):
        import_corpus(path, tmp_path / "c.sqlite", fmt="endnote")


def test_malformed_records_are_skipped_and_counted(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"title": "Good one", "year": 2001}\n'
        "{not json\n"
        "\n"
        '["a", "list"]\n'
        '{"abstract": "no title here"}\n'
        '{"title": "Bad year", "year": "soon"}\n'
        '{"title": "Year out of range", "year": 99999}\n'
        '{"title": 42}\n'
        '{"title": "Good two"}\n',
        encoding="utf-8",
    )
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert (report.read, report.imported, report.skipped, report.duplicates) == (8, 4, 4, 0)
    assert report.reasons[0].startswith("r.jsonl line 2: not valid JSON")
    assert report.reasons[1:] == [
        "r.jsonl line 4: expected a JSON object, got array",
        "r.jsonl line 5: no title",
        "r.jsonl line 8: title is a int, expected text",
    ]
    # a year that is no year costs the year, not the record
    assert (report.fields_skipped, report.field_notes) == (2, [
        "r.jsonl line 6: field 'year' skipped (year 'soon' is not a four-digit year)",
        "r.jsonl line 7: field 'year' skipped (year 99999 is out of range 1000-2200)",
    ])
    assert titles(tmp_path / "c.sqlite") == ["Bad year", "Good one", "Good two", "Year out of range"]


def test_file_of_only_bad_records_is_an_error(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"abstract": "x"}\n{"abstract": "y"}\n', encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"r\.jsonl: none of the 2 records could be used \(r\.jsonl line 1: no title\)"):
        import_corpus(path, tmp_path / "c.sqlite")


# ---------------------------------------------------------------- dedup

def test_dedup_on_doi_then_title_and_year(tmp_path):
    path = write_jsonl(
        tmp_path / "r.jsonl",
        [
            {"title": "First", "year": 2001, "doi": "10.1/ABC"},
            {"title": "FIRST!", "year": 2000, "doi": "https://doi.org/10.1/abc"},  # same DOI and title
            {"title": "Second chapter", "year": 2001, "doi": "10.1/ABC"},  # a shared book DOI: kept
            {"title": "Other work, same title", "year": 2001, "doi": "10.1/other"},
            {"title": "Other work same title", "year": 2001, "doi": "10.1/third"},  # DOIs differ: kept
            {"title": "Naïve Bayes: a survey", "year": 2005},
            {"title": "NAIVE bayes - a SURVEY", "year": 2005},  # same title and year once normalised
            {"title": "Naive Bayes: a survey", "year": 2006},  # another year: kept
            {"title": "Naive Bayes: a survey"},  # no year is its own key
        ],
    )
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert (report.read, report.imported, report.duplicates) == (9, 7, 2)
    assert (report.merged_by_doi, report.merged_by_title) == (1, 1)
    assert report.imported + report.duplicates + report.skipped == report.read


def test_normalisers():
    assert normalise_doi(" HTTPS://DOI.ORG/10.18653/V1/P16-1001 ") == "10.18653/v1/p16-1001"
    assert normalise_doi("http://dx.doi.org/10.1/x") == normalise_doi("doi:10.1/X") == "10.1/x"
    assert normalise_doi("") is None
    assert normalise_title("Über  den {LSTM}-Ansatz!") == normalise_title("uber den lstm ansatz") == "uber den lstm ansatz"
    assert parse_year("2016///") == parse_year(2016) == parse_year("2016-05-01") == 2016
    assert parse_year("") is None


# ---------------------------------------------------------------- atomic replacement and progress

def test_failed_import_keeps_previous_corpus(tmp_path):
    target = tmp_path / "corpora" / "acl.sqlite"
    good = write_jsonl(tmp_path / "good.jsonl", [{"title": "Kept", "year": 2001}])
    import_corpus(good, target)
    bad = tmp_path / "bad.txt"
    bad.write_text("no format here\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError):
        import_corpus(bad, target, mode="replace")
    assert titles(target) == ["Kept"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["acl.sqlite"]


def test_interrupted_import_keeps_previous_corpus(tmp_path):
    target = tmp_path / "acl.sqlite"
    import_corpus(write_jsonl(tmp_path / "one.jsonl", [{"title": "Kept", "year": 2001}]), target)
    many = write_jsonl(tmp_path / "many.jsonl", [{"title": f"Paper {i}", "year": 2000} for i in range(12000)])

    class Interrupted(Exception):
        pass

    def progress(done, total):
        if done >= 5000:
            raise Interrupted

    with pytest.raises(Interrupted):
        import_corpus(many, target, progress=progress, mode="replace")
    assert titles(target) == ["Kept"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    with Corpus(target) as corpus:
        assert corpus.stats()["records"] == 1


def test_progress_reports_records_read(tmp_path):
    many = write_jsonl(tmp_path / "many.jsonl", [{"title": f"Paper {i}", "year": 2000} for i in range(11000)])
    calls = []
    report = import_corpus(many, tmp_path / "c.sqlite", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(5000, None), (10000, None), (11000, 11000)]  # JSON Lines are read lazily: no total until the end
    assert report.imported == 11000 and report.seconds > 0 and report.format == "jsonl"


def test_progress_over_several_files_counts_the_whole_import(tmp_path):
    def array(name, n):
        path = tmp_path / name
        path.write_text(json.dumps([{"title": f"{name} {i}", "year": 2000} for i in range(n)]), encoding="utf-8")
        return path

    calls = []
    import_corpus([array("a.json", 6000), array("b.json", 7000)], tmp_path / "c.sqlite",
                  progress=lambda done, total: calls.append((done, total)))
    # a JSON document is read record by record: its total is known only at its end
    assert calls == [(5000, None), (6000, 6000), (10000, None), (13000, 13000)]


def test_opening_a_non_corpus(tmp_path):
    with pytest.raises(BadInput, match="no such corpus"):
        Corpus(tmp_path / "missing.sqlite")
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database", encoding="utf-8")
    with pytest.raises(BadInput, match=r"junk\.sqlite: not a survey corpus"):
        Corpus(junk)
