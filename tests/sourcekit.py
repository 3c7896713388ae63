"""Shared bits of the source contract tests: recorded bodies, the study's cells, a fast source."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from survey.matrix import cell_query

LSTM = ["LSTM", "long short-term memory"]
CNN = ["CNN", "convolutional neural network"]

# Cells of the 2016 study, as the query file defines them.
LSTM_CLASSIFICATION = cell_query(LSTM, ["classification"])
CNN_DIALOG = cell_query(CNN, ["dialog", "dialogue"])
LSTM_TOTAL = cell_query(LSTM, [])
WORDS_ONLY = cell_query(["LSTM", "GRU"], [])  # a single concept of single words
WORDS_AND = cell_query(["LSTM", "GRU"], ["tagging"])


def body(fixtures: Path, rel: str) -> bytes:
    return (fixtures / rel).read_bytes()


def fast(cls, httpserver, **kw):
    """A source pointed at the loopback server, with no rate limit or backoff slowing the test."""
    kw.setdefault("rate", 1000.0)
    policy = cls.retry
    kw.setdefault("retry", replace(policy, attempts=min(policy.attempts, 3), max_429=3, backoff=0.001, max_backoff=0.001))
    return cls(base_url=httpserver.url_for("").rstrip("/"), **kw)
