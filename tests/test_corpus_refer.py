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
    assert sniff("%A An author\n%D 2020\n", title_column) is None  # tags, but no title anywhere


def test_a_record_of_exactly_the_limit_is_kept_and_one_character_more_is_not(monkeypatch):
    from survey.corpus.readers import refer

    monkeypatch.setattr(refer, "MAX_RECORD_CHARS", 37)
    at_limit = "%T " + "a" * 27 + "\n%D 2001\n"  # 30 + 7 characters without their line ends
    over = "%T " + "b" * 28 + "\n%D 2001\n"
    items, _ = read_refer(at_limit + "\n" + over + "\n%T After\n")
    assert items[0] == ("line 1", Entry("a" * 27, "", 2001))
    assert items[1][0] == "line 4" and "over the limit" in items[1][1]
    assert items[2] == ("line 7", Entry("After"))


def test_crlf_lines_an_empty_tag_and_values_ending_in_any_letter():
    items, _ = read_refer("%0 Journal Article\r\n%T Method X\r\n%K\r\n%D 2003\r\n%X Ends in XX\r\n")
    assert items == [("line 1", Entry("Method X", "Ends in XX", 2003))]


def test_the_last_record_is_held_to_the_limit_too(monkeypatch):
    from survey.corpus.readers import refer

    monkeypatch.setattr(refer, "MAX_RECORD_CHARS", 37)
    at_limit = "%T " + "a" * 27 + "\n%D 2001\n"  # 37 characters without line ends
    assert read_refer("%T First\n\n" + at_limit)[0][1] == ("line 3", Entry("a" * 27, "", 2001))
    [_, (where, reason)] = read_refer("%T First\n\n%T " + "b" * 28 + "\n%D 2001\n")[0]
    assert where == "line 3" and reason.startswith("the record is 38 characters long, over the limit of ")


def test_an_abstract_given_in_several_x_fields_is_joined_with_spaces():
    [(_, entry)] = read_refer("%T T\n%X First part.\n%X Second part.\n")[0]
    assert entry.abstract == "First part. Second part."
