"""Labelling: a session walked through the terminal, resumed, and labels round-tripped through CSV."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.config import load_settings
from survey.labels import LabelStore, SampleKey, labels_path

QUERY = """
name = "mini"
[methods]
CNN = ["CNN", "convolutional neural network"]
LSTM = ["LSTM"]
[tasks]
total = []
[[windows]]
name = "all time"
"""

TITLES = [
    "A CNN for sentence classification", "Summaries of CNN/Daily Mail news", "Convolutional neural networks for parsing",
    "CNN features for tagging", "Headlines of CNN and the BBC", "Deep CNN encoders", "CNN-LSTM hybrids",
    "A CNN reading comprehension baseline", "Character CNN models", "Why CNN works",
]


@pytest.fixture
def corpus(home, tmp_path):
    from survey.corpus.index import import_corpus

    src = tmp_path / "mini.jsonl"
    records = [{"id": f"R{i}", "title": t, "abstract": "", "year": 2010 + i} for i, t in enumerate(TITLES)]
    records.append({"id": "L1", "title": "An LSTM tagger", "abstract": "", "year": 2016})
    src.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    import_corpus(src, load_settings().corpora_dir / "mini.sqlite")
    query = tmp_path / "mini.toml"
    query.write_text(QUERY, encoding="utf-8")
    return query


def audit(query, *args, input=None):
    return CliRunner().invoke(main, ["audit", "-q", str(query), "-s", "local:mini", "--cell", "CNN:total", *args],
                              input=input)


def _stored(home):
    with LabelStore(labels_path(load_settings())) as store:
        return store.labels()


def test_a_session_takes_relevant_not_skip_quit_and_resumes_where_it_stopped(corpus, home):
    first = audit(corpus, "--label", "-n", "5", input="y\nn\ns\nq\n")
    assert first.exit_code == 0, first.output
    shown = [ln.split()[2] for ln in first.stdout.splitlines() if ln[:2] in {f"{i}/" for i in range(1, 10)}]
    assert len(shown) == 4  # three judged, the fourth shown and quit
    assert "1 of 2 judged relevant: precision 0.50" in first.stdout and "1 skipped" in first.stdout
    assert "run the same command to continue" in first.stderr
    labels = {label.record_id: label.relevant for label in _stored(home)}
    assert labels == {shown[0]: True, shown[1]: False, shown[2]: None}
    label = _stored(home)[0]
    assert (label.source, label.method, label.task, label.year_from, label.year_to) == ("local:mini", "CNN", "total", None, None)
    assert "MATCH" in label.query and label.labelled_at.endswith("Z") and label.origin == "terminal"

    again = audit(corpus, "--label", "-n", "5", input="y\ny\n")
    assert again.exit_code == 0, again.output
    assert "continuing: 3 of 5 already labelled" in again.stderr
    resumed = [ln.split()[2] for ln in again.stdout.splitlines() if ln[:2] in {f"{i}/" for i in range(1, 10)}]
    assert resumed[0] == shown[3] and len(resumed) == 2 and not set(resumed) & set(shown[:3])
    assert "3 of 4 judged relevant: precision 0.75" in again.stdout

    done = audit(corpus, "--label", "-n", "5", input="")
    assert done.exit_code == 0 and "3 of 4 judged relevant" in done.stdout


def test_a_larger_n_extends_the_same_sample(corpus, home):
    audit(corpus, "--label", "-n", "3", input="q\n")
    with LabelStore(labels_path(load_settings())) as store:
        (key,) = [SampleKey(*row) for row in store.conn.execute("SELECT source, query, year_from, year_to FROM samples")]
        first = [r.record_id for r in store.sample(key).records]
    audit(corpus, "--label", "-n", "7", input="q\n")
    with LabelStore(labels_path(load_settings())) as store:
        after = [r.record_id for r in store.sample(key).records]
    assert after[:3] == first and len(after) == 7 and len(set(after)) == 7


def test_an_answer_that_is_not_a_choice_is_asked_again(corpus, home):
    r = audit(corpus, "--label", "-n", "2", input="maybe\ny\nq\n")
    assert r.exit_code == 0 and "not one of" in r.output
    assert [label.relevant for label in _stored(home)] == [True]


def _export(corpus, path, n="5"):
    r = audit(corpus, "-n", n, "--export-labels", str(path))
    assert r.exit_code == 0, r.output
    return list(csv.DictReader(path.open(encoding="utf-8")))


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_csv_round_trip(corpus, home, tmp_path):
    path = tmp_path / "sample.csv"
    rows = _export(corpus, path)
    assert len(rows) == 5 and all(r["relevant"] == "" for r in rows)
    assert list(rows[0]) == ["source", "corpus", "window_from", "window_to", "method", "task", "query", "position",
                             "record_id", "year", "doi", "title", "relevant"]
    for r, value in zip(rows, ["1", "0", "yes", "", "n"]):
        r["relevant"] = value
    _write(path, rows)
    r = audit(corpus, "-n", "5", "--import-labels", str(path))
    assert r.exit_code == 0, r.output
    assert "4 labels imported" in r.stderr and "1 rows left unlabelled" in r.stderr
    assert "2 of 4 judged relevant" in r.stdout
    again = _export(corpus, tmp_path / "again.csv")
    assert [x["relevant"] for x in again] == ["1", "0", "1", "", "0"]


def test_csv_import_names_each_bad_row_and_keeps_the_good(corpus, home, tmp_path):
    path = tmp_path / "sample.csv"
    rows = _export(corpus, path)
    rows[0]["relevant"] = "1"
    rows[1]["relevant"] = "maybe"  # bad value, line 3
    rows[2]["record_id"] = "NOT-AN-ID"  # unknown id, line 4
    rows[2]["relevant"] = "1"
    rows[3]["query"] = rows[3]["query"].replace("CNN", "LSTM", 1)  # another query's sample, line 5
    rows[3]["relevant"] = "0"
    rows[4]["relevant"] = "0"
    _write(path, rows)
    r = audit(corpus, "-n", "5", "--import-labels", str(path))
    assert r.exit_code == 2
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 3
    assert f"{path} line 3: relevant 'maybe': expected 1 or 0" in errors[0]
    assert f"{path} line 4: record id 'NOT-AN-ID' is not in the sample of CNN:total" in errors[1]
    assert f"{path} line 5: this row is from the sample of another query or window" in errors[2]
    assert "2 labels imported" in r.stderr
    assert sorted(label.relevant for label in _stored(home)) == [False, True]


def test_a_file_that_is_not_a_label_file_is_one_line(corpus, home, tmp_path):
    audit(corpus, "-n", "3", "--export-labels", str(tmp_path / "ok.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("id,judgement\nR1,1\n", encoding="utf-8")
    r = audit(corpus, "-n", "3", "--import-labels", str(bad))
    assert r.exit_code == 2
    assert r.stderr.strip().startswith(f"error: {bad}: not a label file: no column source")
    assert len(r.stderr.strip().splitlines()) == 1


def test_sources_without_a_seeded_sample_are_refused_in_one_line(corpus, home):
    r = CliRunner().invoke(main, ["audit", "-q", str(corpus), "-s", "openalex", "--cell", "CNN:total", "--label"])
    assert r.exit_code == 2
    assert "does not draw a seeded random sample" in r.stderr and "local:mini" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_plain_audit_marks_the_matched_words(corpus, home):
    plain = audit(corpus, "-n", "10")
    # a pipe gets the matched words in brackets: visible without colour
    assert "\x1b[" not in plain.stdout and "[Convolutional neural networks] for parsing" in plain.stdout


def test_highlight_follows_the_index_stemming_and_phrases():
    from survey.query_file import parse_matrix
    from survey.reporting.audit import highlight

    m = parse_matrix('[methods]\nCNN = ["CNN", "convolutional neural network"]\n'
                     '[tasks]\n"language generation" = ["language generation"]\n')
    q = m.cell("CNN", "language generation").query
    text = "Convolutional Neural Networks for Language Generation, CNNs in general language work"
    assert highlight(text, q) == ("[Convolutional Neural Networks] for [Language Generation], [CNNs] "
                                  "in general language work")
    assert highlight("a snippet with CNN", None, ("cnn",)) == "a snippet with [CNN]"
