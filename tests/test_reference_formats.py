"""`survey counts --reference` in every format, against the published tables read here with tomllib.

The expected rows are built in this file from data/reference and the query file, not through
survey.reference or survey.table_text, so a slip in either shows as a difference.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from survey.cli import main

REPO = Path(__file__).resolve().parents[1]
STUDY = REPO / "queries" / "lstm_vs_cnn.toml"
PUBLISHED = REPO / "data" / "reference" / "lstm_vs_cnn_2016.toml"


def published():
    """(source, window, method, task, count or None) in the query file's row and column order."""
    query = tomllib.loads(STUDY.read_text(encoding="utf-8"))
    doc = tomllib.loads(PUBLISHED.read_text(encoding="utf-8"))
    out = []
    for table in doc["tables"]:
        for method in query["methods"]:
            for task in query["tasks"]:
                out.append((table["source"], table["window"], method, task, table["counts"][method].get(task)))
    return out


@pytest.fixture
def counts(home):
    def run(*fmt):
        result = CliRunner().invoke(main, ["--no-progress", "counts", "-q", str(STUDY), "--reference", *fmt],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    return run


def test_csv_has_every_published_cell_and_blanks_the_unplaced(counts):
    rows = list(csv.reader(io.StringIO(counts("--format", "csv"))))
    assert rows[0] == ["source", "window", "method", "task", "count"]
    expected = [[s, w, m, t, "" if n is None else str(n)] for s, w, m, t, n in published()]
    assert rows[1:] == expected
    assert len(expected) == 2 * 2 * 7
    assert [r for r in rows if r[4] == ""] == [
        ["wos", "all time", m, t, ""] for m in ("LSTM", "CNN") for t in ("dialog", "language generation", "QA")
    ]


def test_json_carries_each_count_and_says_which_are_unplaced(counts):
    got = json.loads(counts("--format", "json"))
    expected = [
        {"source": s, "window": w, "method": m, "task": t, "count": n, "status": "ok" if n is not None else "unplaced"}
        for s, w, m, t, n in published()
    ]
    assert got == expected


def ratio_cells(cells):
    return [f"{cells[(('LSTM', t))] / cells[('CNN', t)]:.2f}" if cells[("LSTM", t)] is not None else "n/a"
            for t in TASKS]


TASKS = list(tomllib.loads(STUDY.read_text(encoding="utf-8"))["tasks"])


def expected_rows(source):
    cells = {(m, t): n for s, _, m, t, n in published() if s == source}
    shown = {k: "n/a [1]" if n is None else str(n) for k, n in cells.items()}
    return {
        "LSTM": [shown[("LSTM", t)] for t in TASKS],
        "CNN": [shown[("CNN", t)] for t in TASKS],
        "LSTM:CNN": ratio_cells(cells),
    }


def markdown_rows(text: str, heading: str) -> dict[str, list[str]]:
    block = text.split(heading, 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in block.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


def test_markdown_tables_match_the_published_numbers_and_their_ratios(counts):
    md = counts("--format", "markdown")
    header = "| method | " + " | ".join(TASKS) + " |"
    assert md.count(header) == 2
    assert markdown_rows(md, "### 2016 study: Google Scholar, since 2006") == expected_rows("scholar")
    assert markdown_rows(md, "### 2016 study: Web of Science, all time") == expected_rows("wos")
    assert expected_rows("scholar")["LSTM:CNN"][0] == "0.38"  # 1900 / 5060, as the post argued
    assert "Web of Science unplaced values (LSTM 2; CNN 25, 2) belong to dialog, language generation, QA" in md


def test_terminal_table_shows_the_same_cells(counts):
    text = counts()
    tables = text.split("2016 study: Web of Science, all time")
    for part, source in zip(tables, ("scholar", "wos")):
        rows = {}
        for line in part.splitlines():
            if line.startswith("│"):
                cells = [c.strip() for c in line.strip("│").split("│")]
                rows[cells[0]] = cells[1:]
        assert rows == expected_rows(source)
