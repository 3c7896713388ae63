"""`survey audit`: a sample of the records one cell matched, to read or to label for precision."""

from __future__ import annotations

import sys

import click

from survey.cli import main as cli_main
from survey.cli.common import Context, pass_context, query_option
from survey.errors import BadInput, SurveyError

CHOICES = {"y": True, "n": False, "s": None, "q": "quit"}
PROMPT = "relevant? [y]es / [n]o / [s]kip / [q]uit"


def _mark(text: str) -> str:
    # A terminal shows the matched words styled; a pipe or file (where click strips styles) gets
    # them in [brackets], so what matched is visible wherever the output goes.
    if sys.stdout.isatty():
        return click.style(text, bold=True, underline=True, fg="yellow")
    return f"[{text}]"


def _show(record, query, prefix: str = "") -> str:
    """One record: year, id, title with the matched words marked; the source's snippet under it where given."""
    from survey.reporting.audit import highlight, restyle

    year = str(record.year) if record.year is not None else "----"
    rid = getattr(record, "record_id", None) or getattr(record, "id", None) or f"doi:{record.doi}"
    matched = tuple(getattr(record, "matched", None) or ())
    line = f"{prefix}{year}  {rid:<24} {highlight(' '.join(record.title.split()), query, matched, _mark)}"
    snippet = getattr(record, "snippet", None)
    if snippet:
        text = " ".join(snippet.split())
        text = restyle(text, _mark) if "**" in text else highlight(text, query, matched, _mark)
        line += "\n      " + text
    return line


def _precision_line(verdicts) -> str:
    from survey.evidence.precision import precision

    p = precision(verdicts.values())
    if p is None:
        return "no record judged yet"
    low, high = p.interval
    skipped = sum(1 for v in verdicts.values() if v is None)
    return (f"{p.relevant} of {p.judged} judged relevant: precision {p.estimate:.2f} "
            f"(95% Wilson interval {low:.2f}–{high:.2f})" + (f"; {skipped} skipped" if skipped else ""))


@cli_main.command()
@query_option
@click.option("-s", "--source", "name", required=True, help="A source that returns records, e.g. local:acl.")
@click.option("--cell", "cell_label", required=True, help="METHOD:TASK, e.g. CNN:total.")
@click.option("-n", "n", type=click.IntRange(1, 1000), default=None,
              help="Records to sample [default: 20; 30 with --label, --export-labels or --import-labels].")
@click.option("--window", "window_name", help="Window by name (default: the query file's first).")
@click.option("--label", is_flag=True, help="Walk the sample and judge each record; a re-run continues it.")
@click.option("--export-labels", "export_path", type=click.Path(dir_okay=False),
              help="Write the sample as CSV with a relevant column to fill in a spreadsheet.")
@click.option("--import-labels", "import_path", type=click.Path(dir_okay=False, exists=True),
              help="Read a filled CSV (as --export-labels writes it) into the labels.")
@pass_context
def audit(ctx: Context, query_path, name, cell_label, n, window_name, label, export_path, import_path):
    """Show a sample of the records one cell matched, with the matched words marked; label it for precision."""
    from survey import api

    if sum(map(bool, (label, export_path, import_path))) > 1:
        raise BadInput("give one of --label, --export-labels and --import-labels")
    if not (label or export_path or import_path):
        _print_sample(ctx, api, query_path, name, cell_label, n or 20, window_name)
        return
    session = api.labelling(query_path, name, cell_label, n=n or 30, window=window_name,
                            home=ctx.home, config=ctx.config)
    try:
        sample = session.sample
        matched = f" of {session.matched:,} matched" if session.matched is not None else ""
        if not import_path:
            click.echo(f"{sample.label} in {sample.key.source}: a sample of {len(sample.records)}{matched} records",
                       err=True)
        if export_path:
            from survey.labels_csv import export_csv

            rows = export_csv(sample, session.store.labels(sample.key), export_path)
            click.echo(f"{rows} records written to {export_path}; fill the relevant column with 1 or 0, then "
                       f"import it with --import-labels", err=True)
        elif import_path:
            _import(session, import_path)
        else:
            _walk(session)
    finally:
        session.close()


def _print_sample(ctx, api, query_path, name, cell_label, n, window_name):
    from survey.query_file import load_matrix
    from survey.reporting.audit import sample_cell, supports_records
    from survey.sources import make_source

    matrix = load_matrix(query_path)
    cell = api.parse_cell(matrix, cell_label)
    window = matrix.window(window_name) if window_name else matrix.windows[0]
    settings = ctx.settings
    source = make_source(name, settings)
    try:
        if not supports_records(source):
            able = []
            for other in api.known_names(settings):
                try:
                    s = make_source(other, settings)
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
    matched = f"{sample.matched:,}" if sample.matched is not None else "an unknown number of"
    click.echo(f"{cell.label} in {name}, {window.name} ({window.span}): "
               f"{len(sample.records)} of {matched} matched records")
    click.echo(f"query: {query}")
    for record in sample.records:
        click.echo(_show(record, cell.query))


def _import(session, path):
    from survey.labels_csv import import_csv

    result = import_csv(session.store, path, session.sample)
    for line in result.errors:
        click.echo(f"error: {line}", err=True)
    if result.refused > len(result.errors):
        click.echo(f"error: {path}: and {result.refused - len(result.errors):,} more rows refused", err=True)
    click.echo(f"{result.imported} labels imported from {path}"
               + (f", {result.blank} rows left unlabelled" if result.blank else "")
               + (f", {result.refused:,} rows refused" if result.refused else ""), err=True)
    click.echo(_precision_line(session.verdicts()))
    if result.errors:
        sys.exit(2)


def _walk(session):
    sample = session.sample
    pending = session.pending()
    done = len(sample.records) - len(pending)
    if done:
        click.echo(f"continuing: {done} of {len(sample.records)} already labelled", err=True)
    for record in pending:
        click.echo("")
        click.echo(_show(record, session.query, f"{record.position + 1}/{len(sample.records)}  "))
        answer = click.prompt(PROMPT, type=click.Choice(list(CHOICES)), show_choices=False)
        if CHOICES[answer] == "quit":
            click.echo("stopped; run the same command to continue", err=True)
            break
        session.judge(record.record_id, CHOICES[answer])
    click.echo(_precision_line(session.verdicts()))
