"""JSON Lines and JSON documents from OpenAlex, Semantic Scholar, arXiv, CSL-JSON and Crossref."""

from __future__ import annotations

import codecs
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.corpus.readers import jsonrecords, read_records
from survey.corpus.readers.encoding import bounded_lines
from survey.corpus.readers.jsonrecords import _entry_or_reason, inverted_index_text, json_entry, read_json_document, read_jsonl
from survey.corpus.records import Entry, Noted
from survey.errors import CorpusFormatError


def test_inverted_index_text_orders_by_position():
    assert inverted_index_text({"text": [2, 4], "We": [0], "and": ["3"], "convolve": [1]}) == "We convolve text and text"
    assert inverted_index_text({"gap": [7], "before": [2]}) == "before gap"
    assert inverted_index_text({}) == ""


@pytest.mark.parametrize(
    "index, reason",
    [
        ([["We", 0]], "abstract_inverted_index is not an object"),
        ({"We": 0}, "abstract_inverted_index['We'] is not a list of positions"),
    ],
)
def test_inverted_index_that_is_not_one(index, reason):
    with pytest.raises(ValueError) as err:
        inverted_index_text(index)
    assert str(err.value) == reason
    # the abstract that cannot be read costs only itself
    assert json_entry({"title": "T", "abstract_inverted_index": index}) == Noted(
        Entry("T"), (f"field 'abstract_inverted_index' skipped ({reason})",))


@pytest.mark.parametrize(
    "record, entry",
    [
        # plain JSON Lines, ids that are numbers or 0 kept as text
        ({"title": "T", "abstract": "A.", "year": 2016, "doi": "10.1/x", "id": 0}, Entry("T", "A.", 2016, "10.1/x", "0")),
        ({"title": "T", "id": 12}, Entry("T", id="12")),
        # OpenAlex
        ({"id": "https://openalex.org/W1", "display_name": "OA work", "publication_year": 2014, "doi": "https://doi.org/10.1/oa",
          "abstract_inverted_index": {"Deep": [0], "nets": [1]}}, Entry("OA work", "Deep nets", 2014, "https://doi.org/10.1/oa",
                                                                         "https://openalex.org/W1")),
        ({"title": None, "display_name": "OA fallback"}, Entry("OA fallback")),
        ({"title": "", "display_name": "OA fallback"}, Entry("OA fallback")),
        ({"title": [], "Title": "Capitalised key"}, Entry("Capitalised key")),
        ({"title": "Own", "display_name": "Not used"}, Entry("Own")),
        ({"title": "T", "abstract": "Given.", "abstract_inverted_index": {"Ignored": [0]}}, Entry("T", "Given.")),
        ({"title": "T", "abstract": "", "abstract_inverted_index": {"Rebuilt": [0]}}, Entry("T", "Rebuilt")),
        # Semantic Scholar
        ({"paperId": "abc", "title": "S2", "abstract": None, "year": 2020, "externalIds": {"DOI": "10.1/s2"}},
         Entry("S2", "", 2020, "10.1/s2", "abc")),
        ({"paperId": "abc", "id": "own", "title": "S2"}, Entry("S2", id="own")),
        ({"title": "S2", "externalIds": ["DOI", "10.1/x"]}, Entry("S2")),
        ({"title": "T", "doi": "10.1/lower", "DOI": "10.1/UPPER", "externalIds": {"DOI": "10.1/ids"}}, Entry("T", doi="10.1/lower")),
        ({"title": "T", "DOI": "10.1/UPPER", "externalIds": {"DOI": "10.1/ids"}}, Entry("T", doi="10.1/UPPER")),
        ({"title": "T", "doi": 10.1}, Entry("T")),
        # arXiv snapshot: the year of the first version
        ({"title": "X", "versions": [{"created": "Mon, 2 Apr 2007 19:18:42 GMT"}, {"created": "Tue, 1 Jan 2008 00:00:00 GMT"}]},
         Entry("X", year=2007)),
        ({"title": "X", "versions": ["v1"]}, Entry("X")),
        ({"title": "X", "versions": []}, Entry("X")),
        ({"title": "X", "versions": {"created": "2007"}}, Entry("X")),
        # CSL-JSON and Crossref
        ({"title": "C", "issued": {"date-parts": [[2019, 5, 1]]}}, Entry("C", year=2019)),
        ({"title": "C", "issued": {"date-parts": [[]], "raw": "2018"}}, Entry("C", year=2018)),
        ({"title": "C", "issued": {"date-parts": [], "literal": "Spring 2017"}}, Entry("C", year=2017)),
        ({"title": "C", "issued": {"date-parts": ["2019"], "raw": "2016"}}, Entry("C", year=2016)),
        ({"title": "C", "issued": {"raw": "2015", "literal": "2014"}}, Entry("C", year=2015)),
        ({"title": "C", "issued": "2013"}, Entry("C", year=2013)),
        ({"title": ["", "  ", 5, "Crossref title", "Second"], "published": {"date-parts": [[2012]]}}, Entry("Crossref title", year=2012)),
        ({"title": [None]}, "no title"),
        ({"title": "J", "abstract": "<jats:p>Tagged <jats:italic>text</jats:italic>.</jats:p>"}, Entry("J", "Tagged  text .")),
        ({"title": "J", "abstract": "a <b>c</b> d"}, Entry("J", "a <b>c</b> d")),
        ({"title": "J", "abstract": ["list", "abstract"]}, Entry("J")),
        # the order of year fields
        ({"title": "Y", "year": 2001, "publication_year": 2002}, Entry("Y", year=2001)),
        ({"title": "Y", "publication_year": 2002, "issued": {"date-parts": [[2003]]}}, Entry("Y", year=2002)),
        ({"title": "Y", "issued": {"date-parts": [[2003]]}, "publicationDate": "2004-01-01"}, Entry("Y", year=2003)),
        ({"title": "Y", "publicationDate": "2004-01-01", "publication_date": "2005-01-01"}, Entry("Y", year=2004)),
        ({"title": "Y", "publication_date": "2005-01-01", "versions": [{"created": "2006"}]}, Entry("Y", year=2005)),
        ({"title": "Y", "versions": [{"created": "2006"}], "published": {"date-parts": [[2007]]}}, Entry("Y", year=2006)),
        ({"title": "Y", "published": {"date-parts": [[2007]]}, "date": "2008"}, Entry("Y", year=2007)),
        ({"title": "Y", "date": "2008"}, Entry("Y", year=2008)),
        ({"title": "Y", "year": "soon"}, Noted(Entry("Y"), ("field 'year' skipped (year 'soon' is not a four-digit year)",))),
        ({"title": "Y", "year": "soon", "date": "2008"}, Entry("Y", year=2008)),
        ({"title": "Y", "year": 99999, "publication_year": 2014}, Entry("Y", year=2014)),  # a number out of range is passed over too
    ],
)
def test_json_entry(record, entry):
    assert json_entry(record) == entry


@pytest.mark.parametrize(
    "obj, reason",
    [
        ([1], "expected a JSON object, got array"),
        ("x", "expected a JSON object, got string"),
        (1, "expected a JSON object, got number"),
        (1.5, "expected a JSON object, got number"),
        (True, "expected a JSON object, got boolean"),
        (None, "expected a JSON object, got null"),
        ({"title": "T", "abstract_inverted_index": {"w": [float("inf")]}},
         "cannot read the record (OverflowError: cannot convert float infinity to integer)"),
    ],
)
def test_entry_or_reason(obj, reason):
    assert _entry_or_reason(obj) == reason


def test_an_odd_record_reason_is_cut_to_80_characters(monkeypatch):
    import survey.corpus.readers.jsonrecords as jsonrecords

    def odd(obj):
        raise RuntimeError("y" * 100)

    monkeypatch.setattr(jsonrecords, "json_entry", odd)
    assert jsonrecords._entry_or_reason({"title": "T"}) == f"cannot read the record (RuntimeError: {'y' * 80})"


def test_read_jsonl_numbers_lines_and_skips_blank_ones():
    lines = [b'{"title": "One"}\n', b"   \n", b"{broken\n", b'"text"\n', '{"title": "Four", "year": 2001}\n']
    items = list(read_jsonl(lines))
    assert items[0] == ("line 1", Entry("One"))
    assert items[1] == ("line 3", "not valid JSON (unexpected character, expected a string key: line 1 column 2 (char 1))")
    assert items[2:] == [("line 4", "expected a JSON object, got string"), ("line 5", Entry("Four", year=2001))]


_LINE = st.sampled_from([b'{"title": "One", "year": 2001}', b"", b"   ", b"{broken", b'"text"', b'{"title": "' + b"x" * 40 + b'"}',
                          b'{"title": "T\xc3\xa9", "abstract": "A"}', b"\xef\xbb\xbf{}", b'{"title": "\\ud800"}'])


@settings(max_examples=300, deadline=None)
@given(bom=st.booleans(), lines=st.lists(_LINE, max_size=8), ends=st.lists(st.sampled_from([b"\n", b"\r\n"]), min_size=8, max_size=8),
       final=st.booleans(), limit=st.sampled_from([30, 60, 1000]))
def test_the_file_loop_reads_what_the_line_loop_reads(bom, lines, ends, final, limit):
    """read_jsonl_file is read_jsonl over the file's bounded lines, its mark dropped, in one loop: the
    same items, line numbers, over-long lines and reasons."""
    data = (codecs.BOM_UTF8 if bom else b"") + b"".join(line + end for line, end in zip(lines, ends))
    if not final and data.endswith(b"\n"):
        data = data[:-1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jsonrecords, "MAX_RECORD_CHARS", limit)
        expected = list(read_jsonl(bounded_lines(_BomDropped(io.BytesIO(data)), limit)))
        assert list(jsonrecords.read_jsonl_file(io.BytesIO(data))) == expected


class _BomDropped:
    def __init__(self, fh):
        self._fh, self._first = fh, True

    def readline(self, size: int = -1) -> bytes:
        line = self._fh.readline(size)
        if self._first:
            self._first, line = False, line.removeprefix(codecs.BOM_UTF8)
        return line


@pytest.mark.parametrize(
    "doc, titles",
    [
        ([{"title": "A"}, {"title": "B"}], ["A", "B"]),
        ({"meta": {}, "results": [{"display_name": "A"}]}, ["A"]),
        ({"data": [{"title": "A"}], "results": "not a list"}, ["A"]),
        ({"items": [{"title": "A"}]}, ["A"]),
        ({"records": [{"title": "A"}]}, ["A"]),
        ({"status": "ok", "message": {"items": [{"title": ["Crossref A"]}]}}, ["Crossref A"]),
        ({"title": "Single", "results": {}}, ["Single"]),
        ({"display_name": "Single OA"}, ["Single OA"]),
    ],
)
def test_read_json_document(doc, titles):
    items, total = read_json_document(json.dumps(doc))
    assert [e.title for _, e in items] == titles and total == len(titles)
    assert [w for w, _ in items] == [f"record {i}" for i in range(1, len(titles) + 1)]


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9}, "found no list of records (top level: a, b, c, d, e, f, g, h)"),
        ({"message": "error"}, "found no list of records (top level: message)"),
        ({"message": {"status": 1}}, "found no list of records (top level: message)"),
        ("text", "found no list of records (top level: string)"),
        (3, "found no list of records (top level: number)"),
    ],
)
def test_json_document_without_records(doc, message):
    with pytest.raises(ValueError) as err:
        read_json_document(json.dumps(doc))
    assert str(err.value) == message


def test_json_document_mixed_records_and_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"results": [{"display_name": "Good", "publication_year": 2001}, [1], {"x": 1}]}), encoding="utf-8")
    stream = read_records(path)
    assert stream.format == "json"
    assert list(stream.items) == [("record 1", Entry("Good", year=2001)), ("record 2", "expected a JSON object, got array"),
                                  ("record 3", "no title")]
    path.write_text('[{"title": "x"', encoding="utf-8")
    with pytest.raises(CorpusFormatError) as err:
        read_records(path)
    assert str(err.value) == (f"{path}: the document ends inside a value (byte 14); "
                              "expected a JSON array of records, or an API page with a results list")


def test_jsonl_with_a_bom_and_in_another_encoding(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + '{"title": "Première", "year": 2001}\n{"title": "Deux"}\n'.encode("utf-8"))
    assert [e for _, e in read_records(path).items] == [Entry("Première", year=2001), Entry("Deux")]
    path.write_bytes('{"title": "Première", "year": 2001}\n'.encode("utf-16"))
    stream = read_records(path)
    assert (stream.format, stream.encoding) == ("jsonl", "utf-16")
    assert list(stream.items) == [("line 1", Entry("Première", year=2001))]


def test_a_text_line_over_the_limit_is_measured_in_characters():
    from survey.corpus.readers.encoding import Overlong

    items = list(read_jsonl(['{"title": "Kept"}\n', Overlong.of(20_000_000, '{"title": "Huge'), b'{"title": "Bytes"}\n']))
    assert items[1] == ("line 2", "the line is 20,000,000 characters long, over the limit of 16,777,216; skipped unread")
    assert [i[1] for i in (items[0], items[2])] == [Entry("Kept"), Entry("Bytes")]


def test_the_file_loop_never_asks_for_more_than_a_bounded_line():
    """A line over the limit is read past in pieces of at most the limit: memory stays bounded however
    long the line (the pieces are counted, not kept)."""
    class Watched(io.BytesIO):
        asked: list = []

        def readline(self, size=-1):
            self.asked.append(size)
            return super().readline(size)

    data = b'{"title": "Before"}\n{"title": "' + b"x" * 95 + b'"}\n{"title": "After"}\n'
    fh = Watched(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jsonrecords, "MAX_RECORD_CHARS", 30)
        items = list(jsonrecords.read_jsonl_file(fh))
    assert [i[0] for i in items] == ["line 1", "line 2", "line 3"] and "over the limit of 30" in items[1][1]
    assert fh.asked and all(0 < size <= 31 for size in fh.asked)
