"""The labels store and label files under attack: a damaged page, two sessions at once, a file
of many bad rows, a read-only home. One line each, never a traceback or a flood."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import threading

import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.config import load_settings
from survey.labels import LabelStore, SampleKey, labels_path
from survey.labels_csv import SHOWN_ERRORS
from survey.store import StoreError
from test_disks import small_fs  # noqa: F401  (a fixture)
from test_labels import TITLES, audit, corpus  # noqa: F401  (corpus is a fixture)


def _export(corpus, path):
    r = audit(corpus, "-n", "5", "--export-labels", str(path))
    assert r.exit_code == 0, r.output
    return list(csv.DictReader(path.open(encoding="utf-8")))


def _label_all(corpus, tmp_path):
    path = tmp_path / "sample.csv"
    rows = _export(corpus, path)
    for row in rows:
        row["relevant"] = "1"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    assert audit(corpus, "-n", "5", "--import-labels", str(path)).exit_code == 0


def _damage(path):
    """Overwrite the pages of the labels and samples tables (the file opens; reading them fails)."""
    with sqlite3.connect(path) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        roots = [r[0] for r in db.execute("SELECT rootpage FROM sqlite_master WHERE name IN ('labels', 'samples')")]
    db.close()
    data = bytearray(path.read_bytes())
    for root in roots:
        data[(root - 1) * size:root * size] = b"\xa5" * size
    path.write_bytes(bytes(data))


def test_a_damaged_labels_file_is_one_line_in_audit_and_a_note_in_the_report(corpus, home, tmp_path):
    _label_all(corpus, tmp_path)
    labels = labels_path(load_settings())
    _damage(labels)
    for args in (["--label"], ["--export-labels", str(tmp_path / "again.csv")]):
        r = audit(corpus, "-n", "5", *args, input="q\n")
        assert r.exit_code == 2, (args, r.output)
        assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception, SystemExit), r.exception
        lines = r.stderr.strip().splitlines()
        assert lines[-1].startswith(f"error: {labels}: cannot ") and "the labels file (" in lines[-1], lines
        assert "it is damaged: copy it somewhere safe" in lines[-1], lines
    assert CliRunner().invoke(main, ["refresh", "-q", str(corpus), "-s", "local:mini"]).exit_code == 0
    out = tmp_path / "r" / "report.md"
    r = CliRunner().invoke(main, ["report", "-q", str(corpus), "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    note = next(line for line in text.splitlines() if line.startswith(f"- {labels}: cannot "))
    assert "the labels file (" in note and "it is damaged: copy it somewhere safe" in note, note


def test_two_sessions_starting_at_once_store_one_sample(tmp_path, monkeypatch):
    path = tmp_path / "labels.sqlite"
    first = LabelStore(path)
    key = SampleKey("local:mini", "q", None, None)

    class Record:
        def __init__(self, i):
            self.id, self.title, self.year, self.doi = f"R{i}", f"title {i}", 2020, None

    def other_session():
        try:
            with LabelStore(path) as second:
                second.save_sample(key, "", "CNN", "total", 0, [Record(i) for i in range(3)])
        except BaseException as exc:
            failed.append(exc)

    read = LabelStore._sample
    started, failed = [], []

    def racing(self, k):
        found = read(self, k)
        if self is first and not started:  # the other session starts while this one has read
            started.append(threading.Thread(target=other_session))
            started[0].start()
            started[0].join(0.5)
        return found

    monkeypatch.setattr(LabelStore, "_sample", racing)
    first.save_sample(key, "", "CNN", "total", 0, [Record(i) for i in range(3)])
    started[0].join(30)
    first.close()
    assert not failed
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM samples").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM sample_records").fetchone()[0] == 3


def test_a_file_of_many_bad_rows_prints_the_first_and_a_count(corpus, home, tmp_path):
    path = tmp_path / "sample.csv"
    rows = _export(corpus, path)
    bad = [{**rows[0], "relevant": "maybe"} for _ in range(5000)]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(bad)
    r = audit(corpus, "-n", "5", "--import-labels", str(path))
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == SHOWN_ERRORS + 2, len(lines)
    assert lines[SHOWN_ERRORS] == f"error: {path}: and {5000 - SHOWN_ERRORS:,} more rows refused"
    assert lines[-1] == f"0 labels imported from {path}, 5,000 rows refused"


def test_export_labels_works_on_a_read_only_home(small_fs, tmp_path, monkeypatch):  # noqa: F811
    import json

    from survey.corpus.index import import_corpus

    state = small_fs / "home"
    state.mkdir()
    monkeypatch.setenv("SURVEY_HOME", str(state))
    monkeypatch.setenv("SURVEY_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    src = tmp_path / "mini.jsonl"
    src.write_text("\n".join(json.dumps({"id": f"R{i}", "title": t, "year": 2010 + i}) for i, t in enumerate(TITLES)),
                   encoding="utf-8")
    import_corpus(src, load_settings().corpora_dir / "mini.sqlite")
    query = tmp_path / "mini.toml"
    query.write_text('[methods]\nCNN = ["CNN"]\n[tasks]\ntotal = []\n[[windows]]\nname = "all time"\n', encoding="utf-8")
    first = _export(query, tmp_path / "first.csv")
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    again = _export(query, tmp_path / "again.csv")
    assert again == first


# What each kind of failure tells the user to do: the hint is the message's point.
DAMAGED = ("it is damaged: copy it somewhere safe (sqlite3's .recover may save its labels), then move it "
           "aside and label again, or import your exported label files")


def test_a_labels_file_that_is_no_database_says_it_is_damaged(tmp_path):
    path = tmp_path / "labels.sqlite"
    path.write_bytes(b"relevant,TRUE\n" * 300)  # a spreadsheet saved over it
    with pytest.raises(StoreError) as caught:
        LabelStore(path)
    assert str(caught.value) == f"{path}: cannot open the labels file (file is not a database): {DAMAGED}"


def test_a_labels_file_opened_read_only_says_it_cannot_be_written(tmp_path):
    path = tmp_path / "labels.sqlite"
    LabelStore(path).conn.close()
    store = LabelStore(path, readonly=True)
    with pytest.raises(StoreError) as caught:
        store.save_sample(SampleKey("local:mini", "q", None, None), "", "M", "T", 0, [])
    assert str(caught.value) == (f"{path}: cannot write the labels file (attempt to write a readonly database): "
                                 "it cannot be written; make it writable or point --home (SURVEY_HOME) elsewhere")


def test_a_labels_file_that_is_a_folder_says_to_check_it(tmp_path):
    path = tmp_path / "labels.sqlite"
    path.mkdir()
    with pytest.raises(StoreError) as caught:
        LabelStore(path)
    assert str(caught.value) == (f"{path}: cannot open the labels file (unable to open database file): "
                                 "check the file and its folder, or point --home (SURVEY_HOME) elsewhere")
