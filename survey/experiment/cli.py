"""`survey experiment run`: parse options, call the library, print.

Only click and the standard library are imported at module level: torch, numpy, rich and
scikit-learn load inside the command, so `survey --help` stays fast and works without
the experiment extra.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

INSTALL_HINT = "pip install -e '.[experiment]'"
TASK_CHOICES = ("tweets", "order", "digits", "all")


def _fail(message: str) -> None:
    # survey's root group does this for SurveyError; the group here may run on its own (tests)
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _need_experiment_extra() -> None:
    for name in ("numpy", "sklearn", "torch"):
        try:
            __import__(name)
        except ImportError as exc:
            _fail(f"survey experiment needs {exc.name}: {INSTALL_HINT}")


class _Bars:
    """A rich progress bar per run: task, model, seed, epoch, validation accuracy."""

    def __init__(self, enabled: bool):
        self.progress = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("epoch"),
                MofNCompleteColumn(), TextColumn("val acc {task.fields[val]}"), TimeElapsedColumn(),
                console=Console(stderr=True),
            )

    def __enter__(self):
        if self.progress:
            self.progress.start()
        return self

    def __exit__(self, *exc):
        if self.progress:
            self.progress.stop()

    def factory(self, task: str, model: str, seed: int, max_epochs: int):
        if not self.progress:
            return None
        bar = self.progress.add_task(f"{task:<8} {model:<5} seed {seed}", total=max_epochs, val="-")

        def on_epoch(epoch: int, total: int, val_acc: float) -> None:
            # total drops below max_epochs when early stopping ends the run
            self.progress.update(bar, completed=epoch, total=total, val=f"{100 * val_acc:5.1f}")

        return on_epoch


def _output_path(root, output: Path | None, force: bool, merge: bool) -> Path:
    """-o as given (an existing file only with --force or --merge), else a new file in the state folder.

    The committed reference results are regenerated on purpose (`make experiment`), never by a
    plain run that happened to use the default name.
    """
    from datetime import datetime, timezone

    if output is not None:
        if output.exists() and not (force or merge):
            _fail(f"{output} exists; add --force to overwrite it, --merge to add runs from another device, "
                  "or name another file with -o")
        return output
    settings = getattr(root, "settings", None)
    if settings is None:
        from survey.config import load_settings

        settings = load_settings()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return Path(settings.home) / "experiments" / f"run-{stamp}.json"


def _print_summary(doc: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="test set, mean ± std over seeds", title_justify="left")
    for col in ("task", "model", "device", "seeds", "acc %", "macro-F1 %", "train s", "params", "w/o emb."):
        table.add_column(col, justify="left" if col in ("task", "model", "device") else "right", no_wrap=True)
    for row in doc["summary"]:
        table.add_row(
            row["task"], row["model"], row["device"], str(row["n_seeds"]),
            f"{100 * row['accuracy_mean']:.1f} ± {100 * row['accuracy_std']:.1f}",
            f"{100 * row['macro_f1_mean']:.1f} ± {100 * row['macro_f1_std']:.1f}",
            f"{row['train_seconds_mean']:.1f}",
            "-" if row["params"] is None else f"{row['params']:,}",
            "-" if row["params_no_embedding"] is None else f"{row['params_no_embedding']:,}",
        )
    Console(width=120).print(table)


@click.group()
def experiment():
    """The reference experiment: LSTM vs CNN on tweets, a long-lag task and digits."""


@experiment.command("run")
@click.option("--task", type=click.Choice(TASK_CHOICES), default="all", show_default=True,
              help="Which task to run; 'all' is tweets, order and digits.")
@click.option("--seeds", type=click.IntRange(min=1), default=None,
              help="Number of seeds (0..N-1). Default 3, or 1 with --quick.")
@click.option("--quick", "mode", flag_value="quick", help="1 seed, fewer epochs: a smoke run.")
@click.option("--full", "mode", flag_value="full", help="Tweets with all three classes (negative, neutral, positive).")
@click.option("--device", type=click.Choice(("cpu", "cuda")), default="cpu", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Results JSON to write (default: a new file under the state folder's experiments/).")
@click.option("--force", is_flag=True, help="Overwrite an existing -o file.")
@click.option("--merge", is_flag=True,
              help="Keep the output file's runs from other devices (add a GPU run beside the CPU one).")
@click.option("--data", "data_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your own labelled texts (CSV) instead of the built-in tasks.")
@click.option("--text-col", default="text", show_default=True, help="Text column of --data.")
@click.option("--label-col", default="label", show_default=True, help="Label column of --data.")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker processes, each training whole (task, seed) units; 1 with --device cuda.")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="torch CPU threads per worker. Numbers are reproducible for a given thread count.")
@click.option("--progress/--no-progress", default=True, help="Progress bars on stderr.")
def run(task, seeds, mode, device, output, force, merge, data_file, text_col, label_col, jobs, threads, progress):
    """Train the baselines, CNN and LSTM (and TCN on order) per task and seed; write results JSON."""
    mode = mode or "default"
    # `survey --no-progress` sets it on the root context's object; read it without importing survey.cli
    root = click.get_current_context().find_root().obj
    progress = progress and getattr(root, "progress", True)
    _need_experiment_extra()
    from survey.errors import BadInput
    from survey.experiment import data as D
    from survey.experiment import results as R
    from survey.experiment import run as X
    from survey.experiment import train as T
    from survey.experiment.user_data import read_user_csv

    n_seeds = seeds or (1 if mode == "quick" else 3)
    output = _output_path(root, output, force, merge)
    try:
        if device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise BadInput("--device cuda: torch sees no CUDA device (use --device cpu)")
        plan = X.Plan(tasks=list(D.TASKS) if task == "all" else [task], seeds=list(range(n_seeds)), mode=mode,
                      device=device, threads=threads, jobs=1 if device == "cuda" else jobs)
        if data_file is not None:
            read_user_csv(data_file, text_col, label_col)  # fail fast, before any training
            name = data_file.stem
            plan.tasks = [name]
            # "user" settings even when the file is named like a built-in task
            plan.hyper = {name: T.hyper_for("user", mode)}
            plan.loader = X.UserLoader(str(data_file), text_col, label_col)
        previous = R.load_results(output) if merge and output.exists() else None  # fail fast too
        with _Bars(progress) as bars:
            results = X.run_experiment(plan, bars.factory)
        if previous is not None:
            results.merge_other_devices(previous)
        path = R.save(results, output)
    except BadInput as exc:  # ResultsFormatError and DataError included
        _fail(str(exc))
    doc = results.to_dict()  # what save wrote
    _print_summary(doc)
    click.echo(f"wrote {path} ({len(doc['runs'])} runs, {doc['wall_seconds']:.0f} s wall)")


if __name__ == "__main__":
    experiment()
