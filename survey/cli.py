"""The `survey` command: parse, call the library, print. No logic a notebook would need.

pandas, matplotlib and torch are imported inside the commands that use them, so that
`survey --help` stays fast.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import sys
from datetime import timedelta
from pathlib import Path

import click

from survey import __version__
from survey.errors import BadInput, SurveyError
from survey.matrix import load_matrix

log = logging.getLogger("survey")


class Context:
    """What every command needs: settings, output switches. Built once per invocation."""

    def __init__(self, home, config, verbosity: int, progress: bool):
        self._home, self._config = home, config
        self.verbosity = verbosity
        self.progress = progress
        self._settings = None

    @property
    def settings(self):
        if self._settings is None:
            from survey.config import load_settings

            self._settings = load_settings(self._home, self._config)
        return self._settings

    def store(self):
        from survey.store import Store

        return Store(self.settings.cache_path)

    def echo(self, message: str = "", err: bool = False):
        if self.verbosity >= 0 or err:
            click.echo(message, err=err)


class SurveyGroup(click.Group):
    """Turns survey's typed errors into one line on stderr and the documented exit codes."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SurveyError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


pass_context = click.make_pass_decorator(Context)


@click.group(cls=SurveyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="survey")
@click.option("--home", type=click.Path(file_okay=False), envvar="SURVEY_HOME",
              help="Root for state: DIR/cache.sqlite and DIR/corpora/. Env SURVEY_HOME.")
@click.option("--config", type=click.Path(dir_okay=False), envvar="SURVEY_CONFIG",
              help="Config file (TOML). Env SURVEY_CONFIG.")
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and results.")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
@click.pass_context
def main(ctx, home, config, verbose, quiet, no_progress):
    """Count which method the literature uses for which task, per source and year."""
    verbosity = -1 if quiet else verbose
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = Context(home, config, verbosity, progress=not no_progress and not quiet)


# ------------------------------------------------------------------ shared options

def query_option(f):
    return click.option("-q", "--query", "query_path", required=True, type=click.Path(dir_okay=False),
                        help="Query definition file (TOML), e.g. queries/lstm_vs_cnn.toml.")(f)


def format_option(*choices, default="table"):
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                        help="Output format.")


def parse_max_age(value: str) -> timedelta | None:
    """'30d', '12h', '90m', '45s', '0' (always refetch) or 'never' (cached forever)."""
    text = value.strip().lower()
    if text in ("never", "inf", "forever"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([dhms]?)", text)
    if not m:
        raise BadInput(f"--max-age {value!r}: expected a number with a unit d, h, m or s (e.g. 30d), or 'never'")
    number, unit = float(m.group(1)), m.group(2) or "d"
    return timedelta(**{{"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}[unit]: number})


def resolve_sources(ctx: Context, names, use_all: bool) -> dict:
    from survey.sources import make_source, source_names

    if use_all:
        chosen = {}
        for name in source_names(ctx.settings):
            source = make_source(name, ctx.settings)
            ok, why = source.configured()
            if ok:
                chosen[name] = source
            else:
                source.close()
                ctx.echo(f"skipping {name}: {why}", err=True)
        return chosen
    if not names:
        raise BadInput("name at least one source with -s NAME (see `survey sources`), or use --all")
    return {n: make_source(n, ctx.settings) for n in names}


# ------------------------------------------------------------------ sources

@main.command()
@format_option("table", "json")
@pass_context
def sources(ctx: Context, fmt):
    """List every source: what it can express, auth, whether configured, rate limit."""
    from survey.sources import make_source, source_names

    rows = []
    for name in source_names(ctx.settings):
        try:
            s = make_source(name, ctx.settings)
            configured, why = s.configured()
        except SurveyError as exc:
            rows.append({"source": name, "configured": False, "why": str(exc)})
            continue
        c = s.capabilities
        rows.append({
            "source": name, "fields": c.fields, "boolean": c.boolean, "phrases": c.phrases,
            "stemming": c.stemming, "per_year_one_call": c.per_year_one_call, "records": c.records,
            "needs_key": s.needs_key, "configured": configured, "why": why,
            "rate_limit_rps": s.rate_limit, "concurrency": s.concurrency, "notes": c.notes,
        })
    if not any(r["source"].startswith("local") for r in rows):
        rows.append({"source": "local:NAME", "configured": False,
                     "why": "no corpus imported: run `survey corpus import PATH --name NAME`"})
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table("source", "searches", "AND/OR", "phrases", "stems", "key", "configured", "rate/s", "notes")
    yn = {True: "yes", False: "no", None: ""}
    for r in rows:
        rate = r.get("rate_limit_rps")
        table.add_row(
            r["source"], r.get("fields", ""), yn[r.get("boolean")], yn[r.get("phrases")], yn[r.get("stemming")],
            "needed" if r.get("needs_key") else "", "yes" if r["configured"] else f"no: {r['why']}",
            "" if rate is None else f"{rate:.3g}", r.get("notes", ""),
        )
    _console().print(table)


# ------------------------------------------------------------------ plan / refresh

def _plan(ctx, query_path, names, use_all, by_year, max_age, force):
    from survey.refresh import plan

    matrix = load_matrix(query_path)
    srcs = resolve_sources(ctx, names, use_all)
    store = ctx.store()
    items = plan(matrix, srcs, store, by_year=by_year, max_age=parse_max_age(max_age), force=force)
    return matrix, srcs, store, items


def _cached_word(item) -> str:
    if item.fresh:
        return "yes"
    if item.cached is not None and item.cached.status == "ok":
        return "stale"
    return "no"


def refresh_options(f):
    f = click.option("--force", is_flag=True, help="Refetch even fresh cells.")(f)
    f = click.option("--max-age", default="30d", show_default=True, help="Refetch cells older than this (30d, 12h, never).")(f)
    f = click.option("--by-year", is_flag=True, help="Also per-year counts over the query file's [trend] years.")(f)
    f = click.option("--all", "use_all", is_flag=True, help="Every configured source.")(f)
    f = click.option("-s", "--source", "names", multiple=True, help="Source name (repeatable); see `survey sources`.")(f)
    return query_option(f)


@main.command("plan")
@refresh_options
@format_option("table", "csv")
@pass_context
def plan_cmd(ctx: Context, query_path, names, use_all, by_year, max_age, force, fmt):
    """Show the exact query each source will be sent per cell, and what is cached."""
    matrix, srcs, store, items = _plan(ctx, query_path, names, use_all, by_year, max_age, force)
    store.close()
    for s in srcs.values():
        s.close()
    rows = [
        [i.source, i.window.name, i.cell.method, i.cell.task, "" if i.year is None else i.year,
         i.query if not i.unsupported else f"(unsupported: {i.unsupported})", _cached_word(i)]
        for i in items
    ]
    header = ["source", "window", "method", "task", "year", "query", "cached"]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
        return
    from rich.table import Table

    table = Table(*header)
    for r in rows:
        table.add_row(*map(str, r))
    _console().print(table)
    due = [i for i in items if i.due and not i.unsupported]
    estimate = []
    for name, s in srcs.items():
        n = sum(1 for i in due if i.source == name)
        if n and s.rate_limit:
            estimate.append(f"{name}: {n} to fetch, about {n / s.rate_limit:.0f} s at {s.rate_limit:g}/s")
        elif n:
            estimate.append(f"{name}: {n} to fetch")
    cached = sum(1 for i in items if i.fresh)
    ctx.echo(f"{len(items)} counts: {cached} cached, {len(due)} to fetch. " + "; ".join(estimate))


@main.command()
@refresh_options
@click.option("--offline", is_flag=True, help="Never touch the network; report what is missing.")
@pass_context
def refresh(ctx: Context, query_path, names, use_all, by_year, max_age, force, offline):
    """Fetch the counts that are missing or stale; every count is saved as it arrives."""
    from survey.refresh import run

    matrix, srcs, store, items = _plan(ctx, query_path, names, use_all, by_year, max_age, force)
    due = [i for i in items if i.due]
    with store, _progress(ctx, len(due), "fetching") as advance:
        summary = run(items, srcs, store, offline=offline, on_observation=lambda o: advance())
    for s in srcs.values():
        s.close()
    _print_summary(ctx, summary, query_path, by_year)
    if summary.failed:
        sys.exit(1)


def _print_summary(ctx: Context, summary, query_path, by_year: bool):
    parts = [f"{summary.fetched} fetched", f"{summary.cached} cached"]
    if summary.unsupported:
        parts.append(f"{summary.unsupported} unsupported")
    if summary.errors:
        parts.append(f"{len(summary.errors)} failed")
    if summary.blocked:
        parts.append(f"{len(summary.blocked)} blocked")
    if summary.skipped:
        parts.append(f"{len(summary.skipped)} not fetched")
    ctx.echo(", ".join(parts) + f" in {summary.seconds:.1f} s.", err=True)
    for source, why in summary.unreachable.items():
        ctx.echo(f"could not reach {source}: {why}", err=True)
    for obs in (summary.errors + summary.blocked)[:10]:
        ctx.echo(f"  {obs.status}: {obs.source} {obs.method}:{obs.task} ({obs.window}"
                 f"{'' if obs.year is None else ' ' + str(obs.year)}): {obs.error}", err=True)
    if len(summary.errors) + len(summary.blocked) > 10:
        ctx.echo(f"  ... and {len(summary.errors) + len(summary.blocked) - 10} more (see `survey cache stats`)", err=True)
    if summary.skipped:
        srcs = sorted({i.source for i in summary.skipped})
        ctx.echo(f"not fetched: {len(summary.skipped)} counts from {', '.join(srcs)}; rerun "
                 f"`survey refresh -q {query_path} " + " ".join(f"-s {s}" for s in srcs) + (" --by-year" if by_year else "") + "` with network.", err=True)
    if summary.interrupted:
        ctx.echo("interrupted: everything fetched so far is saved; rerun to fetch the rest.", err=True)


def _console():
    """A terminal fits tables to its width; a pipe or file gets wide lines rather than wrapped cells."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200)


class _progress:
    """A rich progress bar on stderr, or nothing with --no-progress."""

    def __init__(self, ctx: Context, total: int | None, label: str):
        self.ctx, self.total, self.label = ctx, total, label
        self.bar = None

    def __enter__(self):
        if not self.ctx.progress or self.total == 0:
            return lambda n=1, total=None: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task(self.label, total=self.total)

        def advance(n: int = 1, total: int | None = None):
            if total is not None:
                self.bar.update(task, total=total, completed=n)
            else:
                self.bar.advance(task, n)

        return advance

    def __exit__(self, *exc):
        if self.bar:
            self.bar.stop()


# ------------------------------------------------------------------ counts

@main.command()
@query_option
@click.option("-s", "--source", "names", multiple=True, help="Only these sources (default: all with data).")
@click.option("--window", "window_name", help="Only this window (by name).")
@click.option("--by-year", is_flag=True, help="Per-year counts instead of window totals.")
@click.option("--reference", is_flag=True, help="Print the 2016 study's tables in the same layout.")
@format_option("table", "csv", "json", "markdown")
@pass_context
def counts(ctx: Context, query_path, names, window_name, by_year, reference, fmt):
    """Print the study-shaped tables from the cache (methods x tasks per source and window)."""
    from survey import analysis

    matrix = load_matrix(query_path)
    if reference:
        from survey.reference import load_reference

        references = load_reference()
        tables = [analysis.reference_table(r, matrix) for r in references]
        _print_tables(ctx, tables, fmt, titles=[f"2016 study: {r.source_label}, {r.window.name}" for r in references])
        for r in references:
            if r.unplaced:
                vals = "; ".join(f"{m} {', '.join(map(str, v))}" for m, v in r.unplaced.items())
                ctx.echo(f"{r.source_label} unplaced values ({vals}) belong to {', '.join(r.unplaced_columns)} "
                         "in an order the post does not show.", err=fmt in ("csv", "json"))
        return
    with ctx.store() as store:
        observations = store.latest(per_query=False)
    wanted = list(names) or analysis.sources_in(observations)
    if not wanted:
        raise BadInput(f"the cache at {ctx.settings.cache_path} holds no counts; run `survey refresh -q {query_path} -s SOURCE` first")
    if by_year:
        frame = analysis.per_year_frame(observations)
        frame = frame[frame["source"].isin(wanted)]
        frame = frame[frame["method"].isin(matrix.methods) & frame["task"].isin(matrix.tasks)]
        frame.insert(1, "window", "trend")
        _print_long(frame[["source", "window", "method", "task", "year", "count"]], fmt)
        return
    windows = [matrix.window(window_name)] if window_name else matrix.windows
    tables = [analysis.study_table(observations, matrix, s, w) for s in wanted for w in windows]
    _print_tables(ctx, tables, fmt, titles=[f"{t.source}, {t.window.name} ({t.window.span})" for t in tables])


def _print_long(frame, fmt):
    if fmt == "json":
        click.echo(frame.to_json(orient="records", indent=2))
    elif fmt == "markdown":
        from survey.tables import markdown_table

        click.echo(markdown_table(frame.set_index("source").astype(str)))
    else:
        click.echo(frame.to_csv(index=False), nl=False) if fmt == "csv" else click.echo(frame.to_string(index=False))


def _print_tables(ctx: Context, tables, fmt, titles):
    from survey import analysis
    from survey.tables import display, markdown_footnotes, markdown_table

    if fmt in ("csv", "json"):
        import pandas as pd

        frame = pd.concat([analysis.long_counts(t) for t in tables], ignore_index=True)
        if fmt == "csv":
            click.echo(frame[["source", "window", "method", "task", "count"]].to_csv(index=False), nl=False)
        else:
            click.echo(frame.to_json(orient="records", indent=2))
        return
    for title, table in zip(titles, tables):
        d = display(table)
        if fmt == "markdown":
            click.echo(f"### {title}\n\n{markdown_table(d.frame)}\n")
            if d.footnotes:
                click.echo(markdown_footnotes(d.footnotes) + "\n")
            continue
        from rich.table import Table

        t = Table("method", title=title, title_justify="left")
        for column in d.frame.columns:
            t.add_column(str(column), justify="right")
        for idx, row in d.frame.iterrows():
            t.add_row(str(idx), *row.tolist(), end_section=idx == d.frame.index[-2])
        console = _console()
        console.print(t)
        for i, note in enumerate(d.footnotes, 1):
            console.print(f"  [{i}] {note}", highlight=False, markup=False)
        if table.fetched:
            a, b = table.fetched
            console.print(f"  fetched {a:%Y-%m-%d} to {b:%Y-%m-%d}" if a.date() != b.date() else f"  fetched {a:%Y-%m-%d}",
                          highlight=False)
        console.print()


# ------------------------------------------------------------------ corpus

@main.group()
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


# ------------------------------------------------------------------ cache

@main.group()
def cache():
    """Inspect the count cache: stats, history of a cell, export, clear."""


@cache.command("stats")
@pass_context
def cache_stats(ctx: Context):
    """Observations per source and status, with fetch dates."""
    with ctx.store() as store:
        s = store.stats()
    click.echo(f"{s['path']}: {s['observations']} observations of {s['keys']} keys, {s['bytes'] / 1024:.0f} KiB")
    for r in s["by_source"]:
        click.echo(f"  {r['source']:<20} {r['status']:<12} {r['n']:>6}  {r['first'][:10]} to {r['last'][:10]}")


@cache.command("history")
@click.argument("cell")
@click.option("-s", "--source", default=None, help="Only this source.")
@pass_context
def cache_history(ctx: Context, cell, source):
    """Every observation of CELL (METHOD:TASK), oldest first."""
    method, sep, task = cell.partition(":")
    if not sep or not method or not task:
        raise BadInput(f"cell {cell!r}: expected METHOD:TASK, e.g. LSTM:classification")
    with ctx.store() as store:
        rows = store.history(method, task, source)
    if not rows:
        raise BadInput(f"no observations of {cell}" + (f" from {source}" if source else ""))
    for o in rows:
        when = o.fetched_at[:19].replace("T", " ")
        year = "" if o.year is None else f" {o.year}"
        value = o.count if o.status == "ok" else f"{o.status}: {o.error}"
        click.echo(f"{when}  {o.source:<16} {o.window + year:<16} {value}")


@cache.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@pass_context
def cache_export(ctx: Context, file):
    """Write every observation to FILE as CSV."""
    with ctx.store() as store:
        n = store.export_csv(file)
    ctx.echo(f"{n} observations written to {file}")


@cache.command("clear")
@click.option("-s", "--source", default=None, help="Only this source's observations.")
@click.option("--yes", is_flag=True, help="Do not ask.")
@pass_context
def cache_clear(ctx: Context, source, yes):
    """Delete observations (all, or one source's). History goes too."""
    what = f"every observation from {source}" if source else "every observation"
    if not yes and not click.confirm(f"Delete {what} in {ctx.settings.cache_path}?", default=False):
        raise click.Abort()
    with ctx.store() as store:
        n = store.clear(source)
    ctx.echo(f"{n} observations deleted")


# ------------------------------------------------------------------ report / audit

def _report_command(query_path, out_path: Path, names, preface, online_samples) -> str:
    """The command line shown at the top of the report: relative paths only, no --home."""
    from survey.report.render import shown_path

    parts = ["survey report", f"-q {shown_path(query_path)}", f"-o {shown_path(out_path)}"]
    parts += [f"-s {n}" for n in names]
    if preface:
        parts.append(f"--preface {shown_path(preface)}")
    if online_samples:
        parts.append("--online-samples")
    return " ".join(parts)


def _check_sources(ctx: Context, names, store) -> None:
    """A named source must be one survey knows or one the cache holds counts from."""
    from survey.sources import make_source

    cached = {o.source for o in store.latest(per_query=False)}
    for name in names:
        if name in cached:
            continue
        make_source(name, ctx.settings).close()  # raises UnknownSource (exit 2) with the valid names


@main.command()
@query_option
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None,
              help="Report file (default: reports/<query file name>.md); figures go to figures/ beside it.")
@click.option("-s", "--source", "names", multiple=True,
              help="Only these sources (repeatable; default: every source cached or configured).")
@click.option("--preface", type=click.Path(dir_okay=False),
              help="A Markdown file placed under the title, e.g. the attribution a corpus requires.")
@click.option("--online-samples", is_flag=True,
              help="Also sample matched records from online sources for the precision audit (sends requests).")
@pass_context
def report(ctx: Context, query_path, out, names, preface, online_samples):
    """Write the Markdown report with figures from the cache; print its path."""
    from survey.report import write_report

    matrix = load_matrix(query_path)
    out_path = Path(out) if out else Path("reports") / f"{Path(query_path).stem}.md"
    if out_path.exists() and out_path.is_dir():
        raise BadInput(f"-o {out}: is a directory; give a file name such as {out_path / 'report.md'}")
    text = None
    if preface:
        try:
            text = Path(preface).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"--preface {preface}: cannot read: {exc}") from None
    with ctx.store() as store:
        _check_sources(ctx, names, store)
        result = write_report(
            matrix, store, ctx.settings, out_path, sources=list(names) or None,
            command=_report_command(query_path, out_path, names, preface, online_samples),
            preface=text, online_samples=online_samples,
        )
    ctx.echo(f"{len(result.figures)} figures; queries in {result.plan_csv}; {result.seconds:.1f} s", err=True)
    if result.not_fetched:
        ctx.echo(f"not fetched yet: {', '.join(result.not_fetched)} (the report says how to fetch them)", err=True)
    click.echo(str(result.path))


@main.command()
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


# ------------------------------------------------------------------ experiment

# The group imports only click at module level; torch loads when `experiment run` runs.
from survey.experiment.cli import experiment  # noqa: E402

main.add_command(experiment)
