"""The public API as a notebook uses it: `import survey`, nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from corpuskit import write_jsonl

REPO = Path(__file__).resolve().parents[1]

NOTEBOOK = r'''
import json, sys
import survey

query, home = sys.argv[1], sys.argv[2]
survey_na = __import__('pandas').NA
summary = survey.refresh(query, "local:mini", by_year=True, home=home)
frame = survey.counts(query, sources="local:mini", by_year=False, home=home)
years = survey.counts(query, ["local:mini"], by_year=True, home=home)
works = survey.year_totals(query, "local:mini", home=home)
try:
    survey.counts(query, sources="openalx", home=home)
except survey.UnknownSource as exc:
    unknown = str(exc)
print(json.dumps({
    "fetched": summary.fetched,
    "columns": list(frame.columns),
    "cells": {f"{r.method}:{r.task}:{r.window}": int(r.count) for r in frame.itertuples()},
    "year_rows": int((years["status"] == "ok").sum()),
    "year_methods": sorted(set(years["method"])),
    "works": {int(r.year): int(r.count) for r in works.itertuples()},
    "with_abstract": {int(r.year): None if r.with_abstract is survey_na else int(r.with_abstract) for r in works.itertuples()},
    "unknown": unknown,
}))
'''


RECORDS = [
    {"id": "a", "title": "An LSTM for dialogue", "abstract": "", "year": 2016},
    {"id": "b", "title": "A CNN for classification", "abstract": "", "year": 2015},
    {"id": "c", "title": "CNN and LSTM features for classification", "abstract": "", "year": 2017},
]


def test_a_notebook_needs_only_import_survey(tmp_path):
    corpus = tmp_path / "mini.jsonl"
    write_jsonl(corpus, RECORDS)
    home = tmp_path / "home"
    query = tmp_path / "q.toml"
    query.write_text(
        '[methods]\nLSTM = ["LSTM"]\nCNN = ["CNN"]\n[tasks]\nclassification = ["classification"]\ntotal = []\n'
        '[[windows]]\nname = "all time"\n[trend]\nfrom = 2015\nto = 2017\n', encoding="utf-8")
    # the corpus itself comes in through the CLI, as a user would first do
    subprocess.run([sys.executable, "-m", "survey", "--home", str(home), "--no-progress", "corpus", "import",
                    str(corpus), "--name", "mini"], check=True, capture_output=True, cwd=tmp_path)
    out = subprocess.run([sys.executable, "-c", NOTEBOOK, str(query), str(home)],
                         capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["fetched"] == 4 + 4 * 3 + 3 + 3  # window totals, per-year counts, the years' totals and abstracts
    assert got["columns"][:8] == ["source", "window", "year_from", "year_to", "year", "method", "task", "count"]
    assert got["cells"] == {"LSTM:classification:all time": 1, "LSTM:total:all time": 2,
                            "CNN:classification:all time": 2, "CNN:total:all time": 2}
    assert got["year_rows"] == 4 * 3 and got["year_methods"] == ["CNN", "LSTM"]  # no "(all works)" or "(works with an abstract)" rows
    assert got["works"] == {"2015": 1, "2016": 1, "2017": 1}  # JSON keys are text
    assert got["with_abstract"] == {"2015": 0, "2016": 0, "2017": 0}  # none of the three has an abstract
    assert got["unknown"].startswith("unknown source 'openalx'; valid sources: openalex,")


def test_the_api_raises_the_cli_s_typed_errors(tmp_path):
    import survey

    bad = tmp_path / "bad.toml"
    bad.write_text("[methods]\nA = []\n[tasks]\nt = []\n", encoding="utf-8")
    with pytest.raises(survey.QueryFileError, match=r"bad.toml:2: method 'A' has no terms"):
        survey.counts(bad, home=tmp_path / "home")


def test_init_writes_a_valid_commented_query_file_and_never_overwrites(tmp_path):
    from click.testing import CliRunner

    from survey.cli import main
    from survey.matrix import TermSpec
    from survey.query_file import load_matrix

    target = tmp_path / "mine.toml"
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "h"), "init", "mine", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    for word in ("[methods]", "[tasks]", "[[windows]]", "[trend]", "exact = true", "# reference", "# stem = false"):
        assert word in text
    matrix = load_matrix(target)
    assert list(matrix.methods) == ["Transformer", "RNN", "CNN"]
    assert TermSpec("transformer", True) in matrix.methods["Transformer"]
    again = CliRunner().invoke(main, ["--home", str(tmp_path / "h"), "init", "mine", "-o", str(target)])
    assert again.exit_code == 2 and "exists" in again.output and target.read_text(encoding="utf-8") == text


def test_the_second_example_has_three_methods_and_exact_terms():
    from survey.matrix import describe
    from survey.query_file import load_matrix

    matrix = load_matrix(REPO / "queries" / "transformer_rnn_cnn.toml")
    assert len(matrix.methods) == 3 and len(matrix.ratios) == 3
    assert describe(matrix.cell("Transformer", "total").query).startswith("(=transformer OR =transformers")
    assert matrix.reference is None and matrix.experiment is None
