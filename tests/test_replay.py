"""The manifest beside a report, and `survey replay` on a local corpus: no drift, then drift after a re-import."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from survey.cli import main

REPO = Path(__file__).resolve().parents[1]
# The report needs an experiment file: on main a query file without one fails in that section.
QUERY = f"""
name = "mini"
experiment = "{(REPO / 'data' / 'experiments' / 'reference.json').as_posix()}"
[methods]
CNN = ["CNN", "convolutional neural network"]
LSTM = ["LSTM"]
[tasks]
tagging = ["tagging"]
total = []
[[windows]]
name = "all time"
[trend]
from = 2014
to = 2016
"""

RECORDS = [
    {"id": "a", "title": "A CNN for tagging", "abstract": "", "year": 2014},
    {"id": "b", "title": "An LSTM tagger", "abstract": "tagging with an LSTM", "year": 2015},
    {"id": "c", "title": "Convolutional neural networks", "abstract": "", "year": 2016},
]


def run(*args):
    return CliRunner().invoke(main, ["--no-progress", *args])


def _corpus(tmp_path, records):
    src = tmp_path / "mini.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return src


def test_replay_without_and_with_drift(home, tmp_path):
    query = tmp_path / "mini.toml"
    query.write_text(QUERY, encoding="utf-8")
    assert run("corpus", "import", str(_corpus(tmp_path, RECORDS)), "--name", "mini").exit_code == 0
    assert run("refresh", "-q", str(query), "-s", "local:mini", "--by-year").exit_code == 0
    out = tmp_path / "out" / "mini.md"
    r = run("report", "-q", str(query), "-o", str(out), "-s", "local:mini")
    assert r.exit_code == 0, r.output

    manifest = out.with_name("mini.manifest.json")
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    assert doc["format"] == "survey-manifest/1" and doc["tool"]["name"] == "survey"
    assert doc["query_file"]["sha256"] == hashlib.sha256(query.read_bytes()).hexdigest()
    cnn_total = [o for o in doc["observations"] if (o["method"], o["task"], o["year"]) == ("CNN", "total", None)]
    assert len(cnn_total) == 1 and cnn_total[0]["count"] == 2 and cnn_total[0]["source"] == "local:mini"
    assert {"corpus", "query", "window", "fetched_at"} <= set(cnn_total[0])
    # 4 cells x (the window + 3 trend years), and all works and works with an abstract in each trend year.
    assert len(doc["observations"]) == 4 * (1 + 3) + 3 + 3
    assert [o["count"] for o in doc["observations"] if o["method"] == "(all works)"] == [1, 1, 1]
    assert [o["count"] for o in doc["observations"] if o["method"] == "(works with an abstract)"] == [0, 1, 0]

    same = run("replay", str(manifest))
    assert same.exit_code == 0, same.output
    assert "22 counts replayed, 0 changed" in same.stderr and same.stdout == ""

    # One more CNN paper of 2015, imported over the corpus: CNN:total and CNN in 2015 move by one.
    more = RECORDS + [{"id": "d", "title": "Deep CNN encoders", "abstract": "", "year": 2015}]
    assert run("corpus", "import", str(_corpus(tmp_path, more)), "--name", "mini", "--replace").exit_code == 0
    drift = run("replay", str(manifest), "-s", "local:mini")
    assert drift.exit_code == 1, drift.output
    lines = sorted(drift.stdout.splitlines())
    assert lines == ["local:mini  (all works):(all works)  2015: 1 -> 2, +1 (+100.0%)",
                     "local:mini  CNN:total  2015: 0 -> 1, +1; corpus content changed since",
                     "local:mini  CNN:total  all time: 2 -> 3, +1 (+50.0%); corpus content changed since"]
    assert "22 counts replayed, 3 changed" in drift.stderr


def test_replay_of_a_file_that_is_not_a_manifest_is_one_line(home, tmp_path):
    bad = tmp_path / "x.manifest.json"
    bad.write_text('{"observations": []}', encoding="utf-8")
    r = run("replay", str(bad))
    assert r.exit_code == 2 and "not a survey manifest" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run("replay", str(tmp_path / "missing.json"))
    assert r.exit_code == 2 and "no such manifest" in r.stderr


def test_a_source_not_on_this_machine_is_named_not_fatal(home, tmp_path):
    doc = {"format": "survey-manifest/1", "observations": [{
        "source": "local:gone", "corpus": "", "method": "CNN", "task": "total", "method_terms": [{"term": "CNN", "exact": False}],
        "task_terms": [], "window": "all time", "year_from": None, "year_to": None, "year": None,
        "query": "q", "count": 3, "status": "ok", "fetched_at": "2026-01-01T00:00:00.000000Z"}]}
    path = tmp_path / "m.manifest.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    r = run("replay", str(path))
    # nothing could be checked: not a pass (0), but exit 3 with one line saying what and why
    assert r.exit_code == 3 and r.stdout == ""
    assert r.stderr == ("nothing replayed: local:gone: 1 count not replayed (no corpus named gone on this machine; "
                        "import it with `survey corpus import FILE --name gone`)\n")


def test_each_kind_of_change_is_one_plain_line(home, tmp_path, monkeypatch):
    from survey import api
    from survey.reporting.manifest import Change, Replay

    result = Replay(checked=4, not_replayed=["local:acl CNN:total 2018: the source's answer now has no count for this year"],
                    changes=[Change("local:acl", "CNN:total", "all time", 1200, 1250),
                             Change("local:acl", "CNN:total", "2016", 0, 3, "corpus content changed since"),
                             Change("local:acl", "LSTM:total", "recent", 4, None, "the query compiles differently now"),
                             Change("local:acl", "LSTM:total", "2010", None, 7)])
    monkeypatch.setattr(api, "replay", lambda *args, **kwargs: result)
    path = tmp_path / "m.manifest.json"
    path.write_text("{}", encoding="utf-8")
    r = run("replay", str(path))
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [
        "local:acl  CNN:total  all time: 1,200 -> 1,250, +50 (+4.2%)",
        "local:acl  CNN:total  2016: 0 -> 3, +3; corpus content changed since",
        "local:acl  LSTM:total  recent: 4 -> not comparable (the query compiles differently now)",
        "local:acl  LSTM:total  2010: no count -> 7",
    ]
    assert r.stderr.splitlines() == [
        "skipped: local:acl CNN:total 2018: the source's answer now has no count for this year",
        "4 counts replayed, 4 changed, 1 skipped (above)",
    ]


def test_a_partial_replay_names_what_it_skipped_and_exits_3(home, tmp_path, monkeypatch):
    from survey import api
    from survey.reporting.manifest import Replay

    result = Replay(checked=3, not_replayed=["openalex: 2 counts not replayed (unknown source 'openalex'; ...)"])
    monkeypatch.setattr(api, "replay", lambda *args, **kwargs: result)
    r = run("replay", str(tmp_path / "m.manifest.json"))
    assert r.exit_code == 3 and r.stdout == ""
    assert r.stderr.splitlines() == ["skipped: openalex: 2 counts not replayed (unknown source 'openalex'; ...)",
                                     "3 counts replayed, 0 changed, 1 skipped (above)"]


TITLES_EXACT = """
name = "titled"
fields = "title"
[methods]
CNN = [{ term = "CNN", exact = true }, "convolutional neural network"]
LSTM = ["LSTM"]
[tasks]
tagging = ["tagging", { term = "taggers", exact = true }]
total = []
[[windows]]
name = "all time"
[[windows]]
name = "early"
to = 2014
[trend]
from = 2014
to = 2016
"""


def _fresh_manifest(tmp_path, text: str):
    """Import, refresh, robustness and report on a small corpus: the report's manifest and its JSON."""
    query = tmp_path / "q.toml"
    query.write_text(text, encoding="utf-8")
    # every single-term variant matches some title: the specification curve's known crash on a variant
    # that matches nothing is another test's (test_report_any_query.py)
    records = RECORDS + [{"id": "e", "title": "CNN taggers", "abstract": "", "year": 2014},
                         {"id": "f", "title": "Convolutional neural network tagging", "abstract": "", "year": 2015}]
    assert run("corpus", "import", str(_corpus(tmp_path, records)), "--name", "mini").exit_code == 0
    assert run("refresh", "-q", str(query), "-s", "local:mini", "--by-year").exit_code == 0
    assert run("robustness", "-q", str(query), "-s", "local:mini").exit_code == 0
    out = tmp_path / "out" / "q.md"
    assert run("report", "-q", str(query), "-o", str(out), "-s", "local:mini").exit_code == 0
    manifest = out.with_name("q.manifest.json")
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    assert any(o.get("fields") == "title" for o in doc["observations"]), "the titles-only counts are in the manifest"
    return manifest, doc


@pytest.mark.parametrize("text", [QUERY, TITLES_EXACT], ids=["default fields", "titles only, exact terms"])
def test_a_fresh_report_replays_unchanged_whatever_it_holds(home, tmp_path, text):
    """Variants (titles only among them), exact terms and per-year rows: zero changes, exit 0."""
    manifest, doc = _fresh_manifest(tmp_path, text)
    r = run("replay", str(manifest))
    assert r.exit_code == 0, r.output
    assert r.stdout == "" and r.stderr == f"{len(doc['observations'])} counts replayed, 0 changed\n"


def test_a_manifest_from_before_fields_were_recorded_replays_its_titles_only_counts(home, tmp_path):
    """Manifests written before the "fields" key existed hold titles-only counts without saying so;
    the query they record was sent is the titles-only one, so replay takes that reading, not a drift."""
    manifest, doc = _fresh_manifest(tmp_path, QUERY)
    for o in doc["observations"]:
        o.pop("fields", None)
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    r = run("replay", str(manifest))
    assert r.exit_code == 0, r.output
    assert r.stderr == f"{len(doc['observations'])} counts replayed, 0 changed\n"


@pytest.mark.parametrize("change", [
    {"method_terms": "CNN"}, {"year_from": "2016"}, {"source": ["local:acl"]}, {"year": [2016]},
    {"task_terms": None}, {"count": "[" * 100_000},
])
def test_a_malformed_manifest_is_one_line_and_exit_2(home, tmp_path, change):
    good = {"source": "local:acl", "corpus": "", "method": "CNN", "task": "total",
            "method_terms": [{"term": "CNN", "exact": False}], "task_terms": [], "window": "all time",
            "year_from": None, "year_to": None, "year": None, "query": "q", "count": 3, "status": "ok",
            "fetched_at": "2026-01-01T00:00:00.000000Z"}
    text = json.dumps({"format": "survey-manifest/1", "observations": [good, {**good, **change}]})
    path = tmp_path / "m.manifest.json"
    path.write_text(text.replace('"' + "[" * 100_000 + '"', "[" * 100_000 + "]" * 100_000), encoding="utf-8")
    r = run("replay", str(path))
    assert r.exit_code == 2 and r.stdout == "", r.output
    line, = r.stderr.strip().splitlines()
    assert line.startswith(f"error: {path}: ")
    assert "observation 2: " + next(iter(change)) in line or "nested too deeply" in line
