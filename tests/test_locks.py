"""Another process holding the cache's write lock: Ctrl-C still ends a run at once, and what could
not be saved is fetched by the next run. Bounds are generous (5 s) for a loaded machine; the
landed code waited out SQLite's busy timeout (a minute) instead."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time

from hostile_server import RawServer
from survey.observation import Observation
from survey.store import Store, StoreError
from test_interrupt import answer_first, start, wait_for


def hold_write_lock(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    return db


def test_ctrl_c_ends_a_refresh_whose_writes_wait_for_a_lock_and_the_next_run_saves_them(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    Store(home / "cache.sqlite").close()
    holder = hold_write_lock(home / "cache.sqlite")
    server = RawServer(answer_first(100))
    try:
        proc, _ = start(tmp_path, server.url)
        wait_for(server, 3, proc)  # answered at once: the workers now wait to save
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        took = time.monotonic() - sent
        assert took < 5, f"exit {took:.1f} s after Ctrl-C"
        assert proc.returncode == 1 and "Traceback" not in err, err
        assert "interrupted" in err, err
        holder.execute("ROLLBACK")
        holder.close()
        again, _ = start(tmp_path, server.url)
        out, err = again.communicate(timeout=60)
        assert again.returncode == 0, err
    finally:
        server.close()
    with Store(home / "cache.sqlite") as store:
        rows = store.latest()
    assert len(rows) == 6 * 2 and all(o.status == "ok" and o.count == 5 for o in rows)


def test_an_interrupt_from_another_thread_ends_a_wait_for_the_lock(tmp_path):
    import threading

    path = tmp_path / "cache.sqlite"
    store = Store(path)
    holder = hold_write_lock(path)
    threading.Timer(0.3, store.interrupt).start()
    started = time.monotonic()
    try:
        store.record(Observation("openalex", "LSTM", "total", "all time", None, None, None, "q", 1, "ok"))
        raise AssertionError("the write went through a held lock")
    except StoreError as exc:
        assert str(exc) == (f"{path}: stopped while another process held the cache's write lock; nothing more was "
                            "saved (the next run fetches the rest)")
    assert time.monotonic() - started < 2
    holder.execute("ROLLBACK")
    assert store.all() == []
    store.close()


def test_a_lock_held_past_the_timeout_is_one_line_naming_the_cause(tmp_path):
    path = tmp_path / "cache.sqlite"
    store = Store(path, timeout=0.3)
    holder = hold_write_lock(path)
    try:
        store.record(Observation("openalex", "LSTM", "total", "all time", None, None, None, "q", 1, "ok"))
        raise AssertionError("the write went through a held lock")
    except StoreError as exc:
        assert str(exc) == (f"{path}: cannot write to the cache (database is locked): another process holds its "
                            "write lock; rerun when it has finished (everything saved so far is kept, what was not "
                            "saved is fetched again)")
    finally:
        holder.execute("ROLLBACK")
        store.close()
