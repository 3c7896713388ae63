"""`survey report` after `survey robustness` on a small corpus, where a variant matches nothing in the first window."""

from __future__ import annotations

import json

from click.testing import CliRunner

from survey.cli import main

QUERY = """\
name = "early"
[methods]
CNN = ["CNN", "convnet"]
LSTM = ["LSTM", "long short-term memory"]
[tasks]
tagging = ["tagging"]
parsing = ["parsing"]
total = []
[[windows]]
name = "early"
from = 2012
to = 2016
[[windows]]
name = "late"
from = 2017
"""


def records():
    # Acronyms only: every method by its second term (convnet / long short-term memory) matches nothing.
    titles = [("CNN tagging", 2013)] * 14 + [("LSTM tagging", 2014)] * 3 + [("CNN parsing", 2015)] * 2
    titles += [("LSTM parsing", 2018)] * 12 + [("CNN tagging", 2019)] * 4
    return [{"id": f"r{i}", "title": t, "abstract": "", "year": y} for i, (t, y) in enumerate(titles)]


def test_report_after_robustness_with_a_variant_that_matches_nothing(home, tmp_path):
    src = tmp_path / "early.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records()), encoding="utf-8")
    query = tmp_path / "early.toml"
    query.write_text(QUERY, encoding="utf-8")
    run = CliRunner().invoke
    assert run(main, ["--no-progress", "corpus", "import", str(src), "--name", "early"]).exit_code == 0
    assert run(main, ["--no-progress", "refresh", "-q", str(query), "-s", "local:early"]).exit_code == 0
    counted = run(main, ["--no-progress", "robustness", "-q", str(query), "-s", "local:early", "--format", "csv"])
    assert counted.exit_code == 0, counted.output
    assert "every method by term 2 only: convnet / long short-term memory,CNN,0," in counted.output
    out = tmp_path / "r" / "report.md"
    result = run(main, ["--no-progress", "report", "-q", str(query), "-o", str(out)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    curve = out.parent / "figures" / "report_local-early_specification_curve.png"
    assert curve.is_file() and f"]({curve.relative_to(out.parent).as_posix()})" in out.read_text(encoding="utf-8")
    assert not [p for p in out.parent.rglob("*") if p.name.startswith(".")]  # no partial file left behind
