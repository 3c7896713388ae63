"""`survey corpus`: import exported records into a local corpus, and describe it."""

from __future__ import annotations

import re
from pathlib import Path

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, format_option, pass_context, _progress
from survey.errors import BadInput

# Kept here, not imported from the readers, so `survey --help` stays light; a test holds them
# to the readers' FORMATS and EXTENSIONS.
FORMAT_CHOICES = ["auto", "jsonl", "json", "bibtex", "ris", "wos", "medline", "pubmed-xml", "endnote-xml",
                  "zotero-rdf", "refer", "csv"]
_NAME_SUFFIXES = (".gz", ".jsonl", ".ndjson", ".json", ".bib", ".bibtex", ".biblatex", ".ris", ".nbib", ".medline",
                  ".csv", ".tsv", ".tab", ".xml", ".rdf", ".ciw", ".enw", ".txt")


@cli_main.group()
def corpus():
    """Import exported records into a local corpus, counted with -s local:NAME."""


@corpus.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--name", default=None, help="Corpus name (default: the first file's stem).")
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="auto", show_default=True,
              help="Format of every file; auto tells it from the content.")
@click.option("--encoding", default=None, help="Text encoding of every file (default: UTF-8, a byte-order mark, else detected).")
@click.option("--replace", is_flag=True, help="Rebuild an existing corpus of that name from these files.")
@click.option("--append", is_flag=True, help="Add these files' records to an existing corpus.")
@click.option("--complete-through", "complete_through", type=int, default=None, metavar="YEAR",
              help="Last publication year the files cover in full, for trends (default: the year before today).")
@pass_context
def corpus_import(ctx: Context, paths, name, fmt, encoding, replace, append, complete_through):
    """Import PATHS (any mix of JSON Lines, JSON, BibTeX, RIS, Web of Science, MEDLINE, PubMed
    XML, EndNote XML, Zotero RDF, CSV/TSV; .gz read as is) into one local corpus."""
    import sqlite3

    from survey.corpus.build import import_corpus
    from survey.sources.local import corpus_path

    if replace and append:
        raise BadInput("--replace and --append: pass one of them")
    mode = "replace" if replace else "append" if append else "new"
    if complete_through is not None and not 1000 <= complete_through <= 2200:
        raise BadInput(f"--complete-through {complete_through}: expected a publication year, e.g. 2024")
    name = name or _corpus_name(Path(paths[0]))
    # no leading dot: dot-files in the corpora folder are imports in progress
    if not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*", name):
        raise BadInput(f"--name {name!r}: use letters, digits, '.', '_' or '-', not starting with '.'")
    target = corpus_path(ctx.settings, name)
    label = Path(paths[0]).name + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")
    try:
        with _progress(ctx, None, f"importing {label}") as advance:
            report = import_corpus(paths, target, fmt=fmt, encoding=encoding, mode=mode,
                                   progress=lambda done, total: advance(done, total),
                                   complete_through=complete_through)
    except KeyboardInterrupt:
        kept = f"corpus {name} is as it was" if target.exists() else f"no corpus {name} was made"
        ctx.echo(f"interrupted: nothing imported; {kept}.", err=True)
        raise SystemExit(1) from None
    except (sqlite3.Error, OSError) as exc:
        # a full or read-only home: the import wrote only to temporary files, which are gone
        from survey.sqlite_faults import failure

        kept = f"corpus {name} is as it was" if target.exists() else f"no corpus {name} was made"
        raise BadInput(f"{failure(target, 'cannot write the corpus', exc)}; {kept}") from None
    for line in report.encodings:
        ctx.echo(f"  {line}", err=True)
    merged = (f"{report.duplicates} duplicates: {report.merged_by_doi} same DOI and title, "
              f"{report.merged_by_title} same title and year")
    ctx.echo(f"{name}: {report.imported} records imported from {report.read} read "
             f"({merged}; {report.skipped} skipped) in {report.seconds:.1f} s; "
             f"{report.records} in the corpus; count with -s local:{name}")
    from survey.corpus.index import Corpus

    with Corpus(target) as made:
        year, how = made.complete_through
    ctx.echo(f"  trends fit publication years through {year} ({how}; set with --complete-through YEAR)")
    for reason in report.reasons:
        ctx.echo(f"  skipped: {reason}", err=True)
    if report.skipped > len(report.reasons):
        ctx.echo(f"  ... and {report.skipped - len(report.reasons)} more skipped", err=True)
    for note in report.field_notes:
        ctx.echo(f"  kept without a field: {note}", err=True)
    if report.fields_skipped > len(report.field_notes):
        ctx.echo(f"  ... and {report.fields_skipped - len(report.field_notes)} more fields skipped in kept records", err=True)


def _corpus_name(path: Path) -> str:
    name = path.name
    for _ in range(2):  # records.csv.gz
        for suffix in _NAME_SUFFIXES:
            name = name.removesuffix(suffix)
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).lstrip(".") or "corpus"


@corpus.command("stats")
@click.option("--name", default=None, help="Corpus name (default: every corpus).")
@format_option("table", "json")
@pass_context
def corpus_stats(ctx: Context, name, fmt):
    """Records, abstracts, years and per-year counts of each local corpus."""
    import json

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
        with Corpus(path) as c:
            out[n] = c.stats()
    if fmt == "json":
        click.echo(json.dumps(out, indent=2, default=str))
        return
    for n, s in out.items():
        years = f"years {s['year_min']}-{s['year_max']}" if s["with_year"] else "no years"
        click.echo(f"{n}: {s['records']} records, {s['with_abstract']} with abstract, "
                   f"{years} ({s['records'] - s['with_year']} without a year)")
        per_year = s.get("per_year", {})
        if per_year:
            width = max(per_year.values())
            for y in sorted(per_year, key=int):
                bar = "#" * max(1, round(40 * per_year[y] / width)) if per_year[y] else ""
                click.echo(f"  {y}  {per_year[y]:>7}  {bar}")
