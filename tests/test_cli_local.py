"""The walking skeleton end to end through the CLI: import -> plan -> refresh -> counts."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from aclscan import Scan
from survey.cli import main
from survey.corpus.index import Corpus
from survey.query_file import load_matrix

REPO = Path(__file__).resolve().parents[1]
STUDY = str(REPO / "queries" / "lstm_vs_cnn.toml")

RECORDS = [
    {"id": "a", "title": "LSTMs for dialogue", "abstract": "We train a long short-term memory network.", "year": 2016},
    {"id": "b", "title": "A CNN for sentence classification", "abstract": "", "year": 2014, "doi": "10.1/b"},
    {"id": "c", "title": "Convolutional neural networks for machine translation", "abstract": "", "year": 2017},
    {"id": "d", "title": "Question answering with an LSTM", "abstract": "", "year": 2005},
    {"id": "e", "title": "Undated CNN note", "abstract": "", "year": None},
    {"id": "b2", "title": "A CNN for sentence classification.", "abstract": "", "year": 2014, "doi": "https://doi.org/10.1/B"},
]


@pytest.fixture
def cli(home):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, ["--no-progress", *args], catch_exceptions=False)

    return invoke


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_import_plan_refresh_counts(cli, tmp_path, home):
    path = tmp_path / "mini.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n{not json\n", encoding="utf-8")
    imported = cli("corpus", "import", str(path), "--name", "mini")
    assert imported.exit_code == 0, imported.output
    assert ("5 records imported from 7 read (1 duplicates: 1 same DOI and title, 0 same title and year; 1 skipped)"
            in imported.output)
    assert "mini.jsonl line 7: not valid JSON" in imported.output
    assert (home / "corpora" / "mini.sqlite").is_file()
    stats = cli("corpus", "stats")
    assert "mini: 5 records" in stats.output and "(1 without a year)" in stats.output

    plan = _rows(cli("plan", "-q", STUDY, "-s", "local", "--by-year", "--format", "csv").stdout)
    assert list(plan[0]) == ["source", "window", "method", "task", "year", "query", "cached"]
    years = load_matrix(STUDY).trend.years(2100)
    assert len(plan) >= 14 * 2 + 14 * (2025 - 2006 + 1)
    assert {r["cached"] for r in plan} == {"no"}
    lstm_dialog = next(r for r in plan if r["method"] == "LSTM" and r["task"] == "dialog" and r["window"] == "since 2006")
    assert "MATCH" in lstm_dialog["query"] and "2006" in lstm_dialog["query"]
    assert years[0] == 2006

    first = cli("refresh", "-q", STUDY, "-s", "local:mini", "--by-year")
    assert first.exit_code == 0, first.output
    again = cli("refresh", "-q", STUDY, "-s", "local:mini", "--by-year")
    assert again.exit_code == 0 and " 0 fetched" in " " + again.output
    replan = _rows(cli("plan", "-q", STUDY, "-s", "local:mini", "--by-year", "--format", "csv").stdout)
    assert {r["cached"] for r in replan} == {"yes"}

    counts = {(r["window"], r["method"], r["task"]): int(r["count"])
              for r in _rows(cli("counts", "-q", STUDY, "--format", "csv").stdout)}
    # hand-counted from RECORDS
    assert counts[("all time", "LSTM", "total")] == 2  # a (LSTMs, long short-term memory), d
    assert counts[("since 2006", "LSTM", "total")] == 1  # d is from 2005
    assert counts[("all time", "LSTM", "dialog")] == 1
    assert counts[("all time", "CNN", "total")] == 3  # b, c (convolutional neural networks), e (undated)
    assert counts[("since 2006", "CNN", "total")] == 2  # b (2014), c (2017); e has no year
    assert counts[("all time", "LSTM", "QA")] == 1 and counts[("since 2006", "LSTM", "QA")] == 0
    by_year = _rows(cli("counts", "-q", STUDY, "--by-year", "--format", "csv").stdout)
    assert sum(int(r["count"]) for r in by_year if r["method"] == "CNN" and r["task"] == "total") == 2


def test_counts_agree_with_the_acl_sample_and_a_slice(cli, tmp_path, home, acl):
    slice_path = tmp_path / "slice.jsonl"
    with gzip.open(acl / "papers.jsonl.gz", "rt", encoding="utf-8") as src, open(slice_path, "w", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(src, 30000, 33000))
    assert cli("corpus", "import", str(acl / "sample.jsonl"), "--name", "sample").exit_code == 0
    assert cli("corpus", "import", str(slice_path), "--name", "slice").exit_code == 0
    for name in ("sample", "slice"):
        result = cli("refresh", "-q", STUDY, "-s", f"local:{name}", "--by-year")
        assert result.exit_code == 0, result.output
    rows = _rows(cli("counts", "-q", STUDY, "-s", "local:slice", "--format", "csv").stdout)
    # Expected counts from a plain scan of the same JSONL lines, the query file read with tomllib.
    study = tomllib.loads(Path(STUDY).read_text(encoding="utf-8"))
    windows = {w["name"]: (w.get("from"), w.get("to")) for w in study["windows"]}
    scan = Scan(json.loads(line) for line in slice_path.read_text(encoding="utf-8").splitlines())
    expected = {
        (name, method, task): scan.count([terms] + ([study["tasks"][task]] if study["tasks"][task] else []), *span)
        for name, span in windows.items() for method, terms in study["methods"].items() for task in study["tasks"]
    }
    assert {(r["window"], r["method"], r["task"]): int(r["count"]) for r in rows} == expected
    total = {(r["window"], r["method"]): int(r["count"]) for r in rows if r["task"] == "total"}
    assert total[("all time", "LSTM")] >= total[("since 2006", "LSTM")] > 0
    sample_rows = _rows(cli("counts", "-q", STUDY, "-s", "local:sample", "--format", "csv").stdout)
    # the sample holds the 1950s-60s collections: no LSTM anywhere, nothing since 2006
    assert all(r["count"] == "0" for r in sample_rows if r["window"] == "since 2006")


def test_local_is_ambiguous_with_two_corpora(cli, tmp_path):
    for name in ("one", "two"):
        p = tmp_path / f"{name}.jsonl"
        p.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
        assert cli("corpus", "import", str(p), "--name", name).exit_code == 0
    result = cli("plan", "-q", STUDY, "-s", "local")
    assert result.exit_code == 2 and "one" in result.output and "two" in result.output


def test_bad_corpus_file_exits_2_and_keeps_the_previous_corpus(cli, tmp_path, home):
    good = tmp_path / "c.jsonl"
    good.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    assert cli("corpus", "import", str(good), "--name", "c").exit_code == 0
    bad = tmp_path / "c.bin"
    bad.write_bytes(b"\x00\x01\x02 not a bibliography")
    result = cli("corpus", "import", str(bad), "--name", "c", "--replace")
    assert result.exit_code == 2 and str(bad) in result.output
    assert "c: 1 records" in cli("corpus", "stats").output


def test_several_files_of_mixed_formats_into_one_corpus(cli, tmp_path, home):
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(json.dumps({"title": "LSTMs for dialogue", "year": 2016, "doi": "10.1/x"}) + "\n", encoding="utf-8")
    ris = tmp_path / "b.ris"
    ris.write_text("TY  - JOUR\nTI  - LSTMs for dialogue\nPY  - 2016\nDO  - 10.1/X\nER  - \n"
                   "TY  - JOUR\nTI  - A CNN paper\nER  - \n", encoding="utf-8")
    result = cli("corpus", "import", str(jsonl), str(ris), "--name", "lib")
    assert result.exit_code == 0, result.output
    assert "2 records imported from 3 read (1 duplicates: 1 same DOI and title, 0 same title and year; 0 skipped)" in result.output
    stats = cli("corpus", "stats", "--name", "lib").output
    assert "lib: 2 records" in stats and "None" not in stats


def test_existing_name_needs_replace_or_append(cli, tmp_path, home):
    first = tmp_path / "one.jsonl"
    first.write_text(json.dumps({"title": "First", "year": 2001}) + "\n", encoding="utf-8")
    second = tmp_path / "two.jsonl"
    second.write_text(json.dumps({"title": "Second", "year": 2002}) + "\n" + json.dumps({"title": "First", "year": 2001}) + "\n",
                      encoding="utf-8")
    assert cli("corpus", "import", str(first), "--name", "c").exit_code == 0
    with Corpus(home / "corpora" / "c.sqlite") as c:
        before = c.identity
    refused = cli("corpus", "import", str(second), "--name", "c")
    assert refused.exit_code == 2 and "--replace" in refused.output and "--append" in refused.output
    assert "c: 1 records" in cli("corpus", "stats").output
    appended = cli("corpus", "import", str(second), "--name", "c", "--append")
    assert appended.exit_code == 0, appended.output
    assert "1 records imported from 2 read (1 duplicates" in appended.output and "2 in the corpus" in appended.output
    with Corpus(home / "corpora" / "c.sqlite") as c:
        assert c.stats()["records"] == 2 and c.identity != before
    replaced = cli("corpus", "import", str(first), "--name", "c", "--replace")
    assert replaced.exit_code == 0
    with Corpus(home / "corpora" / "c.sqlite") as c:
        assert c.stats()["records"] == 1 and c.identity == before
    both = cli("corpus", "import", str(first), "--name", "c", "--replace", "--append")
    assert both.exit_code == 2


def test_stats_of_a_corpus_without_years(cli, tmp_path):
    path = tmp_path / "undated.jsonl"
    path.write_text(json.dumps({"title": "No year here"}) + "\n", encoding="utf-8")
    assert cli("corpus", "import", str(path)).exit_code == 0
    stats = cli("corpus", "stats", "--name", "undated").output
    assert "no years (1 without a year)" in stats and "None" not in stats


def test_import_options_follow_the_readers():
    from survey.cli.corpus import FORMAT_CHOICES, _corpus_name
    from survey.corpus.readers import FORMATS
    from survey.corpus.readers.detect import EXTENSIONS

    assert FORMAT_CHOICES == ["auto", *FORMATS]
    # a corpus is named after its file without the extension the readers know it by, gzipped or not
    for extension in EXTENSIONS:
        assert _corpus_name(Path(f"refs{extension}")) == "refs"
        assert _corpus_name(Path(f"refs{extension}.gz")) == "refs"
    assert _corpus_name(Path("my refs (2024).biblatex")) == "my-refs-2024-"
