"""What every public call shares: settings, the sources argument, the query file, the store.

Kept apart from :mod:`survey.api` so that its two halves (``survey.api`` and ``survey.api_evidence``,
``survey.api_records``) import these one way, with no circle between them.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from survey.errors import BadInput
from survey.matrix import Matrix
from survey.query_file import load_matrix

if TYPE_CHECKING:
    from survey.store import Store

Pathish = str | os.PathLike


def load_settings(home: Pathish | None = None, config: Pathish | None = None):
    """The settings; every configured key is registered as a secret, so a count stored before it
    was masked (an older survey, another letter case) is masked when shown or exported too."""
    from survey.config import load_settings as load
    from survey.redaction import register_secret

    settings = load(home, config)
    for name, value in settings.env.items():
        if name.startswith("SURVEY_") and name.endswith("_KEY"):
            register_secret(value)
    for table in settings.file.get("sources", {}).values():
        if isinstance(table, dict) and isinstance(table.get("key"), str):
            register_secret(table["key"])
    return settings


def source_list(sources: str | Iterable[str] | None) -> list[str] | None:
    """``sources`` as a list of names, None where none is named. A string is one name: iterating
    it would give its letters ("unknown source 'l'")."""
    if sources is None:
        return None
    names = [sources] if isinstance(sources, str) else list(sources)
    for n in names:
        if not isinstance(n, str):
            raise BadInput(f"sources: expected a source name or a list of names (see `survey sources`), got {n!r}")
    return names or None


def one_source(sources: str | Iterable[str] | None, what: str) -> str:
    """The one source name of ``sources`` (a name, or a list of one), for the calls that read one source."""
    names = source_list(sources) or []
    if len(names) != 1:
        got = f"{len(names)} ({', '.join(names)})" if names else "none"
        raise BadInput(f"{what} needs exactly one source (-s NAME, or sources=\"NAME\"); got {got}")
    return names[0]


def _matrix(query: Pathish | Matrix) -> Matrix:
    return query if isinstance(query, Matrix) else load_matrix(query)


def _store(settings) -> "Store":
    """The count cache; read-only by itself where it cannot be written (reading commands still work)."""
    from survey.store import Store

    return Store(settings.cache_path)


def parse_max_age(value: str | timedelta | None) -> timedelta | None:
    """'30d', '12h', '90m', '45s', '0' (always refetch) or 'never' (cached forever)."""
    import re

    if value is None or isinstance(value, timedelta):
        return value
    text = str(value).strip().lower()
    if text in ("never", "inf", "forever"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([dhms]?)", text)
    if not m:
        raise BadInput(f"--max-age {value!r}: expected a number with a unit d, h, m or s (e.g. 30d), or 'never'")
    number, unit = float(m.group(1)), m.group(2) or "d"
    return timedelta(**{{"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}[unit]: number})


def _check_writable(out_path: Path) -> None:
    """Fail before any work where the report cannot be written, naming the path."""
    if out_path.exists() and out_path.is_dir():
        raise BadInput(f"{out_path}: is a directory; give a file name such as {out_path / 'report.md'}")
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        probe = out_path.with_name(f".{out_path.name}.probe")
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BadInput(f"{out_path}: cannot write the report there ({exc.strerror or exc}); choose another -o") from None


# ---------------------------------------------------------------- plan and refresh
