"""`make report` in a clone with nothing beside it: nothing committed is deleted or degraded."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def git(*args, cwd) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_make_report_in_a_bare_clone_keeps_the_committed_results(tmp_path):
    if shutil.which("git") is None or shutil.which("make") is None or not (REPO / ".git").exists():
        pytest.skip("needs git, make and a git checkout")
    clone = tmp_path / "clone"  # no ../shared beside it
    git("clone", "--quiet", str(REPO), str(clone), cwd=tmp_path)
    committed = (clone / "reports" / "lstm_vs_cnn.md").read_text(encoding="utf-8")
    venv = Path(sys.executable).parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    # This interpreter's environment stands in for the venv make would create (-o: never rebuilt);
    # --offline: the refresh step plans every source but sends nothing (no test touches the network).
    run = subprocess.run(["make", "report", f"VENV={venv}", "-o", f"{venv}/bin/survey", "SOURCES=--all --offline"],
                         cwd=clone, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no ACL Anthology corpus at ../shared" in run.stdout + run.stderr
    # every committed file as it was: the report derives from the committed counts, not the clock
    assert git("status", "--porcelain", cwd=clone) == ""

    report = (clone / "reports" / "lstm_vs_cnn.md").read_text(encoding="utf-8")
    rows = list(csv.DictReader(open(clone / "data" / "counts" / "lstm_vs_cnn.csv", encoding="utf-8")))
    totals = {(r["method"], r["window"]): r["count"] for r in rows
              if r["source"] == "local:acl" and r["task"] == "total" and r["year"] == "" and r["status"] == "ok"}
    assert len(totals) == 4
    for (method, window), count in totals.items():
        assert f"{int(count):,}" in report or count in report, (method, window, count)
    # every table row of counts in the committed report is still there
    count_rows = [line for line in committed.splitlines() if line.startswith(("| LSTM |", "| CNN |"))]
    assert count_rows and all(line in report for line in count_rows)
    assert "Where `local:acl`'s counts come from" in report
    # the precision audit's samples come from the committed samples file, not from the absent corpus
    samples = [line for line in committed.splitlines() if line.startswith("- 20")]
    assert samples and all(line in report for line in samples)
    # so do the other facts read from the corpus itself: records matching two methods, import provenance
    kept = [line for line in committed.splitlines() if "records match both" in line or " was imported from " in line]
    assert len(kept) >= 2 and all(line in report for line in kept), kept
