"""Typed errors. The CLI turns each into one line on stderr and an exit code."""

from __future__ import annotations


class SurveyError(Exception):
    """Base class for every error survey raises on purpose."""

    exit_code = 1


class BadInput(SurveyError):
    """Input the user can fix: a query file, a corpus, an option value."""

    exit_code = 2


class QueryFileError(BadInput):
    def __init__(self, path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class CorpusFormatError(BadInput):
    pass


class ConfigError(BadInput):
    pass


class UnknownSource(BadInput):
    pass


class SourceError(SurveyError):
    """A source could not answer. Stored as status 'error' with this message."""


class RateLimited(SourceError):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Blocked(SourceError):
    """The source refuses us (captcha, ban): stop sending to it for this run."""


class Unsupported(SourceError):
    """The source cannot express this query faithfully; the message says why."""


class Unreachable(SourceError):
    """The source's host cannot be reached at all (no network, DNS): skip it for this run."""
