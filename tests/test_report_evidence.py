"""The report's precision, robustness and search-appendix sections, and `survey robustness`, on a small corpus."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from survey.cli import main

REPO = Path(__file__).resolve().parents[1]
QUERY = f"""
name = "mini"
experiment = "{(REPO / 'data' / 'experiments' / 'reference.json').as_posix()}"
[methods]
CNN = ["CNN", "convolutional neural network"]
LSTM = ["LSTM", "long short-term memory"]
[tasks]
tagging = ["tagging", "tagger"]
total = []
[[windows]]
name = "all time"
"""

# CNN leads in total on counts (6 to 4) by its acronym; LSTM leads by full names (3 to 1).
RECORDS = [
    *[{"id": f"C{i}", "title": f"A CNN model {i}", "abstract": "", "year": 2015} for i in range(5)],
    {"id": "C5", "title": "Convolutional neural network tagging", "abstract": "", "year": 2016},
    {"id": "L0", "title": "An LSTM tagger", "abstract": "", "year": 2016},
    *[{"id": f"L{i}", "title": f"Long short-term memory study {i}", "abstract": "", "year": 2017} for i in range(1, 4)],
]


def run(*args):
    return CliRunner().invoke(main, ["--no-progress", *args])


@pytest.fixture
def study(home, tmp_path):
    src = tmp_path / "mini.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    assert run("corpus", "import", str(src), "--name", "mini").exit_code == 0
    query = tmp_path / "mini.toml"
    query.write_text(QUERY, encoding="utf-8")
    assert run("refresh", "-q", str(query), "-s", "local:mini").exit_code == 0
    return query, src


def _section(text: str, title: str) -> str:
    """A top-level section's body, found by its title whatever its number."""
    import re

    return re.split(r"\n## \d+\. " + re.escape(title) + "\n", text)[1].split("\n## ")[0]


def test_robustness_csv_counts_and_caches_every_variant(study, home):
    query, _ = study
    r = run("robustness", "-q", str(query), "-s", "local:mini", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == ["source", "window", "task", "variant", "method", "count", "share"]
    by = {(x["task"], x["variant"], x["method"]): x for x in rows}
    assert by[("total", "as written", "CNN")]["count"] == "6" and by[("total", "as written", "CNN")]["share"] == "0.6000"
    assert by[("total", "every method by term 2 only: convolutional neural network / long short-term memory", "LSTM")]["count"] == "3"
    # The tasks-without-synonyms variant changes only "tagging", so it has no "total" rows.
    assert ("total", "tasks by their first term only", "CNN") not in by
    assert by[("tagging", "tasks by their first term only", "LSTM")]["count"] == "0"

    import sqlite3

    def stored() -> int:
        with sqlite3.connect(home / "cache.sqlite") as conn:
            return conn.execute("SELECT count(*) FROM observations").fetchone()[0]

    before = stored()
    again = run("robustness", "-q", str(query), "-s", "local:mini", "--format", "csv")
    after = stored()
    assert again.stdout == r.stdout and before == after  # the second run reads the cache only

    table = run("robustness", "-q", str(query), "-s", "local:mini")
    assert table.exit_code == 0
    total_line = next(ln for ln in table.stdout.splitlines() if " total " in ln)
    # 6 to 4 is no clear lead (60% of 10, interval 31-83%), so there is nothing to flip
    assert "no clear leader (CNN most)" in total_line and "no lead to hold" in total_line


def test_report_sections_with_committed_labels_variants_and_appendix(study, home, tmp_path):
    query, src = study
    labels = tmp_path / "labels"
    labels.mkdir()
    export = labels / "cnn_total.csv"
    r = run("audit", "-q", str(query), "-s", "local:mini", "--cell", "CNN:total", "-n", "4", "--export-labels", str(export))
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(export.open(encoding="utf-8")))
    for row, value in zip(rows, ["1", "0", "0", "1"]):
        row["relevant"] = value
    with export.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    # The labels store is left empty: the report must read the committed file alone.
    (home / "labels.sqlite").unlink()

    out = tmp_path / "out" / "mini.md"
    r = run("report", "-q", str(query), "-o", str(out), "-s", "local:mini", "--labels", str(labels))
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")

    precision = _section(text, "Labelled precision")
    # 2 of 4: Wilson 15%-85%; 6 * 0.5 = 3; the 2 judged relevant are known, the 2 not judged may be: 2 to 4
    assert "| CNN:total | 6 | 2 of 4 | 50% (15%–85%) | 3 (2–4) |" in precision
    # the headline's rules on both: 6 to 4 is no clear lead, and corrected no lead either: nothing changes
    assert "`local:mini`, all time, total: unchanged: no clear leader (CNN most)" in precision
    assert "corrected: CNN, the other methods as counted" in precision
    assert "3 counted cells have no labels" in precision and "--label -n 30" in precision

    robustness = _section(text, "Robustness across query variants")
    assert "the variants are not counted yet" in robustness
    assert f"survey robustness -q {query}" in robustness or "survey robustness -q" in robustness

    appendix = _section(text, "Search appendix (PRISMA-S)")
    assert hashlib.sha256(src.read_bytes()).hexdigest() in appendix
    assert "`local:mini` was imported from `mini.jsonl` (SHA-256" in appendix and "10 records read" in appendix
    assert "[mini.plan.csv](mini.plan.csv)" in appendix and "[mini.manifest.json](mini.manifest.json)" in appendix
    assert "| `local:mini` |" in appendix and "title and abstract" in appendix

    assert run("robustness", "-q", str(query), "-s", "local:mini").exit_code == 0
    r = run("report", "-q", str(query), "-o", str(out), "-s", "local:mini", "--labels", str(labels))
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    robustness = _section(text, "Robustness across query variants")
    assert "| all time | total | no clear leader (CNN most) | no lead to hold |" in robustness
    figure = out.parent / "figures" / "mini_local-mini_specification_curve.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "figures/mini_local-mini_specification_curve.png" in robustness
    manifest = json.loads(out.with_name("mini.manifest.json").read_text(encoding="utf-8"))
    queries = {o["query"] for o in manifest["observations"]}
    assert len(queries) == len(manifest["observations"])  # no count twice
    assert any(o["method_terms"] == [{"term": "LSTM", "exact": False}] for o in manifest["observations"])


def test_labels_for_another_query_do_not_correct_this_one(study, home, tmp_path):
    from survey.reporting.precision import gather
    from survey.labels import Label
    from survey import api
    from survey.query_file import load_matrix

    query, _ = study
    with api._store(api.load_settings()) as store:
        reading = api.read(load_matrix(query), store, api.load_settings(), ["local:mini"], by_year=False)
        reading.close()
    item = next(i for i in reading.items if (i.cell.method, i.cell.task) == ("CNN", "total"))
    other = Label("local:mini", "", "CNN", "total", item.query + " AND year > 2000", None, None, "C1", True, "t", "x")
    mine = Label("local:mini", "", "CNN", "total", item.query, None, None, "C1", False, "t", "x")
    cells = {(c.method, c.task): c for c in gather(reading.items, [other, mine]).cells}
    p = cells[("CNN", "total")].precision
    assert (p.relevant, p.judged) == (0, 1)
    assert cells[("LSTM", "total")].precision is None


def test_committed_variant_counts_give_a_clone_without_the_corpus_the_same_sections(study, home, tmp_path):
    query, _ = study
    counts, variants = tmp_path / "counts.csv", tmp_path / "variants.csv"
    r = run("robustness", "-q", str(query), "-s", "local:mini", "--export-counts", str(variants))
    assert r.exit_code == 0 and "variant counts written" in r.stderr
    assert run("cache", "export", str(counts), "-q", str(query)).exit_code == 0
    here = tmp_path / "here.md"
    assert run("report", "-q", str(query), "-o", str(here), "-s", "local:mini").exit_code == 0

    clone = tmp_path / "clone"  # no corpus, an empty cache: only the committed files
    for f in (counts, variants):
        assert run("--home", str(clone), "cache", "import", str(f)).exit_code == 0
    there = tmp_path / "there.md"
    r = run("--home", str(clone), "report", "-q", str(query), "-o", str(there), "-s", "local:mini")
    assert r.exit_code == 0, r.output
    section = lambda p: _section(p.read_text(encoding="utf-8"), "Robustness across query variants")  # noqa: E731
    assert "| all time | total | no clear leader (CNN most) | no lead to hold |" in section(there)
    assert section(there).replace("there", "here") == section(here)
