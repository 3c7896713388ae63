"""read_records: format by content then name, the stream it returns, and the one-line errors of unreadable files."""

from __future__ import annotations

import gzip

import pytest

from survey.corpus.readers import EXPECTED, FORMATS, WHAT, read_records
from survey.corpus.records import Entry
from survey.errors import CorpusFormatError

BOM = "\ufeff"
SAMPLES = {
    "ris": ("refs.ris", "TY  - JOUR\nTI  - With a BOM\nPY  - 2001\nER  - \n", [("line 1", Entry("With a BOM", year=2001))]),
    "wos": ("savedrecs.txt", "FN Clarivate\nVR 1.0\nPT J\nTI With a BOM\nPY 2001\nER\nEF\n", [("line 3", Entry("With a BOM", year=2001))]),
    "medline": ("pubmed.nbib", "PMID- 7\nTI  - With a BOM\nDP  - 2001\n", [("line 1", Entry("With a BOM", year=2001, id="7"))]),
    "bibtex": ("refs.bib", "@article{k, title = {With a BOM}, year = 2001}\n", [("line 1 (k)", Entry("With a BOM", year=2001, id="k"))]),
    "json": ("page.json", '[{"title": "With a BOM", "year": 2001}]', [("record 1", Entry("With a BOM", year=2001))]),
    "jsonl": ("r.jsonl", '{"title": "With a BOM", "year": 2001}\n', [("line 1", Entry("With a BOM", year=2001))]),
    "csv": ("scopus.csv", "Title,Year\nWith a BOM,2001\n", [("line 2", Entry("With a BOM", year=2001))]),
}


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@pytest.mark.parametrize("encoding", [None, "utf-8", "utf-8-sig"])
def test_a_byte_order_mark_is_never_part_of_the_text(tmp_path, fmt, encoding):
    # Scopus and EndNote write UTF-8 with a BOM; --encoding utf-8 must not turn it into a character that hides the first tag.
    name, text, items = SAMPLES[fmt]
    path = tmp_path / name
    path.write_bytes((BOM + text).encode("utf-8"))
    stream = read_records(path, encoding=encoding)
    assert stream.format == fmt
    assert list(stream.items) == items


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_stream_fields(tmp_path, fmt):
    name, text, items = SAMPLES[fmt]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    stream = read_records(str(path))
    assert (stream.path, stream.format, stream.encoding, stream.encoding_note) == (path, fmt, "utf-8", "")


def test_name_is_the_fallback_when_the_content_says_nothing(tmp_path):
    path = tmp_path / "titles.csv"
    path.write_text("Title\nOne\n", encoding="utf-8")
    assert read_records(path).format == "csv"
    prose = tmp_path / "notes.txt"
    prose.write_text("Title\nOne\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as err:
        read_records(prose)
    assert str(err.value) == f"{prose}: cannot tell the format from the content or the name; {EXPECTED}"


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", "{path}: file is empty; " + EXPECTED),
        (b" \n\t\r\n", "{path}: file is empty; " + EXPECTED),
        (gzip.compress(b"\n\n"), "{path}: file is empty; " + EXPECTED),
    ],
)
def test_empty_files(tmp_path, data, expected):
    path = tmp_path / "r.jsonl"
    path.write_bytes(data)
    with pytest.raises(CorpusFormatError) as err:
        read_records(path)
    assert str(err.value) == expected.format(path=path)


def test_unknown_format_is_refused_before_the_file_is_opened(tmp_path):
    with pytest.raises(CorpusFormatError) as err:
        read_records(tmp_path / "missing.ris", "endnote")
    assert str(err.value) == f"{tmp_path / 'missing.ris'}: unknown format 'endnote'; expected auto, {', '.join(FORMATS)}"


@pytest.mark.parametrize(
    "fmt, name, text, reason",
    [
        ("json", "r.json", '{"message": {"status": "ok"}}', "found no list of records (top level: message)"),
        ("zotero-rdf", "z.rdf", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<unclosed></rdf:RDF>',
         "malformed XML (mismatched tag: line 2, column 12)"),
    ],
)
def test_a_whole_file_format_that_fails_names_the_file_and_the_format(tmp_path, fmt, name, text, reason):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CorpusFormatError) as err:
        list(read_records(path).items)
    assert str(err.value) == f"{path}: {reason}; expected {WHAT[fmt]}"


def test_a_csv_without_a_title_column_fails_when_read(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Name,When\nfoo,2001\n", encoding="utf-8")
    stream = read_records(path, "csv")
    with pytest.raises(CorpusFormatError) as err:
        list(stream.items)
    assert str(err.value) == f"{path}: CSV header has no title column (have: Name, When); expected a column named Title"


ZOTERO = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:z="http://www.zotero.org/namespaces/export#" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description rdf:about="#a"><z:itemType>book</z:itemType>'
          '<dc:title>Zotero book</dc:title><dc:date>2001</dc:date></rdf:Description></rdf:RDF>')
ENDNOTE = '<xml><records><record><titles><title>EndNote one</title></titles></record></records></xml>'
PUBMED = ("<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>5</PMID><Article><ArticleTitle>PubMed one</ArticleTitle>"
          "</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>")


@pytest.mark.parametrize(
    "fmt, text, items",
    [
        ("zotero-rdf", ZOTERO, [("record 1", Entry("Zotero book", year=2001, id="#a"))]),
        ("endnote-xml", ENDNOTE, [("record 1", Entry("EndNote one"))]),
        ("pubmed-xml", PUBMED, [("record 1", Entry("PubMed one", id="5"))]),
    ],
)
@pytest.mark.parametrize("compress", [False, True])
def test_xml_formats_plain_and_gzipped(tmp_path, fmt, text, items, compress):
    path = tmp_path / "export.xml"
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    stream = read_records(path)
    assert stream.format == fmt
    assert list(stream.items) == items


def test_xml_past_a_broken_gzip_stretch_is_one_error(tmp_path):
    # the break lies past the head the encoding is chosen on, so it is met while the records are read
    data = gzip.compress(f"{PUBMED[:-len('</PubmedArticleSet>')]}{' ' * (5 << 20)}</PubmedArticleSet>".encode(), compresslevel=1)
    path = tmp_path / "pubmed.xml.gz"
    path.write_bytes(data[:-10])
    stream = read_records(path)
    with pytest.raises(CorpusFormatError) as err:
        list(stream.items)
    assert str(err.value) == (f"{path}: cannot read past a broken stretch "
                              "(Compressed file ended before the end-of-stream marker was reached)")


def test_jsonl_in_another_encoding_is_streamed_as_text(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes('{"title": "Réseaux", "year": 2001}\n\n{"title": "Zwei"}\n'.encode("cp1252"))
    stream = read_records(path, encoding="cp1252")
    assert stream.encoding == "cp1252" and stream.encoding_note == "read as cp1252 (--encoding)"
    assert list(stream.items) == [("line 1", Entry("Réseaux", year=2001)), ("line 3", Entry("Zwei"))]


# ---------------------------------------------------------------- files longer than the head the encoding is decided on

HEAD = 4 * 1024 * 1024


def test_a_whole_text_format_past_the_head_is_read_to_its_end(tmp_path):
    from survey.corpus.readers.encoding import HEAD_BYTES

    assert HEAD_BYTES == HEAD
    path = tmp_path / "big.ris"
    path.write_text(f"TY  - JOUR\nTI  - First\nAB  - {'x' * HEAD}\nER  - \nTY  - JOUR\nTI  - Last\nER  - \n", encoding="utf-8")
    stream = read_records(path)
    assert [(where, e.title) for where, e in stream.items] == [("line 1", "First"), ("line 5", "Last")]
    rdf = tmp_path / "big.rdf"
    rdf.write_text(ZOTERO.replace("</rdf:RDF>", " " * HEAD + "</rdf:RDF>"), encoding="utf-8")
    assert list(read_records(rdf).items) == [("record 1", Entry("Zotero book", year=2001, id="#a"))]


def test_the_encoding_is_decided_on_the_head_alone(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"Title\n" + b"a" * (HEAD + 1 - 6) + b"\xff\n")  # the bad byte lies just past the head and its +1
    assert read_records(path).encoding == "utf-8"


def test_a_file_exactly_as_long_as_the_head_is_decided_whole(tmp_path):
    path = tmp_path / "edge.csv"
    path.write_bytes(b"Title\n" + b"a" * (HEAD - 7) + b"\xc3")  # ends inside a character
    assert "not valid UTF-8 at byte offset 4194303" in read_records(path).encoding_note


def test_bytes_no_encoding_fits_name_the_file(tmp_path):
    path = tmp_path / "blob.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(CorpusFormatError) as err:
        read_records(path, "csv")
    assert str(err.value).startswith(f"{path}: byte offset 128 is not valid UTF-8 and no other encoding fits")


def test_a_jsonl_gzip_broken_past_the_head_names_the_file(tmp_path):
    path = tmp_path / "big.jsonl.gz"
    data = gzip.compress(b'{"title": "A"}\n{"title": "' + b"x" * (HEAD + 1000) + b'"}\n', compresslevel=1)
    path.write_bytes(data[:-10])
    with pytest.raises(CorpusFormatError) as err:
        list(read_records(path).items)
    assert str(err.value) == (f"{path}: cannot read past a broken stretch "
                              "(Compressed file ended before the end-of-stream marker was reached)")


def test_only_the_files_first_bom_is_a_bom(tmp_path):
    # U+FEFF inside a file is a character, which JSON does not allow before a value
    path = tmp_path / "joined.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"title": "A"}\n\xef\xbb\xbf{"title": "B"}\n')
    items = list(read_records(path).items)
    assert items[0] == ("line 1", Entry("A"))
    assert items[1][0] == "line 2" and items[1][1].startswith("not valid JSON (")
