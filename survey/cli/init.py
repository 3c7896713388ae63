"""`survey init NAME`: a commented query file to start from."""

from __future__ import annotations

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, pass_context


@cli_main.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write it (default: queries/NAME.toml).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@pass_context
def init(ctx: Context, name, output, force):
    """Write a commented query file (methods, tasks, windows, trend, exact terms) to start from."""
    from survey.starter import write_starter

    path = write_starter(name, output, force=force)
    ctx.echo(f"wrote {path}; edit it, then `survey refresh -q {path} -s SOURCE` (see `survey sources`)")
