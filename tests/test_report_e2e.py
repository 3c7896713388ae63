"""End to end on real records: ACL Anthology corpus -> refresh --by-year -> report -> audit, via the CLI."""

from __future__ import annotations

import gzip
import json
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from aclscan import Scan, kept
from survey.cli import main
from survey.reporting.render import md

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

    # Tables parse: which sections hold them (per window, per published table, three trend tables, ...).
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    section, tables = None, []
    for i, t in enumerate(tokens):
        if t.type == "heading_open" and t.tag == "h2":
            section = tokens[i + 1].content.split(".")[0]
        tables += [section] if t.type == "table_open" else []
    assert tables == ["2", "2", "3", "3", "4", "4", "4", "4", "5", "8", "10", "13", "13", "13", "14"]

    # Every count cell and ratio equals a plain scan of the imported lines (tests/aclscan.py).
    study = tomllib.loads((REPO / QUERY).read_text(encoding="utf-8"))
    methods, tasks = study["methods"], study["tasks"]
    records = [json.loads(line) for line in acl_records.read_text(encoding="utf-8").splitlines()]
    scan = Scan(records)

    def count(method, task, start=None, end=None):
        return scan.count([methods[method]] + ([tasks[task]] if tasks[task] else []), start, end)

    for heading, start in (("since 2006 (2006–now)", 2006), ("all time (all years)", None)):
        table = text.split(f"### `local:acl`, {heading}")[1].split("###")[0]
        rows = {cells[0]: cells[1:] for cells in (
            [c.strip() for c in line.strip().strip("|").split("|")] for line in table.splitlines() if line.startswith("| "))}
        for method in methods:
            assert rows[method] == [str(count(method, t, start)) for t in tasks]
        for t, share, ratio in zip(tasks, rows["LSTM share"], rows["LSTM:CNN"]):
            lstm, cnn = count("LSTM", t, start), count("CNN", t, start)
            # point estimates here; the intervals after them are the evidence code's to check
            assert share.startswith(f"{round(100 * lstm / (lstm + cnn))}% [")
            assert ratio.startswith(f"{lstm / cnn:.2f} [")
    # 238 since LSTM inside CJK text counts as a word (three such records in these lines; 235 before)
    assert count("LSTM", "total", 2006) == 238, "the fixed input: sample + the first 400 lines naming a method"

    # Trends: the figures of a corpus (shares with bands and fits, matches per 1,000 works), each a real PNG.
    trends = text.split("## 4. Trends")[1].split("## 5.")[0]
    figures = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", trends)
    assert figures == [f"figures/lstm_vs_cnn_local-acl_{kind}.png" for kind in ("share_by_year", "per_1000_by_year")]
    for f in figures:
        assert (out.parent / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| year | LSTM | CNN | LSTM share | CNN share | all records | LSTM per 1,000 | CNN per 1,000 |" in trends
    assert "**The recent change** (matches per 1,000 works)" in trends and "Every fitted segment" in trends
    headline = text.split("## 1.")[1].split("## 2.")[0]
    assert "- **Recent change in `local:acl`, overall** (matches per 1,000 works" in headline  # the headline leads with it
    assert headline.index("Recent change") < headline.index("`local:acl`, since 2006")
    shown = re.findall(r"^\| (\d{4}) \| (\d+) \| (\d+) \| (\d+)% \[[^]]*\] \| (\d+)% \[[^]]*\] \| (\d+) \|", trends, re.M)
    assert [int(y) for y, *_ in shown] == list(range(2016, 2021))
    for year, lstm, cnn, share, cnn_share, everything in shown:
        y = int(year)
        expected = (count("LSTM", "total", y, y), count("CNN", "total", y, y))
        assert (int(lstm), int(cnn)) == expected
        assert (int(share), int(cnn_share)) == (round(100 * expected[0] / sum(expected)), round(100 * expected[1] / sum(expected)))
        assert int(everything) == sum(1 for r in kept(records) if r["year"] == y)

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
