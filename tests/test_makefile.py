"""`make report` with a stand-in `survey`: an expected condition (a source that cannot be reached,
exit 1) prints no make error and the report is still made; bad input (exit 2) stops it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def make_report(tmp_path: Path, refresh_exit: int) -> subprocess.CompletedProcess:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    survey = venv / "bin" / "survey"
    calls = tmp_path / "calls"
    # every command succeeds but `refresh`, which exits as told; `corpus stats` finds no corpus
    survey.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n'
                      f'case "$1" in refresh) exit {refresh_exit};; corpus) exit 2;; esac\nexit 0\n', encoding="utf-8")
    survey.chmod(0o755)
    # not a sub-make of `make mutation`, whose flags would add "Entering directory" lines
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    return subprocess.run(["make", "report", f"VENV={venv}", "-o", f"{venv}/bin/survey", f"ACL={tmp_path}/none.gz",
                           f"SURVEY_HOME={tmp_path}/home"], cwd=REPO, capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture(autouse=True)
def _needs_make():
    if shutil.which("make") is None:
        pytest.skip("needs make")


def test_an_unreachable_source_is_no_make_error_and_the_report_is_made(tmp_path):
    run = make_report(tmp_path, refresh_exit=1)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Error" not in run.stdout + run.stderr and "ignored" not in run.stdout + run.stderr
    assert (tmp_path / "calls").read_text(encoding="utf-8").splitlines()[-1].startswith("report -q ")


def test_bad_input_to_the_refresh_still_stops_make_report(tmp_path):
    run = make_report(tmp_path, refresh_exit=2)
    assert run.returncode != 0
    assert "Error" in run.stderr
    assert not any(line.startswith("report ") for line in (tmp_path / "calls").read_text(encoding="utf-8").splitlines())
