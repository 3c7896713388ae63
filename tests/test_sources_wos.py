"""Web of Science Starter against its recorded responses on a loopback server."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sourcekit import CNN_DIALOG, LSTM_CLASSIFICATION, LSTM_TOTAL, body, fast
from survey.errors import SourceError
from survey.sources.wos import WosSource

KEY = "wos-planted-key-5150"


def source(httpserver, key=KEY):
    return fast(WosSource, httpserver, key=key, today=lambda: datetime(2026, 6, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    "rel,total",
    [
        ("wos_starter/documents_IS_0043-5597_AND_PY_2000-2010_TRIMMED.json", 1054),
        ("wos_starter/documents_TS_humanized_landscape_TRIMMED.json", 421),
    ],
)
def test_total_parsed_and_key_in_header(httpserver, fixtures, rel, total):
    httpserver.expect_request("/documents").respond_with_data(body(fixtures, rel), content_type="application/json")
    src = source(httpserver)
    assert src.count(LSTM_CLASSIFICATION, 2006, None) == total
    req = httpserver.log[0][0]
    assert req.headers["X-ApiKey"] == KEY
    assert req.args["q"] == 'TS=((LSTM OR "long short-term memory") AND (classification)) AND PY=(2006-2026)'
    assert req.args["limit"] == "1" and req.args["db"] == "WOS"
    assert KEY not in src.compile(LSTM_CLASSIFICATION, 2006, None)


def test_year_syntax(httpserver):
    src = source(httpserver)
    assert "PY%3D2015&" in src.compile(CNN_DIALOG, 2015, 2015)
    assert "PY%3D%282006-2010%29" in src.compile(CNN_DIALOG, 2006, 2010)
    assert "PY" not in src.compile(LSTM_TOTAL, None, None)


def test_needs_key(httpserver):
    src = source(httpserver, key=None)
    assert src.configured()[0] is False and "SURVEY_WOS_KEY" in src.configured()[1]
    with pytest.raises(SourceError, match="no API key"):
        src.count(LSTM_TOTAL, None, None)


@pytest.mark.parametrize(
    "payload,status,match",
    [
        ('{"metadata": {"total": 4', 200, "truncated"),
        ('{"hits": []}', 200, "no metadata.total"),
        ('{"message": "Invalid API key"}', 401, "HTTP 401"),
        ("<html>gateway</html>", 200, "HTML"),
    ],
)
def test_faults(httpserver, payload, status, match):
    httpserver.expect_request("/documents").respond_with_data(payload, status=status, content_type="application/json")
    with pytest.raises(SourceError, match=match) as info:
        source(httpserver).count(LSTM_TOTAL, None, None)
    assert KEY not in str(info.value)
