"""Secrets out of everything a user, a log or the store could see.

Three kinds of secret are masked: values registered as secrets (API keys, proxy passwords), of
at least ``MIN_SECRET_LENGTH`` characters so that masking never eats ordinary letters; any value
of a parameter or header whose name says it is a secret (``api_key=``, ``X-ApiKey:``), registered
or not; and the userinfo of any URL (``http://user:password@host``).

A registered secret is masked in every form it may come back in: any letter case, percent-encoded
character by character, and base64 (see ``_forms``).

Text is always redacted whole before it is cut short, so no prefix of a secret survives a cut.
"""

from __future__ import annotations

import base64
import functools
import logging
import re
import threading
from typing import Iterable

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
        text = _forms(s).sub(REDACTED, text)
    text = _USERINFO_RX.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    text = _PARAM_RX.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    return _HEADER_RX.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


@functools.lru_cache(maxsize=64)
def _forms(secret: str) -> re.Pattern:
    """Every form of the secret a server or the transport may hand back: in any letter case (a
    server that lower-cases what it echoes), each character as itself or percent-encoded (hex
    digits in either case, a space also as +), and base64 (standard or URL-safe, at any of the
    three byte alignments it can take inside a longer encoded value, as in Basic auth)."""
    chars = []
    for c in secret:
        options = set()
        for v in {c, c.lower(), c.upper()}:
            options.add(re.escape(v))
            options.add("".join(f"%[{h}{h.lower()}][{l}{l.lower()}]" for h, l in (f"{b:02X}" for b in v.encode("utf-8"))))
        if c == " ":
            options.add(r"\+")
        chars.append("(?:" + "|".join(sorted(options)) + ")")
    return re.compile("|".join(["".join(chars), *map(re.escape, _base64_cores(secret))]))


def _base64_cores(secret: str) -> list[str]:
    """The base64 characters fixed by the secret alone, at each byte alignment; the one or two
    characters at each end that share bits with neighbours are left (they carry under 12 bits)."""
    raw = secret.encode("utf-8")
    cores = []
    for k in range(3):
        encoded = base64.b64encode(b"\0" * k + raw + b"\0\0").decode("ascii")
        first, last = -(-8 * k // 6), (8 * (k + len(raw)) - 6) // 6
        core = encoded[first:last + 1]
        cores.extend({core, core.replace("+", "-").replace("/", "_")})
    return cores


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
