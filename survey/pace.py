"""How fast one source may be asked: a sliding window, shared by threads and by processes.

Providers that say "N requests per second" mostly count requests in any one-second window, so a
token bucket's saved-up burst on top of a full window is exactly what earns a 429. The limiter
here keeps a log of send times and hands each caller the earliest moment at which no window of
``period`` seconds (plus a small margin for network jitter) holds more than ``limit`` sends.
Callers reserve their moment under a lock and then sleep outside it, so several workers can
still have requests in flight to cover latency.

With a ``path``, the log lives in a small file guarded by a file lock, in one folder per user
and machine (``machine_dir``: not per home), so every survey process of that user shares one
pace per source and server (and a Retry-After seen by one pauses them all). ``server_key`` says
which spellings of a base URL are one server. Where that folder cannot be written (a read-only
or full disk) the pace is kept in the process, and the run goes on. pyrate-limiter offers a sliding window and a process-shared bucket too; it is
not used because its blocking acquire sleeps where Ctrl-C cannot cut it short, it has no shared
"pause for Retry-After", and it polls where this hands out reservations in order.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import threading
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import urlsplit

from filelock import FileLock

# Allowance for requests leaving together but arriving a little apart.
MARGIN = 0.05
LATE = 0.025  # woken later than this after its moment, a caller books again
_KEEP = 256  # send times kept in the log, enough for any sane limit
_HORIZON = 3600.0  # no booking or pause reaches further ahead than this


def window_for(rate: float) -> tuple[int, float]:
    """(at most `limit` sends, in any `period` seconds) for `rate` per second, never above it in
    any one-second window: 10/s is 10 per 1 s, 2.5/s is 2 per 1 s, 1/3 is 1 per 3 s."""
    if rate >= 1:
        limit = int(math.floor(rate))
        return limit, max(1.0, limit / rate)
    return 1, 1.0 / rate


class RateLimiter:
    """At most ``rate`` sends per second in any window; ``None``: unlimited."""

    def __init__(
        self,
        rate: float | None,
        *,
        path: Path | str | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = MARGIN,
    ):
        self.configured_rate = rate
        self.rate = rate
        self.path = Path(path) if path else None
        # Processes share wall-clock time; a monotonic clock means nothing across them.
        self.clock = clock or (time.time if self.path else time.monotonic)
        self.sleep = sleep
        self.margin = margin
        self._lock = threading.Lock()
        self._sends: list[float] = []
        self._paused_until = 0.0
        self._unsaved = False
        if self.path:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                Path(str(self.path) + ".lock").touch()
            except OSError:
                self.path = None  # the pace of this process only: better than no run
        self._file_lock = FileLock(str(self.path) + ".lock") if self.path else None

    @property
    def window(self) -> tuple[int, float] | None:
        return None if self.rate is None else window_for(self.rate)

    # -------------------------------------------------------------- shared state

    @contextmanager
    def _state(self):
        """The send log and pause, read and written back under the thread and file locks."""
        with self._lock, (self._file_lock or nullcontext()):
            if self.path:
                sends, paused_until = _load(self.path)
                if self._unsaved:  # the file lacks this process's last bookings (a full disk): keep them
                    sends = sorted(set(sends) | set(self._sends))
                    paused_until = max(paused_until, self._paused_until)
                self._sends, self._paused_until = sends, paused_until
            yield
            self._sends = self._sends[-_KEEP:]
            if self.path:
                self._unsaved = not _save(self.path, self._sends, self._paused_until)

    # -------------------------------------------------------------- use

    def reserve(self) -> tuple[float, float]:
        """Book the earliest allowed send moment; return it and how long to wait for it."""
        with self._state():
            now = self.clock()
            # A clock set back (or a log from before a reboot) must not hold sends for hours.
            self._sends = [t for t in self._sends if t <= now + _HORIZON]
            self._paused_until = min(self._paused_until, now + _HORIZON)
            slot = max(now, self._paused_until)
            if self.rate is not None:
                limit, period = window_for(self.rate)
                if self._sends:
                    slot = max(slot, self._sends[-1])  # in order, so the log stays sorted
                if len(self._sends) >= limit:
                    slot = max(slot, self._sends[-limit] + period + self.margin)
                self._sends.append(slot)
            return slot, slot - now

    def release(self, slot: float) -> None:
        """Give a booked moment back (it was missed); the log only gets sparser."""
        with self._state():
            if slot in self._sends:
                self._sends.remove(slot)

    def acquire(self) -> float:
        """Block until this caller may send; returns the seconds waited.

        A caller woken well after its moment (a loaded machine, a descheduled process) books
        again rather than send late, where its request would bunch with the ones booked after it.
        """
        started = self.clock()
        for attempt in range(5):
            slot, wait = self.reserve()
            if wait > 0:
                self.sleep(wait)
            if self.rate is None or self.clock() - slot <= LATE or attempt == 4:
                break
            self.release(slot)
        return self.clock() - started

    def slow_down(self, factor: float = 0.8, floor: float = 0.25) -> None:
        """A 429 says the provider counts differently from us: go slower for the rest of the run
        (never below ``floor`` of the configured rate)."""
        with self._lock:
            if self.rate is not None:
                self.rate = max(self.rate * factor, self.configured_rate * floor)

    def pause(self, seconds: float) -> None:
        """Nobody (in any process sharing the file) sends for ``seconds``."""
        with self._state():
            self._paused_until = max(self._paused_until, self.clock() + seconds)


def _load(path: Path) -> tuple[list[float], float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sends = sorted(float(t) for t in data.get("sends", []))
        return sends, float(data.get("paused_until", 0.0))
    except (OSError, ValueError, TypeError, AttributeError):
        return [], 0.0  # a missing, empty or torn file only forgets recent sends


def _save(path: Path, sends: list[float], paused_until: float) -> bool:
    """Whether the file now holds ``sends``: not on a full disk, where other processes miss these
    sends and this one keeps them (``_state`` adds them to what it reads next)."""
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"sends": sends, "paused_until": paused_until}), encoding="utf-8")
        os.replace(tmp, path)
        return True
    except OSError:
        tmp.unlink(missing_ok=True)
        return False


def machine_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The folder of every pace file of this user on this machine, whatever the home:
    ``SURVEY_PACE_DIR``, else the user's cache folder (``XDG_CACHE_HOME``, or ``~/.cache``)."""
    if env.get("SURVEY_PACE_DIR"):
        return Path(env["SURVEY_PACE_DIR"])
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "survey" / "pace"


_DEFAULT_PORTS = {"http": 80, "https": 443}


def server_key(base_url: str) -> str:
    """What identifies the server behind ``base_url`` for pacing: scheme, host and port, the host
    in lower case without a trailing dot, the port filled in where it is the default. Every
    loopback spelling (``localhost``, ``*.localhost``, ``127.0.0.1``, ``::1``) is one host,
    ``loopback``. Other names are not resolved: the addresses a provider's name resolves to
    change between lookups (a CDN), so they would split one pace rather than join two, and a
    lookup can hang where a key must not."""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        return base_url  # no port survey could send to; the text is its own key
    host = (parts.hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost") or _loopback_address(host):
        host = "loopback"
    return f"{scheme}://{host}:{port}"


def _loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
