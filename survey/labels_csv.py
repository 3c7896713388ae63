"""Labels in a spreadsheet: a sample written as CSV with a ``relevant`` column, and read back.

``export_csv`` writes one row per sampled record, the ``relevant`` column filled where the
record is labelled already and empty where it is not. ``import_csv`` reads the file back into
the labels store: every row is checked against the sample (same source, query and window;
a record id the sample holds; a value that means yes or no), each bad row is one line naming
the file and line, and the good rows are kept. ``read_files`` reads committed label files for
the report without a labels store, so a fresh clone shows the same precision figures.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from survey.csv_cells import Writer, restore
from survey.errors import BadInput
from survey.labels import Label, LabelStore, Sample, SampleKey, now_text

COLUMNS = ["source", "corpus", "window_from", "window_to", "method", "task", "query",
           "position", "record_id", "year", "doi", "title", "relevant"]
REQUIRED = ["source", "window_from", "window_to", "query", "record_id", "relevant"]
YES = {"1", "y", "yes", "true", "relevant"}
NO = {"0", "n", "no", "false", "not relevant"}
EXPECTED = "1 or 0 (also yes/no, y/n, true/false), or empty to leave the record unlabelled"


def _year(value: str) -> int | None:
    return int(value) if value.strip() else None


def _shown(value: int | None) -> str:
    return "" if value is None else str(value)


def export_csv(sample: Sample, labels: Iterable[Label], path) -> int:
    """Write ``sample`` to ``path``; return the number of rows."""
    verdicts = {label.record_id: label.relevant for label in labels}
    path = Path(path)
    try:
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = Writer(f)
            writer.writerow(COLUMNS)
            for r in sample.records:
                verdict = verdicts.get(r.record_id)
                writer.writerow([
                    sample.key.source, sample.corpus, _shown(sample.key.year_from), _shown(sample.key.year_to),
                    sample.method, sample.task, sample.key.query, r.position + 1, r.record_id, _shown(r.year),
                    r.doi or "", " ".join(r.title.split()), "" if verdict is None else int(verdict),
                ])
    except OSError as exc:
        raise BadInput(f"{path}: cannot write ({exc.strerror or exc})") from None
    return len(sample.records)


# A file of a million bad rows must not print (or hold) a million lines: the first ones, then a count.
SHOWN_ERRORS = 20


@dataclass
class ImportResult:
    imported: int = 0  # rows that became labels
    blank: int = 0  # rows left unlabelled (empty relevant)
    errors: list[str] = field(default_factory=list)  # the first SHOWN_ERRORS refused rows, one line each
    refused: int = 0  # every refused row

    def refuse(self, line: str) -> None:
        self.refused += 1
        if len(self.errors) < SHOWN_ERRORS:
            self.errors.append(line)


@dataclass(frozen=True)
class _Row:
    line: int
    key: SampleKey
    corpus: str
    method: str
    task: str
    record_id: str
    relevant: bool | None  # None: empty


def _rows(path: Path, refuse: Callable[[str], None]) -> list[_Row]:
    """The parseable rows of a label file; each bad row is one line handed to ``refuse``."""
    try:
        f = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None
    out = []
    with f:
        reader = csv.DictReader(f)
        try:
            fieldnames = reader.fieldnames
        except UnicodeDecodeError as exc:
            raise BadInput(f"{path}: not UTF-8 text, as a label file must be ({exc.reason})") from None
        missing = [c for c in REQUIRED if c not in (fieldnames or [])]
        if missing:
            raise BadInput(f"{path}: not a label file: no column {', '.join(missing)} "
                           f"(expected the columns {', '.join(COLUMNS)}, as --export-labels writes them)")
        try:
            for row in reader:
                line = reader.line_num
                row = {k: restore(v) for k, v in row.items()}
                value = (row.get("relevant") or "").strip().lower()
                if value and value not in YES | NO:
                    refuse(f"{path} line {line}: relevant {row['relevant']!r}: expected {EXPECTED}")
                    continue
                try:
                    key = SampleKey(row["source"] or "", row["query"] or "", _year(row["window_from"] or ""),
                                    _year(row["window_to"] or ""))
                except ValueError:
                    refuse(f"{path} line {line}: window_from/window_to must be years or empty, "
                                  f"got {row['window_from']!r}, {row['window_to']!r}")
                    continue
                if not (row["record_id"] or "").strip():
                    refuse(f"{path} line {line}: empty record_id")
                    continue
                out.append(_Row(line, key, row.get("corpus") or "", row.get("method") or "", row.get("task") or "",
                                row["record_id"].strip(), None if not value else value in YES))
        except csv.Error as exc:
            # DictReader.line_num lags on a row that fails to parse; its inner reader has counted that row
            raise BadInput(f"{path} line {reader.reader.line_num}: not readable as CSV ({exc})") from None
        except UnicodeDecodeError as exc:
            # text is decoded in blocks, so the failing line is not known: no line number rather than a wrong one
            raise BadInput(f"{path}: not UTF-8 text, as a label file must be ({exc.reason})") from None
    return out


def import_csv(store: LabelStore, path, sample: Sample) -> ImportResult:
    """Read the labels in ``path`` for ``sample``; keep the good rows, name each bad one."""
    path = Path(path)
    result = ImportResult()
    ids = sample.ids()
    seen: dict[str, int] = {}
    for row in _rows(path, result.refuse):
        if row.key != sample.key:
            result.refuse(
                f"{path} line {row.line}: this row is from the sample of another query or window "
                f"({row.key.source}, {row.method}:{row.task}, years {_shown(row.key.year_from) or '…'}–"
                f"{_shown(row.key.year_to) or 'now'}), not of {sample.label} in {sample.key.source} as queried now")
            continue
        if row.record_id not in ids:
            result.refuse(f"{path} line {row.line}: record id {row.record_id!r} is not in the sample of "
                                 f"{sample.label}; export the sample with --export-labels and fill that file")
            continue
        if row.record_id in seen:
            result.refuse(f"{path} line {row.line}: record id {row.record_id!r} is also on line "
                                 f"{seen[row.record_id]}; give each record once")
            continue
        seen[row.record_id] = row.line
        if row.relevant is None:
            result.blank += 1
            continue
        store.record(sample, row.record_id, row.relevant, origin=f"csv:{path.name}")
        result.imported += 1
    return result


def read_files(paths: Iterable) -> tuple[list[Label], list[str]]:
    """Labels from committed label files (a file, or every ``*.csv`` in a folder), and the problems found."""
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.glob("*.csv")) if p.is_dir() else [p])
    labels, problems = [], []
    for path in files:
        try:
            rows = _rows(path, problems.append)
        except BadInput as exc:
            problems.append(str(exc))
            continue
        when = now_text()
        for row in rows:
            if row.relevant is not None:
                labels.append(Label(row.key.source, row.corpus, row.method, row.task, row.key.query,
                                    row.key.year_from, row.key.year_to, row.record_id, row.relevant, when,
                                    f"csv:{path.name}"))
    return labels, problems
