"""Label files as a spreadsheet saves them: the ``relevant`` column in whatever case and spacing
Excel, LibreOffice or Google Sheets write (TRUE/FALSE, Yes/No), read as the same verdicts."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import pytest
from localekit import ascii_locale

from survey.labels import LabelStore, SampleKey
from survey.labels_csv import COLUMNS, export_csv, read_files

SPREADSHEET = [  # what a person typed or a spreadsheet wrote -> the verdict
    ("TRUE", True), ("FALSE", False), ("True", True), ("False", False), ("Yes", True), ("No", False),
    ("YES", True), ("NO", False), (" Y ", True), ("n", False), ("Relevant", True), ("Not Relevant", False),
    ("1", True), ("0", False),
]


def write(path, values):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        for n, value in enumerate(values, 1):
            writer.writerow({"source": "local:acl", "corpus": "1-aa", "method": "CNN", "task": "total",
                             "query": "q", "window_from": "2010", "window_to": "", "position": n,
                             "record_id": f"r{n}", "year": "2015", "doi": "", "title": f"Title {n}",
                             "relevant": value})


def test_every_spreadsheet_spelling_of_yes_and_no_is_read(tmp_path):
    path = tmp_path / "labels.csv"
    write(path, [value for value, _ in SPREADSHEET] + ["", "  "])
    labels, problems = read_files([path])
    assert problems == []
    # the two empty cells leave their records unlabelled
    assert [(label.record_id, label.relevant) for label in labels] == [
        (f"r{n}", verdict) for n, (_, verdict) in enumerate(SPREADSHEET, 1)]
    assert {(label.year_from, label.year_to, label.origin) for label in labels} == {(2010, None, "csv:labels.csv")}


@pytest.mark.parametrize("value", ["maybe", "TRUE?", "2", "ja"])
def test_a_value_that_is_neither_is_named_with_its_line(tmp_path, value):
    path = tmp_path / "labels.csv"
    write(path, ["Yes", value])
    labels, problems = read_files([path])
    assert [label.record_id for label in labels] == ["r1"]
    assert problems == [f"{path} line 3: relevant {value!r}: expected 1 or 0 (also yes/no, y/n, true/false), "
                        "or empty to leave the record unlabelled"]


def test_the_export_is_utf_8_whatever_the_machine_s_locale(tmp_path):
    """A spreadsheet opens the file as UTF-8; a title out of ASCII must not fail (or change) under the C locale."""
    with LabelStore(tmp_path / "labels.sqlite") as store:
        sample = store.save_sample(SampleKey("local:acl", "q", 2010, None), "1-aa", "CNN", "total", 0,
                                   [SimpleNamespace(id="R1", title="Ünïcode — title", year=2015, doi=None)])
        path = tmp_path / "out.csv"
        with ascii_locale():
            assert export_csv(sample, [], path) == 1
    assert path.read_bytes().decode("utf-8").splitlines()[1].endswith(",R1,2015,,Ünïcode — title,")
