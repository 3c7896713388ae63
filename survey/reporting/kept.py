"""What the report reads from a local corpus itself, kept beside the report for checkouts without it.

Counts travel in the cache (and the committed cache export); a few parts of the report read the
corpus directly instead: the precision audit's sample titles, how many records match two methods,
where the corpus was imported from, the contexts of its terms, and the last year its import
called complete. ``<stem>.corpus.json`` keeps those, each under the source,
corpus identity and query (or window) it came from, so a checkout without the corpus renders the
same report, and a different corpus never borrows another's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

KINDS = ("samples", "shared", "imports", "senses", "complete")


class Kept:
    def __init__(self, path: Path):
        self.path = path
        self.previous: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self.now: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            for kind in KINDS:
                self.previous[kind] = {json.dumps(e["key"]): e["value"] for e in doc.get(kind, [])}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no file (or not ours): nothing to recall

    def from_corpus(self, kind: str, key: list, here: bool, compute: Callable[[], Any], *, stable: bool = False):
        """``compute()`` where the corpus is here, else what the last report kept under ``key``
        (None: nothing); either way kept for the next report. ``compute`` may raise. ``stable``:
        what was kept wins even where the corpus is here (a fact of the content the key names,
        such as its first import, that a re-import of the same records must not rewrite)."""
        k = json.dumps(key)
        kept = self.previous[kind].get(k)
        value = kept if kept is not None and (stable or not here) else (compute() if here else None)
        if value is not None:
            self.now[kind][k] = value
        return value

    def from_source(self, kind: str, key: list, identity: str | None, compute: Callable[[], Any]):
        """``from_corpus`` for a source with this ``identity`` (``Source.identity()``): an online
        source ("") is asked each time and nothing of it is kept, since the file is for corpora."""
        if identity == "":
            return compute()
        return self.from_corpus(kind, key, identity is not None, compute)

    def save(self) -> Path | None:
        """Write what this report kept; nothing (and no file) where it read no corpus directly."""
        if not any(self.now.values()):
            return None
        doc = {"note": "Read from local corpora by the report; reused where a corpus is not on the machine."}
        for kind in KINDS:
            doc[kind] = [{"key": json.loads(k), "value": v} for k, v in self.now[kind].items()]
        self.path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return self.path
