"""The field helpers every reader shares: years, placeholders, entries and the dedup keys."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.corpus.records import (_PLACEHOLDER, _WORD, Entry, Noted, digest64, first_year, is_year, make_entry, normalise_doi, normalise_title,
                                   parse_year, text_of)
from survey.matrix import MAX_YEAR, MIN_YEAR

# ---------------------------------------------------------------- years


def test_is_year_only_for_an_int_in_range():
    assert is_year(MIN_YEAR) and is_year(2016) and is_year(MAX_YEAR)
    assert not any(is_year(v) for v in (MIN_YEAR - 1, MAX_YEAR + 1, True, 2016.0, "2016", None))


@pytest.mark.parametrize(
    "value, year",
    [
        (None, None),
        ("", None),
        ("   ", None),
        (2016, 2016),
        (2016.0, 2016),  # pandas and some JSON writers give years as floats
        ("2016", 2016),
        ("2016///", 2016),  # RIS PY
        ("  1999 Dec-2000 Jan", 1999),  # MEDLINE DP
        ("1 Jan.-Feb. 2019", 2019),
        ("Mon, 2 Apr 2007 19:18:42 GMT", 2007),  # arXiv versions[0].created
        ("vol 0999, 2019", 2019),  # the first four digits in range, not the first four digits
        ("c. 1000", 1000),
        ("c. 2200", 2200),
        (1000, 1000),
        (2200, 2200),
        ("1000", 1000),
        ("2200-01-01", 2200),
        ("20170812", 2017),  # a date without separators (MEDLINE DEP, TRID's RIS)
        ("Start date: 20170812", 2017),
    ],
)
def test_parse_year(value, year):
    assert parse_year(value) == year


@pytest.mark.parametrize(
    "value, message",
    [
        (True, "year True is not a year"),
        (False, "year False is not a year"),
        (999, "year 999 is out of range 1000-2200"),
        (2201, "year 2201 is out of range 1000-2200"),
        ("0999", "year 999 is out of range 1000-2200"),
        ("2201 Jan", "year 2201 is out of range 1000-2200"),
        (12345.0, "year 12345 is out of range 1000-2200"),  # a whole float is a number, not text
        ("soon", "year 'soon' is not a four-digit year"),
        ("12345", "year '12345' is not a four-digit year"),
        ("20171312", "year '20171312' is not a four-digit year"),  # no month 13: an id, not a date
        ("123420170812", "year '123420170812' is not a four-digit year"),
        ("in 999 or 2201", "year 'in 999 or 2201' is not a four-digit year"),
        ("x" * 50, f"year {'x' * 40!r} is not a four-digit year"),
        (float("nan"), "year 'nan' is not a four-digit year"),
    ],
)
def test_parse_year_rejects(value, message):
    with pytest.raises(ValueError) as err:
        parse_year(value)
    assert str(err.value) == message


def test_first_year_takes_the_first_value_with_a_year():
    assert first_year(None, "", "2001", 2002) == 2001
    assert first_year("soon", 2002) == 2002  # a bad value is passed over
    assert first_year() is None
    assert first_year(None, "  ") is None


def test_first_year_reports_the_first_bad_value_when_none_gives_a_year():
    with pytest.raises(ValueError) as err:
        first_year(None, "soon", "later", "")
    assert str(err.value) == "year 'soon' is not a four-digit year"


# ---------------------------------------------------------------- text and placeholders


@pytest.mark.parametrize(
    "value",
    ["[No abstract available]", "No abstract available.", "No abstract is available", "(no title)", "[No title available]",
     "Abstract not available", "Title not available", "N/A", "n/a", "NA", "None", "null", "NaN", " [ no   abstract ] ",
     "(N/A.)"],
)
def test_placeholders_are_empty(value):
    assert text_of(value) == ""


def test_text_of():
    assert text_of(None) == ""
    assert text_of("  Deep nets  for\ttext ") == "Deep nets  for\ttext"  # inner runs kept: the tokenizer ignores them
    assert text_of(["Part one", "", None, "part two"]) == "Part one part two"  # RIS repeats AB lines
    assert text_of(("A", "B")) == "A B"
    assert text_of(2016) == "2016"
    assert text_of("Nano-scale NaN handling") == "Nano-scale NaN handling"
    assert text_of("No abstract available for this record yet") == "No abstract available for this record yet"


def test_only_short_text_can_be_a_placeholder():
    # The pattern allows any spacing; a "placeholder" of 40 characters or more is taken as text.
    short = "[no" + " " * 17 + "abstract available]"
    long = "[no" + " " * 18 + "abstract available]"
    assert (len(short), len(long)) == (39, 40)
    assert text_of(short) == ""
    assert text_of(long) == long


# ---------------------------------------------------------------- entries


def test_make_entry_exact_fields():
    entry = make_entry(["  Deep", "nets\n for  text "], "  An abstract. ", "2016///", " 10.1/X ", 42)
    assert entry == Entry("Deep nets for text", "An abstract.", 2016, "10.1/X", "42")
    assert make_entry("T", None, None, None, None) == Entry("T", "", None, None, None)
    assert make_entry("T", "[No abstract available]", 2001, "N/A", "") == Entry("T", "", 2001, None, None)


@pytest.mark.parametrize("year, expected", [(1000, 1000), (2200, 2200), (2016, 2016), ("2016", 2016), (2016.0, 2016)])
def test_make_entry_years(year, expected):
    assert make_entry("T", "", year, None, None).year == expected


@pytest.mark.parametrize(
    "fields, reason",
    [
        ((None, "A", 2001, None, None), "no title"),
        (("   ", "A", 2001, None, None), "no title"),
        (("[No title available]", "A", 2001, None, None), "no title"),
        ((42, "A", 2001, None, None), "title is a int, expected text"),
        (({"en": "T"}, "A", 2001, None, None), "title is a dict, expected text"),
        (("Bad \ud800 title", "A", 2001, None, None),
         "title has an invalid character '\\ud800' at position 4 (a lone UTF-16 surrogate)"),
    ],
)
def test_make_entry_reasons(fields, reason):
    assert make_entry(*fields) == reason


@pytest.mark.parametrize(
    "fields, entry, note",
    [
        (("T", "A", 999, None, None), Entry("T", "A"), "field 'year' skipped (year 999 is out of range 1000-2200)"),
        (("T", "A", 2201, None, None), Entry("T", "A"), "field 'year' skipped (year 2201 is out of range 1000-2200)"),
        (("T", "A", True, None, None), Entry("T", "A"), "field 'year' skipped (year True is not a year)"),
        (("T", "A", "soon", None, None), Entry("T", "A"), "field 'year' skipped (year 'soon' is not a four-digit year)"),
        (("T", "Café \udc80", 2001, None, None), Entry("T", year=2001),
         "field 'abstract' skipped (abstract has an invalid character '\\udc80' at position 5 (a lone UTF-16 surrogate))"),
        (("T", "A", 2001, "10.1/\ud83d", None), Entry("T", "A", 2001),
         "field 'doi' skipped (doi has an invalid character '\\ud83d' at position 5 (a lone UTF-16 surrogate))"),
        (("T", "A", 2001, None, "é\udfff"), Entry("T", "A", 2001),
         "field 'id' skipped (id has an invalid character '\\udfff' at position 1 (a lone UTF-16 surrogate))"),
    ],
)
def test_a_field_that_cannot_be_stored_costs_only_itself(fields, entry, note):
    assert make_entry(*fields) == Noted(entry, (note,))
    assert make_entry(*fields, ("an earlier note",)) == Noted(entry, ("an earlier note", note))


def test_make_entry_keeps_text_that_is_not_ascii():
    assert make_entry("Über Straße", "naïve – café", 2001, "10.1/é", "ü1") == Entry("Über Straße", "naïve – café", 2001, "10.1/é", "ü1")


# ---------------------------------------------------------------- dedup keys


@pytest.mark.parametrize(
    "doi, key",
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("doi:", None),
        ("https://doi.org/", None),
        ("10.1/ABC", "10.1/abc"),
        (" https://doi.org/10.1/ABC ", "10.1/abc"),
        ("http://doi.org/10.1/abc", "10.1/abc"),
        ("https://dx.doi.org/10.1/abc", "10.1/abc"),
        ("dx.doi.org/10.1/abc", "10.1/abc"),
        ("doi.org/10.1/abc", "10.1/abc"),
        ("DOI: 10.1/abc", "10.1/abc"),
        ("doi:10.1/abc", "10.1/abc"),
        ("10.1/doi:x", "10.1/doi:x"),  # only a leading prefix is a prefix
        ("10.1/https://doi.org/x", "10.1/https://doi.org/x"),
        ("https://doixorg/10.1/abc", "https://doixorg/10.1/abc"),
    ],
)
def test_normalise_doi(doi, key):
    assert normalise_doi(doi) == key


@pytest.mark.parametrize(
    "title, key",
    [
        ("Über  den {LSTM}-Ansatz!", "uber den lstm ansatz"),
        ("Straße", "strasse"),  # casefold, not lower
        ("snake_case names", "snake case names"),
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),  # NFKD folds compatibility forms
        ("naïve Bayes", "naive bayes"),
        ("A  B\tC", "a b c"),
        ("", ""),
    ],
)
def test_normalise_title(title, key):
    assert normalise_title(title) == key


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_normalise_title_of_ascii_is_the_general_rule(title):
    """ASCII titles take a byte-level fast path: it must give what the rule for any text gives."""
    assert normalise_title(title) == " ".join(_WORD.findall(title.casefold()))


def _title_rule(title: str) -> str:
    """The dedup form as the README states it, written plainly: NFKD, combining marks dropped, casefolded, words."""
    decomposed = unicodedata.normalize("NFKD", title)
    return " ".join(_WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c)).casefold()))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60) | st.text(alphabet="aeiouAZ -’–“”éÉßﬁİıΣσςǅ\u0301\u034f\u0345ΐ²ª_Ωω中文", max_size=40))
def test_normalise_title_of_any_text_is_the_plain_rule(title):
    """Non-ASCII titles translate their non-ASCII runs only, then take the ASCII path where they can:
    the same words as the plain rule, whatever the characters (marks, ligatures, final sigma, CJK)."""
    with pytest.MonkeyPatch.context() as patch:
        _fresh_table(patch)
        assert normalise_title(title) == _title_rule(title)


def _fresh_table(patch):
    """The translation table fills as characters are met; a fresh one, so that what is checked is how
    each entry is made, not entries an earlier test (or process) left there."""
    import survey.corpus.records as records

    patch.setattr(records, "_NON_ASCII_WORDS", records._NonAsciiWords())


def test_every_single_character_normalises_as_the_plain_rule(monkeypatch):
    _fresh_table(monkeypatch)
    for code in range(0x3000):  # Latin, Greek, Cyrillic, combining marks, punctuation, symbols
        ch = chr(code)
        if not 0xD800 <= code <= 0xDFFF:
            assert normalise_title(f"a{ch}b {ch}") == _title_rule(f"a{ch}b {ch}"), hex(code)
    assert normalise_title("Café–Straße") == "cafe strasse"  # the second time from the table


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["", " ", "https://doi.org/", "http://dx.doi.org/", "dx.doi.org/", "doi.org/", "doi:", "DOI: ",
                        "HTTPS://DOI.ORG/", "10."]),
       st.text(alphabet=st.characters(max_codepoint=127), max_size=20))
def test_normalise_doi_of_a_bare_doi_is_the_general_rule(prefix, rest):
    """A DOI starting 10. skips the resolver patterns: they must leave it as it is."""
    text = (prefix + rest).strip().lower()
    general = re.sub(r"^doi:\s*", "", re.sub(r"^(https?://)?(dx\.)?doi\.org/", "", text)) or None
    assert normalise_doi(prefix + rest) == (general if text else None)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=45))
def test_only_text_that_starts_like_a_placeholder_is_matched_against_the_pattern(value):
    text = value.strip()
    assert text_of(value) == ("" if len(text) < 40 and _PLACEHOLDER.match(text) else text)


def test_digest64_known_values():
    # Stored corpora hold these keys: a change of hash, width, byte order or sign breaks them.
    assert digest64("abc") == 6455300059550759896
    assert digest64("attention is all you need") == -679508993615093453
    assert digest64("\ud800") == 7497787021708494914  # a lone surrogate hashes instead of failing


@pytest.mark.parametrize("entry", [
    Entry("Über den LSTM-Ansatz", "An abstract.", 2016, "https://doi.org/10.1/ABC", "id-1"),
    Entry("Plain title", "", None, None, None),
    Entry("基于LSTM的方法", "使用CNN", 2020, None, None),
])
def test_record_row_keys_are_the_documented_digests(entry):
    """record_row writes digest64 out for speed: its keys must stay the digests of the documented
    strings, or every corpus identity (and every count cached under one) would move."""
    from survey.corpus.loading import record_row
    from survey.corpus.query import YEAR_SHIFT

    row = record_row(entry, 7)
    doi, title = normalise_doi(entry.doi), normalise_title(entry.title)
    assert row == (((entry.year or 0) << YEAR_SHIFT) | 7, entry.title, entry.abstract, entry.year, doi, entry.id,
                   (digest64(f"{doi}\x1f{title}") or 1) if doi else 0, digest64(f"{title}\x1f{entry.year}"),
                   digest64(f"{entry.title}\x1f{entry.abstract}\x1f{entry.year}\x1f{doi}"))
