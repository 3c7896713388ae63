"""`survey report` and `survey audit`."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, pass_context, query_option
from survey.errors import BadInput, SurveyError
from survey.matrix import load_matrix

def _report_command(query_path, out_path: Path, names, preface, online_samples, experiment=None) -> str:
    """The command line shown at the top of the report: relative paths only, no --home."""
    from survey.report.render import shown_path

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
@pass_context
def report(ctx: Context, query_path, out, names, preface, online_samples, experiment):
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
        query_path, out_path, sources=list(names) or None, preface=text, experiment=experiment,
        command=_report_command(query_path, out_path, names, preface, online_samples, experiment),
        online_samples=online_samples, home=ctx.home, config=ctx.config,
    )
    ctx.echo(f"{len(result.figures)} figures; queries in {result.plan_csv}; {result.seconds:.1f} s", err=True)
    if result.not_fetched:
        ctx.echo(f"not fetched yet: {', '.join(result.not_fetched)} (the report says how to fetch them)", err=True)
    click.echo(str(result.path))


@cli_main.command()
@query_option
@click.option("-s", "--source", "name", required=True, help="A source that returns records, e.g. local:acl.")
@click.option("--cell", "cell_label", required=True, help="METHOD:TASK, e.g. CNN:total.")
@click.option("-n", "n", type=click.IntRange(1, 1000), default=20, show_default=True, help="Records to sample.")
@click.option("--window", "window_name", help="Window by name (default: the query file's first).")
@pass_context
def audit(ctx: Context, query_path, name, cell_label, n, window_name):
    """Print a sample of the records one cell matched, to judge its precision."""
    from survey.report.audit import record_line, sample_cell, supports_records
    from survey.sources import make_source, source_names

    matrix = load_matrix(query_path)
    method, sep, task = cell_label.partition(":")
    if not sep or not method.strip() or not task.strip():
        raise BadInput(f"--cell {cell_label!r}: expected METHOD:TASK, e.g. {matrix.cells[0].label}")
    cell = matrix.cell(method.strip(), task.strip())
    window = matrix.window(window_name) if window_name else matrix.windows[0]
    source = make_source(name, ctx.settings)
    try:
        if not supports_records(source):
            able = []
            for other in source_names(ctx.settings):
                try:
                    s = make_source(other, ctx.settings)
                except SurveyError:
                    continue
                if supports_records(s):
                    able.append(other)
                s.close()
            raise BadInput(f"{name} returns counts, not records; sources that return records: "
                           f"{', '.join(able) or 'none configured (import a corpus: survey corpus import PATH)'}")
        sample = sample_cell(source, cell, window, n)
        query = source.compile(cell.query, window.start, window.end)
    finally:
        source.close()
    click.echo(f"{cell.label} in {name}, {window.name} ({window.span}): "
               f"{len(sample.records)} of {sample.matched} matched records")
    click.echo(f"query: {query}")
    for record in sample.records:
        click.echo(record_line(record))

