"""kill -9 in the middle of a refresh, several times; then two refreshes on one store at once.

The refresh runs in a child process (a short script calling survey.refresh, as the CLI does)
against a loopback OpenAlex-like server in this process.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from werkzeug import Response

from survey.config import Settings
from survey.query_file import parse_matrix
from survey.refreshing import plan
from survey.sources.openalex import OpenAlexSource
from survey.store import Store

MATRIX = """
[methods]
LSTM = ["LSTM", "long short-term memory"]
CNN = ["CNN"]
GRU = ["GRU"]
[tasks]
classification = ["classification"]
QA = ["question answering"]
dialog = ["dialog", "dialogue"]
total = []
[[windows]]
name = "since 2006"
from = 2006
[[windows]]
name = "all time"
[trend]
from = 2018
to = 2021
"""

SCRIPT = textwrap.dedent(
    """
    import sys
    from datetime import timedelta
    from survey.config import load_settings
    from survey.query_file import load_matrix
    from survey.refreshing import plan, run
    from survey.sources import make_source
    from survey.store import Store

    settings = load_settings()
    matrix = load_matrix(sys.argv[1])
    sources = {"openalex": make_source("openalex", settings)}
    with Store(settings.cache_path) as store:
        items = plan(matrix, sources, store, by_year=True, max_age=timedelta(days=30))
        print("due", sum(1 for i in items if i.due), flush=True)
        def saved(obs):
            print("saved", obs.id, obs.status, flush=True)
        summary = run(items, sources, store, on_observation=saved)
    print("done", summary.fetched, len(summary.errors), flush=True)
    sys.exit(1 if summary.failed else 0)
    """
)


def count_for(request) -> int:
    # A count that depends on the query, so a mixed-up row would show.
    return sum(map(ord, request.args.get("filter", ""))) % 9973


@pytest.fixture
def openalex_like(httpserver):
    hits = Counter()
    lock = threading.Lock()

    def handler(request):
        time.sleep(0.03)
        with lock:
            hits["requests"] += 1
        if request.args.get("group_by") == "publication_year":
            groups = [{"key": str(y), "count": count_for(request) + y} for y in range(2018, 2022)]
            return Response(
                '{"meta": {"count": 1, "groups_count": 4}, "group_by": %s}' % str(groups).replace("'", '"'),
                content_type="application/json",
            )
        return Response('{"meta": {"count": %d}, "results": []}' % count_for(request), content_type="application/json")

    httpserver.expect_request("/works").respond_with_handler(handler)
    return httpserver, hits


def child_env(home, server) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env.update(
        SURVEY_HOME=str(home),
        SURVEY_CONFIG=str(home / "none.toml"),
        SURVEY_OPENALEX_URL=server.url_for("").rstrip("/"),
        SURVEY_OPENALEX_KEY="crash-test-key",
        SURVEY_OPENALEX_RPS="200",
        SURVEY_OPENALEX_CONCURRENCY="2",
    )
    return env


def start(tmp_path, home, server):
    script = tmp_path / "refresh_child.py"
    script.write_text(SCRIPT, encoding="utf-8")
    query = tmp_path / "q.toml"
    query.write_text(MATRIX, encoding="utf-8")
    (home / "none.toml").write_text("", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, str(script), str(query)],
        env=child_env(home, server),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def due_now(home, server) -> int:
    settings = Settings(home=home, env={"SURVEY_OPENALEX_URL": server.url_for("").rstrip("/"), "SURVEY_OPENALEX_KEY": "crash-test-key"})
    with Store(settings.cache_path) as store:
        source = OpenAlexSource.from_settings(settings)
        items = plan(parse_matrix(MATRIX), {"openalex": source}, store, by_year=True, max_age=timedelta(days=30))
    return sum(1 for i in items if i.due and not i.unsupported)  # an unsupported item is saved, never fetched


def test_kill_9_midway_loses_nothing_and_rerun_fetches_only_the_rest(tmp_path, openalex_like):
    server, hits = openalex_like
    home = tmp_path / "home"
    home.mkdir()
    total = due_now(home, server)
    seen: set[int] = set()
    kills = 0
    for stop_after in (4, 10, 18):
        proc = start(tmp_path, home, server)
        saved_here = 0
        deadline = time.monotonic() + 60
        for line in proc.stdout:
            m = re.match(r"saved (\d+) ok", line)
            if m:
                seen.add(int(m.group(1)))
                saved_here += 1
                if saved_here >= stop_after:
                    os.kill(proc.pid, signal.SIGKILL)
                    kills += 1
                    break
            assert time.monotonic() < deadline, "child refresh hung"
        proc.wait(30)
        with Store(home / "cache.sqlite") as store:
            assert store.integrity_check() == "ok"
            ids = {o.id for o in store.all() if o.status == "ok"}
        assert seen <= ids, "an observation reported as committed is gone"
    assert kills == 3
    missing = due_now(home, server)
    assert 0 < missing < total

    before = hits["requests"]
    proc = start(tmp_path, home, server)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert f"due {missing}" in out
    with Store(home / "cache.sqlite") as store:
        rows = [o for o in store.all() if o.status == "ok"]
    per_key = Counter(o.key for o in rows)
    assert len(per_key) == total and set(per_key.values()) == {1}, "a committed key was fetched again"
    # Per-year rows of one cell come from one request, so requests <= rows still missing.
    assert 0 < hits["requests"] - before <= missing
    assert due_now(home, server) == 0


def test_two_refreshes_on_one_store_at_once(tmp_path, openalex_like):
    server, _ = openalex_like
    home = tmp_path / "home"
    home.mkdir()
    procs = [start(tmp_path, home, server) for _ in range(2)]
    results = [p.communicate(timeout=90) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        assert "done" in out and "locked" not in err
    with Store(home / "cache.sqlite") as store:
        assert store.integrity_check() == "ok"
        keys = {o.key for o in store.all() if o.status == "ok"}
    assert len(keys) == due_now_total(home, server)
    assert due_now(home, server) == 0


def due_now_total(home, server) -> int:
    fresh_home = home.parent / "empty"
    fresh_home.mkdir(exist_ok=True)
    return due_now(fresh_home, server)


def test_ctrl_c_stops_cleanly_keeping_what_was_fetched(tmp_path, openalex_like):
    server, _ = openalex_like
    home = tmp_path / "home"
    home.mkdir()
    total = due_now(home, server)
    proc = start(tmp_path, home, server)
    saved = []
    for line in proc.stdout:
        if line.startswith("saved") and line.split()[2] == "ok":  # mid-fetch, past the unsupported rows
            saved.append(int(line.split()[1]))
            if len(saved) == 3:
                interrupted_at = time.monotonic()
                proc.send_signal(signal.SIGINT)
                break
    out, err = proc.communicate(timeout=30)
    # In-flight requests finish (or their waits are cut short); queued ones are dropped.
    assert time.monotonic() - interrupted_at < 10
    assert proc.returncode == 1 and "done" in out, err
    assert "Traceback" not in err
    with Store(home / "cache.sqlite") as store:
        assert store.integrity_check() == "ok"
        rows = store.all()
    assert set(saved) <= {o.id for o in rows}
    assert all(o.status in ("ok", "unsupported") for o in rows), "an abandoned request was recorded as a failure"
    assert 0 < due_now(home, server) < total
