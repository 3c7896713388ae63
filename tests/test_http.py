"""The HTTP layer against a loopback server: retries, Retry-After, timeouts, limits, redaction."""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from werkzeug import Response

import requests

from survey.errors import RateLimited, SourceError, Unreachable
from survey.http import Http, Limits, RateLimiter, RetryPolicy, parse_json, parse_retry_after, redact, user_agent


class FakeTime:
    """A clock that only moves when slept on, so backoff tests take no real time."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept.append(seconds)
            self.now += seconds
            assert len(self.slept) < 1000, "a retry loop that never ends"


def make(httpserver, fake=None, **kw):
    fake = fake or FakeTime()
    return Http("test", httpserver.url_for(""), clock=fake.clock, sleep=fake.sleep, **kw), fake


def test_429_with_retry_after_seconds_is_waited_then_retried(httpserver):
    httpserver.expect_ordered_request("/x").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": 1})
    http, fake = make(httpserver)
    assert http.get_json("/x") == {"ok": 1}
    assert 7 in fake.slept
    assert http.responses_429 == 1 and http.requests_sent == 2


def test_429_with_retry_after_http_date(httpserver):
    wall = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    later = format_datetime(wall + timedelta(seconds=12), usegmt=True)
    httpserver.expect_ordered_request("/x").respond_with_data("", status=429, headers={"Retry-After": later})
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": 2})
    fake = FakeTime()
    http = Http("test", httpserver.url_for(""), clock=fake.clock, sleep=fake.sleep, wallclock=lambda: wall)
    assert http.get_json("/x") == {"ok": 2}
    assert any(abs(s - 12) < 1e-6 for s in fake.slept)


def test_retry_after_parsing():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_retry_after("3", now) == 3
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_retry_after_beyond_cap_raises_rate_limited_without_waiting(httpserver):
    httpserver.expect_request("/x").respond_with_data("", status=429, headers={"Retry-After": "3600"})
    http, fake = make(httpserver, retry=RetryPolicy(max_retry_after=60))
    with pytest.raises(RateLimited) as info:
        http.get("/x")
    assert info.value.retry_after == 3600
    assert sum(fake.slept) < 60


def test_503_then_success(httpserver):
    httpserver.expect_ordered_request("/x").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/x").respond_with_data("down", status=502)
    httpserver.expect_ordered_request("/x").respond_with_json({"total": 5})
    http, fake = make(httpserver)
    assert http.get_json("/x") == {"total": 5}
    assert len(fake.slept) == 2 and all(s > 0 for s in fake.slept)
    assert fake.slept[1] > fake.slept[0] * 0.99 / 2  # backoff grows (with jitter)


def test_retries_are_capped(httpserver):
    httpserver.expect_request("/x").respond_with_data("down", status=500)
    http, fake = make(httpserver, retry=RetryPolicy(attempts=3))
    with pytest.raises(SourceError, match="HTTP 500 after 3 tries"):
        http.get("/x")
    assert http.requests_sent == 3
    assert len(httpserver.log) == 3


def test_persistent_429_becomes_rate_limited(httpserver):
    httpserver.expect_request("/x").respond_with_data("", status=429, headers={"Retry-After": "1"})
    http, fake = make(httpserver, retry=RetryPolicy(attempts=2))
    with pytest.raises(RateLimited):
        http.get("/x")


def test_client_errors_are_not_retried(httpserver):
    httpserver.expect_request("/x").respond_with_json({"error": "Invalid query parameters error."}, status=400)
    http, fake = make(httpserver)
    with pytest.raises(SourceError, match="HTTP 400 bad request: Invalid query parameters"):
        http.get("/x")
    assert http.requests_sent == 1


def test_timeout_is_retried_then_reported(httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    http, fake = make(httpserver, limits=Limits(timeout=0.2), retry=RetryPolicy(attempts=2))
    started = time.monotonic()
    with pytest.raises(SourceError, match="timed out after 0.2 s after 2 tries"):
        http.get("/slow")
    assert time.monotonic() - started < 5
    # The server answers one request at a time: the second, abandoned by the client, is answered
    # only after the first. Waiting for it keeps it out of the next test's server log (it used to
    # land there as a 500, which failed that test whatever the code did).
    while len(httpserver.log) < 2 and time.monotonic() - started < 10:
        time.sleep(0.05)
    assert len(httpserver.log) == 2


def test_connection_refused_is_retried_then_reported():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    fake = FakeTime()
    http = Http("test", f"http://127.0.0.1:{port}", clock=fake.clock, sleep=fake.sleep, retry=RetryPolicy(attempts=3))
    with pytest.raises(Unreachable, match="connection failed .*after 3 tries") as err:
        http.get("/x", {"api_key": "plantedsecret123"})
    assert len(fake.slept) == 2
    assert "plantedsecret123" not in str(err.value)


class NoDns(requests.Session):
    """A session whose every request fails the way a machine without DNS fails."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def get(self, url, **kw):
        self.calls += 1
        cause = OSError("[Errno -3] Temporary failure in name resolution")
        try:
            raise cause
        except OSError:
            raise requests.ConnectionError(f"Max retries exceeded with url: {url}") from None


def test_unresolvable_host_is_unreachable_at_once():
    fake, session = FakeTime(), NoDns()
    http = Http("test", "https://api.example.org", clock=fake.clock, sleep=fake.sleep, session=session)
    with pytest.raises(Unreachable, match="cannot resolve api.example.org") as err:
        http.get("/works", {"api_key": "plantedsecret123"})
    assert session.calls == 1 and fake.slept == []
    assert "plantedsecret123" not in str(err.value)


def test_malformed_bodies_give_short_errors(httpserver):
    body = '{"meta": {"count": 12, "more": "' + "x" * 5000
    httpserver.expect_request("/trunc").respond_with_data(body, content_type="application/json")
    httpserver.expect_request("/html").respond_with_data("<!DOCTYPE html><html><body>Oops</body></html>", content_type="text/html")
    httpserver.expect_request("/empty").respond_with_data("", content_type="application/json")
    http, _ = make(httpserver)
    with pytest.raises(SourceError) as trunc:
        http.get_json("/trunc")
    assert "truncated or malformed JSON" in str(trunc.value) and len(str(trunc.value)) < 200
    with pytest.raises(SourceError, match="got an HTML page"):
        http.get_json("/html")
    with pytest.raises(SourceError, match="empty body"):
        http.get_json("/empty")


def test_user_agent_names_survey_and_mailto(httpserver):
    httpserver.expect_request("/x").respond_with_json({})
    http, _ = make(httpserver, mailto="me@example.org")
    http.get("/x")
    ua = httpserver.log[0][0].headers["User-Agent"]
    assert ua.startswith("survey/") and "mailto:me@example.org" in ua
    assert "mailto" not in user_agent(None)


def test_redaction_masks_registered_and_named_secrets():
    text = "GET /w?api_key=abc123xyz&q=x headers {'X-ApiKey': 'zzz999'} token=tok and sk-planted-42"
    out = redact(text, ["sk-planted-42"])
    for secret in ("abc123xyz", "zzz999", "sk-planted-42", "token=tok"):
        assert secret not in out
    assert "q=x" in out


def sends_per_window(stamps: list[float], period: float = 1.0) -> int:
    """The most sends in any half-open window of ``period`` seconds."""
    stamps = sorted(stamps)
    return max(sum(1 for t in stamps[i:] if t < s + period) for i, s in enumerate(stamps))


def test_rate_limiter_never_exceeds_the_rate_in_any_window():
    # A token bucket lets a full bucket go out right after a full second of sends: 2x the rate
    # inside one window. The sliding window never does.
    fake = FakeTime()
    limiter = RateLimiter(10, clock=fake.clock, sleep=fake.sleep, margin=0.0)
    stamps = []
    for _ in range(45):
        limiter.acquire()
        stamps.append(fake.now)
    assert sends_per_window(stamps) == 10
    assert stamps[9] == stamps[0] and stamps[10] == pytest.approx(stamps[0] + 1.0)  # 10 at once, then the next second
    assert stamps[-1] - stamps[0] == pytest.approx(4.0)


@pytest.mark.parametrize("rate,window", [(10, (10, 1.0)), (2.5, (2, 1.0)), (1 / 3, (1, 3.0)), (0.2, (1, 5.0))])
def test_rate_limiter_windows(rate, window):
    assert RateLimiter(rate).window == (window[0], pytest.approx(window[1]))


def test_rate_limiter_pause_holds_every_worker():
    fake = FakeTime()
    limiter = RateLimiter(100, clock=fake.clock, sleep=fake.sleep)
    limiter.acquire()
    limiter.pause(5)
    limiter.acquire()
    assert fake.now - 1000.0 >= 5


def test_rate_limiter_is_shared_by_threads_in_real_time():
    limiter = RateLimiter(10, margin=0.0)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(5):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    # 20 requests at 10/s: a window's worth at once, then the next second, whatever the threads.
    assert len(stamps) == 20 and sends_per_window(stamps, 0.99) == 10
    assert stamps[-1] - stamps[0] >= 0.99


def test_rate_limiter_file_is_shared_by_limiters(tmp_path):
    # Two limiters on one file (as two processes would have) share one window.
    fake = FakeTime()
    path = tmp_path / "pace" / "openalex.json"
    a = RateLimiter(5, path=path, clock=fake.clock, sleep=fake.sleep, margin=0.0)
    b = RateLimiter(5, path=path, clock=fake.clock, sleep=fake.sleep, margin=0.0)
    stamps = []
    for i in range(20):
        (a if i % 2 else b).acquire()
        stamps.append(fake.now)
    assert sends_per_window(stamps) == 5
    b.pause(30)
    start = fake.now
    a.acquire()
    assert fake.now - start >= 30


def test_parse_json_never_echoes_the_body():
    class R:
        text = '{"secret": "value-that-must-not-leak"'
        headers = {"Content-Type": "application/json"}

    with pytest.raises(SourceError) as info:
        parse_json(R(), "test")
    assert "value-that-must-not-leak" not in str(info.value)


def test_a_429_slows_the_shared_limiter_down(httpserver):
    httpserver.expect_ordered_request("/x").respond_with_data("", status=429, headers={"Retry-After": "1"})
    httpserver.expect_ordered_request("/x").respond_with_json({})
    http, fake = make(httpserver, rate=10.0)
    http.get("/x")
    assert http.limiter.rate < 10.0
    for _ in range(20):
        http.limiter.slow_down()
    assert http.limiter.rate == pytest.approx(2.5)  # never below a quarter of the configured rate
