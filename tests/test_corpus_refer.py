"""EndNote tagged text (Refer, .enw): records split at blank lines, values continued on untagged lines."""

from __future__ import annotations

from survey.corpus.readers.detect import sniff
from survey.corpus.readers.refer import read_refer
from survey.corpus.records import Entry, Noted


def test_records_are_split_at_blank_lines_before_a_tag():
    text = ("%T First title\n%0 Journal Article\n%A A, B\n%D 2021\n%X One paragraph.\n\nA second paragraph.\n\n\n"
            "%T Second\n%D 2009\n")
    items, count = read_refer(text)
    assert count == 2
    assert items == [("line 1", Entry("First title", "One paragraph. A second paragraph.", 2021)),
                     ("line 10", Entry("Second", "", 2009))]


def test_a_value_continued_on_lines_without_a_tag_is_read_whole():
    [(_, entry)] = read_refer("%T A title cut\r\n  over two lines\r\n%D 2001\r\n%R https://doi.org/10.1/x.y\r\n%M 12345\r\n")[0]
    assert entry == Entry("A title cut over two lines", "", 2001, "10.1/x.y", "12345")


def test_a_record_without_a_title_is_skipped_alone_and_a_bad_date_costs_only_itself():
    items, count = read_refer("%B A table of contents\n%D 2021\n\n%T Kept\n%D someday\n\n%T Also kept\n%8 June 1, 2020\n")
    assert count == 3
    assert isinstance(items[0][1], str)
    assert isinstance(items[1][1], Noted) and items[1][1].entry.title == "Kept" and items[1][1].entry.year is None
    assert items[2] == ("line 7", Entry("Also kept", "", 2020))


def test_sniffed_by_a_first_tag_line_and_a_title_tag():
    title_column = lambda line: False  # noqa: E731
    assert sniff("%T A title\n%D 2020\n", title_column) == "refer"
    assert sniff("%0 Journal Article\n%T A title\n", title_column) == "refer"
    assert sniff("% a BibTeX comment\n@article{a, title={T}}\n", title_column) == "bibtex"
    assert sniff("%T no title tag on a line of its own... just text\n", title_column) == "refer"
    assert sniff("%Z only other tags\n", title_column) is None
