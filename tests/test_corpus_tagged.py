"""Tagged text exports: RIS (EndNote, Scopus, Zotero), PubMed MEDLINE and Web of Science plain text."""

from __future__ import annotations

import pytest

from survey.corpus.readers.medline import read_medline
from survey.corpus.readers.ris import read_ris, tagged_blocks, text_lines
from survey.corpus.readers.wos import read_wos
from survey.corpus.records import Entry, Noted

# ---------------------------------------------------------------- RIS


def test_tagged_blocks_rewrites_tags_and_skips_text_between_records():
    text = "Provider: Scopus\r\nContent: text/plain\r\n\r\nTY - JOUR\r\nTI -  A title\rAU  - X\ncontinued\nER -\n\nnoise\nTY\t-\tCONF\n"
    assert list(tagged_blocks(text_lines(text), "TY", "ER")) == [
        (4, ["TY  - JOUR", "TI  - A title", "AU  - X", "continued", "ER  - "]),  # one space after the dash is the form's
        (11, ["TY  - CONF"]),
    ]
    assert list(tagged_blocks(text_lines("TY  - JOUR\nTI  - x"), "TY", "ER", rewrite=False)) == [(1, ["TY  - JOUR", "TI  - x"])]
    assert list(tagged_blocks(text_lines("no records\nat all\n"), "TY", "ER")) == []


def test_a_start_tag_without_an_end_starts_the_next_block():
    text = "TY  - JOUR\nTI  - First\nTY  - JOUR\nTI  - Second\nER  - \n"
    assert list(tagged_blocks(text_lines(text), "TY", "ER")) == [(1, ["TY  - JOUR", "TI  - First"]),
                                                     (3, ["TY  - JOUR", "TI  - Second", "ER  - "])]


@pytest.mark.parametrize(
    "line, tag",
    [
        ("TI  - x", "TI"), ("TI - x", "TI"), ("TI   - x", "TI"), ("T1  - x", "T1"), ("TI  -", "TI"), ("TI\t-\tx", "TI"),
        ("TI    - x", None), ("TI- x", None), ("ti  - x", None), ("1T  - x", None), ("TI  -x", None), (" TI  - x", None),
    ],
)
def test_ris_tag_forms(line, tag):
    blocks = list(tagged_blocks(text_lines(f"TY  - JOUR\n{line}\nER  - \n"), "TY", "ER"))
    assert blocks[0][1][1] == (f"{tag}  - x" if tag and line.endswith("x") else f"{tag}  - " if tag else line)


ENDNOTE_RIS = """TY  - JOUR
AU  - Hochreiter, Sepp
TI  - Long short-term memory
T2  - Neural Computation
PY  - 1997/11/15/
DA  - 1997/11/15/
AB  - Learning to store information over extended time intervals.
DO  - 10.1162/neco.1997.9.8.1735
ID  - hochreiter1997
ER  - 

"""


@pytest.mark.parametrize(
    "text, items",
    [
        (ENDNOTE_RIS, [("line 1", Entry("Long short-term memory", "Learning to store information over extended time intervals.",
                                         1997, "10.1162/neco.1997.9.8.1735", "hochreiter1997"))]),
        # title fallbacks, in order
        ("TY  - JOUR\nT1  - Primary\nST  - Short\nER  - \n", [("line 1", Entry("Primary"))]),
        ("TY  - JOUR\nTI  - Title\nT1  - Primary\nER  - \n", [("line 1", Entry("Title"))]),
        ("TY  - FIGURE\nCT  - Caption\nST  - Short\nER  - \n", [("line 1", Entry("Caption"))]),
        ("TY  - CHAP\nBT  - Book title\nST  - Short\nER  - \n", [("line 1", Entry("Book title"))]),
        ("TY  - JOUR\nST  - Short only\nER  - \n", [("line 1", Entry("Short only"))]),
        ("TY  - JOUR\nAB  - No title.\nER  - \n", [("line 1", "no title")]),
        # abstracts, years, DOIs and ids from the other tags exports use
        ("TY  - JOUR\nTI  - T\nN2  - Notes abstract.\nER  - \n", [("line 1", Entry("T", "Notes abstract."))]),
        ("TY  - JOUR\nTI  - T\nAB  - Own.\nN2  - Notes.\nER  - \n", [("line 1", Entry("T", "Own."))]),
        ("TY  - JOUR\nTI  - T\nY1  - 2003///\nDA  - 2004\nER  - \n", [("line 1", Entry("T", year=2003))]),
        ("TY  - JOUR\nTI  - T\nPY  - 2001\nY1  - 2003\nER  - \n", [("line 1", Entry("T", year=2001))]),
        ("TY  - JOUR\nTI  - T\nDA  - 2004/05/06\nER  - \n", [("line 1", Entry("T", year=2004))]),
        ("TY  - JOUR\nTI  - T\nPY  - soon\nER  - \n", [("line 1", Noted(Entry("T"), ("field 'year' skipped (year 'soon' is not a four-digit year)",)))]),
        ("TY  - JOUR\nTI  - T\nDI  - 10.1/ieee\nER  - \n", [("line 1", Entry("T", doi="10.1/ieee"))]),
        ("TY  - JOUR\nTI  - T\nDO  - 10.1/do\nDI  - 10.1/di\nER  - \n", [("line 1", Entry("T", doi="10.1/do"))]),
        ("TY  - JOUR\nTI  - T\nAN  - WOS:1\nER  - \n", [("line 1", Entry("T", id="WOS:1"))]),
        ("TY  - JOUR\nTI  - T\nID  - own\nAN  - WOS:1\nER  - \n", [("line 1", Entry("T", id="own"))]),
        ("TY  - JOUR\nTI  - T\nAB  - [No abstract available]\nER  - \n", [("line 1", Entry("T"))]),
        # an abstract split over repeated AB (or N2) lines keeps every part, in order
        ("TY  - JOUR\nTI  - T\nAB  - First part.\nAB  - Second part.\nER  - \n", [("line 1", Entry("T", "First part. Second part."))]),
        ("TY  - JOUR\nTI  - T\nN2  - One.\nN2  - Two.\nN2  - Three.\nER  - \n", [("line 1", Entry("T", "One. Two. Three."))]),
        ("TY  - JOUR\nTI  - T\nAB  - \nN2  - Notes.\nER  - \n", [("line 1", Entry("T", "Notes."))]),  # an empty AB
        # a file cut before its last ER keeps that record
        ("TY  - JOUR\nTI  - First\nER  - \n\nTY  - JOUR\nTI  - Cut\n", [("line 1", Entry("First")), ("line 5", Entry("Cut"))]),
        ("Provider: Scopus\r\n\r\nTY  - JOUR\r\nTI  - Windows\r\nER  - \r\n", [("line 3", Entry("Windows"))]),
        ("TY  - JOUR\rTI  - Old Mac\rER  - \r", [("line 1", Entry("Old Mac"))]),
        ("TY  - JOUR", [("line 1", "no title")]),  # cut right after its first line
        # cut short on a continuation line that merely starts with "ER"
        ("TY  - JOUR\nTI  - Cut short\nAB  - MAPK and\nERK signalling", [("line 1", Entry("Cut short", "MAPK and ERK signalling"))]),
    ],
)
def test_read_ris(text, items):
    assert read_ris(text) == (items, len(items))


# The ACM Digital Library's RIS export (dbarros1979/ref-convert tests/data/acm.ris, MIT): every
# value is cut into lines of 70 characters, mid-word, and a conference paper's year is only in C2.
ACM_RIS = (
    "TY  - CONF\n"
    "AB  - Purpose of the review: Traditional autism screening and diagnosis has \n"
    "some limitations, they cannot meet the needs of large-scale screening \n"
    "and diagnosis. The application of Artificial Intelligence (AI) technol\n"
    "ogy to clinical medicine is a hot research topic recently.\n"
    "AU  - Wang, Jiaojiao\n"
    "C2  - 2024///\n"
    "C3  - Proceedings of the 2023 4th International Symposium on Artificial Inte\n"
    "lligence for Medicine Science\n"
    "DO  - 10.1145/3644116.3644267\n"
    "ID  - 10.1145/3644116.3644\n"
    "TI  - The Application of Artificial Intelligence in the Recognition, Diagnos\n"
    "is, and Treatment of Autism\n"
    "ER  - \n"
    "TY  - CONF\n"
    "AU  - Yen, Ling Kai\n"
    "C2  - 2024///\n"
    "TI  - Identifying Chinese Handwriting Characteristics for Detecting Children\n"
    " with Autism\n"
    "ER  - \n"
)


def test_a_value_cut_into_lines_of_70_characters_is_joined_whole():
    items, _ = read_ris(ACM_RIS)
    assert items == [
        ("line 1", Entry("The Application of Artificial Intelligence in the Recognition, Diagnosis, and Treatment of Autism",
                         "Purpose of the review: Traditional autism screening and diagnosis has some limitations, they cannot "
                         "meet the needs of large-scale screening and diagnosis. The application of Artificial Intelligence (AI) "
                         "technology to clinical medicine is a hot research topic recently.",
                         2024, "10.1145/3644116.3644267", "10.1145/3644116.3644")),
        ("line 15", Entry("Identifying Chinese Handwriting Characteristics for Detecting Children with Autism", year=2024)),
    ]


@pytest.mark.parametrize(
    "text, title",
    [
        # a line continued after a short one is a line of its own, as before
        ("TY  - JOUR\nTI  - Short\nline after\nER  - \n", "Short line after"),
        # a record with any line over 70 characters (after its tag) was not cut to 70
        ("TY  - JOUR\nTI  - " + "x" * 70 + "\nnext\nAB  - " + "y" * 71 + "\nER  - \n", "x" * 70 + " next"),
    ],
)
def test_only_a_record_cut_at_70_characters_has_its_lines_joined(text, title):
    [(_, entry)] = read_ris(text)[0]
    assert entry.title == title


@pytest.mark.parametrize(
    "c2, year",
    [("2024///", 2024), ("2019/05/01/", 2019), ("PMC123456", None), ("12345", None)],
)
def test_c2_gives_the_year_only_in_the_form_of_a_ris_date(c2, year):
    [(_, entry)] = read_ris(f"TY  - CONF\nTI  - T\nC2  - {c2}\nER  - \n")[0]
    assert entry.year == year
    [(_, entry)] = read_ris(f"TY  - CONF\nTI  - T\nPY  - 2001\nC2  - {c2}\nER  - \n")[0]
    assert entry.year == 2001


@pytest.mark.parametrize(
    "py, year",
    [("Start date: 20170812", 2017), ("20170812", 2017), ("2017-08-12", 2017), ("20171399", None), ("123456789", None)],
)
def test_a_date_written_without_separators_gives_its_year(py, year):
    # TRID writes a conference abstract's date as "Start date: 20170812"
    [(_, item)] = read_ris(f"TY  - ABST\nTI  - T\nPY  - {py}\nER  - \n")[0]
    entry = item.entry if isinstance(item, Noted) else item
    assert (entry.title, entry.year) == ("T", year)


def test_a_block_rispy_cannot_read_is_skipped_alone(monkeypatch):
    import rispy

    real = rispy.loads

    def loads(text, **kwargs):
        if "Broken" in text:
            raise KeyError("x" * 100)
        return real(text, **kwargs)

    monkeypatch.setattr(rispy, "loads", loads)
    text = "TY  - JOUR\nTI  - Broken\nER  - \nTY  - JOUR\nTI  - Fine\nER  - \n"
    assert read_ris(text) == ([("line 1", f"cannot read the RIS record (KeyError: {repr('x' * 100)[:80]})"),
                               ("line 4", Entry("Fine"))], 2)
    assert read_wos(text.replace("TY  - JOUR", "PT J").replace("TI  - ", "TI ").replace("ER  - ", "ER")) == (
        [("line 1", f"cannot read the Web of Science record (KeyError: {repr('x' * 100)[:80]})"), ("line 4", Entry("Fine"))], 2)


# ---------------------------------------------------------------- MEDLINE

MEDLINE = """PMID- 31000001
OWN - NLM
TI  - Deep learning for
      chest radiographs.
LID - S0000-0000(19)00001-1 [pii]
LID - 10.1/med1 [doi]
AB  - Background first.
      Then results.
DP  - 2019 Jan
DEP - 20181201
PMID- 31000002
BTI - A book chapter
DP  - 2005
AID - 10.1/book [doi]

PMID- 31000003
TI  - Year from DEP,
  a continuation with two spaces
DEP - 20200102
PMID- 31000004
TI  - Year from DA
DA  - 20210304

PMID- 31000005
TI  - Bad date
DP  - someday
"""


def test_read_medline():
    items, total = read_medline(MEDLINE)
    assert total == 5
    assert items == [
        ("line 1", Entry("Deep learning for chest radiographs.", "Background first. Then results.", 2019, "10.1/med1", "31000001")),
        ("line 11", Entry("A book chapter", "", 2005, "10.1/book", "31000002")),
        ("line 16", Entry("Year from DEP, a continuation with two spaces", "", 2020, None, "31000003")),
        ("line 20", Entry("Year from DA", "", 2021, None, "31000004")),
        ("line 24", Noted(Entry("Bad date", id="31000005"), ("field 'year' skipped (year 'someday' is not a four-digit year)",))),
    ]


@pytest.mark.parametrize(
    "text, items",
    [
        ("Search results\nTI  - Before any PMID\n\nPMID- 1\nTI  - T\n", [("line 4", Entry("T", id="1"))]),
        ("PMID- 1\r\nTI  - Windows\r\n      lines\r\n", [("line 1", Entry("Windows lines", id="1"))]),
        ("PMID- 1\nTI  - T\nAB  - One.\nAB  - Two.\n", [("line 1", Entry("T", "One. Two.", id="1"))]),
        ("PMID- 1\nTI  - First\nTI  - Second\n", [("line 1", Entry("First", id="1"))]),
        ("PMID- 1\nTI  - T\nDP  - 2001\nDEP - 2002\nDA  - 2003\n", [("line 1", Entry("T", year=2001, id="1"))]),
        ("PMID- 1\nTI  - T\nDEP - 2002\nDA  - 2003\n", [("line 1", Entry("T", year=2002, id="1"))]),
        ("PMID- 1\nTI  - T\nBTI - Book\n", [("line 1", Entry("T", id="1"))]),
        ("PMID- 1\nTI  - T\nLID - 10.1/lid [doi]\nAID - 10.1/aid [doi]\n", [("line 1", Entry("T", doi="10.1/lid", id="1"))]),
        ("PMID- 1\nTI  - T\nAID - 10.1/pii [pii]\nAID - 10.1/aid  [doi] \n", [("line 1", Entry("T", doi="10.1/aid", id="1"))]),
        ("PMID- 1\nTI  - T\nLID - 10.1/x [doi] extra\n", [("line 1", Entry("T", id="1"))]),
        ("PMID- 1\nTI  -T\nPG-1-2\n", [("line 1", Entry("T", id="1"))]),
        ("PMID- 1\nTI  - T\n\n   \nstray text\n", [("line 1", Entry("T", id="1"))]),
        ("PMID- 1\nAB  - No title.\n", [("line 1", "no title")]),
        ("no records here\n", []),
    ],
)
def test_read_medline_rules(text, items):
    assert read_medline(text) == (items, len(items))


# ---------------------------------------------------------------- Web of Science

WOS = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Smith, J
TI Attention is not all you need
   for long documents
AB We study transformers.
PY 2021
DI 10.1/wos1
UT WOS:000000000000001
ER

PT J
TI Early access, year given
EY 2024
EA MAR 2025
UT WOS:000000000000002
ER

PT J
TI Early access, date only
EA MAR 2025
ER

PT J
TI Bad year
PY 20x1
ER

PT J
AB No title.
ER

EF
"""


def test_read_wos():
    items, total = read_wos(WOS)
    assert total == 5
    assert items == [
        ("line 3", Entry("Attention is not all you need for long documents", "We study transformers.", 2021, "10.1/wos1",
                         "WOS:000000000000001")),
        ("line 13", Entry("Early access, year given", "", 2024, None, "WOS:000000000000002")),
        ("line 20", Entry("Early access, date only", "", 2025)),
        ("line 25", Noted(Entry("Bad year"), ("field 'year' skipped (year '20x1' is not a four-digit year)",))),
        ("line 30", "no title"),
    ]


def test_wos_year_order_and_windows_lines():
    text = "PT J\r\nTI Both\r\nPY 2001\r\nEY 2002\r\nEA JAN 2003\r\nER\r\n"
    assert read_wos(text) == ([("line 1", Entry("Both", year=2001))], 1)
    assert read_wos("PT J\nTI Cut short\nPY 2001\n") == ([("line 1", Entry("Cut short", year=2001))], 1)
    assert read_wos("PT J") == ([("line 1", "no title")], 1)


def _limit(monkeypatch, module, size):
    monkeypatch.setattr(module, "MAX_RECORD_CHARS", size)


def test_a_ris_record_of_exactly_the_limit_is_kept_first_or_last_and_one_over_is_named(monkeypatch):
    from survey.corpus.readers import ris

    _limit(monkeypatch, ris, 40)  # TY (10) + TI (6 + title) + ER (6) characters without line ends
    at, over = "a" * 18, "b" * 19
    text = f"TY  - JOUR\nTI  - {at}\nER  - \nTY  - JOUR\nTI  - {over}\nER  - \nTY  - JOUR\nTI  - {'c' * 24}\n"
    items, _ = ris.read_ris(text)
    assert [i[1].title if not isinstance(i[1], str) else "skipped" for i in items] == [at, "skipped", "c" * 24]
    assert items[1][0] == "line 4"
    items, _ = ris.read_ris(f"TY  - JOUR\nTI  - {at}\nER  - \nTY  - JOUR\nTI  - {'d' * 25}\n")
    assert isinstance(items[-1][1], str) and "over the limit" in items[-1][1]


def test_a_medline_record_of_exactly_the_limit_is_kept_first_or_last_and_one_over_is_named(monkeypatch):
    from survey.corpus.readers import medline

    _limit(monkeypatch, medline, 30)  # PMID- 1 (7) + TI (6 + title) characters without line ends
    at, over = "a" * 17, "b" * 18
    items, _ = medline.read_medline(f"PMID- 1\nTI  - {at}\n\nPMID- 2\nTI  - {over}\n\nPMID- 3\nTI  - {'c' * 17}\n")
    assert [i[1].title if not isinstance(i[1], str) else "skipped" for i in items] == [at, "skipped", "c" * 17]
    items, _ = medline.read_medline(f"PMID- 1\nTI  - {at}\n\nPMID- 2\nTI  - {over}\n")
    assert items[-1][0] == "line 4" and "over the limit" in items[-1][1]


def test_a_ris_tag_line_after_a_value_of_exactly_70_characters_stays_a_field_of_its_own():
    from survey.corpus.readers.ris import read_ris

    abstract = "x" * 69 + "y"  # 70 characters, as the ACM export cuts them; the next line is a new tag
    [(_, entry)] = read_ris(f"TY  - JOUR\nTI  - Title\nAB  - {abstract}\nPY  - 2020\nER  - \n")[0]
    assert (entry.abstract, entry.year) == (abstract, 2020)


def test_medline_values_ending_in_any_letter_are_kept_whole():
    [(_, entry)] = read_medline("PMID- 1\r\nTI  - Method X\r\nAB  - Ends in XX\r\nDP  - 2001\r\n")[0]
    assert (entry.title, entry.abstract, entry.year) == ("Method X", "Ends in XX", 2001)


def test_a_wos_record_over_the_limit_is_named_by_its_size_and_the_records_around_it_are_kept(monkeypatch):
    from survey.corpus.readers import ris

    _limit(monkeypatch, ris, 30)  # PT J (4) + TI (3 + title) + ER (2) characters without line ends
    at, over, last = "a" * 21, "b" * 22, "c" * 21
    text = (f"FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI {at}\nER\n\nPT J\nTI {over}\nER\n\n"
            f"PT J\nTI {last}\nER\n\nEF\n")  # the EF after the last ER is no part of its record
    assert read_wos(text) == ([
        ("line 3", Entry(at)),
        ("line 7", "the record is 31 characters long, over the limit of 30; skipped unread"),
        ("line 11", Entry(last)),
    ], 3)
