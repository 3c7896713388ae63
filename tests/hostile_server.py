"""A TCP server on 127.0.0.1 that misbehaves as told, for the hostile-server and Ctrl-C tests."""

from __future__ import annotations

import socket
import threading
import time

import pytest

# However a server misbehaves, it gives up after this long: a client that fails to cut it off
# then fails its test in seconds instead of hanging the suite (and every mutation run).
GIVE_UP = 10.0


class RawServer:
    """A TCP server on 127.0.0.1 whose every connection is handled by ``behave(conn)``."""

    def __init__(self, behave):
        self.behave = behave
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.accepted = 0
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        try:
            conn.recv(65536)
            self.behave(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.fixture
def raw_server():
    """Make RawServers that are closed after the test."""
    servers = []

    def make(behave):
        servers.append(RawServer(behave))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def never_answer(conn, stop):
    stop.wait(GIVE_UP)


def slow_loris(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    until = time.monotonic() + GIVE_UP
    while time.monotonic() < until and not stop.wait(0.2):
        conn.sendall(b" ")  # a byte at a time: no per-read timeout ever fires
