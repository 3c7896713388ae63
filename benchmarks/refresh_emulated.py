"""Refresh the study matrix against a loopback server that behaves like OpenAlex.

    .venv/bin/python benchmarks/refresh_emulated.py [--latency 0.3] [--rps 10] [--concurrency N]

The server answers ``meta.count`` and ``group_by=publication_year`` requests after a fixed
latency and enforces ``--rps`` either as a token bucket (lenient: one second's worth of burst)
or strictly (at most ``--rps`` requests in any one-second window, as many providers count),
answering 429 with Retry-After beyond it. survey is given the same limit. Runs, in order:

  lenient / strict      survey's refresh (per-year trends included) against each server
  sequential            a plain loop sending the same requests (lenient server)
  cached                a fully cached rerun
  four processes        four `survey refresh` processes on one cache, strict server
  faults                40% injected faults (503, 429 with Retry-After, 200s cut short)
  gzip bomb             peak RSS of a `survey refresh` whose 5 requests in flight each get
                        1 MB of gzip that decodes to 1 GB
  Ctrl-C                seconds from SIGINT to exit of a refresh whose server never answers

Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import zlib
import tempfile
import threading
import time
from collections import deque
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey.config import Settings  # noqa: E402
from survey.matrix import Matrix  # noqa: E402
from survey.query_file import load_matrix  # noqa: E402
from survey.refreshing import plan, run  # noqa: E402
from survey.sources.openalex import OpenAlexSource  # noqa: E402
from survey.store import Store  # noqa: E402

QUERY_FILE = ROOT / "queries" / "lstm_vs_cnn.toml"


def study_matrix() -> Matrix:
    return load_matrix(QUERY_FILE)


class Emulator:
    """OpenAlex-shaped answers, a fixed latency, a rate limit with 429s beyond it, and faults.

    ``strict``: at most ``rps`` admitted requests in any one-second window; else a token bucket
    of ``burst`` (one second's worth by default). ``faults``: the share of requests answered
    with a 503, a 429 with Retry-After, or a 200 whose body is cut short (a third each).
    """

    def __init__(self, latency: float, rps: float, burst: float | None = None, *, strict: bool = False,
                 faults: float = 0.0, seed: int = 7):
        self.latency = latency
        self.rps = rps
        self.strict = strict
        self.faults = faults
        self.random = random.Random(seed)
        self.burst = max(1.0, burst if burst is not None else float(int(rps)))
        self.lock = threading.Lock()
        self.reset()

    def admit(self) -> float | None:
        """None if the request is within the limit, else seconds until it would be."""
        with self.lock:
            self.requests += 1
            now = time.monotonic()
            self.arrivals.append(now)
            if self.strict:
                while self.admitted and self.admitted[0] <= now - 1.0:
                    self.admitted.popleft()
                if len(self.admitted) < self.rps:
                    self.admitted.append(now)
                    return None
                self.throttled += 1
                return self.admitted[0] + 1.0 - now
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rps)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return None
            self.throttled += 1
            return (1 - self.tokens) / self.rps

    def fault(self) -> str | None:
        with self.lock:
            if self.random.random() >= self.faults:
                return None
            kind = self.random.choice(("503", "429", "truncated"))
            self.injected[kind] += 1
            return kind

    def reset(self):
        with self.lock:
            self.requests = self.throttled = 0
            self.tokens, self.stamp = self.burst, time.monotonic()
            self.admitted: deque[float] = deque()
            self.arrivals: list[float] = []
            self.injected = {"503": 0, "429": 0, "truncated": 0}

    def peak_window(self) -> int:
        """The most requests that arrived in any one-second window."""
        t = sorted(self.arrivals)
        return max((bisect.bisect_left(t, x + 1.0) - i for i, x in enumerate(t)), default=0)

    def answer(self, query: dict) -> dict:
        text = query.get("filter", [""])[0] + query.get("search", [""])[0]
        base = sum(map(ord, text)) % 50000
        if query.get("group_by", [""])[0] == "publication_year":
            years = [int(y) for y in _years(text)]
            groups = [{"key": str(y), "key_display_name": str(y), "count": base % 997 + y} for y in years]
            return {"meta": {"count": sum(g["count"] for g in groups), "groups_count": len(groups)}, "group_by": groups}
        return {"meta": {"count": base, "per_page": 1}, "results": [{"id": "https://openalex.org/W1"}], "group_by": []}

    def serve(self) -> ThreadingHTTPServer:
        emu = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                wait = emu.admit()
                if wait is not None:
                    self.reply(429, b'{"error": "rate limited"}', {"Retry-After": str(max(1, math.ceil(wait)))})
                    return
                time.sleep(emu.latency)
                kind = emu.fault()
                if kind == "503":
                    self.reply(503, b'{"error": "unavailable"}')
                    return
                if kind == "429":
                    self.reply(429, b'{"error": "slow down"}', {"Retry-After": "1"})
                    return
                data = json.dumps(emu.answer(parse_qs(urlsplit(self.path).query))).encode()
                if kind == "truncated":
                    self.reply(200, data, cut=len(data) // 2)
                    return
                self.reply(200, data)

            def reply(self, status, data, headers=None, cut=None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data if cut is None else data[:cut])
                if cut is not None:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


def _years(filter_text: str) -> list[int]:
    import re

    lo = re.search(r"from_publication_date:(\d{4})", filter_text)
    hi = re.search(r"to_publication_date:(\d{4})", filter_text)
    if not (lo and hi):
        return []
    return list(range(int(lo.group(1)), int(hi.group(1)) + 1))


def make_source(home: Path, url: str, rps: float, concurrency: int | None) -> OpenAlexSource:
    env = {"SURVEY_OPENALEX_URL": url, "SURVEY_OPENALEX_KEY": "benchmark-key", "SURVEY_OPENALEX_RPS": str(rps)}
    if concurrency:
        env["SURVEY_OPENALEX_CONCURRENCY"] = str(concurrency)
    return OpenAlexSource.from_settings(Settings(home=home, env=env))


def refresh(home: Path, url: str, rps: float, concurrency: int | None, matrix: Matrix):
    source = make_source(home, url, rps, concurrency)
    started = time.perf_counter()
    with Store(home / "cache.sqlite") as store:
        items = plan(matrix, {"openalex": source}, store, by_year=True, max_age=timedelta(days=30))
        summary = run(items, {"openalex": source}, store)
    return time.perf_counter() - started, summary, source


def cli_refresh(home: Path, url: str, rps: float, concurrency: int | None = None) -> subprocess.Popen:
    """`survey refresh` of the study matrix in its own process."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env.update(SURVEY_HOME=str(home), SURVEY_CONFIG=str(home / "config.toml"), SURVEY_OPENALEX_URL=url,
               SURVEY_OPENALEX_KEY="benchmark-key", SURVEY_OPENALEX_RPS=str(rps))
    if concurrency:
        env["SURVEY_OPENALEX_CONCURRENCY"] = str(concurrency)
    return subprocess.Popen(
        [sys.executable, "-m", "survey", "--no-progress", "refresh", "-q", str(QUERY_FILE), "-s", "openalex", "--by-year"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def gzip_bomb(decoded_mb: int = 1000) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * 1_000_000
    return b"".join(z.compress(block) for _ in range(decoded_mb)) + z.flush()


def serve_raw(handle) -> tuple[socket.socket, str]:
    """A bare TCP server on 127.0.0.1 calling ``handle(conn)`` per connection."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    state = {"accepted": 0}

    def loop():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            state["accepted"] += 1
            threading.Thread(target=_handle, args=(handle, conn), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}", state


def _handle(handle, conn):
    try:
        conn.recv(65536)
        handle(conn)
    except OSError:
        pass
    finally:
        conn.close()


def peak_rss_under_bomb(home: Path) -> tuple[float, int]:
    """Peak RSS (MB) of a refresh whose every answer is 1 MB of gzip decoding to 1 GB, 5 in flight."""
    bomb = gzip_bomb()
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(bomb))
    sock, url, state = serve_raw(lambda conn: conn.sendall(head + bomb))
    proc = cli_refresh(home, url, 1000, concurrency=5)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    sock.close()
    return usage.ru_maxrss / 1024, state["accepted"]


def ctrl_c_seconds(home: Path) -> tuple[float, str]:
    """Seconds from one SIGINT to exit, for a refresh whose server accepts and never answers."""
    hang = threading.Event()
    sock, url, state = serve_raw(lambda conn: hang.wait(120))
    proc = cli_refresh(home, url, 10, concurrency=5)
    while state["accepted"] < 5 and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.5)
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    took = time.perf_counter() - sent
    hang.set()
    sock.close()
    return took, err.strip().splitlines()[-1] if err.strip() else ""


def request_list(matrix: Matrix, source: OpenAlexSource, this_year: int) -> list[dict]:
    """The same requests survey sends: one count per cell and window, one group_by per cell."""
    out = []
    for cell in matrix.cells:
        for w in matrix.windows:
            out.append({**source._params(cell.query, w.start, w.end), "per_page": 1, "select": "id"})
        if matrix.trend:
            years = matrix.trend.years(this_year)
            out.append(
                {**source._params(cell.query, years[0], years[-1]), "group_by": "publication_year", "per_page": 200}
            )
    return out


def sequential(url: str, params_list: list[dict]) -> tuple[float, int]:
    session = requests.Session()
    started = time.perf_counter()
    throttled = 0
    for params in params_list:
        while True:
            resp = session.get(url + "/works", params=params, timeout=30)
            if resp.status_code != 429:
                resp.raise_for_status()
                resp.json()
                break
            throttled += 1
            time.sleep(float(resp.headers.get("Retry-After", "1")))
    return time.perf_counter() - started, throttled


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--latency", type=float, default=0.3, help="server latency per request, seconds")
    ap.add_argument("--rps", type=float, default=10.0, help="rate limit on the server and in survey")
    ap.add_argument("--server-burst", type=float, default=None, help="lenient server's bucket (default: one second's worth)")
    ap.add_argument("--concurrency", type=int, default=None, help="survey's OpenAlex workers (default: the source's)")
    ap.add_argument("--faults", type=float, default=0.4, help="share of requests answered with a fault in the fault run")
    args = ap.parse_args(argv)

    matrix = study_matrix()
    print(
        f"matrix: {len(matrix.methods)} methods x {len(matrix.tasks)} tasks x {len(matrix.windows)} windows, "
        f"trend from {matrix.trend.start if matrix.trend else '-'}; server latency {args.latency * 1000:.0f} ms, "
        f"limit {args.rps:g} req/s"
    )
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, strict in (("lenient", False), ("strict", True)):
            emu = Emulator(args.latency, args.rps, args.server_burst, strict=strict)
            server = emu.serve()
            url = f"http://127.0.0.1:{server.server_address[1]}"
            wall, summary, source = refresh(tmp / name, url, args.rps, args.concurrency, matrix)
            sent, throttled = emu.requests, emu.throttled
            floor = sent / args.rps
            kind = "token bucket, burst %g" % emu.burst if not strict else "at most %g in any 1 s window" % args.rps
            print(
                f"survey refresh, {name} server ({kind}): wall {wall:5.2f} s  requests {sent:3d}  429s {throttled:2d}  "
                f"floor {floor:5.2f} s  ratio {wall / floor:4.2f}  peak {emu.peak_window()} req in 1 s  "
                f"({summary.fetched} observations, {len(summary.errors)} errors)"
            )
            ok &= wall <= 1.1 * floor and throttled == 0 and not summary.errors
            if not strict:
                emu.reset()
                params = request_list(matrix, source, this_year=time.gmtime().tm_year)
                seq_wall, seq_throttled = sequential(url, params)
                print(f"sequential loop, lenient server: wall {seq_wall:5.2f} s  requests {emu.requests:3d}  "
                      f"429s {seq_throttled:2d}  speed-up of survey {seq_wall / wall:4.2f}x")
                ok &= seq_wall >= 3 * wall
                emu.reset()
                cached_wall, cached, _ = refresh(tmp / name, url, args.rps, args.concurrency, matrix)
                print(f"cached rerun: wall {cached_wall:6.3f} s  requests {emu.requests:3d}  "
                      f"({cached.cached} observations served from the store)")
                ok &= cached_wall < 0.5 and emu.requests == 0
            server.shutdown()

        emu = Emulator(args.latency, args.rps, strict=True)
        server = emu.serve()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        started = time.perf_counter()
        procs = [cli_refresh(tmp / "shared", url, args.rps) for _ in range(4)]
        codes = [p.wait() for p in procs]
        wall = time.perf_counter() - started
        # n arrivals span n - 1 gaps: n / span would read 11/s for a steady 10/s over 1 s
        span = max(emu.arrivals) - min(emu.arrivals)
        print(
            f"four processes, one cache, strict server: wall {wall:5.2f} s  requests {emu.requests:3d}  "
            f"429s {emu.throttled:2d}  {(emu.requests - 1) / span:5.2f} req/s overall  peak {emu.peak_window()} req in 1 s  "
            f"exit codes {codes}"
        )
        ok &= emu.throttled == 0 and emu.peak_window() <= args.rps and codes == [0, 0, 0, 0]
        server.shutdown()

        emu = Emulator(args.latency, args.rps, strict=True, faults=args.faults)
        server = emu.serve()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        wall, summary, _ = refresh(tmp / "faults", url, args.rps, args.concurrency, matrix)
        cells = summary.fetched + len(summary.errors) + len(summary.skipped)
        faults = ", ".join(f"{k} {v}" for k, v in emu.injected.items())
        print(
            f"{args.faults:.0%} faults ({faults}) on {emu.requests} requests: wall {wall:5.2f} s  "
            f"{summary.fetched}/{cells} observations ok, {len(summary.errors)} errors"
            + (f" (first: {summary.errors[0].error})" if summary.errors else "")
        )
        ok &= not summary.errors and not summary.skipped
        server.shutdown()

        rss, answered = peak_rss_under_bomb(tmp / "bomb")
        print(f"gzip bomb (1 MB decoding to 1 GB per answer, 5 in flight, {answered} answers): peak RSS {rss:5.0f} MB")
        ok &= rss < 300

        took, said = ctrl_c_seconds(tmp / "ctrl-c")
        print(f"Ctrl-C against a server that never answers: exit {took:4.2f} s after SIGINT; last line: {said}")
        ok &= took < 2

    print("targets (ratio <= 1.1 with 0 429s on both servers, >= 3x sequential, cached < 0.5 s, four processes at "
          "the rate with 0 429s, every cell ok under faults, peak RSS < 300 MB, Ctrl-C < 2 s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
