"""Small corpora written for tests: records as a JSON Lines file, the format every import reads."""

from __future__ import annotations

import json
from pathlib import Path


def write_jsonl(path: Path, records) -> Path:
    """``records`` (dicts) written one JSON object a line to ``path``, which is returned."""
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
