"""Observations as CSV: the exchange format of `survey cache export` and `survey cache import`.

Every field of every observation, one row each, so an export read back is the same cache
(the committed counts behind a report travel this way). None is an empty cell.
"""

from __future__ import annotations

import csv
from pathlib import Path

from survey.csv_cells import Writer, restore
from survey.errors import BadInput
from survey.redaction import redact
from survey.observation import FIELDS, STATUSES, Observation, parse_time
from survey.store import StoreError

_INTFIELDS = {"year_from", "year_to", "year", "count"}


def write_observations(path, rows: list[Observation]) -> None:
    """CSV with a header of every field; None is an empty cell (no field uses '' to mean something)."""
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = Writer(fh)
        writer.writerow(FIELDS)
        for o in rows:
            # an error stored before its key was masked (or in another case) leaves masked all the same
            writer.writerow("" if getattr(o, f) is None else redact(o.error) if f == "error" else getattr(o, f)
                            for f in FIELDS)
    tmp.replace(path)


def read_observations(path) -> list[Observation]:
    """The observations of an ``export_csv`` file; a malformed row is an error naming its line."""
    path = Path(path)
    try:
        fh = open(path, newline="", encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror or exc})") from None
    out: list[Observation] = []
    with fh:
        reader = csv.DictReader(fh)
        missing = [f for f in ("source", "query", "status", "fetched_at", "window") if f not in (reader.fieldnames or [])]
        if missing:
            raise BadInput(f"{path}:1: not a survey observations file (no column {', '.join(missing)})")
        for row in reader:
            line = reader.line_num
            try:
                values = {}
                for f in FIELDS:
                    raw = restore(row.get(f))
                    if raw is None or raw == "":
                        values[f] = "" if f in ("corpus", "method", "task") else None
                    elif f in _INTFIELDS:
                        values[f] = int(raw)
                    elif f == "duration_s":
                        values[f] = float(raw)
                    else:
                        values[f] = raw
                if values["status"] not in STATUSES:
                    raise ValueError(f"status {values['status']!r} is not one of {', '.join(STATUSES)}")
                parse_time(values["fetched_at"])
                out.append(Observation(**values))
            except (ValueError, TypeError) as exc:
                raise BadInput(f"{path}:{line}: {exc}") from None
    return out
