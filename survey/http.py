"""The one place survey talks HTTP: sessions, limits, retries, redirects, redaction.

Every source builds one ``Http`` and sends every request through it, so the rules hold
everywhere: a per-read timeout and a total deadline on each request, a cap on the decoded body;
retries with backoff on 429/5xx, dropped connections and malformed 200s, honouring
``Retry-After`` up to a cap; one pace per source (shared by its threads, and by processes when
given a file); redirects followed only within the configured origin, so a credential never
travels to another host; and secrets scrubbed from anything that could reach the store, a log or
an exception message.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import random
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from survey import __version__
from survey.errors import RateLimited, SourceError, Unreachable
from survey.pace import RateLimiter
from survey.redaction import REDACTED, clip, redact, register_secret, short  # noqa: F401 (re-exported)
from survey.transport import ACCEPT_ENCODING, BadEncoding, BodyTooLarge, Flight, TrackedAdapter, flying, read_body

log = logging.getLogger("survey.http")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5


def user_agent(mailto: str | None = None) -> str:
    ua = f"survey/{__version__} (literature-survey tool; python-requests/{requests.__version__})"
    return f"{ua[:-1]}; mailto:{mailto})" if mailto else ua


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8  # tries in all against faults (5xx, dropped connections, malformed bodies)
    backoff: float = 0.5  # seconds before the first retry, doubled each time, plus jitter
    max_backoff: float = 8.0
    # 429s with a Retry-After are the server pacing us, not faults: they have their own budget.
    max_429: int = 8
    max_retry_after: float = 60.0  # a server asking for longer than this gets RateLimited, not a wait
    statuses: frozenset[int] = field(default=RETRY_STATUSES)


@dataclass(frozen=True)
class Limits:
    timeout: float | tuple[float, float] = (5.0, 30.0)  # connect, and each read
    deadline: float = 60.0  # the whole request, headers and body, whatever the server does
    max_body: int = 8_000_000  # decoded bytes; counts come in kilobytes, Scholar pages in hundreds


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


class Malformed(SourceError):
    """A 2xx whose body cannot be read (truncated, not JSON): retried like a dropped connection."""


class _Transient(Exception):
    """An attempt that failed in a way worth retrying; ``args[0]`` says how, for the last error."""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class Http:
    """One source's HTTP client. Thread-safe: the source's workers share it."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        rate: float | None = None,
        pace_file=None,
        limits: Limits = Limits(),
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
        self.limits = limits
        self.retry = retry
        self.secrets = tuple(s for s in secrets if s)
        for s in (*self.secrets, urlsplit(self.base_url).password):
            register_secret(s)
        self.wallclock = wallclock
        self._cancel = threading.Event()
        self._flights: set[Flight] = set()
        self._flights_lock = threading.Lock()
        # Waits go through the cancel event by default so Ctrl-C does not sit out a Retry-After.
        self.sleep = sleep or self._interruptible_sleep
        self.limiter = RateLimiter(rate, path=pace_file, sleep=self.sleep, **({} if pace_file else {"clock": clock}))
        self.session = session or requests.Session()
        if session is None:
            adapter = TrackedAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = user_agent(mailto)
        self.session.headers["Accept-Encoding"] = ACCEPT_ENCODING
        self.session.headers.update(headers or {})
        self.requests_sent = 0
        self.responses_429 = 0
        self._count_lock = threading.Lock()

    # -------------------------------------------------------------- helpers

    def _interruptible_sleep(self, seconds: float) -> None:
        if self._cancel.wait(seconds):
            raise Interrupted(f"{self.source}: stopped")

    def cancel(self) -> None:
        """Abandon waits, retries and requests in flight (Ctrl-C): their sockets are shut."""
        self._cancel.set()
        with self._flights_lock:
            flights = list(self._flights)
        for f in flights:
            f.kill("cancel")

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

    # -------------------------------------------------------------- one attempt

    def _send(self, url: str, headers: dict | None) -> requests.Response:
        """One attempt: the response with its body read (and capped), following only
        same-origin redirects, within the total deadline."""
        origin = _origin(url)
        flight = Flight(time.monotonic() + self.limits.deadline)
        with self._flights_lock:
            self._flights.add(flight)
        if self._cancel.is_set():
            flight.kill("cancel")
        try:
            with flying(flight):
                for _ in range(MAX_REDIRECTS + 1):
                    resp = self._attempt(url, headers, flight)
                    if not resp.is_redirect:
                        return resp
                    target = urljoin(url, resp.headers["Location"])
                    resp.close()
                    if _origin(target) != origin:
                        # Session headers (X-ApiKey, x-api-key) would follow the redirect to
                        # whoever it names; an answer from there is not the source's either.
                        scheme, host, _ = _origin(target)
                        raise SourceError(self.redact(f"{self.source}: redirected to another origin ({scheme}://{host}); not followed"))
                    url = target
                raise SourceError(f"{self.source}: more than {MAX_REDIRECTS} redirects")
        finally:
            with self._flights_lock:
                self._flights.discard(flight)

    def _attempt(self, url: str, headers: dict | None, flight: Flight) -> requests.Response:
        try:
            resp = self.session.get(url, headers=headers, timeout=self.limits.timeout, stream=True, allow_redirects=False)
            if resp.is_redirect:
                return resp
            try:
                body = read_body(resp, self.limits.max_body)
            except BaseException:
                resp.close()
                raise
        except BodyTooLarge as exc:
            raise SourceError(f"{self.source}: {exc}; refusing to read more") from None
        except BadEncoding as exc:
            raise SourceError(f"{self.source}: {exc}") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, zlib.error) as exc:
            if flight.cut == "cancel":
                raise Interrupted(f"{self.source}: stopped") from None
            if flight.cut == "deadline":
                raise _Transient(f"no complete answer within {self.limits.deadline:g} s") from None
            if isinstance(exc, (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)):
                raise _Transient(f"timed out after {self._timeout_text()}") from None
            reason = self._reason(exc)
            if "name resolution" in reason or "not known" in reason:
                # No DNS answer: retrying in seconds will not change that, and every cell of
                # this source would wait through the same retries.
                host = urlsplit(url).hostname
                raise Unreachable(self.redact(f"{self.source}: cannot resolve {host} (no network?)")) from None
            if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.exceptions.ChunkedEncodingError):
                raise _Transient(f"connection failed ({reason})") from None
            raise _Transient(f"body cut short ({reason})") from None
        resp._content, resp._content_consumed = body, True
        resp.close()  # the body is in hand: back to the pool
        return resp

    # -------------------------------------------------------------- requests

    def get(
        self,
        path: str,
        params: dict | None = None,
        *,
        headers: dict | None = None,
        accept: Iterable[int] = (),
        parse: Callable[[requests.Response], object] | None = None,
    ):
        """GET with pace, retries and bounds. Returns the response (a 2xx or ``accept``ed one),
        or ``parse(response)`` where given: a ``Malformed`` from it is retried like a fault."""
        url = self.url(path, params)
        shown = self.redact(url)
        policy = self.retry
        faults = throttles = 0
        last = ""
        while True:
            if self._cancel.is_set():
                raise Interrupted(f"{self.source}: stopped")
            self.limiter.acquire()
            with self._count_lock:
                self.requests_sent += 1
            wait: float | None = None
            try:
                resp = self._send(url, headers)
                if resp.status_code < 300 or resp.status_code in accept:
                    return parse(resp) if parse else resp
                if resp.status_code not in policy.statuses:
                    raise self._status_error(resp)
            except _Transient as exc:
                last, faults = str(exc), faults + 1
            except Malformed as exc:
                last, faults = str(exc).removeprefix(f"{self.source}: "), faults + 1
            else:
                retry_after = parse_retry_after(resp.headers.get("Retry-After"), self.wallclock())
                last = f"HTTP {resp.status_code}"
                if resp.status_code == 429:
                    throttles += 1
                    with self._count_lock:
                        self.responses_429 += 1
                    if retry_after is not None and retry_after > policy.max_retry_after:
                        raise RateLimited(
                            f"{self.source}: rate limited (HTTP 429); server asks to wait {retry_after:.0f} s, "
                            f"more than the {policy.max_retry_after:.0f} s cap",
                            retry_after,
                        )
                    # Everyone sharing the pace backs off, not just this worker.
                    self.limiter.slow_down()
                    self.limiter.pause(retry_after if retry_after is not None else self._backoff(throttles))
                else:
                    faults += 1
                if retry_after is not None:
                    wait = min(retry_after, policy.max_retry_after)
            if throttles >= policy.max_429:
                raise RateLimited(f"{self.source}: rate limited (HTTP 429) {throttles} times")
            if faults >= policy.attempts:
                break
            wait = self._backoff(max(faults, 1)) if wait is None else wait
            # The URL last: the log filter redacts it again, and a masked value runs to the next '&' or space.
            log.debug("%s: %s; retry in %.2f s: GET %s", self.source, last, wait, shown)
            if wait > 0:
                self.sleep(wait)
        if last.startswith("connection failed"):
            raise Unreachable(self.redact(f"{self.source}: {last} after {faults} tries"))
        raise SourceError(self.redact(f"{self.source}: {last} after {faults} tries"))

    def get_json(self, path: str, params: dict | None = None, *, headers: dict | None = None):
        return self.get(path, params, headers=headers, parse=lambda r: parse_json(r, self.source))

    # -------------------------------------------------------------- messages

    def _backoff(self, attempt: int) -> float:
        base = min(self.retry.max_backoff, self.retry.backoff * 2 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)

    def _timeout_text(self) -> str:
        t = self.limits.timeout
        return f"{t[0]:g}/{t[1]:g} s" if isinstance(t, tuple) else f"{t:g} s"

    def _reason(self, exc: Exception) -> str:
        # requests' messages embed the full URL (keys and all) and pages of urllib3 reprs;
        # keep only the innermost cause's class, which is what a user can act on.
        inner = exc
        while inner.__context__ is not None and inner.__context__ is not inner:
            inner = inner.__context__
        text = f"{exc} {inner}".lower()
        for hint in ("refused", "name or service not known", "temporary failure in name resolution", "reset", "timed out", "unreachable", "remote end closed"):
            if hint in text:
                return hint
        return type(inner).__name__

    def _status_error(self, resp: requests.Response) -> HTTPStatusError:
        status = resp.status_code
        what = {
            400: "bad request",
            401: "not authorised (check the API key)",
            403: "forbidden (check the API key, or the source is refusing us)",
            404: "not found (check the base URL)",
        }.get(status, "request failed")
        if 300 <= status < 400:
            what = "redirect without a usable Location"
        msg = f"{self.source}: HTTP {status} {what}"
        detail = _body_message(resp)
        if detail:
            msg += f": {detail}"
        # Redacted whole, then cut: a cut first could leave a secret's first characters behind.
        return HTTPStatusError(clip(msg, 240, self.secrets), status)


def _body_message(resp: requests.Response) -> str:
    """The server's own explanation, if the body has one (unredacted, uncut: the caller does both)."""
    try:
        data = json.loads(resp.content)
    except (ValueError, TypeError):
        return ""
    if isinstance(data, dict):
        for k in ("message", "error", "detail", "errors"):
            v = data.get(k)
            if isinstance(v, list) and v:
                v = v[0].get("message", v[0]) if isinstance(v[0], dict) else v[0]
            if isinstance(v, (str, int)) and str(v).strip():
                return str(v)
    return ""


def parse_json(resp: requests.Response, source: str):
    """The body as JSON; a truncated or non-JSON body is Malformed (retried), saying what came."""
    text = resp.text
    try:
        return json.loads(text)
    except ValueError:
        pass
    head = text.lstrip()[:200].lower()
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
    if head.startswith("<!doctype html") or "<html" in head or ctype == "text/html":
        kind = "an HTML page"
    elif not text.strip():
        kind = "an empty body"
    elif text.lstrip().startswith(("{", "[")):
        kind = f"truncated or malformed JSON ({len(text)} bytes)"
    else:
        kind = f"a non-JSON body ({ctype})"
    raise Malformed(f"{source}: expected JSON, got {kind}")
