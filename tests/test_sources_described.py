"""The committed worked-example report describes every online source as the source describes
itself now: what it searches, its AND/OR, phrase and stemming support, and its known biases.
A source whose description changed without the report being regenerated fails here, long
before the slow fresh-clone test would."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.reporting.text import md
from survey.sources import REGISTRY, make_source
from survey.config import Settings

REPORT = Path(__file__).resolve().parents[1] / "reports" / "lstm_vs_cnn.md"


def report_lines() -> list[str]:
    if not REPORT.is_file():
        pytest.skip(f"{REPORT} is absent")
    return REPORT.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_the_committed_report_shows_each_source_as_it_is(name, tmp_path):
    caps = make_source(name, Settings(home=tmp_path, env={})).capabilities
    lines = report_lines()
    row = next(line for line in lines if line.startswith(f"| `{name}` | ") and line.count("|") == 11)
    yes = ["yes" if v else "no" for v in (caps.boolean, caps.phrases, caps.stemming)]
    assert row.split(" | ")[1:5] == [md(caps.fields), *yes]
    assert f"- `{name}`: {md(caps.notes)}" in lines
