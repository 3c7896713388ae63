"""Training and evaluation: seeds, length-bucketed batches, early stopping, metrics, timing.

``run_experiment`` is the library entry point the CLI calls: for each task and seed it
loads the data, fits the baselines and the neural models, and returns a
:class:`~survey.experiment.results.Results`. Reruns on the same machine give identical
numbers: every random draw comes from a generator seeded by the run's seed, and torch runs
deterministic kernels on a fixed number of threads.
"""

from __future__ import annotations

import copy
import functools
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Callable

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch import nn

from survey.experiment import data as D
from survey.experiment.models import (
    Classifier, CNNClassifier, LSTMClassifier, TCNClassifier, cnn_params, matched_hidden,
)
from survey.experiment.results import Results, RunRecord, environment, now_utc

THREADS = 1


@dataclass(frozen=True)
class Hyper:
    """Training settings for one task."""

    embed_dim: int = 64
    batch_size: int = 64
    lr: float = 1e-3
    max_epochs: int = 8
    patience: int = 2  # epochs without a better validation accuracy before stopping
    min_epochs: int = 1  # no early stop before this: long-lag tasks sit at chance for a while first
    models: tuple[str, ...] = ("cnn", "lstm")
    lstm_dropout: float = 0.5
    tcn_channels: int = 32
    tcn_kernel: int = 3


# Sized for a 2-core CPU, where the default suite (3 seeds, all tasks) has to finish in
# 150 s. The embedding is narrow because no pretrained vectors are used. On tweets, lr
# 6e-3 brings both models' best validation epoch to 3-5 (with 3e-3 they crept up until
# epoch 6-8 for the same accuracy), so 5 epochs suffice. Order has 5k sequences, and
# min_epochs keeps early stopping from ending a run during the at-chance plateau that
# precedes learning a long lag (one epoch for seeds 0-2; the LSTM and TCN then reach a
# perfect validation score, which ends their runs, by epoch 2-5).
DEFAULT = {
    "tweets": Hyper(embed_dim=32, batch_size=128, lr=6e-3, max_epochs=5, patience=2),
    "order": Hyper(embed_dim=16, batch_size=64, lr=3e-3, max_epochs=12, patience=2, min_epochs=3,
                   models=("cnn", "lstm", "tcn"), lstm_dropout=0.0, tcn_channels=24),
    "digits": Hyper(embed_dim=0, batch_size=32, lr=3e-3, max_epochs=40, patience=6),
    "user": Hyper(embed_dim=32, batch_size=128, lr=3e-3, max_epochs=10, patience=2),
}


def hyper_for(task: str, mode: str = "default") -> Hyper:
    h = DEFAULT.get(task, DEFAULT["user"])
    if mode == "quick":
        # fewer epochs and less patience: a smoke run for tests, not a result to quote
        epochs = max(2, h.max_epochs // 3)
        h = replace(h, max_epochs=epochs, patience=max(1, h.patience // 2),
                    min_epochs=min(h.min_epochs, epochs))
    return h


# --------------------------------------------------------------------------- setup


def setup_torch(seed: int, threads: int = THREADS) -> None:
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def build_model(kind: str, task: D.TaskData, hyper: Hyper) -> Classifier:
    vocab = len(task.vocab) if task.vocab is not None else None
    embed = hyper.embed_dim if task.vocab is not None else None
    feat = task.feature_dim
    input_dim = embed if embed is not None else feat
    if kind == "cnn":
        return CNNClassifier(task.n_classes, vocab, embed, feat)
    if kind == "lstm":
        hidden = matched_hidden(input_dim, task.n_classes, cnn_params(input_dim, task.n_classes))
        return LSTMClassifier(task.n_classes, hidden, vocab, embed, feat, dropout=hyper.lstm_dropout)
    if kind == "tcn":
        return TCNClassifier(task.n_classes, task.max_len, vocab, embed, feat,
                             channels=hyper.tcn_channels, kernel=hyper.tcn_kernel)
    raise ValueError(f"unknown model '{kind}' (models: cnn, lstm, tcn)")


def optimizer(model: nn.Module, hyper: Hyper) -> torch.optim.Optimizer:
    # fused: one kernel per step instead of several per parameter tensor; a few percent per step on CPU
    return torch.optim.Adam(model.parameters(), lr=hyper.lr, fused=True)


def bucketed_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None,
                     exact: bool = True) -> list[np.ndarray]:
    """Indices grouped by length, shuffled within a length and in batch order when ``rng`` is given.

    ``exact``: every batch holds one length, so no batch carries padding at all; the LSTM
    then skips packing, several times faster on CPU than padding to the longest text, at
    the price of one partial batch per distinct length. Otherwise rows sorted by length are
    cut into full batches, which the masked CNN and the causal TCN read exactly too: about
    15% faster for the CNN on tweets. Without ``rng`` the order is fixed (evaluation).
    """
    if exact:
        groups = [np.flatnonzero(lengths == length) for length in np.unique(lengths)]
        if rng is not None:
            groups = [rng.permutation(rows) for rows in groups]
    else:
        tie = rng.random(len(lengths)) if rng is not None else np.arange(len(lengths))
        groups = [np.lexsort((tie, lengths))]
    batches = [rows[i:i + batch_size] for rows in groups for i in range(0, len(rows), batch_size)]
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def tensors(split: D.Split, idx: np.ndarray, device: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    lengths = split.lengths[idx]
    x = split.x[idx, :int(lengths.max())]  # cut the padding no row in this batch needs
    return (torch.from_numpy(np.ascontiguousarray(x)).to(device),
            torch.from_numpy(lengths).to(device), torch.from_numpy(split.y[idx]).to(device))


# --------------------------------------------------------------------------- metrics


def accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return float((y == pred).mean()) if len(y) else 0.0


def macro_f1(y: np.ndarray, pred: np.ndarray, n_classes: int) -> float:
    """Unweighted mean F1 over the classes present in truth or prediction (as scikit-learn)."""
    scores = []
    for c in range(n_classes):
        tp = int(((pred == c) & (y == c)).sum())
        fp = int(((pred == c) & (y != c)).sum())
        fn = int(((pred != c) & (y == c)).sum())
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


@torch.no_grad()
def predict(model: nn.Module, split: D.Split, batch_size: int, device: str) -> np.ndarray:
    model.eval()
    pred = np.empty(len(split), dtype=np.int64)
    for idx in bucketed_batches(split.lengths, batch_size * 4, None):
        x, lengths, _ = tensors(split, idx, device)
        pred[idx] = model(x, lengths).argmax(dim=1).cpu().numpy()
    return pred


# --------------------------------------------------------------------------- training

EpochCallback = Callable[[int, int, float], None]  # (epoch, max_epochs, val_accuracy)


@dataclass
class Fit:
    accuracy: float
    macro_f1: float
    val_accuracy: float
    best_epoch: int
    epochs: int
    train_seconds: float
    params: int
    params_no_embedding: int


def train_epoch(kind: str, model: nn.Module, opt: torch.optim.Optimizer, split: D.Split, hyper: Hyper,
                rng: np.random.Generator, device: str, max_batches: int | None = None) -> int:
    """One pass of Adam steps over shuffled length-bucketed batches; returns the samples seen."""
    model.train()
    seen = 0
    for idx in bucketed_batches(split.lengths, hyper.batch_size, rng, exact=kind == "lstm")[:max_batches]:
        x, lengths, y = tensors(split, idx, device)
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(model(x, lengths), y).backward()
        opt.step()
        seen += len(idx)
    return seen


def fit(kind: str, task: D.TaskData, hyper: Hyper, seed: int, device: str = "cpu",
        on_epoch: EpochCallback | None = None, threads: int = THREADS) -> Fit:
    """Adam with early stopping on validation accuracy; test scored with the best epoch's weights."""
    setup_torch(seed, threads)
    model = build_model(kind, task, hyper).to(device)
    opt = optimizer(model, hyper)
    rng = np.random.default_rng(seed)
    best_acc, best_epoch, best_state = -1.0, 0, None
    start = time.perf_counter()
    for epoch in range(1, hyper.max_epochs + 1):
        train_epoch(kind, model, opt, task.train, hyper, rng, device)
        val_acc = accuracy(task.val.y, predict(model, task.val, hyper.batch_size, device))
        if val_acc > best_acc:
            best_acc, best_epoch = val_acc, epoch
            best_state = copy.deepcopy(model.state_dict())
        if on_epoch:
            on_epoch(epoch, hyper.max_epochs, val_acc)
        # A perfect validation score cannot be beaten, so it ends the run even before
        # min_epochs (which only guards against stopping on an at-chance plateau).
        if best_acc == 1.0 or (epoch >= hyper.min_epochs and epoch - best_epoch >= hyper.patience):
            if on_epoch and epoch < hyper.max_epochs:
                on_epoch(epoch, epoch, val_acc)  # stopped early: the run's bar ends here
            break
    seconds = time.perf_counter() - start
    model.load_state_dict(best_state)
    pred = predict(model, task.test, hyper.batch_size, device)
    total = model.n_params()
    return Fit(accuracy(task.test.y, pred), macro_f1(task.test.y, pred, task.n_classes), best_acc,
               best_epoch, epoch, seconds, total, total - model.embedding_params())


# --------------------------------------------------------------------------- baselines


def majority(task: D.TaskData) -> tuple[float, float, float]:
    start = time.perf_counter()
    cls = int(np.bincount(task.train.y, minlength=task.n_classes).argmax())
    seconds = time.perf_counter() - start
    pred = np.full(len(task.test), cls)
    return accuracy(task.test.y, pred), macro_f1(task.test.y, pred, task.n_classes), seconds


TFIDF_C = (1.0, 3.0, 10.0, 30.0)


def tfidf_lr(task: D.TaskData, seed: int) -> tuple[float, float, float, float]:
    """TF-IDF over word 1-2 grams, logistic regression with C picked on validation."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    start = time.perf_counter()
    # the same tokens the neural models see, so the comparison is about the model
    vec = TfidfVectorizer(ngram_range=(1, 2), tokenizer=D.tokenize, token_pattern=None,
                          lowercase=False, sublinear_tf=True)
    xtr = vec.fit_transform(task.train.texts)
    xva = vec.transform(task.val.texts)
    # liblinear is ~10x faster than lbfgs on two classes; lbfgs gives a true multinomial model
    solver = "liblinear" if task.n_classes == 2 else "lbfgs"
    best = None
    for c in TFIDF_C:
        clf = LogisticRegression(C=c, solver=solver, max_iter=2000, random_state=seed).fit(xtr, task.train.y)
        acc = accuracy(task.val.y, clf.predict(xva))
        if best is None or acc > best[0]:
            best = (acc, clf)
    seconds = time.perf_counter() - start
    pred = best[1].predict(vec.transform(task.test.texts))
    return accuracy(task.test.y, pred), macro_f1(task.test.y, pred, task.n_classes), best[0], seconds


# --------------------------------------------------------------------------- the experiment

ProgressFactory = Callable[[str, str, int, int], EpochCallback]  # (task, model, seed, max_epochs)


@dataclass(frozen=True)
class BuiltinLoader:
    """Loads a built-in task; a class rather than a lambda so worker processes can receive it."""

    full: bool = False

    def __call__(self, name: str, seed: int) -> D.TaskData:
        return D.load_task(name, seed, full=self.full)


@dataclass(frozen=True)
class UserLoader:
    """Loads the user's labelled CSV (``--data``) for any task name."""

    path: str
    text_col: str
    label_col: str

    def __call__(self, name: str, seed: int) -> D.TaskData:
        return D.load_user_csv(self.path, self.text_col, self.label_col, seed)


@dataclass
class Plan:
    """What to run. ``loader(task, seed)`` returns TaskData (swappable in tests).

    ``jobs`` worker processes each run whole units (one task, seed and model, or the
    task's baselines) on ``threads`` torch threads. On a 2-core CPU two single-thread
    processes beat one two-thread process by about 1.5x, since these small models keep a
    second thread mostly waiting. A unit's numbers depend only on its seed and thread
    count, never on which worker ran it or when.
    """

    tasks: list[str]
    seeds: list[int]
    mode: str = "default"
    device: str = "cpu"
    threads: int = 1
    jobs: int = 1
    hyper: dict[str, Hyper] = field(default_factory=dict)
    loader: Callable[[str, int], D.TaskData] | None = None


BASELINES = "baselines"


@dataclass(frozen=True)
class _Unit:
    task: str
    seed: int
    part: str  # BASELINES or a model kind
    hyper: Hyper
    device: str
    threads: int
    loader: Callable[[str, int], D.TaskData]


def _run_unit(unit: _Unit, progress: ProgressFactory | None) -> tuple[list[RunRecord], dict]:
    """The baselines, or one neural model, of one task and seed, on ``unit.threads`` threads."""
    # torch.set_num_threads leaves numpy's BLAS and OpenMP at one thread per core: two
    # workers fitting TF-IDF at once then ran 2.4x slower than one alone.
    with threadpool_limits(limits=unit.threads):
        return _unit_runs(unit, progress)


@functools.lru_cache(maxsize=4)
def _load(loader: Callable[[str, int], D.TaskData], task: str, seed: int) -> D.TaskData:
    # A task and seed's units mostly run in the same process: load (and read a user's CSV) once.
    return loader(task, seed)


def _unit_runs(unit: _Unit, progress: ProgressFactory | None) -> tuple[list[RunRecord], dict]:
    task = _load(unit.loader, unit.task, unit.seed)
    name, seed = unit.task, unit.seed

    def record(model, kind, acc, f1, seconds, val=None, best_epoch=None, epochs=None, params=None,
               params_no_embedding=None) -> RunRecord:
        return RunRecord(name, model, kind, seed, unit.device, acc, f1, val, best_epoch, epochs, seconds,
                         params, params_no_embedding, len(task.test))

    if unit.part == BASELINES:
        acc, f1, secs = majority(task)
        runs = [record("majority", "baseline", acc, f1, secs)]
        if task.train.texts is not None:
            acc, f1, val, secs = tfidf_lr(task, seed)
            runs.append(record("tfidf_lr", "baseline", acc, f1, secs, val))
        return runs, task.describe()
    cb = progress(name, unit.part, seed, unit.hyper.max_epochs) if progress else None
    r = fit(unit.part, task, unit.hyper, seed, unit.device, cb, unit.threads)
    return [record(unit.part, "neural", r.accuracy, r.macro_f1, r.train_seconds, r.val_accuracy,
                   r.best_epoch, r.epochs, r.params, r.params_no_embedding)], task.describe()


_events = None  # a worker process's queue of progress events, set by _init_worker


def _init_worker(events) -> None:
    global _events
    _events = events


def _queued_progress(task: str, model: str, seed: int, max_epochs: int) -> EpochCallback:
    def on_epoch(epoch: int, total: int, val_acc: float) -> None:
        _events.put((task, model, seed, max_epochs, epoch, total, val_acc))

    return on_epoch


def _run_unit_in_worker(unit: _Unit, with_progress: bool):
    return _run_unit(unit, _queued_progress if with_progress and _events is not None else None)


def _run_parallel(units: list[_Unit], jobs: int, progress: ProgressFactory | None) -> list:
    import multiprocessing
    import queue as queue_mod
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # spawn, not fork: the parent has torch loaded, and forking its thread pools is unsafe
    ctx = multiprocessing.get_context("spawn")
    events = ctx.Queue()
    callbacks: dict[tuple, EpochCallback] = {}

    def drain():
        while True:
            try:
                task, model, seed, max_epochs, epoch, total, val = events.get_nowait()
            except queue_mod.Empty:
                return
            key = (task, model, seed)
            if key not in callbacks:
                callbacks[key] = progress(task, model, seed, max_epochs)
            if callbacks[key] is not None:
                callbacks[key](epoch, total, val)

    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(events,)) as pool:
        futures = [pool.submit(_run_unit_in_worker, u, progress is not None) for u in units]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            if progress:
                drain()
        if progress:
            drain()
        return [f.result() for f in futures]


# Rough training seconds of each unit in the default suite on a 2-core CPU (from
# data/experiments/reference.json). Only the order matters: units start heaviest first, so
# the last to start are short ones and the workers finish together.
_COST = {("tweets", "cnn"): 21, ("tweets", "lstm"): 16, ("order", "tcn"): 11, ("order", "cnn"): 8,
         ("order", "lstm"): 7, ("tweets", BASELINES): 4, ("digits", "cnn"): 4, ("digits", "lstm"): 3}


def _cost(unit: _Unit) -> float:
    if unit.task in D.TASKS:
        return _COST.get((unit.task, unit.part), 0)
    return 4 if unit.part == BASELINES else 20  # a user's texts: sized like tweets


def run_experiment(plan: Plan, progress: ProgressFactory | None = None) -> Results:
    wall, cpu = time.perf_counter(), time.process_time()
    _load.cache_clear()  # a file read by an earlier run in this process may have changed since
    loader = plan.loader or BuiltinLoader(full=plan.mode == "full")
    hypers = {t: plan.hyper.get(t) or hyper_for(t, plan.mode) for t in plan.tasks}
    units = [_Unit(t, s, part, hypers[t], plan.device, plan.threads, loader)
             for t in plan.tasks for s in plan.seeds for part in (BASELINES, *hypers[t].models)]
    jobs = max(1, min(plan.jobs, len(units)))
    if jobs == 1:
        done = [_run_unit(u, progress) for u in units]
    else:
        order = sorted(range(len(units)), key=lambda i: -_cost(units[i]))
        results = _run_parallel([units[i] for i in order], jobs, progress)
        done = [None] * len(units)
        for i, r in zip(order, results):
            done[i] = r
    runs = [r for unit_runs, _ in done for r in unit_runs]
    described: dict[str, dict] = {}
    for unit, (_, description) in zip(units, done):
        described.setdefault(unit.task, description)
    settings = {
        "mode": plan.mode,
        "tasks": list(plan.tasks),
        "seeds": list(plan.seeds),
        "device": plan.device,
        "threads": plan.threads,
        "jobs": jobs,
        "torch": torch.__version__,
        **environment(),
        "hyper": {t: asdict(h) for t, h in hypers.items()},
        "data": described,
    }
    # CPU seconds of this process only: with jobs > 1 the training runs in worker processes.
    settings["cpu_seconds"] = round(time.process_time() - cpu, 1)
    return Results(settings, runs, wall_seconds=time.perf_counter() - wall, created=now_utc())
