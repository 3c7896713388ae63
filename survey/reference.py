"""The published numbers of the 2016 study, read from data/reference/ with their provenance."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from survey.matrix import Window

REFERENCE_FILE = "lstm_vs_cnn_2016.toml"


def reference_dir() -> Path:
    # In a wheel the data sits inside the package; in a checkout it sits at the repo root.
    packaged = Path(__file__).resolve().parent / "data" / "reference"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[1] / "data" / "reference"


@dataclass(frozen=True)
class ReferenceTable:
    study: str
    source: str
    source_label: str
    window: Window
    note: str
    counts: dict[str, dict[str, int]]
    unplaced: dict[str, list[int]] = field(default_factory=dict)
    unplaced_columns: list[str] = field(default_factory=list)
    year: int | None = None  # when the study was published: labels its rows

    @property
    def label(self) -> str:
        return str(self.year) if self.year else "published"

    def count(self, method: str, task: str) -> int | None:
        return self.counts.get(method, {}).get(task)


def load_reference(path: Path | None = None) -> list[ReferenceTable]:
    path = path or reference_dir() / REFERENCE_FILE
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    tables = []
    for t in doc["tables"]:
        unplaced = dict(t.get("unplaced", {}))
        columns = unplaced.pop("columns", [])
        tables.append(
            ReferenceTable(
                study=doc["study"],
                source=t["source"],
                source_label=t["source_label"],
                window=Window(t["window"], t.get("from"), t.get("to")),
                note=" ".join(t.get("note", "").split()),
                counts={m: dict(v) for m, v in t["counts"].items()},
                unplaced={m: list(v) for m, v in unplaced.items()},
                unplaced_columns=list(columns),
                year=doc.get("year"),
            )
        )
    return tables
