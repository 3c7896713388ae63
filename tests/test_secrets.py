"""A planted key must never reach the store, an export, a log line or an exception message."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

from werkzeug import Response

from survey.config import load_settings
from survey.errors import SourceError
from survey.query_file import parse_matrix
from survey.refreshing import plan, run
from survey.sources import make_source
from survey.store import Store

OA_KEY = "oa-PLANTED-7f3c9e21"
WOS_KEY = "wos-PLANTED-5d8a0b44"
S2_KEY = "s2-PLANTED-91be77aa"
KEYS = (OA_KEY, WOS_KEY, S2_KEY)

MATRIX = """
[methods]
LSTM = ["LSTM", "long short-term memory"]
CNN = ["CNN"]
[tasks]
QA = ["question answering"]
total = []
[[windows]]
name = "all time"
[trend]
from = 2024
to = 2025
"""


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_planted_keys_never_leak(httpserver, home, monkeypatch, caplog, tmp_path):
    calls = {"n": 0}

    def openalex(request):
        # Alternate success, a server error and an error body that echoes the key back. Per-year
        # (group_by) calls always succeed and do not advance the cycle, so every ordering of the
        # threads' window calls still meets a 401, a 500 and a success.
        if "group_by" in request.args:
            return Response('{"meta": {"count": 3}, "group_by": [{"key": "2024", "count": 3}]}', content_type="application/json")
        calls["n"] += 1
        if calls["n"] % 3 == 0:
            return Response(f'{{"error": "Invalid API key {request.args.get("api_key")}"}}', status=401, content_type="application/json")
        if calls["n"] % 3 == 1:
            return Response("boom", status=500)
        return Response('{"meta": {"count": 11}, "results": []}', content_type="application/json")

    def s2(request):
        return Response(f'{{"message": "Forbidden for key {request.headers.get("x-api-key")}"}}', status=403, content_type="application/json")

    httpserver.expect_request("/oa/works").respond_with_handler(openalex)
    httpserver.expect_request("/s2/paper/search/bulk").respond_with_handler(s2)
    monkeypatch.setenv("SURVEY_OPENALEX_KEY", OA_KEY)
    monkeypatch.setenv("SURVEY_OPENALEX_URL", httpserver.url_for("/oa"))
    monkeypatch.setenv("SURVEY_OPENALEX_RPS", "500")
    monkeypatch.setenv("SURVEY_WOS_KEY", WOS_KEY)
    monkeypatch.setenv("SURVEY_WOS_URL", f"http://127.0.0.1:{closed_port()}/wos")
    monkeypatch.setenv("SURVEY_WOS_RPS", "500")
    monkeypatch.setenv("SURVEY_SEMANTICSCHOLAR_KEY", S2_KEY)
    monkeypatch.setenv("SURVEY_SEMANTICSCHOLAR_URL", httpserver.url_for("/s2"))
    monkeypatch.setenv("SURVEY_SEMANTICSCHOLAR_RPS", "500")
    settings = load_settings()
    caplog.set_level(logging.DEBUG)

    sources = {n: make_source(n, settings) for n in ("openalex", "wos", "semanticscholar")}
    for src in sources.values():  # keep the test fast: one retry, short backoff
        src.http.retry = type(src.http.retry)(attempts=2, backoff=0.01)
    matrix = parse_matrix(MATRIX)
    with Store(settings.cache_path) as store:
        items = plan(matrix, sources, store, by_year=True, max_age=timedelta(days=30))
        summary = run(items, sources, store)
        exported = tmp_path / "export.csv"
        store.export_csv(exported)
        compiled = [i.query for i in items]
    texts = {}
    errors: list[str] = []
    for n, src in sources.items():
        try:
            src.count(matrix.cells[0].query, None, None)
        except SourceError as exc:
            errors.append(f"{exc!s} {exc!r}")
    texts["exceptions"] = "\n".join(errors)
    texts["summary"] = "\n".join(
        [f"{o.error} {o.query}" for o in summary.errors + summary.blocked] + list(summary.unreachable.values())
    )
    texts["plan"] = "\n".join(compiled)
    # The loopback server's own access log (werkzeug) is the provider's log, not ours.
    texts["logs"] = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))
    texts["csv"] = exported.read_text(encoding="utf-8")
    texts["store"] = b"".join(p.read_bytes() for p in settings.cache_path.parent.glob("cache.sqlite*")).decode(
        "latin-1"
    )

    # The run exercised success and every kind of failure.
    statuses = {o.status for o in Store(settings.cache_path).all()}
    assert {"ok", "error"} <= statuses
    assert any("HTTP 401" in o.error for o in summary.errors)
    assert any("connection failed" in why for why in summary.unreachable.values())
    assert any("HTTP 403" in o.error for o in summary.errors)
    assert len(errors) >= 2 and any("urllib3" in r.name for r in caplog.records)
    for where, text in texts.items():
        assert text, where
        for key in KEYS:
            assert key not in text, f"{key} leaked into {where}"


def test_userinfo_in_a_base_url_is_redacted_in_plan_and_store(httpserver, home, monkeypatch):
    from click.testing import CliRunner

    from survey.cli import main

    password = "hunter2-PLANTED-pw"
    base = httpserver.url_for("/oa").replace("http://", f"http://user:{password}@")
    httpserver.expect_request("/oa/works").respond_with_json({"meta": {"count": 4}, "results": []})
    monkeypatch.setenv("SURVEY_OPENALEX_URL", base)
    monkeypatch.setenv("SURVEY_OPENALEX_KEY", OA_KEY)
    query = home / "q.toml"
    query.write_text(MATRIX, encoding="utf-8")
    runner = CliRunner()
    shown = runner.invoke(main, ["plan", "-q", str(query), "-s", "openalex", "--format", "csv"])
    fetched = runner.invoke(main, ["refresh", "-q", str(query), "-s", "openalex"])
    assert shown.exit_code == 0 and fetched.exit_code == 0, shown.output + fetched.output
    assert "user:" not in shown.output and "://***@" in shown.output
    stored = b"".join(p.read_bytes() for p in home.glob("cache.sqlite*")).decode("latin-1")
    for text in (shown.output, fetched.output, stored):
        assert password not in text and "hunter2" not in text


def test_a_key_too_short_to_mask_is_refused(home, monkeypatch):
    from click.testing import CliRunner

    from survey.cli import main

    monkeypatch.setenv("SURVEY_WOS_KEY", "k")
    query = home / "q.toml"
    query.write_text(MATRIX, encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", "-q", str(query), "-s", "wos"])
    assert result.exit_code == 2
    assert "SURVEY_WOS_KEY has 1 character; an API key has at least 8" in result.output


def test_a_short_secret_never_masks_letters():
    from survey.http import redact

    assert redact("https://api.openalex.org/works?filter=x", ["o"]) == "https://api.openalex.org/works?filter=x"


def test_a_key_echoed_in_another_case_or_encoding_never_leaks(httpserver, home, monkeypatch, caplog, tmp_path):
    import base64
    from urllib.parse import quote

    def openalex(request):
        key = request.args.get("api_key")
        forms = [key.lower(), key.upper(), quote(key.lower(), safe="").replace("-", "%2d"),
                 base64.b64encode(f"user:{key}".encode()).decode()]
        return Response(f'{{"error": "Invalid API key {" / ".join(forms)}"}}', status=401,
                        content_type="application/json")

    httpserver.expect_request("/oa/works").respond_with_handler(openalex)
    monkeypatch.setenv("SURVEY_OPENALEX_KEY", OA_KEY)
    monkeypatch.setenv("SURVEY_OPENALEX_URL", httpserver.url_for("/oa"))
    monkeypatch.setenv("SURVEY_OPENALEX_RPS", "500")
    settings = load_settings()
    caplog.set_level(logging.DEBUG)
    source = make_source("openalex", settings)
    source.http.retry = type(source.http.retry)(attempts=1, backoff=0.01)
    with Store(settings.cache_path) as store:
        summary = run(plan(parse_matrix(MATRIX), {"openalex": source}, store, max_age=None), {"openalex": source},
                      store)
        store.export_csv(tmp_path / "export.csv")
    assert summary.errors and all("HTTP 401" in o.error for o in summary.errors)
    texts = {
        "errors": "\n".join(o.error for o in summary.errors),
        "logs": "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")),
        "csv": (tmp_path / "export.csv").read_text(encoding="utf-8"),
        "store": b"".join(p.read_bytes() for p in settings.cache_path.parent.glob("cache.sqlite*")).decode("latin-1"),
    }
    b64 = base64.b64encode(f"user:{OA_KEY}".encode()).decode()
    for where, text in texts.items():
        assert OA_KEY.lower() not in text.lower(), f"the key leaked into {where}"
        assert "oa%2dplanted%2d7f3c9e21" not in text.lower(), f"the encoded key leaked into {where}"
        assert b64[4:-4] not in text, f"the base64 key leaked into {where}"


def test_a_key_stored_before_it_was_masked_is_masked_in_export_and_history(home, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from survey.cli import main
    from survey.observation import Observation

    key = "LegacyKey-0a9b8c7d"  # new to this process: nothing registered it before the commands ran
    monkeypatch.setenv("SURVEY_OPENALEX_KEY", key)
    with Store(load_settings().cache_path) as store:
        store.record(Observation("openalex", "LSTM", "total", "all time", None, None, None, "q", None, "error",
                                 error=f"HTTP 401: invalid key {key.lower()}"))
    out = tmp_path / "export.csv"
    exported = CliRunner().invoke(main, ["cache", "export", str(out)])
    shown = CliRunner().invoke(main, ["cache", "history", "LSTM:total"])
    assert exported.exit_code == 0 and shown.exit_code == 0, (exported.output, shown.output)
    for where, text in (("export", out.read_text(encoding="utf-8")), ("history", shown.output)):
        assert "invalid key ***" in text and key.lower() not in text.lower(), (where, text)
