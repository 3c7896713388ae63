"""`survey corpus`: import exported records into a local corpus, and describe it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, format_option, pass_context, _progress
from survey.errors import BadInput

@cli_main.group()
def corpus():
    """Import exported records into a local corpus, counted with -s local:NAME."""


@corpus.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--name", default=None, help="Corpus name (default: the file's stem).")
@click.option("--format", "fmt", type=click.Choice(["auto", "jsonl", "bibtex", "ris", "csv"]), default="auto",
              show_default=True)
@pass_context
def corpus_import(ctx: Context, path, name, fmt):
    """Import PATH (JSON Lines, BibTeX, RIS or CSV; .gz read as is) into a local corpus."""
    from survey.corpus.index import import_corpus
    from survey.sources.local import corpus_path

    name = name or _corpus_name(Path(path))
    # no leading dot: dot-files in the corpora folder are imports in progress
    if not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*", name):
        raise BadInput(f"--name {name!r}: use letters, digits, '.', '_' or '-', not starting with '.'")
    target = corpus_path(ctx.settings, name)
    with _progress(ctx, None, f"importing {Path(path).name}") as advance:
        report = import_corpus(path, target, fmt=fmt, progress=lambda done, total: advance(done, total))
    ctx.echo(f"{name}: {report.imported} records imported from {report.read} read "
             f"({report.duplicates} duplicates, {report.skipped} skipped) in {report.seconds:.1f} s; "
             f"count with -s local:{name}")
    for reason in report.reasons:
        ctx.echo(f"  skipped: {reason}", err=True)


def _corpus_name(path: Path) -> str:
    from survey.corpus.importers import EXTENSIONS

    name = path.name
    for suffix in (".gz", *EXTENSIONS, ".txt"):
        name = name.removesuffix(suffix)
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name) or "corpus"


@corpus.command("stats")
@click.option("--name", default=None, help="Corpus name (default: every corpus).")
@format_option("table", "json")
@pass_context
def corpus_stats(ctx: Context, name, fmt):
    """Records, abstracts, years and per-year counts of each local corpus."""
    from survey.corpus.index import Corpus
    from survey.sources.local import corpus_names, corpus_path

    names = [name] if name else corpus_names(ctx.settings)
    if not names:
        raise BadInput(f"no corpus in {ctx.settings.corpora_dir}; run `survey corpus import PATH --name NAME`")
    out = {}
    for n in names:
        path = corpus_path(ctx.settings, n)
        if not path.exists():
            raise BadInput(f"no corpus named {n!r} in {ctx.settings.corpora_dir} "
                           f"(corpora: {', '.join(corpus_names(ctx.settings)) or 'none'})")
        out[n] = Corpus(path).stats()
    if fmt == "json":
        click.echo(json.dumps(out, indent=2, default=str))
        return
    for n, s in out.items():
        click.echo(f"{n}: {s['records']} records, {s['with_abstract']} with abstract, "
                   f"years {s['year_min']}-{s['year_max']} ({s['records'] - s['with_year']} without a year)")
        per_year = s.get("per_year", {})
        if per_year:
            years = sorted(per_year, key=int)
            width = max(per_year.values())
            for y in years:
                bar = "#" * max(1, round(40 * per_year[y] / width)) if per_year[y] else ""
                click.echo(f"  {y}  {per_year[y]:>7}  {bar}")
