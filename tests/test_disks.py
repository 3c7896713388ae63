"""A home on a full or read-only filesystem: reading commands work, writes fail in one line naming
the file and the cause (exit 2), and nothing already there changes.

The real faults need a small filesystem of their own: these tests mount an 8 MB tmpfs where they
may (root, and a kernel that lets them), and skip elsewhere.
"""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
from click.testing import CliRunner

from survey.cli import main

QUERY = """
[methods]
LSTM = ["LSTM"]
[tasks]
total = []
[[windows]]
name = "all time"
"""


def _mount(path, *options):
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(["size=8m", *options]), "tmpfs", str(path)],
                          capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip() or 'not root'})")


@pytest.fixture
def small_fs(tmp_path):
    where = tmp_path / f"fs-{uuid.uuid4().hex[:6]}"
    _mount(where)
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def _home_with_counts(home, tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_HOME", str(home))
    src = tmp_path / "c.jsonl"
    src.write_text("\n".join(json.dumps({"id": f"r{i}", "title": f"LSTM paper {i}", "year": 2015}) for i in range(5)),
                   encoding="utf-8")
    query = tmp_path / "q.toml"
    query.write_text(QUERY, encoding="utf-8")
    for args in (["corpus", "import", str(src), "--name", "c"], ["refresh", "-q", str(query), "-s", "local:c"]):
        r = CliRunner().invoke(main, ["--no-progress", *args])
        assert r.exit_code == 0, r.output
    return query, src


def _fill(folder):
    try:
        with open(folder / "filler", "wb") as f:
            while True:
                f.write(b"x" * 4096)
                f.flush()
    except OSError:
        pass  # full


def _snapshot(home):
    """Every file's bytes, but for an empty write-ahead log and its index, which SQLite makes on
    opening (a failed open on a full disk leaves them behind; they hold nothing)."""
    files = {p.relative_to(home): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()}
    wal = [p for p in files if p.name.endswith("-wal")]
    assert all(files[p] == b"" for p in wal), "a write-ahead log holds data"
    return {p: data for p, data in files.items() if not p.name.endswith(("-wal", "-shm"))}


def test_reading_commands_work_on_a_full_disk_and_an_import_fails_in_one_line(small_fs, home, tmp_path, monkeypatch):
    state = small_fs / "home"
    query, src = _home_with_counts(state, tmp_path, monkeypatch)
    _fill(small_fs)
    before = _snapshot(state)
    cli = CliRunner()
    r = cli.invoke(main, ["--no-progress", "counts", "-q", str(query), "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert "local:c,all time,LSTM,total,5" in r.stdout
    r = cli.invoke(main, ["--no-progress", "cache", "export", str(tmp_path / "out.csv")])
    assert r.exit_code == 0, r.output
    r = cli.invoke(main, ["--no-progress", "report", "-q", str(query), "-o", str(tmp_path / "r" / "report.md")])
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(json.dumps({"id": f"b{i}", "title": f"LSTM study number {i} " * 20, "year": 2015})
                             for i in range(2000)), encoding="utf-8")
    r = cli.invoke(main, ["--no-progress", "corpus", "import", str(big), "--name", "c", "--replace"])
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {state / 'corpora' / 'c.sqlite'}: cannot write the corpus ("), lines
    assert "the disk is full" in lines[0] and "corpus c is as it was" in lines[0], lines
    assert _snapshot(state) == before


def test_an_import_into_a_read_only_home_fails_in_one_line(small_fs, home, tmp_path, monkeypatch):
    state = small_fs / "home"
    query, src = _home_with_counts(state, tmp_path, monkeypatch)
    before = _snapshot(state)
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    cli = CliRunner()
    r = cli.invoke(main, ["--no-progress", "counts", "-q", str(query), "--format", "csv"])
    assert r.exit_code == 0 and "local:c,all time,LSTM,total,5" in r.stdout, r.output
    r = cli.invoke(main, ["--no-progress", "corpus", "import", str(src), "--name", "d"])
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {state / 'corpora' / 'd.sqlite'}: cannot write the corpus ("), lines
    assert "it cannot be written" in lines[0] and "no corpus d was made" in lines[0], lines
    assert _snapshot(state) == before


def test_counts_still_in_the_write_ahead_log_are_never_silently_left_out(small_fs, tmp_path):
    import shutil

    from survey.observation import Observation

    from survey.store import Store, StoreError

    work = tmp_path / "work"
    work.mkdir()
    store = Store(work / "cache.sqlite")
    store.record(Observation("openalex", "LSTM", "total", "all time", None, None, None, "q", 7, "ok"))
    state = small_fs / "home"
    state.mkdir()
    for name in ("cache.sqlite", "cache.sqlite-wal"):  # a copy taken before any checkpoint: the row is in the log
        shutil.copyfile(work / name, state / name)
    store.close()
    assert (state / "cache.sqlite-wal").stat().st_size > 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    try:
        with Store(state / "cache.sqlite") as cache:
            assert [o.count for o in cache.all()] == [7]  # read whole, or
    except StoreError as exc:  # refused in one line, never read without the row
        assert str(exc).startswith(f"{state / 'cache.sqlite'}: cannot ") and "cache.sqlite-wal" in str(exc), exc
