"""What every web source shares: settings (base URL, key, rate, concurrency) and query walking.

Each concrete source only says how its provider spells a query and where the count lives.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from survey.config import env_name
from survey.errors import ConfigError, SourceError, Unsupported
from survey.http import Http, RetryPolicy
from survey.pace import machine_dir, server_key
from survey.redaction import MIN_SECRET_LENGTH, clip
from survey.sources.base import Source

MAX_COUNT = 2**53  # beyond any bibliographic index, and the largest integer a JSON number keeps exactly
_DIGITS = re.compile(r"[0-9]+")


class OnlineSource(Source):
    default_url: str = ""
    retry: RetryPolicy = RetryPolicy()

    def __init__(
        self,
        *,
        base_url: str | None = None,
        key: str | None = None,
        rate: float | None = None,
        concurrency: int | None = None,
        mailto: str | None = None,
        pace_dir: Path | str | None = None,
        retry: RetryPolicy | None = None,
        http: Http | None = None,
        today: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        **http_options,
    ):
        self.base_url = (base_url or self.default_url).rstrip("/")
        self.key = key or None
        if self.key and len(self.key) < MIN_SECRET_LENGTH:
            # A key this short could not be told apart from ordinary text when masking it.
            raise ConfigError(
                f"{env_name(self.name, 'key')} has {len(self.key)} character{'s' if len(self.key) > 1 else ''}; "
                f"an API key has at least {MIN_SECRET_LENGTH} (is the whole key set?)"
            )
        self.mailto = mailto
        self.rate_limit = rate if rate is not None else type(self).rate_limit
        self.concurrency = int(concurrency or type(self).concurrency)
        self.today = today
        self.http = http or Http(
            self.name,
            self.base_url,
            rate=self.rate_limit,
            pace_file=pace_file(pace_dir, self.name, self.base_url) if pace_dir else None,
            retry=retry or self.retry,
            secrets=[self.key],
            mailto=mailto,
            **http_options,
        )

    @classmethod
    def settings_kwargs(cls, settings) -> dict:
        """Constructor arguments from flags/env/config (SURVEY_<NAME>_URL/_KEY/_RPS/_CONCURRENCY)."""
        raw_conc = settings.source_setting(cls.name, "concurrency")
        concurrency = None
        if raw_conc is not None:
            try:
                concurrency = int(raw_conc)
            except ValueError:
                concurrency = 0
            if concurrency < 1:
                raise ConfigError(f"{cls.name} concurrency={raw_conc!r}: expected a whole number >= 1")
        return dict(
            base_url=settings.source_setting(cls.name, "url"),
            key=settings.source_setting(cls.name, "key"),
            rate=settings.source_float(cls.name, "rps", None),
            concurrency=concurrency,
            mailto=settings.mailto,
            pace_dir=machine_dir(settings.env),
        )

    @classmethod
    def from_settings(cls, settings):
        return cls(**cls.settings_kwargs(settings))

    def configured(self) -> tuple[bool, str]:
        if self.needs_key and not self.key:
            return False, f"needs an API key: set {env_name(self.name, 'key')}"
        return True, "ok"

    def require_key(self) -> None:
        """Fail before sending a request the provider would refuse without a key."""
        if self.needs_key and not self.key:
            raise SourceError(f"{self.name}: no API key; set {env_name(self.name, 'key')}")

    def this_year(self) -> int:
        return self.today().year

    def span(self, start: int | None, end: int | None) -> tuple[int | None, int | None]:
        """The years actually asked for. One rule for every source: a window that starts somewhere
        and names no end ends with the current year (so works dated in the future are left out
        everywhere alike); a window with no bounds at all is sent with no date filter."""
        if start is not None and end is None:
            return start, self.this_year()
        return start, end

    # -------------------------------------------------------------- year totals

    # Where a source counts all of a year's works with a date-only request (its ``_params`` with no
    # query) to this path, read by its ``_total``; None: it cannot.
    totals_path: str | None = None

    def totals_query(self, start: int, end: int) -> str:
        if self.totals_path is None:
            return super().totals_query(start, end)
        return self.http.public_url(self.totals_path, self._params(None, start, end))

    def year_total(self, year: int) -> int:
        if self.totals_path is None:
            raise Unsupported(f"{self.name} cannot count all of its works per year")
        return self._total(self._params(None, year, year))

    def year_totals(self, start: int, end: int) -> dict[int, int]:
        """Every work per year, one date-only request per year (``totals_query(year, year)``);
        Unsupported, before any request, where the source has no such query (the first
        ``year_total`` refuses before it sends)."""
        return {year: self.year_total(year) for year in range(start, end + 1)}

    def close(self) -> None:
        self.http.close()

    def cancel(self) -> None:
        """Abandon waits in flight; refresh calls it on Ctrl-C."""
        self.http.cancel()


def require_plain(text: str, source: str, forbidden: str) -> None:
    """Refuse a term carrying characters the provider's syntax would read as operators."""
    bad = sorted({ch for ch in text if ch in forbidden})
    if bad:
        raise Unsupported(f"{source} cannot search {text!r}: {' '.join(bad)} is query syntax there")


def require_fields(query, source) -> None:
    """Refuse a query restricted to fewer fields (titles only) than the provider lets us ask for."""
    if query.field and not source.capabilities.title_only:
        raise Unsupported(f"{source.name} cannot restrict a search to {query.field}s, so a {query.field}-only "
                          "count is not expressible there")


def require_exact(atom, source) -> None:
    """Refuse an exact term where the provider stems every term and has no way to stop it."""
    caps = source.capabilities
    if atom.exact and caps.stemming and not caps.exact:
        raise Unsupported(
            f"{source.name} stems every term and has no unstemmed search, so exact term {atom.text!r} "
            "cannot be matched as written"
        )


def pace_file(directory: Path | str, source: str, base_url: str) -> Path:
    """One pace file per source and server (``server_key``), shared by every survey process of
    this user on the machine."""
    digest = hashlib.sha1(server_key(base_url).encode("utf-8")).hexdigest()[:10]
    return Path(directory) / f"{source}-{digest}.json"


def hit_count(value, source: str, where: str) -> int:
    """A provider's total as an int in 0..2**53; some send it as a string of ASCII digits
    (dblp's "@total"). Anything else (other digits, a float, a sign, 10**30) is not a count."""
    if value is None:
        raise SourceError(f"{source}: answer has no {where}")
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        shown = clip(repr(value), 30)
        raise SourceError(f"{source}: {where} is not a count in 0..2**53 written in ASCII digits ({shown})")
    return value
