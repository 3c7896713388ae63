"""What goes wrong with a SQLite file survey keeps (the cache, the labels): one line each, and
waits for another process's lock that Ctrl-C can end."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

from survey.errors import SurveyError

# SQLite waits for another process's lock in C, where neither Ctrl-C nor an interrupt is seen;
# so it waits this long at a time and Python loops until the store's timeout.
LOCK_STEP_S = 0.1


class StoreError(SurveyError):
    """A survey SQLite file cannot be opened, read or written; the message names it and what to do."""

    exit_code = 2


def failure(path: Path, doing: str, exc: BaseException) -> StoreError:
    """One line naming the file, what failed, SQLite's or the system's reason and what to do."""
    if isinstance(exc, OSError) and exc.strerror:
        why = f"[Errno {exc.errno}] {exc.strerror}"  # without the file name: a temporary file's means nothing
    else:
        why = str(exc) or type(exc).__name__
    low = why.lower()
    if "not a database" in low or "malformed" in low:
        hint = "it is not a survey cache or is damaged; move it aside (the next run starts a new one)"
    elif "readonly" in low or "read-only" in low or isinstance(exc, PermissionError):
        hint = "it cannot be written; make it writable or point --home (SURVEY_HOME) elsewhere"
    elif "disk is full" in low or "no space" in low or no_room(exc, path.parent):
        hint = "the disk is full; free space and rerun (everything saved so far is kept)"
    elif _busy(exc):
        hint = ("another process holds its write lock; rerun when it has finished "
                "(everything saved so far is kept, what was not saved is fetched again)")
    else:
        hint = "check the file and its folder, or point --home (SURVEY_HOME) elsewhere"
    return StoreError(f"{path}: {doing} ({why}): {hint}")


def no_room(exc: BaseException, folder: Path | None = None) -> bool:
    """Whether SQLite failed for want of space: it says so, or says "disk I/O error" (it could not
    size the write-ahead log's index) on a disk with no room left."""
    if "full" in str(exc):
        return True
    if "disk I/O error" not in str(exc) or folder is None:
        return False
    try:
        return shutil.disk_usage(folder).free < 1 << 20
    except OSError:
        return False


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def patiently(run: Callable[[], sqlite3.Cursor], timeout: float, interrupted: threading.Event, path: Path):
    """``run()``, tried again while another process holds the lock, until ``timeout`` or ``interrupted``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return run()
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() >= deadline:
                raise
            if interrupted.is_set():
                raise StoreError(f"{path}: stopped while another process held the cache's write lock; "
                                 "nothing more was saved (the next run fetches the rest)") from None
