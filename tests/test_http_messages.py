"""What the HTTP layer says when a request fails: each status, each body a server explains itself
with, each way a connection fails, each kind of body that is not JSON. A message is all a user
sees of a failed cell, so each is checked whole."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import requests

from hostile_server import never_answer, raw_server  # noqa: F401 (raw_server: a fixture)
from survey.errors import SourceError, Unreachable
from survey.http import HTTPStatusError, Http, Interrupted, Limits, RetryPolicy, parse_json, parse_retry_after

ONCE = RetryPolicy(attempts=1)


def no_sleep(seconds: float) -> None:
    pass


def counted_sleep():
    """A sleep that takes no time but fails a retry loop that never ends."""
    slept = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        assert len(slept) < 1000, "a retry loop that never ends"

    return sleep


def make(httpserver, **kw) -> Http:
    kw.setdefault("sleep", counted_sleep())
    return Http("test", httpserver.url_for(""), **kw)


def status_error(httpserver, status: int, body: str, content_type: str = "application/json") -> HTTPStatusError:
    httpserver.expect_request("/x").respond_with_data(body, status=status, content_type=content_type)
    with pytest.raises(HTTPStatusError) as info:
        make(httpserver).get("/x")
    assert info.value.status == status
    return info.value


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (401, "not authorised (check the API key)"),
        (403, "forbidden (check the API key, or the source is refusing us)"),
        (404, "not found (check the base URL)"),
        (405, "request failed"),
        (418, "request failed"),
        (300, "redirect without a usable Location"),
        (304, "redirect without a usable Location"),
        (399, "redirect without a usable Location"),
    ],
)
def test_each_final_status_is_named(httpserver, status, said):
    assert str(status_error(httpserver, status, "not json")) == f"test: HTTP {status} {said}"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"detail": "no such route"}, "no such route"),
        ({"errors": [{"message": "bad filter"}, {"message": "second"}]}, "bad filter"),
        ({"errors": ["first", "second"]}, "first"),
        ({"errors": [{"code": 7}]}, None),
        ({"errors": []}, None),
        ({"message": "   ", "error": "the real one"}, "the real one"),
        ({"error": 42}, "42"),
        (["a list", "is no explanation"], None),
    ],
)
def test_the_servers_own_explanation_is_appended(httpserver, body, detail):
    message = str(status_error(httpserver, 400, json.dumps(body)))
    assert message == "test: HTTP 400 bad request" + (f": {detail}" if detail else "")


def test_a_long_explanation_is_cut_to_240_characters(httpserver):
    message = str(status_error(httpserver, 400, json.dumps({"message": "word " * 100})))
    whole = "test: HTTP 400 bad request: " + " ".join(["word"] * 100)
    assert message == whole[:239] + "…" and len(message) == 240


def test_get_json_sends_the_given_headers(httpserver):
    httpserver.expect_request("/x", headers={"X-Trace": "abc"}).respond_with_json({"ok": True})
    assert make(httpserver).get_json("/x", headers={"X-Trace": "abc"}) == {"ok": True}


def test_a_body_that_is_never_json_names_the_source_once(httpserver):
    httpserver.expect_request("/x").respond_with_data("", content_type="application/json")
    http = make(httpserver, retry=RetryPolicy(attempts=2))
    with pytest.raises(SourceError) as info:
        http.get_json("/x")
    assert str(info.value) == "test: expected JSON, got an empty body after 2 tries"


def response(text: str, content_type: str | None) -> requests.Response:
    resp = requests.Response()
    resp.status_code, resp._content, resp.encoding = 200, text.encode("utf-8"), "utf-8"
    if content_type is not None:
        resp.headers["Content-Type"] = content_type
    return resp


@pytest.mark.parametrize(
    ("text", "content_type", "kind"),
    [
        ("<HTML><body>x</body></HTML>", "application/json", "an HTML page"),
        ("\n  <!DOCTYPE html><title>x</title>", "text/plain", "an HTML page"),
        ("<?xml version='1.0'?><html>x</html>", "application/json", "an HTML page"),
        ("Service unavailable", "text/html; charset=utf-8", "an HTML page"),
        ("x" * 196 + "<html>", "text/plain", "a non-JSON body (text/plain)"),
        ("x" * 195 + "<html>", "text/plain", "an HTML page"),
        ("", "application/json", "an empty body"),
        ("  \n", None, "an empty body"),
        ('  {"total": 1', "application/json", "truncated or malformed JSON (13 bytes)"),
        ("[1, 2", "application/json", "truncated or malformed JSON (5 bytes)"),
        ("plain words", "text/plain; charset=utf-8", "a non-JSON body (text/plain)"),
        ("plain words", None, "a non-JSON body (no content type)"),
        ("plain words", " ; charset=utf-8", "a non-JSON body (no content type)"),
    ],
)
def test_each_kind_of_body_that_is_not_json_is_named(text, content_type, kind):
    with pytest.raises(SourceError) as info:
        parse_json(response(text, content_type), "src")
    assert str(info.value) == f"src: expected JSON, got {kind}"


class Failing(requests.Session):
    """A session whose every request fails with ``error``, raised while handling ``cause``
    (as requests raises its errors while handling urllib3's and the socket's)."""

    def __init__(self, error: Exception, cause: Exception):
        super().__init__()
        self.error, self.cause = error, cause

    def get(self, url, **kw):
        try:
            raise self.cause
        except Exception:
            raise self.error from None


@pytest.mark.parametrize(
    ("cause", "reason"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "refused"),
        (ConnectionResetError(104, "Connection reset by peer"), "reset"),
        (OSError(110, "Connection timed out"), "timed out"),
        (OSError(101, "Network is unreachable"), "unreachable"),
        (OSError("Remote end closed connection without response"), "remote end closed"),
        (ValueError("something else entirely"), "ValueError"),
    ],
)
def test_a_failed_connection_names_its_innermost_cause(cause, reason):
    session = Failing(requests.ConnectionError("Max retries exceeded with url: /x?api_key=abcdefgh123"), cause)
    http = Http("test", "http://127.0.0.1:9", session=session, retry=ONCE, sleep=no_sleep)
    with pytest.raises(Unreachable) as info:
        http.get("/x")
    assert str(info.value) == f"test: connection failed ({reason}) after 1 tries"


@pytest.mark.parametrize("said", ["Name or service not known", "Temporary failure in name resolution"])
def test_no_dns_answer_is_unreachable_at_once(said):
    session = Failing(requests.ConnectionError("Max retries exceeded"), OSError(-2, said))
    http = Http("test", "https://api.example.org", session=session, sleep=no_sleep)
    with pytest.raises(Unreachable) as info:
        http.get("/x")
    assert str(info.value) == "test: cannot resolve api.example.org (no network?)"


def test_a_body_broken_mid_stream_is_cut_short_not_a_failed_connection():
    session = Failing(requests.exceptions.ChunkedEncodingError("Connection broken"), ValueError("bad chunk"))
    http = Http("test", "http://127.0.0.1:9", session=session, retry=ONCE, sleep=no_sleep)
    with pytest.raises(SourceError) as info:
        http.get("/x")
    assert type(info.value) is SourceError
    assert str(info.value) == "test: body cut short (ValueError) after 1 tries"


def test_a_read_timeout_names_both_timeouts(raw_server):
    http = Http("test", raw_server(never_answer).url, limits=Limits(timeout=(2.0, 0.1)), retry=ONCE)
    with pytest.raises(SourceError) as info:
        http.get("/x")
    assert str(info.value) == "test: timed out after 2/0.1 s after 1 tries"


def test_cancel_abandons_the_request_even_with_no_retry_left(raw_server):
    import threading

    http = Http("test", raw_server(never_answer).url, limits=Limits(timeout=(5.0, 60.0), deadline=120.0), retry=ONCE)
    threading.Timer(0.2, http.cancel).start()
    with pytest.raises(Interrupted) as info:
        http.get("/x")
    assert str(info.value) == "test: stopped"


@pytest.mark.parametrize("zone", ["-0000", "GMT", "+0000"])
def test_a_retry_after_date_in_utc_counts_from_now(zone):
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after(f"Thu, 01 Jan 2026 12:00:30 {zone}", now) == 30.0


def test_a_retry_after_date_counts_from_the_real_clock_by_default():
    later = datetime.now(timezone.utc) + timedelta(seconds=1000)
    seconds = parse_retry_after(later.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert 900 < seconds <= 1000
