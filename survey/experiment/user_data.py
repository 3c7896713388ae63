"""The reference experiment on a user's own labelled data: a CSV with a text and a label column.

It goes through the same preparation as the shipped tweets (normalised, de-duplicated, split
80/10/10 by seed, vocabulary from the training split), so its figures compare with theirs.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from survey.experiment.data import DataError, TaskData, prepare_texts, text_task


def read_user_csv(path: str | Path, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    """Texts and labels from a user's CSV; every problem becomes one DataError line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("latin-1")  # never fails: every byte is a character
    try:
        reader = csv.DictReader(io.StringIO(content, newline=""))
        header = reader.fieldnames
        if not header:
            raise DataError(f"{path}: empty file, expected a header row with '{text_col}' and '{label_col}'")
        for col in (text_col, label_col):
            if col not in header:
                raise DataError(f"{path}: no column '{col}' (columns: {', '.join(header)})")
        texts, labels = [], []
        for line, rec in enumerate(reader, start=2):
            text, label = rec.get(text_col), rec.get(label_col)
            if text is None or label is None:
                raise DataError(f"{path}:{line}: row has fewer fields than the header")
            if text.strip() and label.strip():
                texts.append(text)
                labels.append(label.strip())
    except csv.Error as exc:
        raise DataError(f"{path}: malformed CSV ({exc})") from exc
    if len(set(labels)) < 2:
        raise DataError(f"{path}: column '{label_col}' needs at least 2 distinct labels, found {len(set(labels))}")
    if len(texts) < 20:
        raise DataError(f"{path}: only {len(texts)} labelled rows; need at least 20 for an 80/10/10 split")
    return texts, labels


def load_user_csv(path: str | Path, text_col: str, label_col: str, seed: int) -> TaskData:
    texts, labels = read_user_csv(path, text_col, label_col)
    return text_task(Path(path).stem, prepare_texts(texts, labels), sorted(set(labels)), seed,
                     source=str(path))
