"""A count is answered only by the query that produced it: query files, labels and source names."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from datetime import date
from click.testing import CliRunner

from corpuskit import write_jsonl
from survey.cli import main
from survey.query_file import load_matrix

REPO = Path(__file__).resolve().parents[1]
STUDY = REPO / "queries" / "lstm_vs_cnn.toml"

# Hand-counted: CNN matches b, c, f; ConvNet matches f and g only; LSTM matches a, d.
RECORDS = [
    {"id": "a", "title": "LSTMs for dialogue", "abstract": "A long short-term memory network.", "year": 2016},
    {"id": "b", "title": "A CNN for sentence classification", "abstract": "", "year": 2014},
    {"id": "c", "title": "Convolutional neural networks for translation", "abstract": "", "year": 2017},
    {"id": "d", "title": "Question answering with an LSTM", "abstract": "", "year": 2018},
    {"id": "f", "title": "ConvNet and CNN features for classification", "abstract": "", "year": 2018},
    {"id": "g", "title": "A ConvNet for dialogue classification", "abstract": "", "year": 2019},
]


@pytest.fixture
def cli(home):
    runner = CliRunner()

    def invoke(*args, ok=True):
        result = runner.invoke(main, ["--no-progress", *args])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


@pytest.fixture
def corpus(cli, tmp_path):
    path = tmp_path / "mini.jsonl"
    write_jsonl(path, RECORDS)
    cli("corpus", "import", str(path), "--name", "mini")
    return path


def copy_with_convnet(tmp_path) -> Path:
    text = STUDY.read_text(encoding="utf-8")
    text = text.replace('CNN  = ["CNN", "convolutional neural network"]', 'CNN  = ["CNN", "convolutional neural network", "ConvNet"]')
    assert "ConvNet" in text
    # the copy lives elsewhere: its reference and experiment paths are relative to the original's folder
    text = text.replace('"../data/', f'"{REPO.as_posix()}/data/')
    path = tmp_path / "copy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def counts(cli, query, *extra) -> dict:
    out = cli("counts", "-q", str(query), "--format", "csv", *extra).stdout
    return {(r["source"], r["window"], r["method"], r["task"], r.get("year", "")): r["count"]
            for r in csv.DictReader(io.StringIO(out))}


def test_two_query_files_sharing_labels_never_see_each_others_counts(cli, corpus, tmp_path):
    cli("refresh", "-q", str(STUDY), "-s", "local:mini", "--by-year")
    before = counts(cli, STUDY, "--window", "all time")
    before_years = counts(cli, STUDY, "--by-year")
    assert before[("local:mini", "all time", "CNN", "total", "")] == "3"  # b, c, f

    copy = copy_with_convnet(tmp_path)
    refreshed = cli("refresh", "-q", str(copy), "-s", "local:mini", "--by-year")
    per_cell = 2 + len(load_matrix(STUDY).trend.years(date.today().year))  # two windows and the trend years
    # the copy's 7 CNN cells are new queries; its 7 LSTM cells, the year totals and the years' works with an
    # abstract are the same queries
    years = per_cell - 2
    assert f"{7 * per_cell} fetched, {7 * per_cell + 2 * years} cached" in refreshed.output
    assert counts(cli, copy, "--window", "all time")[("local:mini", "all time", "CNN", "total", "")] == "4"  # + g

    assert counts(cli, STUDY, "--window", "all time") == before
    assert counts(cli, STUDY, "--by-year") == before_years
    plan = cli("plan", "-q", str(STUDY), "-s", "local:mini", "--by-year", "--format", "csv").stdout
    assert {r["cached"] for r in csv.DictReader(io.StringIO(plan))} == {"yes"}


def test_a_renamed_row_keeps_its_counts_and_the_file_shows_its_own_label(cli, corpus, tmp_path):
    cli("refresh", "-q", str(STUDY), "-s", "local:mini")
    text = STUDY.read_text(encoding="utf-8").replace("\nLSTM = ", "\nRecurrent = ").replace('"LSTM", "CNN"', '"Recurrent", "CNN"')
    text = text.replace('"../data/', f'"{REPO.as_posix()}/data/')
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(text, encoding="utf-8")
    plan = cli("plan", "-q", str(renamed), "-s", "local:mini", "--format", "csv").stdout
    assert {r["cached"] for r in csv.DictReader(io.StringIO(plan))} == {"yes"}
    got = counts(cli, renamed, "--window", "all time")
    assert got[("local:mini", "all time", "Recurrent", "total", "")] == "2"  # a, d
    assert not any(key[2] == "LSTM" for key in got)


def test_local_alone_resolves_to_the_one_corpus_before_anything_is_stored(cli, corpus, home):
    cli("refresh", "-q", str(STUDY), "-s", "local")
    stats = cli("cache", "stats").output
    assert "local:mini" in stats and "local " not in stats.replace("local:mini", "")
    assert counts(cli, STUDY, "-s", "local", "--window", "all time")[("local:mini", "all time", "CNN", "total", "")] == "3"


@pytest.mark.parametrize("args", [
    ("plan", "-q", str(STUDY), "-s", "openalx"),
    ("refresh", "-q", str(STUDY), "-s", "openalx"),
    ("counts", "-q", str(STUDY), "-s", "openalx"),
    ("report", "-q", str(STUDY), "-s", "openalx", "-o", "REPORT"),
    ("audit", "-q", str(STUDY), "-s", "openalx", "--cell", "CNN:total"),
    ("cache", "clear", "--source", "openalx", "--yes"),
    ("cache", "history", "CNN:total", "-s", "openalx"),
])
def test_every_command_rejects_an_unknown_source_the_same_way(cli, home, tmp_path, args):
    args = tuple(str(tmp_path / "r.md") if a == "REPORT" else a for a in args)
    result = cli(*args, ok=False)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert lines == [lines[0]] and lines[0].startswith("error: unknown source 'openalx'; valid sources: openalex,")


def test_default_counts_show_only_sources_with_data_and_name_the_rest(cli, corpus):
    cli("refresh", "-q", str(STUDY), "-s", "local:mini")
    result = CliRunner().invoke(main, ["--no-progress", "counts", "-q", str(STUDY)])
    assert result.exit_code == 0
    assert "local:mini" in result.stdout and "openalex" not in result.stdout
    [note] = [line for line in result.stderr.splitlines() if line.strip()]
    assert note.startswith("no counts cached for this query file from: ") and "openalex" in note


def test_a_reimported_corpus_makes_its_counts_stale(cli, corpus, tmp_path):
    cli("refresh", "-q", str(STUDY), "-s", "local:mini")
    assert counts(cli, STUDY, "--window", "all time")[("local:mini", "all time", "CNN", "total", "")] == "3"
    other = tmp_path / "other.jsonl"
    write_jsonl(other, RECORDS[:2])  # a and b only
    cli("corpus", "import", str(other), "--name", "mini", "--replace")
    plan = cli("plan", "-q", str(STUDY), "-s", "local:mini", "--format", "csv").stdout
    assert {r["cached"] for r in csv.DictReader(io.StringIO(plan))} == {"no"}
    refreshed = cli("refresh", "-q", str(STUDY), "-s", "local:mini")
    assert refreshed.output.startswith("28 fetched, 0 cached")
    assert counts(cli, STUDY, "--window", "all time")[("local:mini", "all time", "CNN", "total", "")] == "1"
    # the old corpus's answer stays in the history, under its own corpus identity
    history = cli("cache", "history", "CNN:total", "-s", "local:mini").output
    # two windows, each answered by both corpora
    assert history.count("[corpus ") == 4 and len(set(re.findall(r"\[corpus ([^]]+)\]", history))) == 2
