"""The public API survives a rerun: every public function called twice in one process, in varying
orders, with ``sources`` as a string and as a list; and the README's API lines run twice."""

from __future__ import annotations

import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

from corpuskit import write_jsonl

REPO = Path(__file__).resolve().parents[1]

RECORDS = [
    {"id": f"r{i}", "title": title, "abstract": "", "year": year}
    for i, (title, year) in enumerate([
        ("An LSTM for dialogue", 2015), ("A CNN for classification", 2015), ("LSTM classification", 2016),
        ("CNN and LSTM features for classification", 2016), ("A CNN tagger", 2017), ("CNN dialogue", 2017),
        ("LSTM dialogue systems", 2017), ("Attention", 2016),
    ])
]
QUERY = ('[methods]\nLSTM = ["LSTM"]\nCNN = ["CNN"]\n[tasks]\nclassification = ["classification"]\n'
         'dialog = ["dialogue"]\ntotal = []\n[[windows]]\nname = "all time"\n[[windows]]\nname = "early"\nto = 2015\n'
         '[trend]\nfrom = 2015\nto = 2017\n')

# Each public function, once with ``sources`` as a string and once as a list (positional or keyword).
RERUN = r'''
import json, sys
import survey

query, home, out, order = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
calls = {
    "refresh": [lambda: survey.refresh(query, "local:mini", by_year=True, home=home).fetched,
                lambda: survey.refresh(query, sources=["local:mini"], by_year=True, home=home).fetched],
    "plan": [lambda: len(survey.plan(query, "local:mini", home=home)),
             lambda: len(survey.plan(query, sources=["local:mini"], by_year=True, home=home))],
    "counts": [lambda: int(survey.counts(query, "local:mini", home=home)["count"].sum()),
               lambda: int(survey.counts(query, sources=["local:mini"], home=home)["count"].sum())],
    "year_totals": [lambda: int(survey.year_totals(query, "local:mini", home=home)["count"].sum()),
                    lambda: int(survey.year_totals(query, sources=["local:mini"], home=home)["count"].sum())],
    "tables": [lambda: len(survey.tables(query, "local:mini", home=home)[0]),
               lambda: len(survey.tables(query, sources=["local:mini"], home=home)[0])],
    "shares": [lambda: len(survey.shares(query, sources="local:mini", home=home)),
               lambda: len(survey.shares(query, ["local:mini"], home=home))],
    "trend": [lambda: len(survey.trend(query, "local:mini", home=home)),
              lambda: len(survey.trend(query, sources=["local:mini"], home=home))],
    "report": [lambda: survey.report(query, "local:mini", output=out, home=home).path.name,
               lambda: survey.report(query, sources=["local:mini"], output=out, home=home).path.name],
}
public = {n for n in survey.__all__ if callable(getattr(survey, n)) and not isinstance(getattr(survey, n), type)}
assert public == set(calls), sorted(public ^ set(calls))
results = {}
for name in order:
    # the second call of a name is the list form: both must give the same answer
    results.setdefault(name, []).append(calls[name][len(results.get(name, []))]())
    assert all(callable(getattr(survey, n)) and not hasattr(getattr(survey, n), "__path__") for n in public)
print(json.dumps(results))
'''


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rerun")
    corpus = tmp / "mini.jsonl"
    write_jsonl(corpus, RECORDS)
    query = tmp / "q.toml"
    query.write_text(QUERY, encoding="utf-8")
    home = tmp / "home"
    subprocess.run([sys.executable, "-m", "survey", "--home", str(home), "--no-progress", "corpus", "import",
                    str(corpus), "--name", "mini"], check=True, capture_output=True, cwd=tmp)
    return tmp, query, home


ORDERS = {
    "as listed, then reversed": ["refresh", "plan", "counts", "year_totals", "tables", "shares", "trend", "report"],
    "report first": ["report", "trend", "refresh", "shares", "tables", "counts", "plan", "year_totals"],
}


@pytest.mark.parametrize("first", ORDERS.values(), ids=ORDERS.keys())
def test_every_public_function_twice_in_one_process(mini, first):
    tmp, query, home = mini
    order = first + first[::-1]
    out = subprocess.run([sys.executable, "-c", RERUN, str(query), str(home), str(tmp / "out" / "q.md"),
                          ",".join(order)], capture_output=True, text=True, cwd=tmp)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout)
    # the string and the list name the same one source: the same answer both times
    for name in ("plan", "counts", "year_totals", "tables", "shares", "trend", "report"):
        if name != "plan":  # the second plan call adds the per-year items
            assert got[name][0] == got[name][1], name
    # all time: LSTM 2 + 2 + 4, CNN 2 + 1 + 4; to 2015: LSTM 0 + 1 + 1, CNN 1 + 0 + 1
    assert got["counts"][0] == 15 + 4
    assert got["year_totals"][0] == len(RECORDS)
    assert got["tables"][0] == 2  # one table per window
    # and per year: the 6 cells, the works of the year and those with an abstract (a local corpus knows)
    assert got["plan"][0] == 12 and got["plan"][1] == 12 + 6 * 3 + 3 + 3


def test_a_string_is_one_source_never_its_letters(mini):
    import survey

    _, query, home = mini
    with pytest.raises(survey.UnknownSource, match=r"unknown source 'local:nowhere'"):
        survey.counts(query, "local:nowhere", home=home)
    with pytest.raises(survey.BadInput, match=r"trend needs exactly one source .*got 2 \(local:mini, local:mini\)"):
        survey.trend(query, ["local:mini", "local:mini"], home=home)
    with pytest.raises(survey.BadInput, match=r"sources: expected a source name or a list of names.*got 3"):
        survey.counts(query, ["local:mini", 3], home=home)


def test_no_public_name_is_a_submodule_name():
    """Importing survey.X binds X on the package: a module named like a public function would replace it."""
    import survey

    modules = {m.name for m in pkgutil.iter_modules(survey.__path__)}
    assert modules, "survey has submodules"
    assert not set(survey.__all__) & modules


def test_the_readme_api_lines_run_twice_in_one_process(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The Python API", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "survey.refresh(" in block and "survey.report(" in block
    # The README's own paths, beside a small corpus named as the README names it.
    for name in ("queries", "data"):
        (tmp_path / name).symlink_to(REPO / name, target_is_directory=True)
    corpus = tmp_path / "acl.jsonl"
    write_jsonl(corpus, RECORDS)
    env = {**os.environ, "SURVEY_HOME": str(tmp_path / "home")}
    subprocess.run([sys.executable, "-m", "survey", "--no-progress", "corpus", "import", str(corpus), "--name", "acl"],
                   check=True, capture_output=True, cwd=tmp_path, env=env)
    script = f"block = {block!r}\nexec(block)\nexec(block)\nprint(type(frame).__name__, len(frame))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split()[0] == "DataFrame" and int(out.stdout.split()[1]) > 0
    assert (tmp_path / "reports" / "lstm_vs_cnn.md").is_file()


@pytest.mark.parametrize("module", ["survey.api", "survey.api_evidence", "survey.api_records", "survey.api_support"])
def test_each_part_of_the_api_imports_first_in_a_fresh_process(module):
    """The API's halves import their shared helpers one way (survey.api_support): whichever a
    notebook or test imports first, no partially initialised module is met."""
    out = subprocess.run([sys.executable, "-c", f"import {module}, survey; print(callable(survey.refresh))"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr
