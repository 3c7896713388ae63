"""The one place survey talks HTTP: sessions, timeouts, retries, rate limits, redaction.

Every source builds one ``Http`` and sends every request through it, so the rules hold
everywhere: a timeout on each request; retries with backoff on 429/5xx and connection faults,
honouring ``Retry-After`` up to a cap; one rate limiter per source, shared by that source's
worker threads; and secrets scrubbed from anything that could reach the store, a log or an
exception message.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable
from urllib.parse import urlsplit

import requests

from survey import __version__
from survey.errors import RateLimited, SourceError, Unreachable

log = logging.getLogger("survey.http")

REDACTED = "***"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

# Parameter and header names whose values are secrets whatever their value is, so a key that
# was never registered (a typo'd env var, a key pasted into a base URL) is still hidden.
_SECRET_NAMES = ("api_key", "apikey", "api-key", "key", "token", "access_token", "x-api-key", "x-apikey", "authorization")
_PARAM_RX = re.compile(r"(?i)\b(" + "|".join(re.escape(n) for n in _SECRET_NAMES) + r")=([^&\s'\"<>]+)")
_HEADER_RX = re.compile(r"(?i)((?<![\w-])['\"]?(?:" + "|".join(re.escape(n) for n in _SECRET_NAMES) + r")['\"]?\s*:\s*['\"]?)([^'\",}\s]+)")

# Secrets registered by any Http instance, for the log filter. Strings cannot be weakly
# referenced, so the registry holds them for the life of the process; they live in the
# environment for as long anyway.
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    if value and len(value) >= 4:  # a 1-3 character "secret" would redact ordinary words
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every secret value, and anything in a secret-named parameter or header, masked."""
    if not text:
        return text
    with _secrets_lock:
        known = set(_secrets)
    for s in sorted({*known, *(s for s in secrets if s)}, key=len, reverse=True):
        text = text.replace(s, REDACTED)
        quoted = requests.utils.quote(s, safe="")
        if quoted != s:
            text = text.replace(quoted, REDACTED)
    text = _PARAM_RX.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    return _HEADER_RX.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


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
for _name in ("urllib3.connectionpool", "urllib3.util.retry", "survey", "httpx", "scholarly"):
    logging.getLogger(_name).addFilter(_filter)


def user_agent(mailto: str | None = None) -> str:
    ua = f"survey/{__version__} (literature-survey tool; python-requests/{requests.__version__})"
    return f"{ua[:-1]}; mailto:{mailto})" if mailto else ua


# ------------------------------------------------------------------ rate limiting


class RateLimiter:
    """A token bucket shared by all worker threads of one source.

    ``rate`` tokens per second, at most ``burst`` saved up. The default burst is half a second's
    worth (at least one): a provider counting "N requests per second" with its own bucket then
    keeps half its allowance as margin for our requests arriving bunched up by network jitter,
    which would otherwise cost 429s at full speed. A source whose provider documents an interval
    ("one request every 3 s") sets a burst of 1. ``pause`` empties the bucket for a while, so a
    429 seen by one worker holds back all of them.
    """

    def __init__(
        self,
        rate: float | None,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.rate = rate
        self._configured_rate = rate
        self.burst = max(1.0, burst if burst is not None else float(int((rate or 1) / 2)))
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._stamp = clock()  # tokens are counted as of this moment; in the future while paused

    def _reserve(self) -> float:
        """Take a token (possibly going into debt); return how long to wait before using it."""
        with self._lock:
            now = self.clock()
            if now > self._stamp:
                if self.rate is not None:
                    self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
            if self.rate is None:
                return self._stamp - now
            self._tokens -= 1.0
            debt = -self._tokens / self.rate if self._tokens < 0 else 0.0
            return (self._stamp - now) + debt

    def acquire(self) -> float:
        """Block until this caller may send; returns the seconds waited."""
        wait = self._reserve()
        if wait > 0:
            self.sleep(wait)
        return wait

    def slow_down(self, factor: float = 0.8, floor: float = 0.25) -> None:
        """A 429 says the provider counts differently from us: go slower, without bursts, for the
        rest of the run (never below ``floor`` of the configured rate)."""
        with self._lock:
            if self.rate is not None:
                self.rate = max(self.rate * factor, self._configured_rate * floor)
                self.burst = 1.0
                self._tokens = min(self._tokens, 1.0)

    def pause(self, seconds: float) -> None:
        """Nobody sends for ``seconds``; afterwards the bucket refills from empty."""
        with self._lock:
            now = self.clock()
            self._stamp = max(self._stamp, now + seconds)
            self._tokens = min(self._tokens, 0.0)


# ------------------------------------------------------------------ retries


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries in all, the first included
    backoff: float = 0.5  # seconds before the first retry, doubled each time, plus jitter
    max_backoff: float = 30.0
    max_retry_after: float = 60.0  # a server asking for longer than this gets RateLimited, not a wait
    statuses: frozenset[int] = field(default=RETRY_STATUSES)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class HTTPStatusError(SourceError):
    """A final non-2xx answer; ``status`` lets a source map it (403 -> Blocked for Scholar)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class Interrupted(SourceError):
    """The run is stopping; the request was abandoned and nothing should be recorded for it."""


def short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _body_message(resp: requests.Response) -> str:
    """The server's own short explanation, if the body has one."""
    try:
        data = resp.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        for k in ("message", "error", "detail", "errors"):
            v = data.get(k)
            if isinstance(v, list) and v:
                v = v[0].get("message", v[0]) if isinstance(v[0], dict) else v[0]
            if isinstance(v, (str, int)) and str(v).strip():
                return short(str(v), 120)
    return ""


# ------------------------------------------------------------------ the client


class Http:
    """One source's HTTP client. Thread-safe: the source's workers share it."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        rate: float | None = None,
        burst: float | None = None,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy = RetryPolicy(),
        secrets: Iterable[str | None] = (),
        headers: dict[str, str] | None = None,
        mailto: str | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        wallclock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        pool_size: int = 10,
    ):
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry
        self.secrets = tuple(s for s in secrets if s)
        for s in self.secrets:
            register_secret(s)
        self.clock = clock
        self.wallclock = wallclock
        self._cancel = threading.Event()
        # Waits go through the cancel event by default so Ctrl-C does not sit out a Retry-After.
        self.sleep = sleep or self._interruptible_sleep
        self.limiter = RateLimiter(rate, burst, clock=clock, sleep=self.sleep)
        self.session = session or requests.Session()
        if session is None:
            adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = user_agent(mailto)
        self.session.headers.update(headers or {})
        self.requests_sent = 0
        self.responses_429 = 0
        self._count_lock = threading.Lock()

    # -------------------------------------------------------------- helpers

    def _interruptible_sleep(self, seconds: float) -> None:
        if self._cancel.wait(seconds):
            raise Interrupted(f"{self.source}: stopped")

    def cancel(self) -> None:
        """Abandon waits and retries in flight (Ctrl-C)."""
        self._cancel.set()

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def url(self, path: str, params: dict | None = None) -> str:
        """The exact URL a GET would request, secrets included (redact before showing it)."""
        if path.startswith(("http://", "https://")):
            base = path
        else:
            base = f"{self.base_url}/{path.lstrip('/')}" if path else self.base_url
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        return requests.Request("GET", base, params=clean).prepare().url

    def public_url(self, path: str, params: dict | None = None) -> str:
        return self.redact(self.url(path, params))

    def close(self) -> None:
        self.session.close()

    # -------------------------------------------------------------- requests

    def get(
        self, path: str, params: dict | None = None, *, headers: dict | None = None, accept: Iterable[int] = ()
    ) -> requests.Response:
        """GET with rate limit and retries; a 2xx (or ``accept``ed) response or a typed SourceError."""
        url = self.url(path, params)
        shown = self.redact(url)
        policy = self.retry
        last: str = ""
        for attempt in range(1, policy.attempts + 1):
            if self._cancel.is_set():
                raise Interrupted(f"{self.source}: stopped")
            self.limiter.acquire()
            with self._count_lock:
                self.requests_sent += 1
            wait: float | None = None
            try:
                resp = self.session.get(url, headers=headers, timeout=self.timeout)
            except requests.Timeout:
                last = f"timed out after {self._timeout_text()}"
            except requests.ConnectionError as exc:
                last = f"connection failed ({self._reason(exc)})"
                if "name resolution" in last or "not known" in last:
                    # No DNS answer: retrying in seconds will not change that, and every cell
                    # of this source would wait through the same retries.
                    host = urlsplit(url).hostname
                    raise Unreachable(self.redact(f"{self.source}: cannot resolve {host} (no network?)")) from None
            except requests.RequestException as exc:
                raise SourceError(self.redact(f"{self.source}: request failed: {type(exc).__name__}")) from None
            else:
                if resp.status_code < 400 or resp.status_code in accept:
                    return resp
                if resp.status_code not in policy.statuses:
                    raise self._status_error(resp, shown)
                retry_after = parse_retry_after(resp.headers.get("Retry-After"), self.wallclock())
                if resp.status_code == 429:
                    with self._count_lock:
                        self.responses_429 += 1
                    if retry_after is not None and retry_after > policy.max_retry_after:
                        raise RateLimited(
                            f"{self.source}: rate limited (HTTP 429); server asks to wait {retry_after:.0f} s, "
                            f"more than the {policy.max_retry_after:.0f} s cap",
                            retry_after,
                        )
                    # Everyone sharing the limiter backs off, not just this worker.
                    self.limiter.slow_down()
                    self.limiter.pause(retry_after if retry_after is not None else self._backoff(attempt))
                last = f"HTTP {resp.status_code}"
                if retry_after is not None:
                    wait = min(retry_after, policy.max_retry_after)
                resp.close()
            if attempt == policy.attempts:
                break
            wait = self._backoff(attempt) if wait is None else wait
            log.debug("%s: %s from %s; retry %d in %.2f s", self.source, last, shown, attempt, wait)
            if wait > 0:
                self.sleep(wait)
        if last.startswith("connection failed"):
            raise Unreachable(self.redact(f"{self.source}: {last} after {policy.attempts} tries"))
        if last == "HTTP 429":
            raise RateLimited(f"{self.source}: rate limited (HTTP 429) after {policy.attempts} tries")
        raise SourceError(self.redact(f"{self.source}: {last} after {policy.attempts} tries"))

    def get_json(self, path: str, params: dict | None = None, *, headers: dict | None = None):
        return parse_json(self.get(path, params, headers=headers), self.source)

    # -------------------------------------------------------------- messages

    def _backoff(self, attempt: int) -> float:
        base = min(self.retry.max_backoff, self.retry.backoff * 2 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)

    def _timeout_text(self) -> str:
        t = self.timeout
        return f"{t[0]:g}/{t[1]:g} s" if isinstance(t, tuple) else f"{t:g} s"

    def _reason(self, exc: Exception) -> str:
        # requests' messages embed the full URL (keys and all) and pages of urllib3 reprs;
        # keep only the innermost cause's class, which is what a user can act on.
        inner = exc
        while inner.__context__ is not None and inner.__context__ is not inner:
            inner = inner.__context__
        text = str(inner)
        for hint in ("refused", "Name or service not known", "Temporary failure in name resolution", "reset", "timed out", "unreachable", "Remote end closed"):
            if hint.lower() in text.lower():
                return hint.lower()
        return type(inner).__name__

    def _status_error(self, resp: requests.Response, shown: str) -> HTTPStatusError:
        status = resp.status_code
        detail = self.redact(_body_message(resp))
        what = {
            400: "bad request",
            401: "not authorised (check the API key)",
            403: "forbidden (check the API key, or the source is refusing us)",
            404: "not found (check the base URL)",
        }.get(status, "request failed")
        msg = f"{self.source}: HTTP {status} {what}"
        if detail:
            msg += f": {detail}"
        return HTTPStatusError(self.redact(msg), status)


def parse_json(resp: requests.Response, source: str):
    """The body as JSON, or a short SourceError saying what came instead."""
    text = resp.text
    try:
        return json.loads(text)
    except ValueError:
        pass
    head = text.lstrip()[:200].lower()
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
    if head.startswith(("<!doctype html", "<html")) or "<html" in head or ctype == "text/html":
        kind = "an HTML page"
    elif not text.strip():
        kind = "an empty body"
    elif text.lstrip().startswith(("{", "[")):
        kind = f"truncated or malformed JSON ({len(text)} bytes)"
    else:
        kind = f"a non-JSON body ({ctype})"
    return _raise(f"{source}: expected JSON, got {kind}")


def _raise(message: str):
    raise SourceError(message)

