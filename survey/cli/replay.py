"""`survey replay`: count every query of a report's manifest again and show what drifted."""

from __future__ import annotations

import sys

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, pass_context


@cli_main.command()
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option("-s", "--source", "names", multiple=True,
              help="Only these sources (repeatable; default: every source in the manifest).")
@pass_context
def replay(ctx: Context, manifest, names):
    """Re-run every count of MANIFEST (NAME.manifest.json beside a report); exit 0 if none changed, 1 if some did."""
    from survey import api

    result = api.replay(manifest, names, home=ctx.home, config=ctx.config)
    for line in result.not_replayed:
        click.echo(line, err=True)
    for c in result.changes:
        if c.delta is None:
            before = "no count" if c.before is None else f"{c.before:,}"
            after = "not comparable" if c.after is None else f"{c.after:,}"
            note = f" ({c.note})" if c.note else ""
            click.echo(f"{c.source}  {c.cell}  {c.where}: {before} -> {after}{note}")
            continue
        rel = f" ({100 * c.delta / c.before:+.1f}%)" if c.before else ""
        note = f"; {c.note}" if c.note else ""
        click.echo(f"{c.source}  {c.cell}  {c.where}: {c.before:,} -> {c.after:,}, {c.delta:+,}{rel}{note}")
    click.echo(f"{result.checked} counts replayed, {len(result.changes)} changed", err=True)
    if result.drifted:
        sys.exit(1)
