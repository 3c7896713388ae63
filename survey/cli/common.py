"""What every command shares: the Context, option decorators and output helpers."""

from __future__ import annotations

import sys

import click

from survey.entry import INTERRUPTED
from survey.errors import SurveyError


class Context:
    """What every command needs: settings, output switches. Built once per invocation."""

    def __init__(self, home, config, verbosity: int, progress: bool):
        self._home, self._config = home, config
        self.verbosity = verbosity
        self.progress = progress
        self._settings = None

    @property
    def home(self):
        return self._home

    @property
    def config(self):
        return self._config

    @property
    def settings(self):
        if self._settings is None:
            from survey.config import load_settings

            self._settings = load_settings(self._home, self._config)
        return self._settings

    def store(self):
        from survey.store import Store

        return Store(self.settings.cache_path)

    def echo(self, message: str = "", err: bool = False):
        if self.verbosity >= 0 or err:
            click.echo(message, err=err)


class SurveyGroup(click.Group):
    """Turns survey's typed errors into one line on stderr and the documented exit codes."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SurveyError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            # a command that handles Ctrl-C itself (refresh, corpus import) says what was kept
            click.echo("interrupted", err=True)
            ctx.exit(INTERRUPTED)


pass_context = click.make_pass_decorator(Context)


def query_option(f):
    return click.option("-q", "--query", "query_path", required=True, type=click.Path(dir_okay=False),
                        help="Query definition file (TOML), e.g. queries/lstm_vs_cnn.toml.")(f)


def format_option(*choices, default="table"):
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                        help="Output format.")


def _console():
    """A terminal fits tables to its width; a pipe or file gets wide lines rather than wrapped cells."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200)


class _progress:
    """A rich progress bar on stderr, or nothing with --no-progress."""

    def __init__(self, ctx: Context, total: int | None, label: str):
        self.ctx, self.total, self.label = ctx, total, label
        self.bar = None

    def __enter__(self):
        if not self.ctx.progress or self.total == 0:
            return lambda n=1, total=None: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task(self.label, total=self.total)

        def advance(n: int = 1, total: int | None = None):
            if total is not None:
                self.bar.update(task, total=total, completed=n)
            else:
                self.bar.advance(task, n)

        return advance

    def __exit__(self, *exc):
        if self.bar:
            self.bar.stop()


