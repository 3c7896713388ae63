"""`survey senses` and `survey matches`: the contexts and the records behind one cell's count in a local corpus."""

from __future__ import annotations

import io

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, format_option, pass_context, query_option

_SOURCE_HELP = "A local corpus, e.g. local:acl (only a corpus has its matched records at hand)."


@cli_main.command()
@query_option
@click.option("-s", "--source", "name", required=True, help=_SOURCE_HELP)
@click.option("--cell", "cell_label", required=True, help="METHOD:TASK, e.g. CNN:summarization.")
@click.option("--window", "window_name", help="Window by name (default: the query file's first).")
@click.option("-n", "n", type=click.IntRange(1, 10000), default=20, show_default=True, help="Contexts to list.")
@format_option("table", "csv")
@pass_context
def senses(ctx: Context, query_path, name, cell_label, window_name, n, fmt):
    """The most frequent contexts of a cell's method terms (the words next to each match), with how many
    of the cell's records show each: a sense that drives a count shows here."""
    from survey import api
    from survey.corpus.export import write_csv

    found = api.senses(query_path, name, cell_label, window=window_name, n=n, home=ctx.home, config=ctx.config)
    if fmt == "csv":
        out = io.StringIO()
        write_csv(out, ("context", "count", "share"), ((r.context, r.count, f"{r.share:.4f}") for r in found.rows))
        click.echo(out.getvalue(), nl=False)
        return
    click.echo(f"{cell_label} in {name}: {found.records:,} matched records")
    width = max([len(r.context) for r in found.rows] + [len("context")])
    click.echo(f"{'context':<{width}}  {'records':>7}  share")
    for r in found.rows:
        click.echo(f"{r.context:<{width}}  {r.count:>7,}  {r.share:6.1%}")


@cli_main.command()
@query_option
@click.option("-s", "--source", "name", required=True, help=_SOURCE_HELP)
@click.option("--cell", "cell_label", required=True, help="METHOD:TASK, e.g. CNN:summarization.")
@click.option("--window", "window_name", help="Window by name (default: the query file's first).")
@click.option("--year", type=int, help="One publication year instead of a window.")
@format_option("ris", "csv", default="ris")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="File to write the records to.")
@pass_context
def matches(ctx: Context, query_path, name, cell_label, window_name, year, fmt, output):
    """Write every record a cell's count counted (id, title, year, DOI, abstract), as RIS for screening tools
    (ASReview, Rayyan, Zotero) or CSV."""
    from survey import api

    written = api.matches(query_path, name, cell_label, output, fmt=fmt, window=window_name, year=year,
                          home=ctx.home, config=ctx.config)
    click.echo(f"{written:,} records written to {output}", err=True)
