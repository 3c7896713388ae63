"""Refresh the study matrix against a loopback server that behaves like OpenAlex.

    .venv/bin/python benchmarks/refresh_emulated.py [--latency 0.3] [--rps 10] [--concurrency N]

The server answers ``meta.count`` and ``group_by=publication_year`` requests after a fixed
latency and enforces a rate limit as a token bucket (``--rps`` per second, one second's worth
of burst), answering 429 with Retry-After beyond it. survey is given the same limit. Three
runs: survey's refresh (per-year trends included), a plain sequential loop sending the same
requests, and a fully cached rerun. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey.config import Settings  # noqa: E402
from survey.matrix import Matrix, load_matrix  # noqa: E402
from survey.refresh import plan, run  # noqa: E402
from survey.sources.openalex import OpenAlexSource  # noqa: E402
from survey.store import Store  # noqa: E402

QUERY_FILE = ROOT / "queries" / "lstm_vs_cnn.toml"


def study_matrix() -> Matrix:
    return load_matrix(QUERY_FILE)


class Emulator:
    """OpenAlex-shaped answers, a fixed latency, and a token-bucket limit with 429s beyond it."""

    def __init__(self, latency: float, rps: float, burst: float | None = None):
        self.latency = latency
        self.rps = rps
        self.burst = max(1.0, burst if burst is not None else float(int(rps)))
        self.tokens = self.burst
        self.stamp = time.monotonic()
        self.lock = threading.Lock()
        self.requests = 0
        self.throttled = 0

    def admit(self) -> float | None:
        """None if the request is within the limit, else seconds until it would be."""
        with self.lock:
            self.requests += 1
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rps)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return None
            self.throttled += 1
            return (1 - self.tokens) / self.rps

    def reset(self):
        with self.lock:
            self.requests = self.throttled = 0
            self.tokens, self.stamp = self.burst, time.monotonic()

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
                self.reply(200, json.dumps(emu.answer(parse_qs(urlsplit(self.path).query))).encode())

            def reply(self, status, data, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

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


def make_source(url: str, rps: float, concurrency: int | None) -> OpenAlexSource:
    env = {"SURVEY_OPENALEX_URL": url, "SURVEY_OPENALEX_KEY": "benchmark-key", "SURVEY_OPENALEX_RPS": str(rps)}
    if concurrency:
        env["SURVEY_OPENALEX_CONCURRENCY"] = str(concurrency)
    return OpenAlexSource.from_settings(Settings(home=Path("."), env=env))


def refresh(home: Path, url: str, rps: float, concurrency: int | None, matrix: Matrix):
    source = make_source(url, rps, concurrency)
    started = time.perf_counter()
    with Store(home / "cache.sqlite") as store:
        items = plan(matrix, {"openalex": source}, store, by_year=True, max_age=timedelta(days=30))
        summary = run(items, {"openalex": source}, store)
    return time.perf_counter() - started, summary, source


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
    ap.add_argument("--server-burst", type=float, default=None, help="server bucket size (default: one second's worth)")
    ap.add_argument("--concurrency", type=int, default=None, help="survey's OpenAlex workers (default: the source's)")
    args = ap.parse_args(argv)

    matrix = study_matrix()
    emu = Emulator(args.latency, args.rps, args.server_burst)
    server = emu.serve()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print(
        f"matrix: {len(matrix.methods)} methods x {len(matrix.tasks)} tasks x {len(matrix.windows)} windows, "
        f"trend from {matrix.trend.start if matrix.trend else '-'}; server latency {args.latency * 1000:.0f} ms, "
        f"limit {args.rps:g} req/s (token bucket, burst {emu.burst:g})"
    )
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        emu.reset()
        wall, summary, source = refresh(home, url, args.rps, args.concurrency, matrix)
        sent, throttled = emu.requests, emu.throttled
        floor = sent / args.rps
        print(
            f"survey refresh:   wall {wall:6.2f} s  requests {sent:3d}  429s {throttled:2d}  floor {floor:5.2f} s  "
            f"ratio {wall / floor:4.2f}  (concurrency {source.concurrency}; {summary.fetched} observations, "
            f"{len(summary.errors)} errors)"
        )
        ok &= wall <= 1.25 * floor and throttled <= 5 and not summary.errors

        emu.reset()
        params = request_list(matrix, source, this_year=time.gmtime().tm_year)
        seq_wall, seq_throttled = sequential(url, params)
        print(
            f"sequential loop:  wall {seq_wall:6.2f} s  requests {emu.requests:3d}  429s {seq_throttled:2d}  "
            f"speed-up of survey {seq_wall / wall:4.2f}x"
        )
        ok &= seq_wall >= 3 * wall

        emu.reset()
        cached_wall, cached, _ = refresh(home, url, args.rps, args.concurrency, matrix)
        print(
            f"cached rerun:     wall {cached_wall:6.3f} s  requests {emu.requests:3d}  "
            f"({cached.cached} observations served from the store)"
        )
        ok &= cached_wall < 0.5 and emu.requests == 0
    server.shutdown()
    print("targets (<= 1.25x floor, <= 5 429s, >= 3x sequential, cached < 0.5 s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
