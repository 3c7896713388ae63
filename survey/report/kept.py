"""What the report reads from a local corpus itself, kept beside the report for checkouts without it.

Counts travel in the cache (and the committed cache export); a few parts of the report read the
corpus directly instead: the precision audit's sample titles, how many records match two methods,
and where the corpus was imported from. ``<stem>.corpus.json`` keeps those, each under the source,
corpus identity and query (or window) it came from, so a checkout without the corpus renders the
same report, and a different corpus never borrows another's.
"""

from __future__ import annotations

import json
from pathlib import Path

KINDS = ("samples", "shared", "imports")


def path(ctx) -> Path:
    return ctx.out_path.with_name(f"{ctx.stem}.corpus.json")


def _store(ctx) -> dict:
    """``{kind: {key: value}}``: what the last report kept (read once), and what this one keeps."""
    if not hasattr(ctx, "_kept"):
        previous = {kind: {} for kind in KINDS}
        try:
            doc = json.loads(path(ctx).read_text(encoding="utf-8"))
            for kind in KINDS:
                previous[kind] = {json.dumps(entry["key"]): entry["value"] for entry in doc.get(kind, [])}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        ctx._kept = {"previous": previous, "now": {kind: {} for kind in KINDS}}
    return ctx._kept


def recall(ctx, kind: str, key: list):
    """The value the last report kept under ``key``, or None."""
    return _store(ctx)["previous"][kind].get(json.dumps(key))


def keep(ctx, kind: str, key: list, value) -> None:
    _store(ctx)["now"][kind][json.dumps(key)] = value


def save(ctx) -> Path | None:
    """Write what this report kept; nothing (and no file) where it read no corpus directly."""
    now = _store(ctx)["now"]
    if not any(now.values()):
        return None
    doc = {"note": "Read from local corpora by the report; reused where a corpus is not on the machine."}
    for kind in KINDS:
        doc[kind] = [{"key": json.loads(k), "value": v} for k, v in now[kind].items()]
    target = path(ctx)
    target.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
