"""Labels store, sample drawing and label files, checked value by value on small hand-written inputs."""

from __future__ import annotations

import csv
import random
import re
import sqlite3
import time
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from survey.errors import BadInput
from survey.labels import (Label, LabelStore, Sample, SampleKey, SampleRecord, draw, now_text, open_labels,
                           open_session, record_id, reproducible)
from survey.labels_csv import export_csv, import_csv, read_files
from survey.store import StoreError

KEY = SampleKey("local:mini", "cnn|2015|2020", 2015, 2020)


def rec(rid, title="A title", year=None, doi=None, **extra):
    return SimpleNamespace(id=rid, title=title, year=year, doi=doi, **extra)


class FakeSource:
    """A seeded source: ``sample`` returns its records in a fixed order, calls are recorded."""

    name = "local:mini"

    def __init__(self, records, identity="mini-v1", count=42):
        self.records = records
        self.capabilities = SimpleNamespace(records=True)
        self._identity = identity
        self._count = count
        self.sample_calls = []
        self.count_calls = []

    def compile(self, query, start, end):
        return f"{query}|{start}|{end}"

    def sample(self, query, start, end, n, seed=0):
        self.sample_calls.append((query, start, end, n, seed))
        return self.records[:n] if n <= 3 else list(self.records)

    def count(self, query, start, end):
        self.count_calls.append((query, start, end))
        return self._count

    def identity(self):
        return self._identity


CELL = SimpleNamespace(query="cnn", method="CNN", task="total")
WINDOW = SimpleNamespace(start=2015, end=2020)


@pytest.fixture
def store(tmp_path):
    with LabelStore(tmp_path / "labels.sqlite") as s:
        yield s


# ---------------------------------------------------------------- small functions


def test_now_text_is_utc_whatever_the_local_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # +05:30, so local time cannot pass for UTC
    time.tzset()
    try:
        text = now_text()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", text)
        stamped = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        assert abs((datetime.now(timezone.utc) - stamped).total_seconds()) < 60
    finally:
        monkeypatch.undo()
        time.tzset()


def test_record_id_prefers_the_source_id_then_the_doi():
    assert record_id(rec(17, doi="10.1/x")) == "17"
    assert record_id(rec(None, doi="10.1/x")) == "doi:10.1/x"
    assert record_id(SimpleNamespace(doi="10.2/y", title="t")) == "doi:10.2/y"  # no id attribute at all
    with pytest.raises(BadInput) as exc:
        record_id(SimpleNamespace(title="Orphan"))  # neither attribute
    assert str(exc.value) == "a matched record has neither an id nor a DOI, so it cannot be labelled: 'Orphan'"


# ---------------------------------------------------------------- the store


def test_a_new_store_makes_its_folders_and_is_writable_by_default(tmp_path):
    path = tmp_path / "a" / "b" / "labels.sqlite"
    with LabelStore(path) as s:
        s.save_sample(KEY, "c", "CNN", "total", 0, [rec("R1")])
    assert path.exists()


def test_a_readonly_store_reads_but_never_writes(tmp_path):
    path = tmp_path / "labels.sqlite"
    with LabelStore(path) as s:
        sample = s.save_sample(KEY, "c", "CNN", "total", 0, [rec("R1")])
        s.record(sample, "R1", True, when="2024-01-01T00:00:00Z")
    with LabelStore(path, readonly=True) as ro:
        assert [(lb.record_id, lb.relevant) for lb in ro.labels()] == [("R1", True)]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            ro.conn.execute("INSERT INTO meta VALUES ('x', 'y')")


def test_a_missing_readonly_store_and_a_foreign_schema_are_one_line(tmp_path):
    missing = tmp_path / "none.sqlite"
    with pytest.raises(StoreError) as exc:
        LabelStore(missing, readonly=True)
    assert str(exc.value).startswith(f"{missing}: cannot open the labels file (")
    path = tmp_path / "labels.sqlite"
    LabelStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(StoreError) as exc:
        LabelStore(path)
    assert str(exc.value) == f"{path}: labels schema '99', this version reads '1'"


def test_open_labels_reads_readonly_and_writes_on_request(tmp_path):
    settings = SimpleNamespace(cache_path=tmp_path / "cache.sqlite")
    assert open_labels(settings, write=False) is None
    with open_labels(settings, write=True) as s:
        s.save_sample(KEY, "c", "CNN", "total", 0, [rec("R1")])
    with open_labels(settings, write=False) as ro:
        assert ro.path == tmp_path / "labels.sqlite"
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            ro.conn.execute("INSERT INTO meta VALUES ('x', 'y')")


def test_a_sample_is_stored_field_by_field(store):
    records = [
        rec("R1", "First", 2016, "10.1/a", snippet="a CNN here", matched=["CNN"]),
        rec("R1", "Again"),  # the same id twice: kept once, the rest still stored
        rec("R2", "Second"),  # no snippet, no matched attribute
        rec("R3", "Third", matched=None),
    ]
    sample = store.save_sample(KEY, "mini-v1", "CNN", "total", 7, records)
    assert sample == Sample(sample.id, KEY, "mini-v1", "CNN", "total", 7, [
        SampleRecord(0, "R1", "First", 2016, "10.1/a", "a CNN here", ("CNN",)),
        SampleRecord(1, "R2", "Second", None, None, None, ()),
        SampleRecord(2, "R3", "Third", None, None, None, ()),
    ])
    again = store.save_sample(KEY, "other", "X", "Y", 99, [rec("R2"), rec("R4", "Fourth", 2019)])
    assert (again.corpus, again.method, again.task, again.seed) == ("mini-v1", "CNN", "total", 7)
    assert again.records[3] == SampleRecord(3, "R4", "Fourth", 2019, None, None, ())
    assert len(again.records) == 4


def test_a_sample_record_without_matched_words_reads_as_none_matched(store):
    sample = store.save_sample(KEY, "c", "CNN", "total", 0, [rec("R1")])
    store.conn.execute("UPDATE sample_records SET matched = NULL")
    assert store.sample(KEY).records[0].matched == ()
    assert store.sample(SampleKey("local:mini", "cnn|2015|2020", 2015, None)) is None
    assert sample.records[0].matched == ()


def test_a_label_carries_its_sample_key_verdict_and_origin(store):
    sample = store.save_sample(KEY, "mini-v1", "CNN", "total", 0, [rec("R1"), rec("R2")])
    label = store.record(sample, "R1", False, origin="csv:x.csv", when="2024-05-01T10:00:00Z")
    expected = Label("local:mini", "mini-v1", "CNN", "total", "cnn|2015|2020", 2015, 2020, "R1", False,
                     "2024-05-01T10:00:00Z", "csv:x.csv")
    assert label == expected
    assert store.labels() == [expected]
    with pytest.raises(BadInput) as exc:
        store.record(sample, "R9", True)
    assert str(exc.value) == "record 'R9' is not in the sample of CNN:total"


def test_the_latest_label_of_a_record_is_its_verdict(store):
    sample = store.save_sample(KEY, "c", "CNN", "total", 0, [rec("R1"), rec("R2")])
    store.record(sample, "R1", True, when="2024-01-02T00:00:00Z")
    store.record(sample, "R1", None, when="2024-01-01T00:00:00Z")  # older, though written later
    store.record(sample, "R2", True, when="2024-01-01T00:00:00Z")
    store.record(sample, "R2", False, when="2024-01-01T00:00:00Z")  # same time: the later row wins
    assert {lb.record_id: lb.relevant for lb in store.labels(KEY)} == {"R1": True, "R2": False}


# ---------------------------------------------------------------- reproducible sources and drawing


def test_reproducible_needs_records_and_a_seeded_sample():
    seeded = FakeSource([])
    assert reproducible(seeded) is True
    no_records = FakeSource([])
    no_records.capabilities = SimpleNamespace()
    assert reproducible(no_records) is False
    no_records.capabilities = SimpleNamespace(records=False)
    assert reproducible(no_records) is False
    unseeded = SimpleNamespace(capabilities=SimpleNamespace(records=True), sample=lambda q, s, e, n: [])
    assert reproducible(unseeded) is False
    not_callable = SimpleNamespace(capabilities=SimpleNamespace(records=True), sample=5)
    assert reproducible(not_callable) is False


def test_a_first_draw_keeps_the_source_order_and_its_key(store):
    source = FakeSource([rec(f"R{i}") for i in range(6)])
    sample = draw(store, source, CELL, WINDOW, 3)
    assert source.sample_calls == [("cnn", 2015, 2020, 3, 0)]
    assert sample.key == KEY and sample.seed == 0 and sample.corpus == "mini-v1"
    assert [r.record_id for r in sample.records] == ["R0", "R1", "R2"]
    assert draw(store, source, CELL, WINDOW, 3).records == sample.records
    assert len(source.sample_calls) == 1  # a sample of n records is not drawn again


def test_an_extension_adds_a_seeded_shuffle_of_new_records_up_to_n(store):
    source = FakeSource([rec(f"R{i}") for i in range(8)])
    draw(store, source, CELL, WINDOW, 3, seed=5)
    sample = draw(store, source, CELL, WINDOW, 5, seed=5)
    assert source.sample_calls[-1] == ("cnn", 2015, 2020, 5, 5)
    fresh = [f"R{i}" for i in range(3, 8)]
    random.Random(5 + 3).shuffle(fresh)  # the seed plus the records already held
    assert [r.record_id for r in sample.records] == ["R0", "R1", "R2", *fresh[:2]]
    assert sample.seed == 5


def test_a_source_without_identity_gives_an_empty_corpus(store):
    sample = draw(store, FakeSource([rec("R1")], identity=None), CELL, WINDOW, 1)
    assert sample.corpus == ""


def test_a_session_has_its_own_verdicts_count_and_query(tmp_path):
    settings = SimpleNamespace(cache_path=tmp_path / "cache.sqlite")
    source = FakeSource([rec("R1"), rec("R2")], count=17)
    session = open_session(settings, source, CELL, WINDOW, 2)
    try:
        assert source.sample_calls == [("cnn", 2015, 2020, 2, 0)]
        assert source.count_calls == [("cnn", 2015, 2020)]
        assert (session.matched, session.query) == (17, "cnn")
        other = session.store.save_sample(SampleKey("local:mini", "other", None, None), "c", "A", "B", 0, [rec("R2")])
        session.store.record(other, "R2", True)
        session.judge("R1", False)
        assert session.verdicts() == {"R1": False}
        assert [r.record_id for r in session.pending()] == ["R2"]
    finally:
        session.close()
    seeded = open_session(settings, FakeSource([rec("R1")]), SimpleNamespace(query="x", method="M", task="T"),
                          WINDOW, 1, seed=3)
    seeded.close()
    assert seeded.sample.seed == 3


def test_a_session_on_an_unseeded_source_names_the_local_corpora(tmp_path):
    settings = SimpleNamespace(cache_path=tmp_path / "cache.sqlite")
    source = FakeSource([])
    source.capabilities = SimpleNamespace(records=False)
    with pytest.raises(BadInput) as exc:
        open_session(settings, source, CELL, WINDOW, 1, local=["local:a", "local:b"])
    assert str(exc.value).endswith("label a local corpus: local:a, local:b")
    with pytest.raises(BadInput) as exc:
        open_session(settings, source, CELL, WINDOW, 1)
    assert str(exc.value).endswith("label a local corpus: import one with `survey corpus import FILE --name NAME`")


# ---------------------------------------------------------------- label files

HEADER = "source,corpus,window_from,window_to,method,task,query,position,record_id,year,doi,title,relevant\n"


def test_export_writes_each_record_exactly(store, tmp_path):
    key = SampleKey("local:mini", "cnn\r\nrnn", 2015, None)  # a query over two lines survives the round trip
    sample = store.save_sample(key, "mini-v1", "CNN", "total", 0, [
        rec("R1", "A  CNN\n tagger", 2016, "10.1/a"), rec("R2", "Ünïcode — title"), rec("R3", "Third")])
    labels = [store.record(sample, "R1", True), store.record(sample, "R2", False)]
    path = tmp_path / "out.csv"
    assert export_csv(sample, labels, path) == 3
    assert path.read_bytes().decode("utf-8") == HEADER + (
        'local:mini,mini-v1,2015,,CNN,total,"cnn\r\nrnn",1,R1,2016,10.1/a,A CNN tagger,1\n'
        'local:mini,mini-v1,2015,,CNN,total,"cnn\r\nrnn",2,R2,,,Ünïcode — title,0\n'
        'local:mini,mini-v1,2015,,CNN,total,"cnn\r\nrnn",3,R3,,,Third,\n')
    result = import_csv(store, path, sample)
    assert (result.imported, result.blank, result.errors) == (2, 1, [])
    closed = store.save_sample(KEY, "c", "CNN", "total", 0, [rec("R5", "Fifth")])
    export_csv(closed, [], path)
    assert path.read_text(encoding="utf-8").splitlines()[1] == (
        "local:mini,c,2015,2020,CNN,total,cnn|2015|2020,1,R5,,,Fifth,")


def test_export_to_a_folder_is_one_line(store, tmp_path):
    sample = store.save_sample(KEY, "c", "CNN", "total", 0, [rec("R1")])
    with pytest.raises(BadInput) as exc:
        export_csv(sample, [], tmp_path)
    assert str(exc.value) == f"{tmp_path}: cannot write (Is a directory)"


def _label_file(path, *rows):
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_import_names_each_bad_row_with_its_line_and_keeps_the_good(store, tmp_path):
    sample = store.save_sample(KEY, "mini-v1", "CNN", "total", 0, [rec("R1"), rec("R2"), rec("R3"), rec("R4")])
    path = _label_file(
        tmp_path / "mine.csv",
        "local:mini,,2015,2020,CNN,total,cnn|2015|2020,1,R1,,,t,1",
        "local:mini,,2015,2020,CNN,total,cnn|2015|2020,2,R2,,,t,",
        "local:mini,,2015,2020,CNN,total,cnn|2015|2020,3,R1,,,t,0",
        "local:mini,,,,LSTM,total,other,1,R1,,,t,1",
        "local:mini,,2016,2018,LSTM,total,other,1,R1,,,t,1",
        "local:mini,,201x,2020,CNN,total,cnn|2015|2020,1,R3,,,t,1",
        "local:mini,,2015,2020,CNN,total,cnn|2015|2020,1, ,,,t,1",
        "local:mini,,2015,2020,CNN,total,cnn|2015|2020,1,R9,,,t,1",
        "local:mini,,2015,2020,CNN,total,cnn|2015|2020,1,R3,,,t,maybe",
        "local:mini,,2015,2020,CNN,total,cnn|2015|2020,4,R4,,,t,",
        "local:mini,,2015,2020,CNN,total,cnn|2015|2020,3,R3,,,t,no",
    )
    result = import_csv(store, path, sample)
    assert result.errors == [
        f"{path} line 7: window_from/window_to must be years or empty, got '201x', '2020'",
        f"{path} line 8: empty record_id",
        f"{path} line 10: relevant 'maybe': expected 1 or 0 (also yes/no, y/n, true/false), "
        "or empty to leave the record unlabelled",
        f"{path} line 4: record id 'R1' is also on line 2; give each record once",
        f"{path} line 5: this row is from the sample of another query or window (local:mini, LSTM:total, "
        "years …–now), not of CNN:total in local:mini as queried now",
        f"{path} line 6: this row is from the sample of another query or window (local:mini, LSTM:total, "
        "years 2016–2018), not of CNN:total in local:mini as queried now",
        f"{path} line 9: record id 'R9' is not in the sample of CNN:total; "
        "export the sample with --export-labels and fill that file",
    ]
    assert (result.imported, result.blank) == (2, 2)
    assert {(lb.record_id, lb.relevant, lb.origin) for lb in store.labels(KEY)} == {
        ("R1", True, "csv:mine.csv"), ("R3", False, "csv:mine.csv")}


def test_a_file_with_a_byte_order_mark_reads(store, tmp_path):
    sample = store.save_sample(KEY, "c", "CNN", "total", 0, [rec("R1")])
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "local:mini,,2015,2020,CNN,total,cnn|2015|2020,1,R1,,,t,y\n")
                     .encode("utf-8"))
    assert import_csv(store, path, sample).imported == 1


def test_files_that_cannot_be_read_are_one_line(store, tmp_path):
    sample = store.save_sample(KEY, "c", "CNN", "total", 0, [rec("R1")])
    with pytest.raises(BadInput) as exc:
        import_csv(store, tmp_path, sample)
    assert str(exc.value) == f"{tmp_path}: cannot read (Is a directory)"
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("source,query,record\nx,y,z\n", encoding="utf-8")
    with pytest.raises(BadInput) as exc:
        import_csv(store, wrong, sample)
    assert str(exc.value) == (
        f"{wrong}: not a label file: no column window_from, window_to, record_id, relevant (expected the columns "
        "source, corpus, window_from, window_to, method, task, query, position, record_id, year, doi, title, "
        "relevant, as --export-labels writes them)")
    limit = csv.field_size_limit(131072)  # the module default, whatever ran before
    try:
        _too_long_a_field(store, sample, tmp_path)
    finally:
        csv.field_size_limit(limit)


def _too_long_a_field(store, sample, tmp_path):
    huge = _label_file(tmp_path / "huge.csv", "local:mini,,2015,2020,CNN,total,cnn|2015|2020,1,R1,,,t,1",
                       "local:mini,,2015,2020,CNN,total,cnn|2015|2020,1,R1,,," + "t" * 200_000 + ",1")
    with pytest.raises(BadInput) as exc:
        import_csv(store, huge, sample)
    assert str(exc.value).startswith(f"{huge} line 3: not readable as CSV (field larger than field limit")


def test_a_file_that_is_not_utf8_is_one_line(store, tmp_path):
    sample = store.save_sample(KEY, "c", "CNN", "total", 0, [rec("R1")])
    path = tmp_path / "latin.csv"
    path.write_bytes((HEADER + "local:mini,,2015,2020,CNN,total,cnn|2015|2020,1,R1,,,Caf").encode() + b"\xe9,1\n")
    with pytest.raises(BadInput) as exc:
        import_csv(store, path, sample)
    assert str(exc.value).startswith(f"{path}: not UTF-8 text, as a label file must be (")
    labels, problems = read_files([path])
    assert labels == [] and problems == [str(exc.value)]
    late = tmp_path / "late.csv"  # the bad byte past the first block of text decoded
    late.write_bytes((HEADER + "local:mini,,2015,2020,CNN,total,q,1,R1,,,t,\n" * 400).encode() + b"\xe9,1\n")
    assert read_files([late]) == ([], [f"{late}: not UTF-8 text, as a label file must be (invalid continuation byte)"])


def test_read_files_takes_files_and_folders_and_names_each_problem(tmp_path, monkeypatch):
    monkeypatch.setattr("survey.labels_csv.now_text", lambda: "2024-06-01T12:00:00Z")
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "a.csv").write_text("nothing,here\n", encoding="utf-8")
    _label_file(folder / "b.csv", "local:mini,mini-v1,2015,2020,CNN,total,q1,1,R1,,,t,1",
                "local:mini,mini-v1,2015,2020,CNN,total,q1,2,R2,,,t,",
                "local:mini,mini-v1,2015,2020,CNN,total,q1,3,R3,,,t,x")
    (folder / "notes.txt").write_text("not a label file", encoding="utf-8")
    single = _label_file(tmp_path / "single.csv", ",,,,,,,1,R7,,,t,0", "local:mini,,2015,2020,CNN,total,q1,2")
    labels, problems = read_files([folder, str(single)])
    assert problems == [
        f"{folder / 'a.csv'}: not a label file: no column source, window_from, window_to, query, record_id, relevant "
        "(expected the columns source, corpus, window_from, window_to, method, task, query, position, record_id, "
        "year, doi, title, relevant, as --export-labels writes them)",
        f"{folder / 'b.csv'} line 4: relevant 'x': expected 1 or 0 (also yes/no, y/n, true/false), "
        "or empty to leave the record unlabelled",
        f"{single} line 3: empty record_id",  # a row cut short
    ]
    assert labels == [
        Label("local:mini", "mini-v1", "CNN", "total", "q1", 2015, 2020, "R1", True, "2024-06-01T12:00:00Z",
              "csv:b.csv"),
        Label("", "", "", "", "", None, None, "R7", False, "2024-06-01T12:00:00Z", "csv:single.csv"),
    ]
