"""Secrets out of everything a user, a log or the store could see.

Three kinds of secret are masked: values registered as secrets (API keys, proxy passwords), of
at least ``MIN_SECRET_LENGTH`` characters so that masking never eats ordinary letters; any value
of a parameter or header whose name says it is a secret (``api_key=``, ``X-ApiKey:``), registered
or not; and the userinfo of any URL (``http://user:password@host``).

Text is always redacted whole before it is cut short, so no prefix of a secret survives a cut.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from typing import Iterable
from urllib.parse import quote

REDACTED = "***"
# Shorter "secrets" would mask letters inside ordinary words and URLs; real API keys are longer.
MIN_SECRET_LENGTH = 8

_SECRET_NAMES = ("api_key", "apikey", "api-key", "key", "token", "access_token", "x-api-key", "x-apikey", "authorization")
_PARAM_RX = re.compile(r"(?i)\b(" + "|".join(re.escape(n) for n in _SECRET_NAMES) + r")=([^&\s'\"<>]+)")
_HEADER_RX = re.compile(
    r"(?i)((?<![\w-])['\"]?(?:" + "|".join(re.escape(n) for n in _SECRET_NAMES) + r")['\"]?\s*:\s*['\"]?"
    r"(?:(?:bearer|basic|token|digest)\s+)?)([^'\",}\s]+)"  # an Authorization scheme is no secret; what follows it is
)
_USERINFO_RX = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s'\"<>]+@")

# Strings cannot be weakly referenced, so registered secrets live for the process; they live in
# the environment for as long anyway.
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def usable_secret(value: str | None) -> bool:
    return bool(value) and len(value) >= MIN_SECRET_LENGTH


def register_secret(value: str | None) -> None:
    """Mask ``value`` everywhere from now on (values too short to mask safely are ignored)."""
    if usable_secret(value):
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every secret, secret-named value and URL userinfo masked."""
    if not text:
        return text
    with _secrets_lock:
        known = set(_secrets)
    for s in sorted({*known, *(s for s in secrets if usable_secret(s))}, key=len, reverse=True):
        text = text.replace(s, REDACTED)
        encoded = _percent_encoded(s)
        if encoded is not None:
            text = encoded.sub(REDACTED, text)
    text = _USERINFO_RX.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    text = _PARAM_RX.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    return _HEADER_RX.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


@functools.lru_cache(maxsize=64)
def _percent_encoded(secret: str) -> re.Pattern | None:
    """The secret percent-encoded, its hex digits in either case (requests sends %2F, a server may
    echo %2f), and a space as %20 or +; None where encoding changes nothing."""
    quoted = quote(secret, safe="")
    if quoted == secret:
        return None
    parts = re.split(r"(%[0-9A-F]{2})", quoted)
    rx = "".join(
        ("(?:%20|\\+)" if p == "%20" else "%" + "".join(f"[{c}{c.lower()}]" if c.isalpha() else c for c in p[1:]))
        if re.fullmatch(r"%[0-9A-F]{2}", p) else re.escape(p)
        for p in parts
    )
    return re.compile(rx)


def short(text: str, limit: int = 160) -> str:
    """One line of at most ``limit`` characters. Redact before calling this, never after."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip(text: str, limit: int = 160, secrets: Iterable[str | None] = ()) -> str:
    """Redacted first, then cut: the order that keeps every character of a secret out."""
    return short(redact(str(text), secrets), limit)


class _RedactingFilter(logging.Filter):
    """Rewrites records so urllib3's and our own debug lines never carry a key."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's problem, not a leak
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_filter = _RedactingFilter()
# A logger's filter sees only records logged on that logger, not those its children pass up.
for _name in ("urllib3.connectionpool", "urllib3.util.retry", "survey", "survey.http", "httpx", "scholarly"):
    logging.getLogger(_name).addFilter(_filter)
