"""Hostile files: a record or line over the limit costs only itself, read past in bounded memory, and
format detection never loses a file to one record."""

from __future__ import annotations

import gzip
import json

import pytest

import survey.corpus.readers.encoding as enc
import survey.corpus.records as records
from survey.corpus import import_corpus
from survey.corpus.readers import read_records
from survey.corpus.records import Entry

LIMIT = 1000  # the readers' limit, made small so a test file can pass it


@pytest.fixture
def small_limit(monkeypatch):
    import survey.corpus.readers as readers
    from survey.corpus.readers import bibtex, jsonrecords, jsonstream, medline, refer, ris, table, xmlexports

    for module in (records, enc, readers, bibtex, jsonrecords, jsonstream, medline, refer, ris, table, xmlexports):
        monkeypatch.setattr(module, "MAX_RECORD_CHARS", LIMIT, raising=False)
    monkeypatch.setattr(enc.TextStream.__init__, "__defaults__", (LIMIT,))


BIG = "x" * (3 * LIMIT)
CASES = {
    "jsonl": ("r.jsonl", '{"title": "Before"}\n{"title": "Huge", "abstract": "' + BIG + '"}\n{"title": "After"}\n', "line 2"),
    "json": ("r.json", json.dumps([{"title": "Before"}, {"title": "Huge", "abstract": BIG}, {"title": "After"}]), "record 2"),
    "json page": ("p.json", json.dumps({"meta": {"n": 3}, "results": [{"title": "Before"}, {"title": "Huge", "abstract": BIG},
                                                                    {"title": "After"}]}), "record 2"),
    "csv": ("r.csv", f'Title,Abstract\nBefore,a\nHuge,"{BIG}"\nAfter,b\n', "line 3"),
    "csv one line": ("r.csv", f"Title,Abstract\nBefore,a\nHuge,{BIG}\nAfter,b\n", "line 3"),
    "ris": ("r.ris", f"TY  - JOUR\nTI  - Before\nER  - \nTY  - JOUR\nTI  - Huge\nAB  - {BIG}\nER  - \nTY  - JOUR\nTI  - After\nER  - \n",
            "line 4"),
    "ris many lines": ("r.ris", "TY  - JOUR\nTI  - Before\nER  - \nTY  - JOUR\nTI  - Huge\n" + "N1  - note\n" * 300
                       + "ER  - \nTY  - JOUR\nTI  - After\nER  - \n", "line 4"),
    "medline": ("r.nbib", f"PMID- 1\nTI  - Before\n\nPMID- 2\nTI  - Huge\nAB  - {BIG}\n\nPMID- 3\nTI  - After\n", "line 4"),
    "refer": ("r.enw", f"%T Before\n%D 2001\n\n%T Huge\n%X {BIG}\n\n%T After\n", "line 4"),
    "refer many lines": ("r.enw", "%T Before\n\n%T Huge\n" + "%K keyword\n" * 300 + "\n%T After\n%D 2002\n", "line 3"),
    "refer crlf": ("r.enw", f"%T Before\r\n\r\n%T Huge\r\n%X {BIG}\r\n\r\n%T After\r\n", "line 3"),
    "wos": ("r.txt", f"FN Clarivate\nVR 1.0\nPT J\nTI Before\nER\nPT J\nTI Huge\nAB {BIG}\nER\nPT J\nTI After\nER\nEF\n", "line 6"),
    "bibtex": ("r.bib", f"@article{{a, title={{Before}}}}\n@article{{b, title={{Huge}}, abstract={{{BIG}}}}}\n@article{{c, title={{After}}}}\n",
               "line 2"),
    "bibtex many lines": ("r.bib", "@article{a, title={Before}}\n@article{b, title={Huge},\n" + "  note={x},\n" * 300
                          + "}\n@article{c, title={After}}\n", "line 2"),
    "pubmed-xml": ("r.xml", "<PubmedArticleSet>" + "".join(
        f"<PubmedArticle><MedlineCitation><PMID>{i}</PMID><Article><ArticleTitle>{t}</ArticleTitle>"
        f"<Abstract><AbstractText>{a}</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>"
        for i, t, a in ((1, "Before", "a"), (2, "Huge", BIG * 20))) + "</PubmedArticleSet>", "record 2"),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("compress", [False, True])
def test_a_record_over_the_limit_is_named_and_the_records_around_it_kept(small_limit, tmp_path, case, compress):
    name, text, where = CASES[case]
    path = tmp_path / (name + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(text.encode()) if compress else text.encode())
    items = list(read_records(path).items)
    titles = [item.title for _, item in items if isinstance(item, Entry)]
    skipped = [(w, item) for w, item in items if isinstance(item, str)]
    # XML cannot be cut inside an element: the reading ends at the record, the ones before it kept
    assert titles == (["Before"] if case == "pubmed-xml" else ["Before", "After"])
    assert len(skipped) == 1 and skipped[0][0] == where and "over the limit of 1,000" in skipped[0][1]


def test_the_import_keeps_the_records_around_one_over_the_limit(small_limit, tmp_path):
    name, text, _ = CASES["jsonl"]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert (report.imported, report.skipped) == (2, 1)
    assert report.reasons == [f"r.jsonl line 2: the line is {len(text.splitlines()[1]) + 1:,} bytes long, over the limit of 1,000; "
                              "skipped unread"]


def test_a_line_longer_than_the_limit_is_read_past_in_pieces():
    import io

    data = io.BytesIO(b"short\n" + b"y" * 5000 + b"\nlast")
    lines = list(enc.bounded_lines(data, 100))
    assert lines == [b"short\n", enc.Overlong(5001), b"last"]
    text = io.StringIO("a\r" + "z" * 250 + "\rb\n", newline="")
    assert list(enc.bounded_lines(text, 100)) == ["a\r", enc.Overlong(251), "b\n"]


def openalex_work(i: int, words: int) -> dict:
    index = {f"w{i}_{k}": [k] for k in range(words)}
    return {"id": f"https://openalex.org/W{i}", "display_name": f"Work {i}", "publication_year": 2020,
            "abstract_inverted_index": index}


def test_json_lines_whose_first_record_is_longer_than_the_sniff(tmp_path):
    path = tmp_path / "works.jsonl"
    first = json.dumps(openalex_work(0, 40_000))  # about 600 KB: more than the 256 KB sniff
    assert len(first) > 256 * 1024
    path.write_text(first + "\n" + "".join(json.dumps(openalex_work(i, 5)) + "\n" for i in range(1, 101)), encoding="utf-8")
    stream = read_records(path)
    assert stream.format == "jsonl"
    assert sum(isinstance(item, Entry) for _, item in stream.items) == 101


@pytest.mark.parametrize("detected_as", ["json", "jsonl"])
def test_a_file_that_fails_the_way_it_was_detected_is_tried_the_other_way(tmp_path, monkeypatch, detected_as):
    from survey.corpus.readers import detect

    monkeypatch.setattr(detect, "sniff", lambda head, title_column: detected_as)
    lines = tmp_path / "r.jsonl"
    lines.write_text('{"title": "One"}\n{"title": "Two"}\n', encoding="utf-8")
    document = tmp_path / "d.json"
    document.write_text('{\n  "results": [\n    {"title": "One"},\n    {"title": "Two"}\n  ]\n}\n', encoding="utf-8")
    for path, fmt in ((lines, "jsonl"), (document, "json")):
        stream = read_records(path)
        assert stream.format == fmt
        assert [item for _, item in stream.items] == [Entry("One"), Entry("Two")]
