"""`survey report`."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, pass_context, query_option
from survey.errors import BadInput

DEFAULT_LABELS = Path("data") / "labels"

def _report_command(query_path, out_path: Path, names, preface, online_samples, experiment=None) -> str:
    """The command line shown at the top of the report: relative paths only, no --home."""
    from survey.reporting.render import shown_path

    parts = ["survey report", f"-q {shown_path(query_path)}", f"-o {shown_path(out_path)}"]
    parts += [f"-s {n}" for n in names]
    if preface:
        parts.append(f"--preface {shown_path(preface)}")
    if experiment:
        parts.append(f"--experiment {shown_path(experiment)}")
    if online_samples:
        parts.append("--online-samples")
    return " ".join(parts)


@cli_main.command()
@query_option
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None,
              help="Report file (default: reports/<query file name>.md); figures go to figures/ beside it.")
@click.option("-s", "--source", "names", multiple=True,
              help="Only these sources (repeatable; default: every source cached or configured).")
@click.option("--preface", type=click.Path(dir_okay=False),
              help="A Markdown file placed under the title, e.g. the attribution a corpus requires.")
@click.option("--experiment", type=click.Path(dir_okay=False, exists=True),
              help="Experiment results (JSON) to show; default: the file the query file names, if any.")
@click.option("--online-samples", is_flag=True,
              help="Also sample matched records from online sources for the precision audit (sends requests).")
@click.option("--labels", "label_paths", multiple=True, type=click.Path(exists=True),
              help="Committed precision labels: a CSV (as `survey audit --export-labels` writes it) or a folder "
                   "of them (repeatable; default: data/labels if there is one).")
@pass_context
def report(ctx: Context, query_path, out, names, preface, online_samples, experiment, label_paths):
    """Write the Markdown report with figures from the cache; print its path."""
    from survey import api

    text = None
    if preface:
        try:
            text = Path(preface).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"--preface {preface}: cannot read: {exc}") from None
    out_path = Path(out) if out else Path("reports") / f"{Path(query_path).stem}.md"
    result = api.report(
        query_path, names, output=out_path, preface=text, experiment=experiment,
        command=_report_command(query_path, out_path, names, preface, online_samples, experiment),
        online_samples=online_samples, home=ctx.home, config=ctx.config,
        labels=list(label_paths) or ([DEFAULT_LABELS] if DEFAULT_LABELS.is_dir() else []),
    )
    ctx.echo(f"{len(result.figures)} figures; queries in {result.plan_csv}; {result.seconds:.1f} s", err=True)
    if result.not_fetched:
        ctx.echo(f"not fetched yet: {', '.join(result.not_fetched)} (the report says how to fetch them)", err=True)
    click.echo(str(result.path))
