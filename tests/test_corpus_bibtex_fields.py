"""BibTeX field names as exporters write them, and a field that cannot be read costing only itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.corpus import import_corpus
from survey.corpus.readers import read_records
from survey.corpus.readers.bibtex import read_bibtex
from survey.corpus.records import Entry, Noted

WOS_STYLE = Path(__file__).parent / "fixtures" / "wos_style.bib"


def entries(items):
    return [item.entry if isinstance(item, Noted) else item for _, item in items if isinstance(item, (Entry, Noted))]


def test_a_web_of_science_export_keeps_every_record_year_and_abstract(tmp_path):
    # Own sample in the WoS style: a BOM, every value double-braced, Usage-Count-(Last-180-days).
    stream = read_records(WOS_STYLE)
    assert stream.format == "bibtex"
    got = entries(stream.items)
    assert [(e.title, e.year, bool(e.abstract), e.doi) for e in got] == [
        ("Long short-term memory networks for ECG classification", 2019, True, "10.1109/TNNLS.2019.000"),
        ("Convolutional networks for sentence classification revisited", 2020, True, "10.1109/TNNLS.2020.001"),
        ("Attention is not all you need for time series", 2021, False, "10.1109/TNNLS.2021.002"),
    ]
    assert got[0].abstract == "We compare LSTM and CNN models on ECG data."
    report = import_corpus(WOS_STYLE, tmp_path / "c.sqlite")
    assert (report.imported, report.skipped, report.fields_skipped) == (3, 0, 0)


@pytest.mark.parametrize(
    "name",
    [
        "Usage-Count-(Last-180-days)", "Usage-Count-Since-2013", "Web-of-Science-Categories", "Early Access Date",
        "bdsk-url-1", "dc:source", "file+link", "url/doi", "mendeley-tags", "Date-Added", "date.modified", "x_y",
        "abstract_", "_t", "rights@", "note!", "key*", "zb:1", "a'b", "ISBN-13",
    ],
)
def test_any_field_name_an_exporter_writes_is_read_past(name):
    [(where, entry)] = read_bibtex(f"@article{{k,\n  {name} = {{{{value (1)}}}},\n  title = {{{{T}}}},\n  year = {{2001}}\n}}\n")[0]
    assert entry == Entry("T", year=2001, id="k")


@pytest.mark.parametrize(
    "field, reason",
    [
        ("note = {a {broken value,", "unbalanced braces"),
        ("note = ,", "expected a field value at ','"),
        ("{odd} = {x},", "expected field = value at '{odd} = {x},'"),
        ('note = "open,', "unterminated quoted value"),
    ],
)
def test_a_field_that_cannot_be_read_costs_only_itself(field, reason):
    text = f"@article{{k,\n  title = {{Kept}},\n  {field}\n  year = {{2001}}\n}}\n@article{{j, title={{Next}}}}\n"
    items = read_bibtex(text)[0]
    notes = [(where, note) for where, item in items if isinstance(item, Noted) for note in item.notes]
    assert len(notes) == 1 and notes[0][0] == "line 1 (k)" and reason in notes[0][1]
    assert entries(items) == [Entry("Kept", year=2001, id="k"), Entry("Next", id="j")]


def test_a_record_is_skipped_only_when_no_title_remains():
    items = read_bibtex("@article{k,\n  title = {a {broken,\n  year = {2001}\n}\n")[0]
    assert items[-1] == ("line 1 (k)", "no title (the title field could not be read: unbalanced braces in the value)")


def test_the_import_counts_skipped_fields_and_names_them(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("@article{k,\n  title = {Kept},\n  note = ,\n  year = {2001}\n}\n", encoding="utf-8")
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert (report.imported, report.skipped, report.fields_skipped) == (1, 0, 1)
    assert report.field_notes == ["refs.bib line 1 (k): field 'note' skipped (expected a field value at ',')"]


def test_an_entry_waiting_for_its_crossref_parent_keeps_its_notes_and_gets_the_year():
    text = ("@inproceedings{child,\n  title = {Child},\n  note = ,\n  crossref = {proc}\n}\n"
            "@article{other, title = {Other}, year = 1999}\n"
            "@proceedings{proc, title = {Proc}, year = 2005}\n")
    items = read_bibtex(text)[0]
    assert ("line 1 (child)", Noted(Entry("Child", year=2005, id="child"), ("field 'note' skipped (expected a field value at ',')",))) in items
    assert len(items) == 3
