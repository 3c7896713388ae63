"""The request loop on scripted answers (no network): what is sent, which redirects are followed,
how 429s and faults are counted and waited for, and what is given up on."""

from __future__ import annotations

import io
import json
import logging
import random
import threading
import time
import uuid

import pytest
import requests
import urllib3

from survey import __version__
from survey.errors import RateLimited, SourceError
from survey.http import Http, Interrupted, Limits, RetryPolicy, redact, user_agent
from survey.transport import TrackedAdapter


class Clock:
    def __init__(self):
        self.now, self.slept = 1000.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert len(self.slept) < 1000, "a retry loop that never ends"
        self.slept.append(seconds)
        self.now += seconds


def reply(status: int = 200, body: bytes = b"{}", **headers: str) -> requests.Response:
    headers = {k.replace("_", "-"): v for k, v in headers.items()}
    resp = requests.Response()
    resp.status_code = status
    resp.raw = urllib3.HTTPResponse(io.BytesIO(body), headers=headers, status=status, preload_content=False, decode_content=False)
    resp.headers = requests.structures.CaseInsensitiveDict(headers)
    return resp


class Scripted(requests.Session):
    """Answers each GET with the next scripted reply (the last one from then on)."""

    def __init__(self, *replies):
        super().__init__()
        self.replies, self.sent, self.closed = list(replies), [], False

    def get(self, url, **kw):
        assert len(self.sent) < 1000, "a retry loop that never ends"
        self.sent.append((url, kw))
        make = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return make()

    def close(self):
        self.closed = True
        super().close()


def make(*replies, base="https://api.example.org", **kw):
    clock = Clock()
    session = Scripted(*replies)
    http = Http("test", base, session=session, clock=clock, sleep=clock.sleep, **kw)
    return http, session, clock


@pytest.fixture
def half(monkeypatch):
    """Backoff jitter pinned to its middle: a factor of 0.75."""
    monkeypatch.setattr(random, "random", lambda: 0.5)


def test_each_request_is_streamed_bounded_and_never_redirected_by_requests():
    http, session, _ = make(lambda: reply(200, b'{"n": 1}'), limits=Limits(timeout=(3.0, 7.0)))
    assert http.get_json("works", {"q": "lstm", "page": None}, headers={"X-Trace": "t"}) == {"n": 1}
    assert session.sent == [
        ("https://api.example.org/works?q=lstm", {"headers": {"X-Trace": "t"}, "timeout": (3.0, 7.0), "stream": True, "allow_redirects": False})
    ]
    assert http.requests_sent == 1 and http.responses_429 == 0


def test_the_session_names_survey_and_asks_only_for_encodings_it_can_bound():
    http, session, _ = make(lambda: reply(), mailto="me@example.org", headers={"X-ApiKey": "k-PLANTED-123456"})
    base = f"survey/{__version__} (literature-survey tool; python-requests/{requests.__version__}"
    assert session.headers["User-Agent"] == base + "; mailto:me@example.org)"
    assert user_agent() == base + ")"
    assert session.headers["Accept-Encoding"] == "gzip, deflate"
    assert session.headers["X-ApiKey"] == "k-PLANTED-123456"


def test_urls_are_built_on_the_base_and_shown_redacted():
    http, _, _ = make(lambda: reply(), base="https://api.example.org/v1/", secrets=["s-PLANTED-778899", None, ""])
    assert http.base_url == "https://api.example.org/v1"
    assert http.url("/works", {"a": 1, "b": None}) == "https://api.example.org/v1/works?a=1"
    assert http.url("") == "https://api.example.org/v1"
    assert http.url("https://other.example/x", {"k": "v"}) == "https://other.example/x?k=v"
    assert http.public_url("works", {"filter": "s-PLANTED-778899"}) == "https://api.example.org/v1/works?filter=***"
    assert http.secrets == ("s-PLANTED-778899",)


def test_secrets_and_a_base_url_password_are_masked_everywhere_once_given():
    tag = uuid.uuid4().hex[:8]  # new each run: the registry lasts as long as the process
    password, key = f"pw-PLANTED-{tag}", f"k-PLANTED-{tag}"
    assert redact(f"{password} and {key}") == f"{password} and {key}"
    make(lambda: reply(), base=f"https://user:{password}@api.example.org", secrets=[key])
    assert redact(f"{password} and {key}") == "*** and ***"


def test_the_default_session_pools_ten_connections_and_never_retries_by_itself():
    adapter = Http("test", "https://api.example.org").session.get_adapter("https://api.example.org")
    assert isinstance(adapter, TrackedAdapter) and adapter.max_retries.total == 0
    assert (adapter._pool_connections, adapter._pool_maxsize) == (1, 10)
    sized = Http("test", "https://api.example.org", pool_size=4).session.get_adapter("https://api.example.org")
    assert sized._pool_maxsize == 4


def test_only_the_encodings_read_body_can_bound_are_asked_for_whatever_the_session_offered():
    session = Scripted(lambda: reply())
    session.headers["Accept-Encoding"] = "gzip, deflate, br, zstd"  # requests with brotli and zstandard installed
    Http("test", "https://api.example.org", session=session)
    assert session.headers["Accept-Encoding"] == "gzip, deflate"


def test_the_pace_sleeps_through_the_clients_sleep():
    http, _, clock = make(lambda: reply(), rate=2.0)
    for _ in range(3):
        http.get("works")
    assert clock.slept == [pytest.approx(1.05)]


def test_a_pace_file_is_shared_on_wall_clock_time(tmp_path):
    path = tmp_path / "pace" / "test.json"
    http, _, _ = make(lambda: reply(), rate=5.0, pace_file=path)
    assert http.limiter.path == path and http.limiter.clock is time.time
    http.get("works")
    assert len(json.loads(path.read_text(encoding="utf-8"))["sends"]) == 1


def test_close_closes_the_session():
    http, session, _ = make(lambda: reply())
    http.close()
    assert session.closed


@pytest.mark.parametrize(
    ("base", "location", "followed"),
    [
        ("https://api.example.org/v1", "https://API.example.org:443/v2?x=1", "https://API.example.org:443/v2?x=1"),
        ("http://api.example.org", "http://api.example.org:80/y", "http://api.example.org:80/y"),
        ("https://api.example.org:443", "https://api.example.org/y", "https://api.example.org/y"),
        ("https://api.example.org/v1", "/v2/works", "https://api.example.org/v2/works"),
    ],
)
def test_a_redirect_within_the_origin_is_followed(base, location, followed):
    http, session, _ = make(lambda: reply(302, b"", Location=location), lambda: reply(200, b'{"ok": 1}'), base=base)
    assert http.get_json("works") == {"ok": 1}
    assert [url for url, _ in session.sent][1] == followed


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("https://evil.example/steal", "https://evil.example"),
        ("https://api.example.org:8443/x", "https://api.example.org"),
        ("http://api.example.org/x", "http://api.example.org"),
        ("https://EVIL.example/?api_key=k-PLANTED-55", "https://evil.example"),
        ("http:///no-host", "http://"),
    ],
)
def test_a_redirect_to_another_origin_is_refused_and_sends_nothing_there(location, shown):
    http, session, _ = make(lambda: reply(302, b"", Location=location), retry=RetryPolicy(attempts=1))
    with pytest.raises(SourceError) as info:
        http.get("works")
    assert str(info.value) == f"test: redirected to another origin ({shown}); not followed"
    assert len(session.sent) == 1


def test_more_than_five_redirects_are_refused():
    http, session, _ = make(lambda: reply(301, b"", Location="/again"))
    with pytest.raises(SourceError) as info:
        http.get("works")
    assert str(info.value) == "test: more than 5 redirects"
    assert len(session.sent) == 6


def test_backoff_doubles_from_its_start_to_its_cap(half):
    http, session, clock = make(lambda: reply(500), retry=RetryPolicy(attempts=7, backoff=0.5, max_backoff=8.0))
    with pytest.raises(SourceError) as info:
        http.get("works")
    assert str(info.value) == "test: HTTP 500 after 7 tries"
    assert clock.slept == [0.375, 0.75, 1.5, 3.0, 6.0, 6.0]


def test_a_retry_after_at_the_cap_is_waited_and_one_on_a_5xx_is_cut_to_it():
    http, _, clock = make(
        lambda: reply(429, b"", Retry_After="60"), lambda: reply(503, b"", Retry_After="90"), lambda: reply(200),
        retry=RetryPolicy(max_retry_after=60),
    )
    assert http.get("works").status_code == 200
    assert clock.slept == [60.0, 60.0]
    assert (http.requests_sent, http.responses_429) == (3, 1)


def test_a_retry_after_beyond_the_cap_is_rate_limited_at_once():
    http, session, clock = make(lambda: reply(429, b"", Retry_After="3600"), retry=RetryPolicy(max_retry_after=60))
    with pytest.raises(RateLimited) as info:
        http.get("works")
    assert str(info.value) == "test: rate limited (HTTP 429); server asks to wait 3600 s, more than the 60 s cap"
    assert info.value.retry_after == 3600.0 and clock.slept == [] and len(session.sent) == 1


def test_a_429_without_retry_after_pauses_everyone_for_a_backoff(half):
    http, _, clock = make(lambda: reply(429, b""), lambda: reply(200), rate=100.0, retry=RetryPolicy(backoff=2.0))
    assert http.get("works").status_code == 200
    assert clock.slept == [1.5]  # the pause and this worker's own wait overlap
    assert http.limiter.rate == 80.0


def test_429s_have_their_own_budget_apart_from_faults():
    http, _, _ = make(
        lambda: reply(429, b"", Retry_After="0"), lambda: reply(429, b"", Retry_After="0"), lambda: reply(503, b"", Retry_After="0"),
        lambda: reply(200), retry=RetryPolicy(attempts=2, max_429=3),
    )
    assert http.get("works").status_code == 200
    assert (http.requests_sent, http.responses_429) == (4, 2)


def test_persistent_429s_end_after_their_budget():
    http, _, clock = make(lambda: reply(429, b"", Retry_After="2"), retry=RetryPolicy(max_429=3, attempts=1))
    with pytest.raises(RateLimited) as info:
        http.get("works")
    assert str(info.value) == "test: rate limited (HTTP 429) 3 times"
    assert (http.requests_sent, http.responses_429) == (3, 3) and clock.slept == [2.0, 2.0]


def test_an_accepted_status_is_returned_not_raised():
    http, _, _ = make(lambda: reply(404, b"gone"))
    resp = http.get("works", accept=(404,))
    assert (resp.status_code, resp.content) == (404, b"gone")


def test_a_non_retried_status_is_raised_at_once():
    http, session, _ = make(lambda: reply(500), retry=RetryPolicy(statuses=frozenset({503})))
    with pytest.raises(SourceError) as info:
        http.get("works")
    assert str(info.value) == "test: HTTP 500 request failed" and len(session.sent) == 1


def test_a_cancel_during_a_retry_wait_stops_it():
    def busy():  # the cancel comes once the answer is in: during the 30 s wait
        threading.Timer(0.2, http.cancel).start()
        return reply(503, b"", Retry_After="30")

    session = Scripted(busy)
    http = Http("test", "https://api.example.org", session=session)
    with pytest.raises(Interrupted) as info:
        http.get("works")
    assert str(info.value) == "test: stopped" and len(session.sent) == 1


def test_a_cancelled_client_sends_nothing_more():
    http, session, _ = make(lambda: reply())
    http.cancel()
    with pytest.raises(Interrupted) as info:
        http.get("works")
    assert str(info.value) == "test: stopped" and session.sent == []


def test_absolute_urls_of_either_scheme_are_taken_as_they_are_and_paths_keep_their_letters():
    http, _, _ = make(lambda: reply(), base="https://api.example.org/v1")
    assert http.url("http://other.example/x") == "http://other.example/x"
    assert http.url("/Xplore/works") == "https://api.example.org/v1/Xplore/works"
    assert make(lambda: reply(), base="https://api.example.org/X/")[0].url("w") == "https://api.example.org/X/w"


def test_an_encoding_never_asked_for_is_an_error_not_retried():
    http, session, _ = make(lambda: reply(200, b"\x00", Content_Encoding="br"))
    with pytest.raises(SourceError) as info:
        http.get("works")
    assert str(info.value) == "test: unrequested content encoding 'br'" and len(session.sent) == 1


def test_the_body_read_is_the_body_handed_on_however_it_is_read():
    http, _, _ = make(lambda: reply(200, b'{"n": 1}'))
    resp = http.get("works")
    assert b"".join(resp.iter_content(3)) == b'{"n": 1}' and resp.content == b'{"n": 1}'
    assert http._flights == set()  # each request's flight is gone with it


def test_each_retry_is_logged_with_the_url_redacted(caplog, half):
    http, _, _ = make(lambda: reply(503), lambda: reply(200), retry=RetryPolicy(backoff=0.5))
    with caplog.at_level(logging.DEBUG, logger="survey.http"):
        http.get("works", {"api_key": "k-PLANTED-990011"})
    assert [r.getMessage() for r in caplog.records if r.name == "survey.http"] == [
        "test: HTTP 503; retry in 0.38 s: GET https://api.example.org/works?api_key=***"
    ]
