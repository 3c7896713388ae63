"""Planted bugs in the HTTP layer and Scholar's block detection that no test caught: a block
page known by its wording alone, a negative Retry-After, a secret seen percent-encoded."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import quote

import pytest

from sourcekit import LSTM_TOTAL, body
from survey.errors import Blocked, SourceError
from survey.http import REDACTED, Http, parse_retry_after, redact
from survey.sources.scholar import ScholarSource, blocked_reason

RESULTS_PAGE = "google_scholar/geomap_2020_search_about_30_results.html"
WORDING = "Our systems have detected unusual traffic from your computer network."


def with_wording(page: str, wording: str) -> str:
    return page.replace("<body", f"<div>{wording}</div><body", 1)


@pytest.mark.parametrize("wording", [WORDING, WORDING.upper(), "Please show you're not a robot"])
def test_a_page_is_blocked_by_its_wording_alone_in_any_case(fixtures, wording):
    page = body(fixtures, RESULTS_PAGE).decode("utf-8", "replace")
    assert blocked_reason(page) is None, "the plain results page carries no block marker"
    assert ScholarSource(fetch=lambda url: page, rate=1000.0).count(LSTM_TOTAL, None, None) == 30

    blocked = with_wording(page, wording)
    assert "captcha" not in blocked.lower(), "no captcha marker: the wording alone must decide"
    assert blocked_reason(blocked) == "block page (unusual traffic)"
    with pytest.raises(Blocked, match=r"^scholar: block page \(unusual traffic\)"):
        ScholarSource(fetch=lambda url: blocked, rate=1000.0).count(LSTM_TOTAL, None, None)


def test_each_block_marker_is_named():
    assert blocked_reason('<div id="gs_captcha_ccl">') == "captcha page (gs_captcha_ccl)"
    assert blocked_reason('<div class="rc-doscaptcha-body">') == "denial-of-service page (rc-doscaptcha-body)"
    assert blocked_reason('<a href="https://www.google.com/sorry/index?continue=x">') == "block page (unusual traffic)"
    assert blocked_reason("<p>unusual results for your query</p>") is None


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"asked to sleep {seconds} s"
        assert len(self.slept) < 1000, "a retry loop that never ends"
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(("header", "seconds"), [("-5", 0.0), ("-0.5", 0.0), ("0", 0.0), (" 2.5 ", 2.5)])
def test_retry_after_below_zero_is_clamped_to_zero(header, seconds):
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_retry_after(header, now) == seconds


@pytest.mark.parametrize("status", [429, 503])
def test_a_negative_retry_after_retries_at_once(httpserver, status):
    httpserver.expect_ordered_request("/x").respond_with_data("busy", status=status, headers={"Retry-After": "-5"})
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": 1})
    fake = FakeTime()
    http = Http("test", httpserver.url_for(""), clock=fake.clock, sleep=fake.sleep)
    assert http.get_json("/x") == {"ok": 1}
    assert fake.slept == [] and fake.now == 1000.0, "a negative wait is no wait, not a backoff"
    assert http.requests_sent == 2


SECRET = "Zq/planted+9k"  # '/' and '+' change under percent-encoding
ENCODED = quote(SECRET, safe="")  # Zq%2Fplanted%2B9k, as requests sends it in a query string


def test_a_percent_encoded_secret_is_redacted_whole():
    assert ENCODED == "Zq%2Fplanted%2B9k"
    text = f"GET /works?filter=title:{ENCODED}&q=x failed; raw {SECRET}"
    out = redact(text, [SECRET])
    assert out == f"GET /works?filter=title:{REDACTED}&q=x failed; raw {REDACTED}"


def test_a_percent_encoded_secret_echoed_by_the_server_never_reaches_an_error_or_log(httpserver, caplog):
    httpserver.expect_request("/w").respond_with_json({"message": f"invalid filter value {ENCODED}"}, status=400)
    http = Http("test", httpserver.url_for(""), secrets=[SECRET])
    assert http.public_url("/w", {"filter": SECRET}) == httpserver.url_for("/w") + f"?filter={REDACTED}"
    with caplog.at_level(logging.DEBUG), pytest.raises(SourceError) as err:
        http.get("/w", {"filter": SECRET})
    message = str(err.value)
    assert message == f"test: HTTP 400 bad request: invalid filter value {REDACTED}"
    # The loopback server's own access log (werkzeug) is the far side's, not ours.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))
    assert "GET /w?filter=" in ours, "urllib3's request line is logged, redacted"
    for shown in (message, ours):
        for part in (SECRET, ENCODED, "planted"):
            assert part not in shown


def test_a_percent_encoded_secret_is_masked_whatever_the_case_of_its_hex_digits():
    from survey.redaction import redact

    key = "Zq/planted+9k key"
    echoed = "upstream said: bad key Zq%2fplanted%2b9k+key (was Zq%2Fplanted%2B9k%20key)"
    out = redact(echoed, [key])
    assert out == "upstream said: bad key *** (was ***)"
    assert redact("Zq%2Fplanted", [key]) == "Zq%2Fplanted"  # a part of a secret is not the secret
