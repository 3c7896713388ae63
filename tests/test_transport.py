"""Flights, the watchdog that cuts them, and bodies read within a cap: the parts under the HTTP
layer, each on its own (sockets on this machine only)."""

from __future__ import annotations

import gzip
import io
import os
import socket
import ssl
import threading
import time
import tracemalloc
import zlib

import pytest
import requests
import urllib3

import survey.transport as transport
from hostile_server import never_answer, raw_server  # noqa: F401 (raw_server: a fixture)
from survey.errors import SourceError
from survey.http import Http, Interrupted, Limits, RetryPolicy
from survey.transport import CHUNK, BadEncoding, BodyTooLarge, Flight, _Watchdog, current_flight, flying, read_body, watchdog


def response(body: bytes, encoding: str | None = None) -> requests.Response:
    """A response as requests' adapter builds one: the raw stream opened undecoded."""
    headers = {"Content-Encoding": encoding} if encoding else {}
    resp = requests.Response()
    resp.raw = urllib3.HTTPResponse(io.BytesIO(body), headers=headers, preload_content=False, decode_content=False)
    resp.headers = requests.structures.CaseInsensitiveDict(headers)
    return resp


TEXT = os.urandom(40_000)  # incompressible: its gzip spans three reads


@pytest.mark.parametrize("encoding", [None, "", "identity", "Identity "])
def test_a_plain_body_comes_back_as_sent(encoding):
    assert read_body(response(TEXT, encoding), 40_000) == TEXT


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [("gzip", gzip.compress), ("x-gzip", gzip.compress), ("GZIP", gzip.compress), ("deflate", zlib.compress)],
)
def test_a_compressed_body_over_several_reads_comes_back_whole(encoding, pack):
    packed = pack(TEXT)
    assert len(packed) > 2 * CHUNK
    assert read_body(response(packed, encoding), 40_000) == TEXT


def test_an_encoding_never_asked_for_is_refused_by_name():
    with pytest.raises(BadEncoding) as info:
        read_body(response(b"x", "br"), 100)
    assert str(info.value) == "unrequested content encoding 'br'"


def test_a_body_at_the_cap_is_read_and_one_byte_more_is_refused():
    assert read_body(response(b"x" * 100), 100) == b"x" * 100
    assert read_body(response(gzip.compress(b"x" * 100), "gzip"), 100) == b"x" * 100
    with pytest.raises(BodyTooLarge) as plain:
        read_body(response(b"x" * 101), 100)
    with pytest.raises(BodyTooLarge) as packed:
        read_body(response(gzip.compress(b"x" * 101), "gzip"), 100)
    assert str(plain.value) == str(packed.value) == "body larger than 100 bytes decoded"
    with pytest.raises(BodyTooLarge, match="^body larger than 2 MB decoded$"):
        read_body(response(gzip.compress(bytes(2_000_001)), "gzip"), 2_000_000)
    # a cap of exactly 1 MB is said in MB; one byte less, in bytes
    with pytest.raises(BodyTooLarge, match="^body larger than 1 MB decoded$"):
        read_body(response(gzip.compress(bytes(1_000_001)), "gzip"), 1_000_000)
    with pytest.raises(BodyTooLarge, match="^body larger than 999999 bytes decoded$"):
        read_body(response(gzip.compress(bytes(1_000_000)), "gzip"), 999_999)


def test_a_gzip_body_exactly_at_the_cap_whose_trailer_comes_in_a_later_read_is_read():
    for size in range(2 * CHUNK - 40, 2 * CHUNK):
        packed = gzip.compress(TEXT[:size], compresslevel=0)
        if len(packed) % CHUNK and len(packed) % CHUNK <= 8:  # the last read holds only trailer bytes
            break
    else:
        pytest.fail("no size puts the gzip trailer alone in the last read")
    assert read_body(response(packed, "gzip"), size) == TEXT[:size]


def test_a_bomb_is_never_inflated_in_memory_past_the_cap():
    packed = gzip.compress(bytes(64_000_000))  # 64 MB of zeros in ~62 KB
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLarge):
            read_body(response(packed, "gzip"), 1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000


def test_no_chunk_is_inflated_past_one_byte_over_the_cap(monkeypatch):
    """Bounded memory is a property of each inflate call, not only of the error at the end: after
    earlier chunks, the next may inflate only what is left of the cap, plus the one byte that shows
    the cap is passed."""
    produced = []

    class Counting:  # zlib's decompressobj, counting what each call inflates
        def __init__(self):
            self.inner = zlib.decompressobj(zlib.MAX_WBITS | 32)

        def decompress(self, data, max_length):
            out = self.inner.decompress(data, max_length)
            produced.append(len(out))
            return out

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr(transport, "_decoder", lambda encoding: Counting())
    cap = CHUNK + CHUNK // 2  # the first chunk inflates whole, the second passes the cap
    with pytest.raises(BodyTooLarge):
        read_body(response(gzip.compress(TEXT, compresslevel=0), "gzip"), cap)
    assert sum(produced) == cap + 1
    assert len(produced) == 2


def test_a_compressed_body_cut_short_or_with_junk_after_it_is_an_error():
    packed = gzip.compress(b'{"total": 12}')
    with pytest.raises(zlib.error) as short:
        read_body(response(packed[:-6], "gzip"), 1000)
    assert str(short.value) == "compressed body ends early"
    with pytest.raises(zlib.error) as junk:
        read_body(response(packed + b"junk", "gzip"), 1000)
    assert str(junk.value) == "data after the end of the compressed body"


def test_an_endless_body_is_refused_at_the_cap_not_read_to_its_end(raw_server):
    sent: list[int] = []

    def endless(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        total = 0
        try:
            while total < 64_000_000 and not stop.is_set():
                conn.sendall(b" " * 65536)
                total += 65536
        finally:
            sent.append(total)

    http = Http("test", raw_server(endless).url, limits=Limits(max_body=100_000), retry=RetryPolicy(attempts=1))
    with pytest.raises(SourceError) as info:
        http.get("/x")
    assert str(info.value) == "test: body larger than 100000 bytes decoded; refusing to read more"
    for _ in range(200):  # the server stops sending once the client has gone
        if sent:
            break
        time.sleep(0.05)
    assert sent and sent[0] < 64_000_000, "the client read on past its cap"


def test_a_failed_tls_handshake_leaves_no_connection_open(raw_server):
    ended: list[bool] = []

    def not_tls(conn, stop):
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")  # the handshake fails on this
        conn.settimeout(5)
        try:
            ended.append(conn.recv(1) == b"")
        except socket.timeout:
            ended.append(False)
        except ConnectionResetError:
            ended.append(True)

    conn = transport._HTTPSConn("127.0.0.1", raw_server(not_tls).port, timeout=5)
    with pytest.raises(ssl.SSLError):
        conn.connect()
    conn.close()
    assert conn.handshake_sock is None
    for _ in range(200):
        if ended:
            break
        time.sleep(0.05)
    assert ended == [True], "the server never saw the connection end"


def test_a_kept_alive_connection_is_cut_at_the_deadline_on_its_next_request(raw_server):
    def answer_once(conn, stop):  # the first request was read by the server already
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        conn.recv(65536)  # the second request, on the same connection: never answered
        stop.wait(10)

    server = raw_server(answer_once)
    http = Http("test", server.url, limits=Limits(timeout=(30.0, 30.0), deadline=0.5), retry=RetryPolicy(attempts=1))
    assert http.get_json("/x") == {}
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        http.get("/x")
    assert time.monotonic() - started < 5
    assert str(info.value) == "test: no complete answer within 0.5 s after 1 tries"
    assert server.accepted == 1


def test_a_stalled_tls_handshake_ends_at_the_total_deadline(raw_server):
    # The handshake happens in connect(), before any request is written, on a socket that TLS
    # wrapping has detached from its descriptor: the flight must still cut it there, or only the
    # server giving up (after 10 s) would end the request.
    url = raw_server(never_answer).url.replace("http://", "https://")
    http = Http("test", url, limits=Limits(timeout=(30.0, 30.0), deadline=0.5), retry=RetryPolicy(attempts=1))
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        http.get("/x")
    assert time.monotonic() - started < 5
    assert str(info.value) == "test: no complete answer within 0.5 s after 1 tries"


class Conn:
    """What a flight holds: something with a socket (or none yet)."""

    def __init__(self, sock=None):
        self.sock = sock


def shut(peer: socket.socket) -> bool:
    """Whether the other end of ``peer`` was shut down (its reads see the end at once)."""
    peer.settimeout(5)
    return peer.recv(1) == b""


def test_a_flight_starts_uncut_and_keeps_the_first_reason_it_is_cut_for():
    flight = Flight(12.5)
    assert (flight.deadline, flight.cut) == (12.5, None)
    flight.kill("deadline")
    flight.kill("cancel")
    assert flight.cut == "deadline"


def test_kill_shuts_every_connection_of_the_flight():
    pairs = [socket.socketpair() for _ in range(2)]
    flight = Flight(None)
    for mine, _ in pairs:
        flight.attach(Conn(mine))
    flight.attach(Conn())  # not connected yet
    flight.attach(object())  # no socket attribute at all
    flight.kill("cancel")
    assert flight.cut == "cancel" and all(shut(peer) for _, peer in pairs)


def test_a_connection_attached_after_the_cut_is_shut_at_once():
    mine, peer = socket.socketpair()
    flight = Flight(None)
    flight.kill("cancel")
    flight.attach(Conn(mine))
    assert shut(peer)


def test_a_connection_attached_before_the_cut_is_left_alone_until_it():
    mine, peer = socket.socketpair()
    flight = Flight(None)
    flight.attach(Conn(mine))
    mine.sendall(b"!")
    assert peer.recv(1) == b"!"


def test_a_closed_socket_is_no_error_to_cut():
    mine, _ = socket.socketpair()
    mine.close()
    flight = Flight(None)
    flight.attach(Conn(mine))
    flight.kill("cancel")
    assert flight.cut == "cancel"


def test_flying_marks_the_flight_of_this_thread_only():
    flight = Flight(None)
    assert current_flight() is None
    with flying(flight) as got:
        assert got is flight and current_flight() is flight
        assert flight in watchdog._flights
        elsewhere: list = []
        other = threading.Thread(target=lambda: elsewhere.append(current_flight()))
        other.start()
        other.join()
        assert elsewhere == [None]
    assert current_flight() is None and flight not in watchdog._flights


class Stop(Exception):
    pass


class Ticks:
    """time for the calling thread only: a fixed now, and sleeps that count down to Stop."""

    def __init__(self, now: float, ticks: int):
        self.now, self.left, self.slept = now, ticks, []
        self.me = threading.get_ident()

    def monotonic(self) -> float:
        return self.now if threading.get_ident() == self.me else time.monotonic()

    def sleep(self, seconds: float) -> None:
        if threading.get_ident() != self.me:  # the process's own watchdog runs on
            return time.sleep(seconds)
        self.slept.append(seconds)
        if not self.left:
            raise Stop
        self.left -= 1


def test_the_watchdog_looks_every_50_ms_and_cuts_only_flights_at_or_past_their_deadline(monkeypatch):
    past, due, ahead, open_ended = Flight(99.0), Flight(100.0), Flight(100.5), Flight(None)
    dog = _Watchdog()
    dog._flights.update({past, due, ahead, open_ended})
    ticks = Ticks(100.0, 1)
    monkeypatch.setattr(transport, "time", ticks)
    with pytest.raises(Stop):
        dog._run()
    assert ticks.slept == [0.05, 0.05]
    assert [f.cut for f in (past, due, ahead, open_ended)] == ["deadline", "deadline", None, None]


def test_the_watchdog_runs_one_daemon_thread_and_starts_another_when_it_died():
    dog = _Watchdog()
    started, release = threading.Event(), threading.Event()
    dog._run = lambda: (started.set(), release.wait(10))
    dog.add(Flight(None))
    first = dog._thread
    assert started.wait(10)
    dog.add(Flight(None))
    assert dog._thread is first and first.name == "survey-http-watchdog" and first.daemon
    release.set()
    first.join(10)
    dog.add(Flight(None))
    assert dog._thread is not first
    dog._thread.join(10)


def test_the_watchdog_forgets_a_flight_removed_from_it():
    dog = _Watchdog()
    dog._run = lambda: None
    flight = Flight(None)
    dog.add(flight)
    assert dog._flights == {flight}
    dog.remove(flight)
    assert dog._flights == set()


class CancelOnAcquire:
    """A pace that lets the run be cancelled just after the last check before sending."""

    def __init__(self):
        self.http = None

    def acquire(self):
        self.http.cancel()


def test_a_cancel_that_lands_while_connecting_stops_the_request(httpserver):
    httpserver.expect_request("/x").respond_with_json({"total": 1})
    http = Http("test", httpserver.url_for(""), retry=RetryPolicy(attempts=1))
    http.limiter = CancelOnAcquire()
    http.limiter.http = http
    with pytest.raises(Interrupted) as info:
        http.get("/x")
    assert str(info.value) == "test: stopped"
