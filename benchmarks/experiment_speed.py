"""Training and inference speed of the experiment's models, in samples per second.

    .venv/bin/python benchmarks/experiment_speed.py                 # per task and model
    .venv/bin/python benchmarks/experiment_speed.py --suite         # also time the default suite
    .venv/bin/python benchmarks/experiment_speed.py --threads 2 --batches 30 --task tweets

Training speed is measured over one epoch of length-bucketed training batches (forward,
backward, Adam step), or its first ``--batches``; inference over the whole validation split.
A whole epoch is the fair figure: the first batch of each new length pays a one-off
convolution setup, which a few dozen batches do not amortise. CPU seconds are
printed beside wall seconds: when they differ a lot, other processes shared the cores and
the figures understate the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", choices=("tweets", "order", "digits", "all"), default="all")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--jobs", type=int, default=2, help="worker processes for --suite, as `survey experiment run`")
    p.add_argument("--batches", type=int, default=0, help="training batches timed per model (0: one epoch)")
    p.add_argument("--suite", action="store_true", help="also run the default suite (3 seeds) and print its wall time")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    args = p.parse_args(argv)

    import numpy as np
    import torch

    from survey.experiment import data as D
    from survey.experiment import run as X
    from survey.experiment import train as T

    tasks = list(D.TASKS) if args.task == "all" else [args.task]
    print(f"torch {torch.__version__}, device {args.device}, {args.threads} thread(s)")
    print(f"{'task':<8} {'model':<6} {'train samples/s':>16} {'infer samples/s':>16} {'wall s':>7} {'cpu s':>7}")
    for name in tasks:
        task = D.load_task(name, seed=0)
        hyper = T.hyper_for(name)
        for kind in hyper.models:
            T.setup_torch(0, args.threads)
            model = T.build_model(kind, task, hyper).to(args.device)
            opt = T.optimizer(model, hyper)
            wall, cpu = time.perf_counter(), time.process_time()
            seen = T.train_epoch(kind, model, opt, task.train, hyper, np.random.default_rng(0), args.device,
                                 max_batches=args.batches or None)
            train_wall, train_cpu = time.perf_counter() - wall, time.process_time() - cpu
            wall = time.perf_counter()
            T.predict(model, task.val, hyper.batch_size, args.device)
            infer = len(task.val) / (time.perf_counter() - wall)
            print(f"{name:<8} {kind:<6} {seen / train_wall:>16,.0f} {infer:>16,.0f} {train_wall:>7.1f} {train_cpu:>7.1f}",
                  flush=True)

    if args.suite:
        from survey.experiment.results import save

        plan = X.Plan(tasks=list(D.TASKS), seeds=[0, 1, 2], device=args.device, threads=args.threads,
                      jobs=args.jobs)
        wall, cpu = time.perf_counter(), time.process_time()
        results = X.run_experiment(plan)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        with tempfile.TemporaryDirectory() as tmp:
            save(results, Path(tmp) / "suite.json")  # proves the run yields a valid file; not kept
        print(f"default suite (3 seeds, tweets+order+digits, {args.jobs} jobs x {args.threads} thread(s)): "
              f"{wall:.1f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
