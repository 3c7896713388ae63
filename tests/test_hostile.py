"""The HTTP layer against servers that misbehave on purpose (all on 127.0.0.1)."""

from __future__ import annotations

import gzip
import threading
import time
import zlib

import pytest
from werkzeug import Response

from hostile_server import RawServer, never_answer, raw_server, slow_loris  # noqa: F401 (raw_server: a fixture)
from survey.errors import SourceError
from survey.http import Http, Limits, RetryPolicy

QUICK = RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.001)


def slow_headers(conn, stop):
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 25:  # 10 s of headers, then it gives up
        if stop.wait(0.2):
            return
        conn.sendall(bytes([byte]))


@pytest.mark.parametrize("behave", [slow_loris, slow_headers], ids=["body", "headers"])
def test_a_byte_at_a_time_ends_at_the_total_deadline(raw_server, behave):
    server = raw_server(behave)
    http = Http("test", server.url, limits=Limits(timeout=(1.0, 1.0), deadline=1.0), retry=RetryPolicy(attempts=2, backoff=0.01))
    started = time.monotonic()
    with pytest.raises(SourceError, match="no complete answer within 1 s after 2 tries"):
        http.get("/x")
    assert time.monotonic() - started < 4  # two attempts of 1 s, not forever


def test_cancel_cuts_a_request_that_never_answers(raw_server):
    server = raw_server(never_answer)
    http = Http("test", server.url, limits=Limits(timeout=(5.0, 60.0), deadline=120.0))
    threading.Timer(0.3, http.cancel).start()
    started = time.monotonic()
    with pytest.raises(SourceError, match="stopped"):
        http.get("/x")
    assert time.monotonic() - started < 2


def bomb(decoded_mb: int) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    block = b"\0" * 1_000_000
    return b"".join(z.compress(block) for _ in range(decoded_mb)) + z.flush()


def test_a_gzip_bomb_stops_at_the_decoded_cap(httpserver):
    data = bomb(64)  # 64 MB of zeros in ~64 KB
    assert len(data) < 200_000
    httpserver.expect_request("/x").respond_with_data(data, headers={"Content-Encoding": "gzip"}, content_type="application/json")
    http = Http("test", httpserver.url_for(""), limits=Limits(max_body=1_000_000), retry=QUICK)
    with pytest.raises(SourceError, match="larger than 1 MB decoded"):
        http.get("/x")
    assert len(httpserver.log) == 1  # not a fault to retry


def test_gzip_within_the_cap_is_decoded(httpserver):
    httpserver.expect_request("/x").respond_with_data(
        gzip.compress(b'{"total": 5}'), headers={"Content-Encoding": "gzip"}, content_type="application/json"
    )
    http = Http("test", httpserver.url_for(""), retry=QUICK)
    assert http.get_json("/x") == {"total": 5}
    assert "gzip" in httpserver.log[0][0].headers["Accept-Encoding"]


def test_a_plain_body_over_the_cap_is_refused(httpserver):
    httpserver.expect_request("/x").respond_with_data(b"{" + b" " * 3_000_000 + b"}", content_type="application/json")
    http = Http("test", httpserver.url_for(""), limits=Limits(max_body=1_000_000), retry=QUICK)
    with pytest.raises(SourceError, match="larger than"):
        http.get("/x")


def truncated_200(conn, stop):
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"total": 12, "da')


def test_a_200_cut_short_is_retried_then_an_error(raw_server):
    server = raw_server(truncated_200)
    http = Http("test", server.url, retry=QUICK)
    with pytest.raises(SourceError, match="body cut short .*after 3 tries"):
        http.get_json("/x")
    assert server.accepted == 3


def test_malformed_200s_are_retried_until_a_good_one(httpserver):
    httpserver.expect_ordered_request("/x").respond_with_data('{"total": 1', content_type="application/json")
    httpserver.expect_ordered_request("/x").respond_with_data("<html>oops</html>", content_type="text/html")
    httpserver.expect_ordered_request("/x").respond_with_json({"total": 7})
    http = Http("test", httpserver.url_for(""), retry=QUICK)
    assert http.get_json("/x") == {"total": 7}
    assert http.requests_sent == 3


def test_a_redirect_to_another_origin_is_an_error_and_sends_nothing_there(httpserver):
    elsewhere = RawServer(never_answer)
    try:
        httpserver.expect_request("/x").respond_with_data("", status=302, headers={"Location": elsewhere.url + "/steal"})
        http = Http("test", httpserver.url_for(""), headers={"X-ApiKey": "secret-key-1234567"}, retry=QUICK)
        with pytest.raises(SourceError, match="redirected to another origin") as info:
            http.get("/x")
        assert "secret-key-1234567" not in str(info.value)
        time.sleep(0.1)
        assert elsewhere.accepted == 0
    finally:
        elsewhere.close()


def test_a_redirect_within_the_origin_is_followed(httpserver):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new?q=1"})
    httpserver.expect_request("/new").respond_with_json({"total": 3})
    http = Http("test", httpserver.url_for(""), headers={"X-ApiKey": "secret-key-1234567"}, retry=QUICK)
    assert http.get_json("/old") == {"total": 3}
    assert httpserver.log[1][0].headers["X-ApiKey"] == "secret-key-1234567"


def test_an_error_body_is_redacted_before_it_is_cut(httpserver):
    key = "k" * 4 + "SECRETKEY-abcdef0123456789"
    # The key straddles the old 120-character cut: cutting first left its first characters.
    message = "x" * 112 + " " + key + " tail"
    httpserver.expect_request("/x").respond_with_json({"message": message}, status=401)
    http = Http("test", httpserver.url_for(""), secrets=[key], retry=QUICK)
    with pytest.raises(SourceError) as info:
        http.get("/x")
    text = str(info.value)
    assert "kkkkSECR" not in text and "kkkk" not in text and "***" in text


@pytest.mark.parametrize(
    "value",
    [10**30, str(10**30), 2**53 + 1, -1, 12.0, "\u0663\u0661", "12 ", "1e3", True],
    ids=["huge", "huge-string", "2^53+1", "negative", "float", "arabic-indic", "padded", "exponent", "bool"],
)
def test_values_that_are_not_counts(value):
    from survey.sources.online import hit_count

    if value == "12 ":
        assert hit_count(value, "t", "total") == 12  # surrounding space is still ASCII digits
        return
    with pytest.raises(SourceError, match="not a count in 0..2\\*\\*53"):
        hit_count(value, "t", "total")
    assert hit_count(2**53, "t", "total") == 2**53 and hit_count("0", "t", "total") == 0


def test_one_bad_count_never_stops_the_others(httpserver, tmp_path):
    from datetime import timedelta

    from survey.query_file import parse_matrix
    from survey.refreshing import plan, run
    from survey.sources.openalex import OpenAlexSource
    from survey.store import Store

    bad = {"GRU": '"1000000000000000000000000000000"', "RNN": "1" + "0" * 30, "CNN": '"\u0663\u0661"'}

    def handler(request):
        term = next((t for t in bad if t in request.args.get("filter", "")), None)
        count = bad[term] if term else "42"
        return Response('{"meta": {"count": %s}, "results": []}' % count, content_type="application/json")

    httpserver.expect_request("/works").respond_with_handler(handler)
    matrix = parse_matrix('[methods]\nLSTM = ["LSTM"]\nGRU = ["GRU"]\nRNN = ["RNN"]\nCNN = ["CNN"]\n'
                          '[tasks]\nQA = ["QA"]\ntotal = []\n[[windows]]\nname = "all time"\n')
    src = OpenAlexSource(base_url=httpserver.url_for(""), key="key-12345678", rate=1000.0)
    with Store(tmp_path / "cache.sqlite") as store:
        summary = run(plan(matrix, {"openalex": src}, store, max_age=timedelta(days=1)), {"openalex": src}, store)
        rows = store.all()
    assert summary.fetched == 2 and len(summary.errors) == 6
    assert {o.method for o in rows if o.status == "ok"} == {"LSTM"}
    assert all("not a count" in o.error for o in summary.errors)
