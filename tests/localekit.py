"""A locale whose default file encoding is not UTF-8, for tests of files that must be UTF-8 anyway."""

from __future__ import annotations

import locale
from contextlib import contextmanager

import pytest


@contextmanager
def ascii_locale():
    """The C locale, whose default file encoding is ASCII: a file written or read without naming
    UTF-8 fails on the first non-ASCII character."""
    old = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        if locale.getpreferredencoding(False).lower().replace("-", "") == "utf8":
            pytest.skip("this Python reads and writes files as UTF-8 whatever the locale")
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, old)
