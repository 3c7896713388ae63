"""A report derives from its query file: N methods, the ratios it asks for, no study it does not name."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.query_file import load_matrix
from survey.reporting import write_report
from survey.observation import Observation, format_time
from survey.store import Store

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
NOW = T0 + timedelta(days=40)
PNG = b"\x89PNG\r\n\x1a\n"

QUERY = """
name = "architectures"
title = "Transformer, RNN and CNN in NLP"
ratios = [["Transformer", "CNN"]]

[methods]
Transformer = ["transformer"]
RNN = ["RNN", "recurrent neural network"]
CNN = ["CNN"]

[tasks]
translation = ["translation"]
parsing = ["parsing"]
summarization = ["summarization"]
total = []

[[windows]]
name = "since 2017"
from = 2017

[trend]
from = 2017
"""

# Per task: Transformer, RNN, CNN. translation: a clear lead; parsing: no clear leader (RNN 52 vs
# Transformer 48); summarization: too few to say.
COUNTS = {"translation": (300, 100, 50), "parsing": (48, 52, 20), "summarization": (4, 3, 1), "total": (900, 700, 400)}


@pytest.fixture
def matrix(tmp_path):
    path = tmp_path / "architectures.toml"
    path.write_text(QUERY, encoding="utf-8")
    return load_matrix(path)


def fill(store, matrix, source="openalex", per_year=True):
    from survey.config import load_settings
    from survey.sources import make_source

    src = make_source(source, load_settings("/nonexistent-survey-home", env={}))
    for cell in matrix.cells:
        i = list(matrix.methods).index(cell.method)
        w = matrix.windows[0]
        store.record(Observation(source, cell.method, cell.task, w.name, w.start, w.end, None,
                                 src.compile(cell.query, w.start, w.end), COUNTS[cell.task][i], "ok", None,
                                 format_time(T0)))
        if per_year:
            # stored under the request refresh sends for the trend's years (one call per cell on openalex)
            years = matrix.trend.years(NOW.year)
            queries = src.compile_by_year(cell.query, years[0], years[-1])
            for y in range(2017, 2027):
                count = (y - 2016) * (3 - i) * 4 + 10
                store.record(Observation(source, cell.method, cell.task, "trend", y, y, y,
                                         queries[y], count, "ok", None, format_time(T0)))


def test_three_methods_no_reference_no_experiment(tmp_path, matrix, settings):
    with Store(tmp_path / "cache.sqlite", clock=lambda: NOW) as store:
        fill(store, matrix)
        result = write_report(matrix, store, settings, tmp_path / "out" / "arch.md", sources=["openalex"], now=NOW)
    text = result.path.read_text(encoding="utf-8")
    # Nothing about a study or an experiment the file does not name.
    assert "2016" not in text
    assert "experiment" not in text.lower()
    assert "Web of Science" not in text and "Google Scholar" not in text
    assert "Then and now" not in text
    # Every method in every headline task line, with its count; the verdicts follow the rules.
    head = text.split("## 1. Headline")[1].split("## 2.")[0]
    lines = {ln.split(":")[0].strip("- ").strip(): ln for ln in head.splitlines() if ln.startswith("  - ")}
    for task, (t, r, c) in COUNTS.items():
        line = lines["overall" if task == "total" else task]
        for method, n in (("Transformer", t), ("RNN", r), ("CNN", c)):
            assert f"{method} {n:,}" in line, line
    assert "**Transformer leads** with 67% [" in lines["translation"]
    assert lines["parsing"].startswith("  - parsing: no clear leader: RNN has 43% [")
    # too few between the leader and the runner-up (Transformer 4, RNN 3), whatever CNN adds
    assert lines["summarization"].startswith(
        "  - summarization: too few to say: 7 method matches between Transformer and RNN, under 10")
    # Ratios: exactly the one the file asks for, in the headline and in the table.
    assert "Transformer:CNN 6.00 [" in lines["translation"]
    assert "Transformer:RNN" not in text and "RNN:CNN" not in text
    table = text.split("### `openalex`, since 2017")[1].split("###")[0].split("\n## ")[0]
    labels = [ln.split("|")[1].strip() for ln in table.splitlines() if ln.startswith("| ") and "---" not in ln]
    assert labels == ["method", "Transformer", "RNN", "CNN", "Transformer share", "RNN share", "CNN share",
                      "claim (Holm)", "Transformer:CNN"]
    # Every figure exists and is a PNG.
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(figures) == 2 and all((result.path.parent / f).read_bytes()[:8] == PNG for f in figures)
    # Sections are numbered without gaps.
    numbers = [int(n) for n in re.findall(r"^## (\d+)\. ", text, re.M)]
    assert numbers == list(range(1, len(numbers) + 1))


def test_the_experiment_section_appears_when_a_file_is_named(tmp_path, matrix, settings):
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"schema": "other"}), encoding="utf-8")
    with Store(tmp_path / "cache.sqlite", clock=lambda: NOW) as store:
        fill(store, matrix, per_year=False)
        result = write_report(matrix, store, settings, tmp_path / "r.md", sources=["openalex"], now=NOW,
                              results_path=results)
    text = result.path.read_text(encoding="utf-8")
    assert re.search(r"^## 6\. Reference experiment\n\n`[^`]*results\.json` could not be read", text, re.M)
    assert "Then and now" not in text


def test_counts_ratio_rows_come_from_the_query_file(home, matrix):
    with Store(home / "cache.sqlite") as store:
        fill(store, matrix, per_year=False)
    result = CliRunner().invoke(main, ["counts", "-q", str(matrix.path), "-s", "openalex", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    labels = [ln.split("|")[1].strip() for ln in result.stdout.splitlines() if ln.startswith("| ") and "---" not in ln]
    assert labels == ["method", "Transformer", "RNN", "CNN", "Transformer:CNN"]
    row = next(ln for ln in result.stdout.splitlines() if ln.startswith("| Transformer:CNN"))
    assert "| 6.00 |" in row
