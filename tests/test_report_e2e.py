"""End to end on real records: ACL Anthology corpus -> refresh --by-year -> report -> audit, via the CLI."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from survey.cli import main
from survey.report.render import md

REPO = Path(__file__).resolve().parents[1]
QUERY = "queries/lstm_vs_cnn.toml"
# Enough records that mention the methods to give every trend figure something to draw.
MATCHING = 400


@pytest.fixture
def acl_records(acl, tmp_path) -> Path:
    """The 200-record sample (1950s-60s, no matches) plus the first records of the full dump that
    mention LSTM or CNN, so that the run has both dead years and live ones."""
    full = acl / "papers.jsonl.gz"
    if not full.is_file():
        pytest.skip(f"{full} is absent: the full ACL Anthology dump lives in ../shared")
    lines = (acl / "sample.jsonl").read_text(encoding="utf-8").splitlines()
    picked = 0
    with gzip.open(full, "rt", encoding="utf-8") as fh:
        for line in fh:
            if "LSTM" in line or "CNN" in line:
                lines.append(line.rstrip("\n"))
                picked += 1
                if picked == MATCHING:
                    break
    path = tmp_path / "acl.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_corpus_to_report_with_trends_and_audit(home, acl_records, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    run = CliRunner().invoke
    r = run(main, ["--no-progress", "corpus", "import", str(acl_records), "--name", "acl"])
    assert r.exit_code == 0, r.output
    r = run(main, ["--no-progress", "refresh", "-q", QUERY, "-s", "local:acl", "--by-year"])
    assert r.exit_code == 0, r.output

    out = tmp_path / "reports" / "lstm_vs_cnn.md"
    r = run(main, ["report", "-q", QUERY, "-o", str(out), "-s", "local:acl"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip().splitlines()[-1] == str(out)
    text = out.read_text(encoding="utf-8")

    # Tables parse, with the corpus's counts and a ratio row.
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert sum(t.type == "table_open" for t in tokens) >= 6
    acl_table = text.split("### `local:acl`, since 2006")[1].split("###")[0]
    lstm_total = int(re.search(r"^\| LSTM \|(?: \d+ \|){6} (\d+) \|$", acl_table, re.M).group(1))
    assert lstm_total > 50
    assert "| LSTM:CNN |" in acl_table

    # Trends: the figures of a corpus (shares with bands and fits, matches per 1,000 works), each a real PNG.
    trends = text.split("## 4. Trends")[1].split("## 5.")[0]
    figures = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", trends)
    assert figures == [f"figures/lstm_vs_cnn_local-acl_{kind}.png" for kind in ("share_by_year", "per_1000_by_year")]
    for f in figures:
        assert (out.parent / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| year | LSTM | CNN | LSTM share | CNN share | all records | LSTM per 1,000 | CNN per 1,000 |" in trends
    assert "share: odds ratio per year" in trends and "growth per 1,000 works" in trends

    # The audit: real titles per cell, and the same sample from the terminal command.
    audit = text.split("## 6. Precision audit")[1].split("## 7.")[0]
    assert re.search(r"\*\*CNN:total\*\*: 5 of [\d,]+ matched records", audit)
    r = run(main, ["audit", "-q", QUERY, "-s", "local:acl", "--cell", "CNN:total", "-n", "5"])
    assert r.exit_code == 0, r.output
    # One line per record; the indented line under it is the abstract snippet with the matches marked.
    printed = [ln for ln in r.stdout.splitlines()[2:] if not ln.startswith(" ")]
    snippets = [ln for ln in r.stdout.splitlines()[2:] if ln.startswith(" ")]
    assert len(printed) == 5 and snippets and all("**" not in ln for ln in snippets)
    cnn_block = audit.split("**CNN:total**")[1].split("**")[0]
    for line in printed:
        year, ident, title = line.split(None, 2)
        assert f"{year} · " in cnn_block and md(title) in cnn_block
    assert str(tmp_path) not in text and str(home) not in text
