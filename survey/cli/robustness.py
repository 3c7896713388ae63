"""`survey robustness`: each task's leader under query variants derived from the query file."""

from __future__ import annotations

import io

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, _console, format_option, pass_context, query_option
from survey.csv_cells import Writer

COLUMNS = ["source", "window", "task", "variant", "method", "count", "share"]


@cli_main.command()
@query_option
@click.option("-s", "--source", "name", required=True, help="The source to count the variants in, e.g. local:acl.")
@click.option("--offline", is_flag=True, help="Count nothing: show what the cache holds for the variants.")
@click.option("--max-age", default="never", show_default=True,
              help="Count a variant's cell again when its cached count is older than this (30d, 12h, never).")
@click.option("--export-counts", "export_path", type=click.Path(dir_okay=False),
              help="Also write the variants' cached counts to FILE (as `survey cache export` does), to commit them.")
@format_option("table", "csv")
@pass_context
def robustness(ctx: Context, query_path, name, offline, max_age, fmt, export_path):
    """Count query variants (each method by one term, exact vs stemmed, tasks without synonyms); show whether each task's leader holds."""
    from survey import api

    rows, verdicts = api.robustness(query_path, name, fetch=not offline, max_age=max_age,
                                    home=ctx.home, config=ctx.config)
    if export_path:
        n = api.export_variant_counts(export_path, query_path, name, home=ctx.home, config=ctx.config)
        click.echo(f"{n} variant counts written to {export_path}", err=True)
    if fmt == "csv":
        out = io.StringIO()
        writer = Writer(out)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.source, r.window, r.task, r.variant, r.method, "" if r.count is None else r.count,
                             "" if r.share is None else f"{r.share:.4f}"])
        click.echo(out.getvalue(), nl=False)
        return
    from rich.table import Table

    from survey.evidence.variants import ALIKE, GROUPS, ONE_METHOD
    from survey.reporting.robustness import changes_cell, group_cell, leader_cell

    variants = list(dict.fromkeys(r.variant for r in rows))
    table = Table("window", "task", "claim as written", ALIKE, ONE_METHOD,
                  "variants that change the claim (their claim and counts)")
    for v in verdicts:
        table.add_row(v.window, v.task, leader_cell(v), *(group_cell(v, g) for g in GROUPS), changes_cell(v))
    console = _console()
    console.print(f"{name}: {len(variants)} variants ({', '.join(variants)})")
    console.print(table)
