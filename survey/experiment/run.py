"""The reference experiment as a whole: what to run (``Plan``), split into units, run in one
process or several, and gathered into :class:`~survey.experiment.results.Results`.

``run_experiment`` is the library entry point the CLI calls: for each task and seed it loads
the data, fits the baselines and the neural models (``survey.experiment.train``), and returns
the results with the settings that produced them.
"""

from __future__ import annotations

import functools
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import torch
from threadpoolctl import threadpool_limits

from survey.experiment import data as D
from survey.experiment.user_data import load_user_csv
from survey.experiment.results import Results, RunRecord, environment, now_utc
from survey.experiment.train import EpochCallback, Hyper, fit, hyper_for, majority, tfidf_lr

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
        return load_user_csv(self.path, self.text_col, self.label_col, seed)


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
