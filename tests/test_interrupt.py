"""Ctrl-C on `survey refresh` in a child process, against loopback servers that hang.

Bounds are generous (5 s) so a loaded machine does not fail them; benchmarks/refresh_emulated.py
prints the measured time from Ctrl-C to exit.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from hostile_server import RawServer, never_answer, slow_loris
from survey.store import Store

MATRIX = """
[methods]
LSTM = ["LSTM"]
CNN = ["CNN"]
GRU = ["GRU"]
[tasks]
QA = ["question answering"]
total = []
[[windows]]
name = "all time"
[[windows]]
name = "since 2006"
from = 2006
"""


def answer_first(n: int):
    """Answer the first ``n`` requests with a count, then never answer again."""
    lock = threading.Lock()
    seen = [0]

    def behave(conn, stop):
        with lock:
            seen[0] += 1
            mine = seen[0]
        if mine <= n:
            body = b'{"meta": {"count": 5}, "results": []}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            return
        stop.wait(60)

    return behave


def start(tmp_path, url):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    query = tmp_path / "q.toml"
    query.write_text(MATRIX, encoding="utf-8")
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env.update(
        SURVEY_HOME=str(home),
        SURVEY_CONFIG=str(tmp_path / "none.toml"),
        SURVEY_OPENALEX_URL=url,
        SURVEY_OPENALEX_KEY="ctrl-c-test-key",
        SURVEY_OPENALEX_RPS="100",
        SURVEY_OPENALEX_CONCURRENCY="3",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "survey", "--no-progress", "refresh", "-q", str(query), "-s", "openalex"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    return proc, home


def wait_for(server: RawServer, n: int, proc) -> None:
    deadline = time.monotonic() + 30
    while server.accepted < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the refresh never reached the server"
        time.sleep(0.05)
    time.sleep(0.3)  # the requests are now in flight (or waiting on their answer)


@pytest.mark.parametrize("behave", [never_answer, slow_loris], ids=["never-answers", "slow-loris"])
def test_one_ctrl_c_stops_a_hung_refresh(tmp_path, behave):
    server = RawServer(behave)
    try:
        proc, _ = start(tmp_path, server.url)
        wait_for(server, 1, proc)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        server.close()
    assert took < 5, f"exit {took:.1f} s after Ctrl-C"
    assert proc.returncode == 1 and "Traceback" not in err
    assert "interrupted" in err and "with network" not in err, err


def test_ctrl_c_keeps_what_was_stored(tmp_path):
    server = RawServer(answer_first(3))
    try:
        proc, home = start(tmp_path, server.url)
        wait_for(server, 5, proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        accepted = server.accepted
        time.sleep(0.5)
        after = server.accepted
    finally:
        server.close()
    assert proc.returncode == 1 and "interrupted" in err, err
    with Store(home / "cache.sqlite") as store:
        rows = store.all()
    assert sum(1 for o in rows if o.status == "ok") == 3
    assert all(o.status == "ok" for o in rows), "an abandoned request was recorded"
    assert after == accepted, "requests went on after exit"


def test_a_second_ctrl_c_exits_at_once(tmp_path):
    server = RawServer(never_answer)
    try:
        proc, _ = start(tmp_path, server.url)
        wait_for(server, 1, proc)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        time.sleep(0.1)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        server.close()
    assert took < 3, f"exit {took:.1f} s after two Ctrl-Cs"
    assert proc.returncode != 0


def test_ctrl_c_stops_a_corpus_import_and_keeps_the_previous_corpus(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env.update(SURVEY_HOME=str(home), SURVEY_CONFIG=str(tmp_path / "none.toml"))
    small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    small.write_text('{"title": "The corpus before", "year": 2001}\n', encoding="utf-8")
    abstract = "Recurrent and convolutional networks compared on many tasks. " * 10
    with open(big, "w", encoding="utf-8") as out:  # long enough that the import is still running
        for i in range(400_000):
            out.write(f'{{"title": "Paper {i}", "abstract": "{abstract}", "year": {1990 + i % 30}}}\n')

    def survey(*args, **kwargs):
        return subprocess.Popen([sys.executable, "-m", "survey", *args], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, **kwargs)

    first = survey("corpus", "import", str(small), "--name", "lib")
    assert first.wait(timeout=60) == 0, first.communicate()
    proc = survey("corpus", "import", str(big), "--name", "lib", "--replace")
    corpora = home / "corpora"
    deadline = time.monotonic() + 30
    while not any(p.name.startswith(".lib.sqlite-index") for p in corpora.iterdir()):  # records are going in
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    took = time.monotonic() - sent
    assert took < 5, f"exit {took:.1f} s after Ctrl-C"
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert "interrupted: nothing imported; corpus lib is as it was." in err, err
    assert sorted(p.name for p in corpora.iterdir()) == ["lib.sqlite"]
    with sqlite3.connect(corpora / "lib.sqlite") as conn:
        assert conn.execute("SELECT title FROM records").fetchall() == [("The corpus before",)]


def test_ctrl_c_in_a_command_that_does_not_handle_it_is_a_clean_exit_130(home, monkeypatch):
    from click.testing import CliRunner

    from survey.cli import main

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "stats", interrupted)
    Store(home / "cache.sqlite").close()
    r = CliRunner().invoke(main, ["cache", "stats"])
    assert r.exit_code == 130 and r.stderr == "interrupted\n", (r.exit_code, r.output)


def test_ctrl_c_outside_any_command_is_a_clean_exit_130(monkeypatch, capsys):
    # while the command modules are imported, or a second Ctrl-C while click handles the first
    import survey.cli
    from survey import entry

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(survey.cli, "main", interrupted)
    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as stop:
            entry.main()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN, "a further Ctrl-C cannot break the exit"
    finally:
        signal.signal(signal.SIGINT, previous)
    assert stop.value.code == 130 and capsys.readouterr().err == "interrupted\n"


def test_a_bug_in_a_command_exits_70_with_its_traceback_not_1(monkeypatch, capsys):
    """Exit 1 means some cells failed and the rest is saved, which `make report` lets pass; a bug must
    not look like that, or the report would be rendered on past a traceback."""
    import survey.cli
    from survey import entry

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(survey.cli, "main", broken)
    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as stop:
            entry.main()
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert stop.value.code == 70
    assert "Traceback" in err and "ZeroDivisionError: division by zero" in err
    assert err.endswith("survey: internal error (exit 70); what was saved before it is kept\n")


@pytest.mark.parametrize("second", [0.01, 0.05, 0.3])
def test_a_second_ctrl_c_during_an_import_is_no_traceback(tmp_path, second):
    home = tmp_path / "home"
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env.update(SURVEY_HOME=str(home), SURVEY_CONFIG=str(tmp_path / "none.toml"))
    big = tmp_path / "big.jsonl"
    with open(big, "w", encoding="utf-8") as out:
        for i in range(300_000):
            out.write(f'{{"title": "Paper {i} on recurrent networks", "abstract": "{"words " * 40}", "year": 2001}}\n')
    proc = subprocess.Popen([sys.executable, "-m", "survey", "--no-progress", "corpus", "import", str(big), "--name", "x"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    time.sleep(second)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err and proc.returncode in (1, 130), (proc.returncode, err)
    assert not (home / "corpora" / "x.sqlite").exists()


def test_output_piped_into_a_reader_that_stops_early_is_no_internal_error(tmp_path):
    """`survey ... | head`: the pipe closes under the writer; that is the reader's choice, not a bug."""
    script = ("import sys, survey.cli\n"
              "def flood(*a, **k):\n"
              "    while True:\n"
              "        sys.stdout.write('row,' * 1000 + '\\n')\n"
              "survey.cli.main = flood\n"
              "from survey.entry import main\n"
              "main()\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == 141, err
    assert "Traceback" not in err and "internal error" not in err
