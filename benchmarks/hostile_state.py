"""Two figures of issue #24, each from real `survey refresh` processes against a local emulator.

1. The pace across homes and spellings: two processes with two homes, one sending to
   ``127.0.0.1`` and the other to ``localhost``, against a source limited to 10/s. Prints the
   most requests that arrived in any one-second window (target: <= 10).
2. Ctrl-C while another process holds the cache's write lock: seconds from SIGINT to exit
   (target: < 2).

Usage: .venv/bin/python benchmarks/hostile_state.py
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from refresh_emulated import Emulator  # noqa: E402
from survey.store import Store  # noqa: E402

MATRIX = """
[methods]
LSTM = ["LSTM"]
CNN = ["CNN"]
GRU = ["GRU"]
RNN = ["RNN"]
[tasks]
QA = ["question answering"]
MT = ["machine translation"]
total = []
[[windows]]
name = "all time"
[[windows]]
name = "since 2006"
from = 2006
"""


def survey_refresh(home: Path, query: Path, url: str, rps: float, pace: Path | None = None) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env.update(SURVEY_HOME=str(home), SURVEY_CONFIG=os.devnull, SURVEY_OPENALEX_URL=url,
               SURVEY_OPENALEX_KEY="benchmark-key", SURVEY_OPENALEX_RPS=str(rps))
    if pace:
        env["SURVEY_PACE_DIR"] = str(pace)
    return subprocess.Popen([sys.executable, "-m", "survey", "--no-progress", "refresh", "-q", str(query),
                             "-s", "openalex"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def main() -> int:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        query = tmp / "q.toml"
        query.write_text(MATRIX, encoding="utf-8")

        emu = Emulator(0.02, 1000)  # lenient: it only counts arrivals
        server = emu.serve()
        port = server.server_address[1]
        started = time.perf_counter()
        procs = [survey_refresh(tmp / "home-a", query, f"http://127.0.0.1:{port}", 10, tmp / "pace"),
                 survey_refresh(tmp / "home-b", query, f"http://localhost:{port}/", 10, tmp / "pace")]
        codes = [p.wait() for p in procs]
        print(f"two homes, 127.0.0.1 and localhost, 10/s source: {emu.requests} requests in "
              f"{time.perf_counter() - started:5.2f} s, peak {emu.peak_window()} req in 1 s, exit codes {codes}")
        ok &= emu.peak_window() <= 10 and codes == [0, 0]
        server.shutdown()

        emu = Emulator(0.01, 1000)
        server = emu.serve()
        home = tmp / "locked"
        home.mkdir()
        Store(home / "cache.sqlite").close()
        holder = sqlite3.connect(home / "cache.sqlite", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        proc = survey_refresh(home, query, f"http://127.0.0.1:{server.server_address[1]}", 1000, tmp / "pace")
        deadline = time.monotonic() + 3  # the landed code waited for the lock already on opening the cache
        while emu.requests < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # its writes now wait for the lock
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        took = time.monotonic() - sent
        last = (err.strip().splitlines() or [""])[-1]
        print(f"Ctrl-C while another process holds the cache's write lock: exit {took:5.2f} s after SIGINT "
              f"(code {proc.returncode}); last line: {last}")
        ok &= took < 2
        holder.execute("ROLLBACK")
        holder.close()
        server.shutdown()
    print("targets: peak <= 10 req in 1 s across homes and spellings; exit < 2 s after Ctrl-C while locked:",
          "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
