"""What every web source shares: settings (base URL, key, rate, concurrency) and query walking.

Each concrete source only says how its provider spells a query and where the count lives.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from survey.config import env_name
from survey.errors import ConfigError, SourceError, Unsupported
from survey.http import Http, RetryPolicy
from survey.sources.base import Source


class OnlineSource(Source):
    default_url: str = ""
    burst: float | None = None  # None: one second's worth of the rate
    retry: RetryPolicy = RetryPolicy()

    def __init__(
        self,
        *,
        base_url: str | None = None,
        key: str | None = None,
        rate: float | None = None,
        concurrency: int | None = None,
        mailto: str | None = None,
        http: Http | None = None,
        today: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        **http_options,
    ):
        self.base_url = (base_url or self.default_url).rstrip("/")
        self.key = key or None
        self.mailto = mailto
        self.rate_limit = rate if rate is not None else type(self).rate_limit
        self.concurrency = int(concurrency or type(self).concurrency)
        self.today = today
        self.http = http or Http(
            self.name,
            self.base_url,
            rate=self.rate_limit,
            burst=self.burst,
            retry=self.retry,
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


def require_exact(atom, source) -> None:
    """Refuse an exact term where the provider stems every term and has no way to stop it."""
    caps = source.capabilities
    if getattr(atom, "exact", False) and caps.stemming and not caps.exact:
        raise Unsupported(
            f"{source.name} stems every term and has no unstemmed search, so exact term {atom.text!r} "
            "cannot be matched as written"
        )


def hit_count(value, source: str, where: str) -> int:
    """A provider's total as a non-negative int; some send it as a string (dblp's "@total")."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if value is None:
        raise SourceError(f"{source}: answer has no {where}")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SourceError(f"{source}: {where} is not a count ({str(value)[:20]!r})")
    return value
