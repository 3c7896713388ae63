"""BibTeX and BibLaTeX: values, macros, concatenation, crossref years, LaTeX and broken entries."""

from __future__ import annotations

import pytest

from survey.corpus.readers.bibtex import latex_text, read_bibtex
from survey.corpus.records import Entry, Noted


def one(text):
    items, total = read_bibtex(text)
    assert total == len(items) == 1
    return items[0]


@pytest.mark.parametrize(
    "text, entry",
    [
        ("@article{k, title = {Plain}, year = {2001}}", Entry("Plain", year=2001, id="k")),
        ('@article{k, title = "Quoted {"inner"} text", year = 2001}', Entry('Quoted "inner" text', year=2001, id="k")),
        ('@article{k, title = "Quoted, with comma"}', Entry("Quoted, with comma", id="k")),
        ('@article{k, title = "{B}ERT", abstract = "", year = 2001}', Entry("BERT", year=2001, id="k")),
        ('@article{k, title = "Nested {a {b} c} quoted"}', Entry("Nested a b c quoted", id="k")),
        ('@article{k, title = {Joined}#"quoted part"}', Entry("Joinedquoted part", id="k")),
        ('@article{k, title = "Report of "#jan}', Entry("Report of Jan", id="k")),
        ("@article{k, title = {Nested {Deep {Nets}} here}}", Entry("Nested Deep Nets here", id="k")),
        ("@ARTICLE{k,\n  TITLE = {Upper case names},\n  YEAR = 1999,\n}", Entry("Upper case names", year=1999, id="k")),
        ("@article(k, title = {Parenthesised entry}, year = 2002)", Entry("Parenthesised entry", year=2002, id="k")),
        ("  @ article {k, title={Spaced start}}", Entry("Spaced start", id="k")),
        ("@article{k, title = {First}, title = {Second}}", Entry("First", id="k")),
        ("@article{k,,, title = {Extra commas},,}", Entry("Extra commas", id="k")),
        ("@article{k, title = {Joined } # {parts} # { here}}", Entry("Joined parts here", id="k")),
        ('@article{k, title = "Report of " # jan # " and " # Dec}', Entry("Report of Jan and Dec", id="k")),
        ("@article{k, title = {Unknown } # macro}", Entry("Unknown macro", id="k")),
        ("@article{k, title = 2001}", Entry("2001", id="k")),
        ("@article{k, title={T}, year={2001}, date={2002}}", Entry("T", year=2001, id="k")),
        ("@article{k, title={T}, date={2002-05-01}, eventdate={2003}}", Entry("T", year=2002, id="k")),
        ("@inproceedings{k, title={T}, eventdate={2003-07}}", Entry("T", year=2003, id="k")),
        ("@article{k, title={T}, doi={ {10.1/ABC} }}", Entry("T", doi="10.1/ABC", id="k")),
        ("@article{k, title={T}, doi = 10.1/bare}", Entry("T", doi="10.1/bare", id="k")),
        ("@article{k, title={T}, abstract={We use {LSTM}s \\& more.}}", Entry("T", "We use LSTMs & more.", id="k")),
        ("@article{k, title={T}, abstract={[No abstract available]}}", Entry("T", id="k")),
        ("@article{, title = {No key}}", Entry("No key")),
        ("@article{title = {No key at all}}", Entry("No key at all")),
    ],
)
def test_entry_values(text, entry):
    assert one(text)[1] == entry


@pytest.mark.parametrize(
    "text, where, reason",
    [
        ("@article{k, title = {Open", "line 1 (k)", "no title (the title field could not be read: unbalanced braces in the value)"),
        ('@article{k, title = "Open}', "line 1 (k)", "no title (the title field could not be read: unterminated quoted value)"),
        ("@article{k, title = ", "line 1 (k)", "no title (the title field could not be read: the entry ends inside a field value)"),
        ("@article{k, title = , year = 2001, note = {x}}", "line 1 (k)",
         "no title (the title field could not be read: expected a field value at ', year = 2001, note ')"),
        ("@article{k, title {T}, year = 2001, note = {x}}", "line 1 (k)",
         "no title (the title field could not be read: expected field = value at 'title {T}, year = 2001, note =')"),
        ("@article{k, title", "line 1 (k)", "no title (the title field could not be read: expected field = value at 'title')"),
        ("@article{k, year = 2001}", "line 1 (k)", "no title"),
    ],
)
def test_broken_entries(text, where, reason):
    assert one(text) == (where, reason)


def test_an_odd_word_costs_its_field_and_an_entry_that_does_not_close_itself():
    items = read_bibtex("@article{k, title = {T}, note = {x} junk here}\n@article{j, title = {U}")[0]
    assert items == [
        ("line 1 (k)", Noted(Entry("T", id="k"), ("expected field = value at 'junk here}'",))),
        ("line 2 (j)", "unbalanced braces: the entry does not close before the next @entry"),
    ]


def test_a_year_that_is_no_year_costs_the_year_only():
    assert read_bibtex("@article{k, title={T}, year={soon}}")[0] == [
        ("line 1 (k)", Noted(Entry("T", id="k"), ("field 'year' skipped (year 'soon' is not a four-digit year)",)))]


def test_entries_lines_keys_and_skipped_kinds():
    text = ("% a comment line\n"
            "@comment{ignored, title = {Not an entry}}\n"
            "@preamble{\"\\newcommand{\\x}{}\"}\n"
            "@String{venue = {Proceedings of ACL}}\n"
            "@string(short = \"ACL\")\n"
            "@string{broken = {unclosed}\n"
            "@inproceedings{p1,\n"
            "  title = venue # { -- } # short # { } # broken,\n"
            "  year = 2016}\n"
            "\n"
            "@article{p2, title = {Second}}\n")
    items, total = read_bibtex(text)
    assert total == 2
    assert items == [("line 7 (p1)", Entry("Proceedings of ACL -- ACL broken", year=2016, id="p1")),
                     ("line 11 (p2)", Entry("Second", id="p2"))]


def test_a_broken_entry_costs_only_itself():
    text = "@article{a, title = {Unclosed,\n@article{b, title = {Fine}, year = 2001}\n@article{c title = {Bad}}\n@book{d, title={Also fine}}\n"
    items, total = read_bibtex(text)
    assert total == 4
    assert items == [
        ("line 1 (a)", "no title (the title field could not be read: unbalanced braces in the value)"),
        ("line 2 (b)", Entry("Fine", year=2001, id="b")),
        ("line 3", "no title"),  # "c title" is a field name like "Early Access Date"
        ("line 4 (d)", Entry("Also fine", id="d")),
    ]


def test_a_number_is_never_a_macro_and_no_crossref_is_no_parent():
    text = ("@string{2001 = {Two thousand one}}\n"
            "@article{XXXX, title = {Odd key}, year = 2001}\n"
            "@article{k, title = {No crossref}}\n")
    assert read_bibtex(text)[0] == [("line 2 (XXXX)", Entry("Odd key", year=2001, id="XXXX")),
                                    ("line 3 (k)", Entry("No crossref", id="k"))]


def test_crossref_year_from_the_parent_whatever_the_order_and_case():
    text = ("@inproceedings{Child:1, title = {Child paper}, crossref = { Proc:2001 }}\n"
            "@proceedings{proc:2001, title = {The proceedings}, year = 2001}\n"
            "@inproceedings{child2, title = {Dated child}, crossref = {proc:2001}, year = 1999}\n"
            "@inproceedings{child3, title = {Parent date}, crossref = {bl}}\n"
            "@proceedings{bl, title = {BibLaTeX parent}, date = {2002-03}}\n"
            "@inproceedings{child4, title = {Parent event}, crossref = {ev}}\n"
            "@proceedings{ev, title = {Event}, eventdate = {2003}}\n"
            "@inproceedings{orphan, title = {Orphan}, crossref = {missing}}\n")
    years = {e.id: e.year for _, e in read_bibtex(text)[0]}
    assert years == {"Child:1": 2001, "proc:2001": 2001, "child2": 1999, "child3": 2002, "bl": 2002, "child4": 2003,
                     "ev": 2003, "orphan": None}


@pytest.mark.parametrize(
    "value, text",
    [
        (None, None),
        ("Plain text, no LaTeX", "Plain text, no LaTeX"),
        ("M{\\\"u}nchen", "München"),
        ("{C}onvolutional", "Convolutional"),
        ("$\\alpha$-nets", "α-nets"),
        ("Non~breaking", "Non\xa0breaking"),
        ("\\textbf{Bold} word", "Bold word"),
    ],
)
def test_latex_text(value, text):
    assert latex_text(value) == text


def test_latex_that_pylatexenc_gives_up_on_keeps_the_text(monkeypatch):
    import survey.corpus.readers.bibtex as bibtex

    class Failing:
        def latex_to_text(self, value):
            raise RuntimeError("cannot")

    monkeypatch.setattr(bibtex, "_converter", lambda: Failing())
    assert latex_text(" {Braced} {T}ext ") == "Braced Text"


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["unix", "windows", "classic-mac"])
def test_a_field_passed_over_costs_only_itself_whatever_the_line_ends(end):
    # Windows exports end lines in \r\n and classic Mac ones in a lone \r: reading on after a broken
    # field must find the next field's line there too, and the message must not show the line end.
    text = end.join(["@article{a,", "  note = ,", "  title = {Kept},", "  year = 2001", "}",
                     "@article{b,", "  title = {Two}}", ""])
    assert read_bibtex(text) == ([
        ("line 1 (a)", Noted(Entry("Kept", year=2001, id="a"), ("field 'note' skipped (expected a field value at ',')",))),
        ("line 6 (b)", Entry("Two", id="b")),
    ], 2)


@pytest.mark.parametrize("end", ["\r\n", "\r"], ids=["windows", "classic-mac"])
def test_a_text_is_read_as_the_importer_reads_the_same_file(tmp_path, end):
    # read_bibtex stands for the file reader in these tests: its lines and values must be the file's,
    # a multi-line abstract keeping its own line ends, and a \r-only file still one entry per @.
    from survey.corpus.readers import read_records

    text = end.join(["@article{a,", "  title = {One},", "  abstract = {First line", "second line}}",
                     "@article{b, title = {Two}}", ""])
    path = tmp_path / "refs.bib"
    path.write_bytes(text.encode("utf-8"))
    items = list(read_records(path).items)
    assert read_bibtex(text) == (items, 2)
    assert items[0][1].abstract == f"First line{end}second line"


@pytest.mark.parametrize("kind", ["proceedings", "mvproceedings", "book", "mvbook", "collection", "mvcollection", "reference",
                                  "mvreference", "periodical", "inbook", "incollection"])
def test_a_container_read_before_the_entries_that_crossref_it_gives_them_its_year(kind):
    text = f"@{kind.upper()}{{Parent, title = {{The container}}, date = {{2004-05}}}}\n@inproceedings{{c, title = {{Child}}, crossref = {{parent}}}}\n"
    assert read_bibtex(text)[0] == [("line 1 (Parent)", Entry("The container", year=2004, id="Parent")),
                                    ("line 2 (c)", Entry("Child", year=2004, id="c"))]


def test_a_plain_entry_before_its_child_is_not_kept_as_a_parent():
    # Only containers and the keys named so far are kept (memory stays small on large files)
    text = "@article{p, title = {Article}, year = 2004}\n@inproceedings{c, title = {Child}, crossref = {p}}\n"
    assert [e.year for _, e in read_bibtex(text)[0]] == [2004, None]


def test_entries_past_the_waiting_limit_are_read_without_their_parent(monkeypatch):
    import survey.corpus.readers.bibtex as bibtex

    monkeypatch.setattr(bibtex, "_MAX_WAITING", 1)
    text = ("@inproceedings{c1, title = {Waits}, crossref = {p}}\n"
            "@inproceedings{c2, title = {Over the limit}, crossref = {p}}\n"
            "@proceedings{p, title = {Parent}, year = 2005}\n")
    assert read_bibtex(text)[0] == [("line 2 (c2)", Entry("Over the limit", id="c2")),
                                    ("line 3 (p)", Entry("Parent", year=2005, id="p")),
                                    ("line 1 (c1)", Entry("Waits", year=2005, id="c1"))]


def test_an_entry_of_exactly_the_limit_is_kept_first_or_last_and_one_over_is_named(monkeypatch):
    import survey.corpus.readers.bibtex as bibtex

    monkeypatch.setattr(bibtex, "MAX_RECORD_CHARS", 40)  # characters of the entry's lines, line ends included
    at, over = "a" * 18, "b" * 19
    one_line = "@article{{{key}, title={{{title}}}}}\n"  # 22 characters and the title
    two_lines = "@article{{{key},\ntitle={{{title}}}}}\n"
    text = (one_line.format(key="a", title=at) + one_line.format(key="b", title=over)
            + two_lines.format(key="c", title=over) + two_lines.format(key="d", title=at))
    assert read_bibtex(text)[0] == [
        ("line 1 (a)", Entry(at, id="a")),
        ("line 2", "the entry is 41 characters long, over the limit of 40; skipped unread"),
        ("line 3", "the entry is 41 characters long, over the limit of 40; skipped unread"),
        ("line 5 (d)", Entry(at, id="d")),
    ]


def test_with_no_title_the_reason_given_is_the_title_fields_even_when_another_broke_first():
    assert read_bibtex("@article{k,\n  note = ,\n  title = ,\n  year = 2001}")[0] == [
        ("line 1 (k)", "no title (the title field could not be read: expected a field value at ',')")]
    assert read_bibtex("@article{k,\n  note = ,\n  year = 2001}")[0] == [
        ("line 1 (k)", "no title (the note field could not be read: expected a field value at ',')")]


def test_ten_thousand_entries_wait_for_a_parent_and_the_next_is_read_without_it():
    children = "".join(f"@inproceedings{{c{n}, title = {{T}}, crossref = {{p}}}}\n" for n in range(10_001))
    items = read_bibtex(children + "@proceedings{p, title = {Parent}, year = 2005}\n")[0]
    assert [(where, e.year) for where, e in items[:2]] == [("line 10001 (c10000)", None), ("line 10002 (p)", 2005)]
    assert {e.year for _, e in items[2:]} == {2005} and len(items) == 10_002
