"""Opening an export: gzip by magic bytes, the text encoding, and where undecodable bytes are."""

from __future__ import annotations

import codecs
import gzip

import pytest

from survey.corpus.readers import encoding as enc, read_records
from survey.corpus.records import Entry
from survey.errors import CorpusFormatError

RIS = "TY  - JOUR\nTI  - Réseaux neuronaux à mémoire\nPY  - 2019\nER  - \n"


def message(call, *args):
    with pytest.raises(CorpusFormatError) as err:
        call(*args)
    return str(err.value)


@pytest.mark.parametrize(
    "data, name, note",
    [
        (codecs.BOM_UTF8 + RIS.encode("utf-8"), "utf-8-sig", ""),
        (RIS.encode("utf-16"), "utf-16", "read as utf-16 (byte-order mark)"),
        (codecs.BOM_UTF16_BE + RIS.encode("utf-16-be"), "utf-16", "read as utf-16 (byte-order mark)"),
        (codecs.BOM_UTF32_LE + RIS.encode("utf-32-le"), "utf-32", "read as utf-32 (byte-order mark)"),  # not UTF-16 LE
        (codecs.BOM_UTF32_BE + RIS.encode("utf-32-be"), "utf-32", "read as utf-32 (byte-order mark)"),
        (RIS.encode("utf-8"), "utf-8", ""),
    ],
)
def test_byte_order_marks_and_plain_utf8(tmp_path, data, name, note):
    path = tmp_path / "refs.ris"
    path.write_bytes(data)
    assert enc.choose(path, data, True) == enc.Encoding(name, note)
    stream = read_records(path)
    assert (stream.format, stream.encoding, stream.encoding_note) == ("ris", name, note)
    assert [e for _, e in stream.items] == [Entry("Réseaux neuronaux à mémoire", "", 2019)]


def test_override_is_looked_up_and_named(tmp_path):
    assert enc.choose(tmp_path / "x", b"\xff\xfe", True, "Latin1") == enc.Encoding("iso8859-1", "read as iso8859-1 (--encoding)")
    assert enc.choose(tmp_path / "x", b"abc", True, "UTF8") == enc.Encoding("utf-8", "read as utf-8 (--encoding)")
    assert message(enc.choose, tmp_path / "x", b"abc", True, "klingon") == (
        "--encoding 'klingon': unknown encoding; expected e.g. utf-8, cp1252, latin-1, gbk")


def test_a_character_cut_at_the_end_of_the_head_is_not_an_error(tmp_path):
    head = "Titel: Straß".encode("utf-8")[:-1]
    assert head.endswith(b"\xc3")
    assert enc.choose(tmp_path / "x", head, False) == enc.Encoding("utf-8")
    assert enc.choose(tmp_path / "x", head, True).name != "utf-8"  # a whole file ending mid-character is not UTF-8


def test_a_detected_encoding_is_named_and_reads_the_text(tmp_path):
    path = tmp_path / "refs.ris"
    text = "TY  - JOUR\nTI  - Réseaux de neurones profonds pour la traduction\nER  - \n"
    data = text.encode("cp1252")
    path.write_bytes(data)
    chosen = enc.choose(path, data, True)
    assert chosen.name == codecs.lookup(chosen.name).name and data.decode(chosen.name) == text  # whichever fits, by its codec name
    assert chosen.note == (f"read as {chosen.name}: not valid UTF-8 at byte offset 18, encoding detected by charset-normalizer; "
                           "pass --encoding to override")
    assert data[18:19] == "é".encode("cp1252")


def test_bytes_no_encoding_fits(tmp_path):
    path = tmp_path / "blob.csv"
    data = bytes(range(256)) * 4
    path.write_bytes(data)
    assert message(enc.choose, path, data, True) == (
        f"{path}: byte offset 128 is not valid UTF-8 and no other encoding fits; pass --encoding (e.g. cp1252, latin-1, gbk)")


def test_short_error_detail():
    assert enc._short(EOFError()) == "EOFError"
    assert enc._short(OSError("first line\nsecond line")) == "first line"
    assert enc._short(OSError("x" * 200)) == "x" * 120


def test_csv_cells_keep_their_own_line_breaks(tmp_path):
    # csv must see the file's own line ends (newline=""): a quoted CRLF inside a cell is part of the cell
    path = tmp_path / "export.csv"
    path.write_bytes("Title,Abstract\r\nA,\"line one\r\nline two\"\r\nB,x\r\n".encode("utf-16"))
    stream = read_records(path)
    assert (stream.format, stream.encoding) == ("csv", "utf-16")
    assert list(stream.items) == [("line 2", Entry("A", "line one\r\nline two")), ("line 4", Entry("B", "x"))]


def test_decode_names_the_offset(tmp_path):
    path = tmp_path / "refs.ris"
    assert enc.decode(path, "TI  - é".encode("utf-8"), enc.Encoding("utf-8")) == "TI  - é"
    assert message(enc.decode, path, b"TI  - \xff", enc.Encoding("utf-8")) == (
        f"{path}: byte offset 6 cannot be decoded as utf-8; pass --encoding (e.g. cp1252, latin-1, gbk)")


def test_forced_encoding_that_does_not_fit_names_the_offset(tmp_path):
    path = tmp_path / "refs.ris"
    path.write_bytes(b"TY  - JOUR\nTI  - A\nER  - \n\xff")
    # RIS is read line by line: the fault is met, and named, as the reading reaches it
    assert message(lambda *args: list(read_records(*args).items), path, "auto", "ascii").endswith(
        "refs.ris: byte offset 26 cannot be decoded as ascii; pass --encoding (e.g. cp1252, latin-1, gbk)")


def test_first_bad_offset_counts_bytes_across_chunks(tmp_path):
    chunk = 1 << 20
    path = tmp_path / "big.csv"
    # an "é" split by the chunk boundary, then an invalid byte well after it
    data = b"a" * (chunk - 1) + "é".encode("utf-8") + b"b" * 10 + b"\xff" + b"c" * 5
    path.write_bytes(data)
    assert enc.first_bad_offset(path, "utf-8") == chunk - 1 + 2 + 10
    path.write_bytes(data[: chunk - 1 + 2 + 10])  # ends before the invalid byte
    assert enc.first_bad_offset(path, "utf-8") is None
    path.write_bytes(b"ok" + "é".encode("utf-8")[:1])  # a file that ends inside a character
    assert enc.first_bad_offset(path, "utf-8") == 3
    path.write_bytes(gzip.compress(b"xyz\xff"))
    assert enc.first_bad_offset(path, "utf-8") == 3  # counted in the decompressed bytes
    path.write_bytes(b"\xff" + b"a" * chunk)
    assert enc.first_bad_offset(path, "utf-8") == 0


def test_undecodable_bytes_past_the_head_name_their_offset(tmp_path):
    path = tmp_path / "big.csv"
    head = b"Title,Abstract\nA paper," + b"x" * enc.HEAD_BYTES + b"\n"  # one long abstract fills the head
    path.write_bytes(head + b"Bad \xff row,2002\n")
    stream = read_records(path)
    assert stream.encoding == "utf-8"
    with pytest.raises(CorpusFormatError) as err:
        list(stream.items)
    assert str(err.value) == f"{path}: byte offset {len(head) + 4} cannot be decoded as utf-8; pass --encoding (e.g. cp1252, latin-1, gbk)"


def test_a_gzip_broken_past_the_head_is_named(tmp_path):
    path = tmp_path / "big.csv.gz"
    text = b"Title,Abstract\nA paper," + b"x" * (enc.HEAD_BYTES + 1000) + b"\n"
    data = gzip.compress(text)
    path.write_bytes(data[:-10])  # the end-of-stream marker and the trailer cut off
    stream = read_records(path)
    with pytest.raises(CorpusFormatError) as err:
        list(stream.items)
    assert str(err.value) == (f"{path}: cannot read past a broken stretch "
                              "(Compressed file ended before the end-of-stream marker was reached)")


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: None, "{path}: no such file"),
        (lambda p: p.mkdir(), "{path}: is a directory; expected a file of records"),
        (lambda p: p.parent.joinpath("file").write_text("x") and None, "{path}: cannot read (Not a directory)"),
        (lambda p: p.write_bytes(b"\x1f\x8b" + b"not really gzip"),
         "{path}: cannot read: broken gzip data (Unknown compression method)"),
    ],
)
def test_unreadable_files_are_named(tmp_path, make, expected):
    path = tmp_path / "input.jsonl"
    make(path)
    if "Not a directory" in expected:
        path = tmp_path / "file" / "input.jsonl"
    assert message(enc.read_bytes, path) == expected.format(path=path)


def test_gzip_is_told_by_its_magic_bytes(tmp_path):
    path = tmp_path / "plain.gz"
    path.write_bytes(b"\x1f")
    assert not enc.is_gzip(path)
    path.write_bytes(b"\x1f\x8b\x08")
    assert enc.is_gzip(path)
    path.write_bytes(gzip.compress(b"hello world"))
    assert enc.read_bytes(path, 5) == b"hello" and enc.read_bytes(path) == b"hello world"
