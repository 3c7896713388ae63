"""Bounded requests: a total deadline, a way to abandon them, and a cap on the decoded body.

requests only has per-read timeouts, so a server that sends a byte a second (headers or body)
holds a request forever, and nothing can interrupt a thread blocked in a socket read. Here each
request is a ``Flight``: the connections it uses are recorded (through a urllib3 connection
class that registers itself with the flight of the current thread), and a watchdog thread shuts
their sockets down when the flight's deadline passes or when it is cancelled (Ctrl-C). A
shutdown wakes the blocked read at once, in whatever phase it is.

Bodies are read raw and decompressed here, in steps bounded by ``max_length``, so a small gzip
bomb never inflates past the cap in memory.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

CHUNK = 16 * 1024
ACCEPT_ENCODING = "gzip, deflate"  # only what _decoder can decode in bounded steps


class BodyTooLarge(Exception):
    pass


class BadEncoding(Exception):
    pass


class Flight:
    """One request attempt: its deadline, its connections, and why it was cut (if it was)."""

    def __init__(self, deadline: float | None):
        self.deadline = deadline
        self.cut: str | None = None  # "deadline" or "cancel"
        self._conns: list = []
        self._lock = threading.Lock()

    def attach(self, conn) -> None:
        with self._lock:
            self._conns.append(conn)
            cut = self.cut
        if cut:
            _shutdown(conn)

    def kill(self, reason: str) -> None:
        with self._lock:
            if self.cut is None:
                self.cut = reason
            conns = list(self._conns)
        for conn in conns:
            _shutdown(conn)


def _shutdown(conn) -> None:
    for sock in (getattr(conn, "sock", None), getattr(conn, "handshake_sock", None)):
        try:
            # The plain socket's shutdown, also for TLS: it wakes a reader blocked in the C library
            # without touching the SSL object that reader is using.
            if sock is not None:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


_local = threading.local()


def current_flight() -> Flight | None:
    return getattr(_local, "flight", None)


class _Watchdog:
    """One daemon thread that cuts flights past their deadline."""

    def __init__(self, tick: float = 0.05):
        self.tick = tick
        self._flights: set[Flight] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, flight: Flight) -> None:
        with self._lock:
            self._flights.add(flight)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="survey-http-watchdog", daemon=True)
                self._thread.start()

    def remove(self, flight: Flight) -> None:
        with self._lock:
            self._flights.discard(flight)

    def _run(self) -> None:
        while True:
            time.sleep(self.tick)
            now = time.monotonic()
            with self._lock:
                late = [f for f in self._flights if f.deadline is not None and now >= f.deadline]
            for f in late:
                f.kill("deadline")


watchdog = _Watchdog()


class flying:
    """Context: requests made by this thread inside it belong to ``flight``."""

    def __init__(self, flight: Flight):
        self.flight = flight

    def __enter__(self) -> Flight:
        _local.flight = self.flight
        watchdog.add(self.flight)
        return self.flight

    def __exit__(self, *exc) -> None:
        watchdog.remove(self.flight)
        _local.flight = None


class _Tracked:
    """Mixin: a connection reports itself to the current flight whenever it is used."""

    def _new_conn(self):
        # Held from the moment it exists: a cut that came while connecting found no socket to shut.
        self.sock = sock = super()._new_conn()
        flight = current_flight()
        if flight is not None and flight.cut:
            _shutdown(self)
        return sock

    def connect(self):
        flight = current_flight()
        if flight is not None:
            flight.attach(self)
        return super().connect()

    def request(self, *args, **kwargs):
        flight = current_flight()
        if flight is not None:
            flight.attach(self)
        return super().request(*args, **kwargs)


class _HTTPConn(_Tracked, HTTPConnection):
    pass


class _HTTPSConn(_Tracked, HTTPSConnection):
    """Wrapping a socket for TLS detaches it from its descriptor, and ``sock`` is the wrapped one
    only once the handshake is over: until then a copy of the descriptor is what a cut can shut
    (a shutdown acts on the connection, whichever descriptor names it)."""

    handshake_sock: socket.socket | None = None

    def _new_conn(self):
        sock = super()._new_conn()
        self.handshake_sock = sock.dup()
        return sock

    def connect(self):
        try:
            return super().connect()
        finally:
            if self.handshake_sock is not None:
                self.handshake_sock.close()
                self.handshake_sock = None


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConn


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConn


class TrackedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with connections a Flight can cut."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


# ------------------------------------------------------------------ bodies


def _decoder(encoding: str):
    enc = encoding.strip().lower()
    if enc in ("", "identity"):
        return None
    if enc in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    raise BadEncoding(f"unrequested content encoding {encoding!r}")


def read_body(resp: requests.Response, cap: int) -> bytes:
    """The decoded body, at most ``cap`` bytes of it (BodyTooLarge beyond), read in chunks."""
    decoder = _decoder(resp.headers.get("Content-Encoding", ""))
    out = bytearray()
    while True:
        chunk = resp.raw.read(CHUNK, decode_content=False)
        if decoder is None:
            out += chunk
        elif chunk:
            # max_length stops inflating one byte past the cap; short of it, the call has used up
            # the whole chunk, so one call per chunk reads everything below the cap.
            out += decoder.decompress(chunk, cap + 1 - len(out))
        else:
            out += decoder.flush()
        if len(out) > cap:
            raise BodyTooLarge(f"body larger than {cap // 1_000_000 or cap} {'MB' if cap >= 1_000_000 else 'bytes'} decoded")
        if not chunk:
            break
    if decoder is not None:
        if not decoder.eof:
            raise zlib.error("compressed body ends early")
        if decoder.unused_data:
            raise zlib.error("data after the end of the compressed body")
    return bytes(out)
