"""A report renders for any query file: small query files and corpora drawn by hypothesis, the
commands a user runs (refresh, robustness, labels, report) in every order, never a traceback."""

from __future__ import annotations

import csv
import tempfile
import traceback
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpuskit import write_jsonl
from survey.cli import main

METHODS = {"LSTM": ["LSTM", "long short-term memory"], "CNN": ["CNN", "convolutional network"], "GRU": ["GRU"],
           "SVM": ["SVM", "support vector machine"], "HMM": ["HMM"]}
TASKS = {"classification": ["classification"], "tagging": ["tagging", "tagger"], "translation": ["machine translation"],
         "dialog": ["dialog", "dialogue"], "parsing": ["parsing"], "total": []}
# (name, from, to): open, early (before most records), empty (before every record), recent
WINDOWS = [("all time", None, None), ("early", 2009, 2011), ("empty", 1990, 1995), ("since 2014", 2014, None),
           ("to 2012", None, 2012)]
WORDS = sorted({w for terms in (*METHODS.values(), *TASKS.values()) for t in terms for w in t.split()}
               | {"a", "model", "for", "of", "neural", "study"})


def _terms(terms, exact: bool) -> str:
    return "[" + ", ".join(f'{{ term = "{t}", exact = true }}' if exact else f'"{t}"' for t in terms) + "]"


@st.composite
def query_files(draw) -> tuple[str, str, bool]:
    methods = draw(st.lists(st.sampled_from(sorted(METHODS)), min_size=1, max_size=5, unique=True))
    tasks = draw(st.lists(st.sampled_from(sorted(TASKS)), min_size=1, max_size=6, unique=True))
    windows = draw(st.lists(st.sampled_from(WINDOWS), min_size=1, max_size=3, unique=True))
    exact = draw(st.lists(st.booleans(), min_size=len(methods), max_size=len(methods)))
    titles_only = draw(st.booleans())
    trend = draw(st.booleans())
    lines = ['name = "drawn"', 'fields = "title"' if titles_only else "", "[methods]"]
    lines += [f'{m} = {_terms(METHODS[m], e)}' for m, e in zip(methods, exact)]
    lines += ["[tasks]"] + [f'{t} = {_terms(TASKS[t], False)}' for t in tasks]
    for name, start, end in windows:
        lines += ["[[windows]]", f'name = "{name}"'] + ([f"from = {start}"] if start else []) + ([f"to = {end}"] if end else [])
    if trend:
        lines += ["[trend]", "from = 2012", "to = 2016"]
    return "\n".join(lines) + "\n", f"{methods[0]}:{tasks[0]}", trend


records = st.lists(
    st.tuples(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6), st.integers(2008, 2018),
              st.lists(st.sampled_from(WORDS), max_size=8)),
    min_size=1, max_size=12,
).map(lambda rows: [{"id": f"r{i}", "title": " ".join(t), "abstract": " ".join(a), "year": y}
                    for i, (t, y, a) in enumerate(rows)])

STEPS = ["refresh", "robustness", "labels", "report"]


def invoke(home: Path, *args):
    result = CliRunner().invoke(main, ["--home", str(home), "--config", str(home / "none.toml"), "--no-progress",
                                       *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"`survey {' '.join(args)}` ended in a traceback:\n"
                             + "".join(traceback.format_exception(result.exception)))
    return result


def label_some(home: Path, query: Path, cell: str, tmp: Path) -> None:
    """Export a cell's sample for a spreadsheet, judge it (alternately yes and no) and import it."""
    path = tmp / "labels.csv"
    exported = invoke(home, "audit", "-q", str(query), "-s", "local:drawn", "--cell", cell, "-n", "5",
                      "--export-labels", str(path))
    if exported.exit_code != 0:
        assert exported.exit_code == 2 and len(exported.stderr.strip().splitlines()) == 1, exported.output
        return
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for n, row in enumerate(rows):
        row["relevant"] = "TRUE" if n % 2 == 0 else "FALSE"
    if rows:
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    imported = invoke(home, "audit", "-q", str(query), "-s", "local:drawn", "--cell", cell, "--import-labels", str(path))
    assert imported.exit_code in (0, 1), imported.output


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(query_files(), records, st.permutations(STEPS))
def test_a_report_renders_for_any_query_file_after_any_order_of_commands(drawn, corpus, order):
    text, cell, trend = drawn
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        home, query, out = tmp / "home", tmp / "drawn.toml", tmp / "out" / "drawn.md"
        query.write_text(text, encoding="utf-8")
        home.mkdir()
        (home / "none.toml").write_text("", encoding="utf-8")  # no settings from the environment
        imported = invoke(home, "corpus", "import", str(write_jsonl(tmp / "c.jsonl", corpus)), "--name", "drawn")
        assert imported.exit_code == 0, imported.output
        run_steps(home, query, out, tmp, order, cell, trend)


def run_steps(home: Path, query: Path, out: Path, tmp: Path, order, cell: str, trend: bool) -> None:
    for step in order:
        if step == "refresh":
            r = invoke(home, "refresh", "-q", str(query), "-s", "local:drawn", *(["--by-year"] if trend else []))
            assert r.exit_code == 0, r.output
        elif step == "robustness":
            r = invoke(home, "robustness", "-q", str(query), "-s", "local:drawn")
            assert r.exit_code == 0, r.output
        elif step == "labels":
            label_some(home, query, cell, tmp)
        else:
            r = invoke(home, "report", "-q", str(query), "-o", str(out), "-s", "local:drawn")
            assert r.exit_code == 0, r.output
            assert out.read_text(encoding="utf-8").startswith("# drawn: what the literature counts say")


EARLY_FIRST = """
name = "early"
[methods]
LSTM = ["LSTM", "long short-term memory"]
CNN = ["CNN", "convolutional neural network"]
[tasks]
classification = ["classification"]
total = []
[[windows]]
name = "2012-2016"
from = 2012
to = 2016
[[windows]]
name = "all time"
"""


def test_report_after_robustness_when_an_early_first_window_has_a_variant_matching_nothing(tmp_path):
    """The issue's example: first window 2012-2016; 'long short-term memory' and 'convolutional neural
    network' alone match nothing there, while each task has a leader."""
    home, query, out = tmp_path / "home", tmp_path / "early.toml", tmp_path / "out" / "early.md"
    home.mkdir()
    (home / "none.toml").write_text("", encoding="utf-8")
    query.write_text(EARLY_FIRST, encoding="utf-8")
    corpus = [{"id": f"r{i}", "title": t, "abstract": "", "year": y} for i, (t, y) in enumerate([
        ("CNN classification", 2013), ("CNN classification again", 2014), ("LSTM classification", 2015),
        ("A long short-term memory", 2019), ("A convolutional neural network", 2020)])]
    assert invoke(home, "corpus", "import", str(write_jsonl(tmp_path / "c.jsonl", corpus)), "--name", "drawn").exit_code == 0
    assert invoke(home, "refresh", "-q", str(query), "-s", "local:drawn").exit_code == 0
    assert invoke(home, "robustness", "-q", str(query), "-s", "local:drawn").exit_code == 0
    r = invoke(home, "report", "-q", str(query), "-o", str(out), "-s", "local:drawn")
    assert r.exit_code == 0 and out.is_file(), r.output
