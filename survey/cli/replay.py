"""`survey replay`: count every query of a report's manifest again and show what drifted."""

from __future__ import annotations

import sys

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, pass_context

# 0, 1 and 2 as every command; 3: the replay proves less than it says, so a script must not read it as 0.
NOT_EVERYTHING_CHECKED = 3


@cli_main.command()
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option("-s", "--source", "names", multiple=True,
              help="Only these sources (repeatable; default: every source in the manifest).")
@pass_context
def replay(ctx: Context, manifest, names):
    """Re-run every count of MANIFEST (NAME.manifest.json beside a report).

    Exit 0: every count replayed, none changed; 1: some changed; 2: bad input; 3: nothing, or not
    everything, could be checked (each count skipped is named, with why).
    """
    from survey import api

    result = api.replay(manifest, names, home=ctx.home, config=ctx.config)
    if result.checked == 0 and not result.drifted:
        why = "; ".join(result.not_replayed) or "the manifest holds no count to replay"
        click.echo(f"nothing replayed: {why}", err=True)
        sys.exit(NOT_EVERYTHING_CHECKED)
    for line in result.not_replayed:
        click.echo(f"skipped: {line}", err=True)
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
    skipped = "" if result.complete else f", {len(result.not_replayed)} skipped (above)"
    click.echo(f"{result.checked} counts replayed, {len(result.changes)} changed{skipped}", err=True)
    if result.drifted:
        sys.exit(1)
    if not result.complete:
        sys.exit(NOT_EVERYTHING_CHECKED)
