"""What an import writes into a corpus file: its metadata, identity, FTS5 settings and errors, exactly."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from corpuskit import write_jsonl
from survey.corpus import Corpus, import_corpus
from survey.corpus.build import build_exact_index, remove_leftovers
from survey.corpus.words import WORDS_VERSION
from survey.errors import BadInput, CorpusFormatError


def meta(path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, value FROM meta"))


def test_meta_after_an_import_and_an_append(tmp_path):
    db = tmp_path / "c.sqlite"
    first = write_jsonl(tmp_path / "a.jsonl", [{"title": "One", "year": 2001}, {"title": "Two", "year": 2002}, {"x": 1},
                                               {"title": "two", "year": 2002}])
    second = tmp_path / "b.bib"
    second.write_text("@article{k1, title = {Three}, year = 2003}\n@article{k2, title = {One}, year = 2001}\n"
                      "@article{k3, author = {Nobody}}\n", encoding="utf-8")
    before = datetime.now(timezone.utc).replace(microsecond=0)
    import_corpus(first, db)
    import_corpus(second, db, mode="append")
    got = meta(db)
    stamp = datetime.fromisoformat(got.pop("imported_at"))
    assert stamp.tzinfo == timezone.utc and before <= stamp <= datetime.now(timezone.utc) + timedelta(seconds=1)
    identity = got.pop("identity")
    assert got == {
        "schema": "3",
        "tokenizers": "fts: porter unicode61 remove_diacritics 2",
        "sources": json.dumps([str(first.resolve()), str(second.resolve())]),
        "format": "jsonl+bibtex",
        "read": "7",  # summed over both imports
        "imported": "3",  # records in the corpus: One, Two, Three
        "duplicates": "2",  # two, then the second One: summed too
        "skipped": "2",  # a record without a title in each file
        "year_totals": '{"2001": 1, "2002": 1, "2003": 1}',  # records per year, for year totals without a scan
        "searchable_totals": "{}",  # of those, the records with an abstract: none here
    }
    with Corpus(db) as corpus:
        assert corpus.identity == identity


def test_identity_is_the_sum_of_the_records_digests(tmp_path):
    db = tmp_path / "c.sqlite"
    records = [{"title": f"Paper {i}", "abstract": "x" * i, "year": 1990 + i, "doi": f"10.1/{i}"} for i in range(40)]
    import_corpus(write_jsonl(tmp_path / "a.jsonl", records), db)
    # computed here from the stored fields: blake2b-64 of title, abstract, year and DOI, summed mod 2**64
    total = 0
    for r in records:
        text = f"{r['title']}\x1f{r['abstract']}\x1f{r['year']}\x1f{r['doi']}".encode()
        total += int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little", signed=True)
    # The word rule's version closes it: the same records split into other words are another corpus.
    assert meta(db)["identity"] == f"40-{total % (1 << 64):016x}-w2"


def test_identity_counted_from_the_keys_is_the_sum_over_the_records_stored(tmp_path):
    """The import sums the digests it kept in memory, duplicates left out, appended ones added:
    the same as summing the records the corpus holds."""
    db = tmp_path / "c.sqlite"
    records = [{"title": f"Paper {i % 30}", "abstract": "y" * i, "year": 2000 + i % 30} for i in range(45)]
    import_corpus(write_jsonl(tmp_path / "a.jsonl", records), db)
    import_corpus(write_jsonl(tmp_path / "b.jsonl", [{"title": "Paper 3", "year": 2003}, {"title": "New", "year": 2001}]),
                  db, mode="append")
    with sqlite3.connect(db) as conn:
        digests = [d for (d,) in conn.execute("SELECT digest FROM records")]
    assert len(digests) == 31
    assert meta(db)["identity"] == f"31-{sum(digests) % (1 << 64):016x}-w{WORDS_VERSION}"


def test_fts5_settings_a_new_corpus_is_built_with(tmp_path):
    db = tmp_path / "c.sqlite"
    import_corpus(write_jsonl(tmp_path / "a.jsonl", [{"title": "One", "year": 2001}]), db)
    with sqlite3.connect(db) as conn:
        config = dict(conn.execute("SELECT k, v FROM fts_config WHERE k != 'version'"))
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    # 16 KiB pages; index pages sized as FTS5's default 4050 is for 4 KiB; a 64 MB buffer; merging
    # back at FTS5's default (4) once the import is done
    assert page_size == 16384
    assert config == {"automerge": 4, "hashsize": 64 << 20, "pgsz": 16200}
    build_exact_index(db)
    with sqlite3.connect(db) as conn:
        assert dict(conn.execute("SELECT k, v FROM fts_exact_config WHERE k != 'version'")) == config


def test_a_file_of_unusable_records_names_its_own_first_reason(tmp_path):
    # the first file's skips fill the report's few reasons; the second file's own reason is still given
    first = write_jsonl(tmp_path / "a.jsonl", [{"x": i} for i in range(6)] + [{"title": "Kept"}])
    second = write_jsonl(tmp_path / "b.jsonl", [{"title": ""}, {"x": 1}])
    with pytest.raises(CorpusFormatError) as caught:
        import_corpus([first, second], tmp_path / "c.sqlite")
    assert str(caught.value) == (f"{second}: none of the 2 records could be used (b.jsonl line 1: no title); "
                                 "expected one JSON object per line with a title (and abstract, year, doi)")


def test_appending_to_what_is_not_a_current_corpus_says_so(tmp_path):
    records = write_jsonl(tmp_path / "a.jsonl", [{"title": "One"}])
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all, just bytes " * 200)
    with pytest.raises(BadInput) as caught:
        import_corpus(records, junk, mode="append")
    assert str(caught.value) == f"{junk}: not a survey corpus (file is not a database); pass --replace to rebuild it"
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema', '1')")
    with pytest.raises(BadInput) as caught:
        import_corpus(records, old, mode="append")
    assert str(caught.value) == (f"{old}: corpus schema '1', this version writes '3'; "
                                 "pass --replace to rebuild it from its files")
    assert meta(old) == {"schema": "1"}  # left as it was


def test_exact_index_of_a_corpus_that_cannot_be_opened(tmp_path):
    folder = tmp_path / "a-folder.sqlite"
    folder.mkdir()
    with pytest.raises(BadInput) as caught:
        build_exact_index(folder)
    assert str(caught.value).startswith(f"{folder}: ")
    assert "exact-word index" in str(caught.value) and "unable to open database file" in str(caught.value)


def test_temporary_files_of_a_running_import_are_kept(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        mine = tmp_path / f".c.sqlite.{os.getpid()}.1.importing"
        running = tmp_path / f".c.sqlite-records.{child.pid}.1.importing"
        for path in (mine, running):
            path.write_bytes(b"partial")
        assert remove_leftovers(tmp_path) == []
        assert mine.exists() and running.exists()
        with pytest.raises(subprocess.TimeoutExpired):  # asking whether it lives did not signal it
            child.wait(timeout=0.3)
    finally:
        child.kill()
        child.wait()
    assert sorted(p.name for p in remove_leftovers(tmp_path)) == [running.name]


def test_duplicates_among_keys_are_found_bit_for_bit():
    from array import array

    from survey.corpus.loading import duplicate_positions

    # keys are 64-bit digests: patterns that read as NaN or as -0.0/0.0 in floating point are still distinct keys
    nan_a, nan_b, minus_zero = 0x7FF8000000000001, 0x7FF8000000000002, -0x8000000000000000
    title = array("q", [nan_a, nan_b, minus_zero, 5, nan_a])
    doi = array("q", [0, 0, 0, 0, 0])
    by_doi, by_title = duplicate_positions(doi, title)
    assert list(by_doi) == [] and list(by_title) == [4]  # only the second nan_a
    by_doi, by_title = duplicate_positions(array("q", [nan_a, nan_b, minus_zero, 5, nan_a]), array("q", [1, 2, 3, 4, 5]))
    assert list(by_doi) == [4] and list(by_title) == []


def test_appended_records_are_merged_from_the_first_one_on(tmp_path):
    db = tmp_path / "c.sqlite"
    import_corpus(write_jsonl(tmp_path / "a.jsonl", [{"title": "Kept", "year": 2001, "doi": "10.1/k"},
                                                     {"title": "Other", "year": 2001}]), db)
    more = [{"title": "Kept", "year": 2001, "doi": "https://doi.org/10.1/K"},  # the first appended: same DOI and title
            {"title": "other", "year": 2001},  # same title and year, no DOI
            {"title": "New", "year": 2001}]
    report = import_corpus(write_jsonl(tmp_path / "b.jsonl", more), db, mode="append")
    assert (report.merged_by_doi, report.merged_by_title, report.imported, report.records) == (1, 1, 1, 3)
    # the first appended record merged on title and year
    report = import_corpus(write_jsonl(tmp_path / "c.jsonl", [{"title": "NEW!", "year": 2001}]), db, mode="append")
    assert (report.merged_by_doi, report.merged_by_title, report.imported, report.records) == (0, 1, 0, 3)


def test_appending_after_merged_duplicates_gives_fresh_ids(tmp_path):
    db = tmp_path / "c.sqlite"
    # the second record is merged away, so the highest id in use is above the number of records kept
    import_corpus(write_jsonl(tmp_path / "a.jsonl", [{"title": "A", "year": 2001}, {"title": "A", "year": 2001},
                                                     {"title": "C", "year": 2001}]), db)
    import_corpus(write_jsonl(tmp_path / "b.jsonl", [{"title": "D", "year": 2001}]), db, mode="append")
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id & 4294967295, title FROM records ORDER BY id").fetchall()
    assert rows == [(1, "A"), (3, "C"), (4, "D")]


def test_what_an_import_refuses_before_any_work(tmp_path):
    with pytest.raises(ValueError) as caught:
        import_corpus(tmp_path / "a.jsonl", tmp_path / "c.sqlite", mode="merge")
    assert str(caught.value) == "mode 'merge'; expected one of ('new', 'replace', 'append')"
    with pytest.raises(BadInput) as caught:
        import_corpus([], tmp_path / "c.sqlite")
    assert str(caught.value) == "no file to import"
    empty = tmp_path / "empty.json"
    empty.write_text("[]", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as caught:
        import_corpus(empty, tmp_path / "c.sqlite")
    assert str(caught.value) == f"{empty}: no records found; expected a JSON array of records, or an API page with a results list"
    assert not (tmp_path / "c.sqlite").exists()


def test_an_import_makes_its_folder_names_its_temporary_files_and_times_itself(tmp_path):
    folder = tmp_path / "home" / "corpora"
    seen: list[list[str]] = []
    records = write_jsonl(tmp_path / "a.jsonl", [{"title": f"P{i}", "year": 2000} for i in range(5000)])
    started = time.perf_counter()
    report = import_corpus(records, folder / "c.sqlite",
                           progress=lambda done, total: seen.append(sorted(p.name for p in folder.iterdir())))
    took = time.perf_counter() - started
    assert 0 < report.seconds <= took
    # while it runs: the corpus file and the side file of its index, named for this process so that a
    # later import can tell them from a killed one's
    pid = os.getpid()
    assert [re.sub(r"\.\d+\.importing$", ".NS.importing", n) for n in seen[0]] == [
        f".c.sqlite-index.{pid}.NS.importing", f".c.sqlite.{pid}.NS.importing"]
    assert sorted(p.name for p in folder.iterdir()) == ["c.sqlite"]


def test_the_encoding_given_is_the_one_read(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes('{"title": "Über LSTM", "year": 2001}\n'.encode("utf-8"))
    # told latin-1, the import reads UTF-8's two bytes for Ü as two characters: the override is obeyed
    report = import_corpus(path, tmp_path / "c.sqlite", encoding="latin-1")
    assert report.imported == 1
    with sqlite3.connect(tmp_path / "c.sqlite") as conn:
        assert conn.execute("SELECT title FROM records").fetchall() == [("Ã\x9cber LSTM",)]


def test_leftovers_after_a_running_import_are_still_removed(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        running = tmp_path / f".a.sqlite.{child.pid}.1.importing"  # sorts first
        killed = tmp_path / ".b.sqlite.4194305.1.importing"
        for path in (running, killed):
            path.write_bytes(b"partial")
        assert remove_leftovers(tmp_path) == [killed]
        assert running.exists() and not killed.exists()
    finally:
        child.kill()
        child.wait()


def test_a_locked_corpus_is_waited_for_only_as_long_as_asked(tmp_path):
    db = tmp_path / "c.sqlite"
    import_corpus(write_jsonl(tmp_path / "a.jsonl", [{"title": "One"}]), db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(BadInput, match="database is locked"):
            build_exact_index(db, timeout=0.05)
        assert time.monotonic() - started < 2  # SQLite's own default wait is 5 s
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_formats_are_named_once_each_in_reading_order(tmp_path):
    db = tmp_path / "c.sqlite"
    jsonl = write_jsonl(tmp_path / "a.jsonl", [{"title": "One"}])
    bib = tmp_path / "b.bib"
    bib.write_text("@article{k, title = {Two}}\n", encoding="utf-8")
    report = import_corpus([jsonl, bib], db)
    assert report.format == "jsonl+bibtex" and meta(db)["format"] == "jsonl+bibtex"
    more = write_jsonl(tmp_path / "c.jsonl", [{"title": "Three"}])
    ris = tmp_path / "d.ris"
    ris.write_text("TY  - JOUR\nTI  - Four\nER  - \n", encoding="utf-8")
    report = import_corpus([more, ris], db, mode="append")
    assert report.format == "jsonl+ris" and meta(db)["format"] == "jsonl+bibtex+ris"


def test_a_process_of_another_user_counts_as_running(monkeypatch):
    from survey.corpus import build

    def not_yours(pid, signal):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(build.os, "kill", not_yours)
    assert build._alive(4194305) is True


def test_the_index_built_beside_the_corpus_is_whole_in_it(tmp_path):
    """The index is written into a side file while the records are read and copied into the corpus
    at the end, duplicates then taken out of it: FTS5's own check finds it in step with the records."""
    from survey.matrix import AllOf, AnyOf, Term

    records = [{"title": f"LSTM tagger {i % 6000}", "year": 2000 + i % 20, "abstract": "convolutional nets"}
               for i in range(7000)]  # past one batch of 5000; 1000 duplicates on title and year
    db = tmp_path / "c.sqlite"
    report = import_corpus(write_jsonl(tmp_path / "a.jsonl", records), db)
    assert (report.imported, report.duplicates) == (6000, 1000)
    with sqlite3.connect(db) as raw:
        raw.execute("INSERT INTO fts (fts, rank) VALUES ('integrity-check', 1)")
        assert raw.execute("SELECT count(*) FROM fts WHERE fts MATCH 'convolut'").fetchone() == (6000,)
        names = {n for (n,) in raw.execute("SELECT name FROM sqlite_master")}
    assert not {n for n in names if n.startswith("fts_")} - {"fts_data", "fts_idx", "fts_config"}
    with Corpus(db) as corpus:
        assert corpus.count(AllOf((AnyOf((Term("LSTM"),)),))) == 6000


def test_batches_are_handed_over_at_their_size_or_their_text_whichever_comes_first(tmp_path, monkeypatch):
    """A batch goes to storage and the index at _BATCH records or once its text passes _BATCH_CHARS
    characters, whichever is first: the import's memory is bounded by both (README)."""
    import sqlite3 as sqlite

    from survey.corpus import loading

    sizes = []

    class Watched(sqlite.Connection):
        def executemany(self, sql, rows):
            if sql.startswith("INSERT INTO records"):
                sizes.append(len(rows))
            return super().executemany(sql, rows)

    monkeypatch.setattr(loading, "_BATCH", 4)
    monkeypatch.setattr(loading, "_BATCH_CHARS", 100)
    real_connect = sqlite.connect
    monkeypatch.setattr("survey.corpus.build.sqlite3.connect", lambda *a, **k: real_connect(*a, factory=Watched, **k))
    # 50 characters a record: the text passes 100 at the third; short records fill a batch of 4
    rows = [{"title": "T" * 10 + f"{i:02d}", "abstract": "a" * 38} for i in range(6)]
    rows += [{"title": f"Short {i}"} for i in range(9)]
    import_corpus(write_jsonl(tmp_path / "a.jsonl", rows), tmp_path / "c.sqlite")
    assert sizes == [3, 3, 4, 4, 1]


def test_the_first_five_reasons_and_field_notes_are_kept(tmp_path):
    from survey.corpus.loading import MAX_REASONS

    rows = [{"title": ""} for _ in range(7)] + [{"title": f"Kept {i}", "year": "soon"} for i in range(7)]
    report = import_corpus(write_jsonl(tmp_path / "a.jsonl", rows), tmp_path / "c.sqlite")
    assert (report.skipped, report.fields_skipped) == (7, 7)
    assert len(report.reasons) == len(report.field_notes) == MAX_REASONS == 5
    assert report.reasons[0] == "a.jsonl line 1: no title" and report.field_notes[-1].startswith("a.jsonl line 12: ")
