"""The `survey` command: parse, call the library, print. No logic a notebook would need.

One module per command group; pandas, matplotlib and torch are imported inside the commands
that use them, so that `survey --help` stays fast.
"""

from __future__ import annotations

import sys

import click

from survey import __version__
from survey.cli.common import Context, SurveyGroup


def __getattr__(name: str):
    # parse_max_age is public here (tests and scripts), but `survey --help` must not import the API for it.
    if name == "parse_max_age":
        from survey.api import parse_max_age

        return parse_max_age
    raise AttributeError(f"module 'survey.cli' has no attribute {name!r}")


@click.group(cls=SurveyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="survey")
@click.option("--home", type=click.Path(file_okay=False), envvar="SURVEY_HOME",
              help="Root for state: DIR/cache.sqlite and DIR/corpora/. Env SURVEY_HOME.")
@click.option("--config", type=click.Path(dir_okay=False), envvar="SURVEY_CONFIG",
              help="Config file (TOML). Env SURVEY_CONFIG.")
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and results.")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
@click.pass_context
def main(ctx, home, config, verbose, quiet, no_progress):
    """Count which method the literature uses for which task, per source and year."""
    import logging  # here, not at the top: `survey --help` never gets this far

    verbosity = -1 if quiet else verbose
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = Context(home, config, verbosity, progress=not no_progress and not quiet)


from survey.cli import audit, cache, corpus, counts, evidence, init, records, replay, report, robustness, sources  # noqa: E402,F401  (registers the commands)
from survey.experiment.cli import experiment  # noqa: E402

main.add_command(experiment)
