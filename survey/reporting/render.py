"""The Markdown report: an assembler that lists the sections and writes the files.

``write_report`` reads; it never fetches. Every number comes from the count store (as filled
by ``survey refresh``) and from what the query file names (a published reference table, an
experiment results file), so the same inputs give the same report. What is missing is said in
words, with the command that would fetch it, rather than left out.

Files written, all beside ``out_path`` and referenced by relative path so the report renders
on GitHub and in an editor preview alike:

- ``out_path`` itself (Markdown);
- ``figures/<stem>_*.png``: the figures (older ones with the same prefix are removed first, so
  a source that has gone leaves no stale figure behind);
- ``<stem>.plan.csv``: the exact query each source is sent per cell, window and year, with the
  cached count and its fetch time (the output of ``survey plan`` plus the cache);
- ``<stem>.manifest.json``: every count used, for ``survey replay``;
- ``<stem>.corpus.json``: what the report read from local corpora directly (samples, records
  matching two methods, import provenance), reused where a corpus is absent (``kept``).

Each section is a module of this package with ``render(ctx) -> str`` (and, where the section
is conditional, ``applies(ctx) -> bool``); ``SECTIONS`` below lists them in order. Sections are
numbered as they appear, so a report without a reference or an experiment has no gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from survey import __version__
from survey.matrix import Matrix
from survey.reference import ReferenceTable, load_reference
from survey.reporting.context import Context
from survey.reporting.text import anchor, day, md, shown_path  # noqa: F401  (md, shown_path: public helpers)
from survey.store import Store

@dataclass(frozen=True)
class Section:
    key: str
    title: str
    module: str  # survey.reporting.<module>: render(ctx) -> str, optional applies(ctx) -> bool


# The report's sections, in order. To add one: write survey/reporting/<module>.py with
# render(ctx) -> str (and applies(ctx) -> bool where it is conditional) and list it here.
SECTIONS = [
    Section("headline", "Headline", "headline"),
    Section("tables", "Study-shaped tables", "study"),
    Section("then_and_now", "Then and now: the published tables", "then_now"),
    Section("trends", "Trends", "trends"),
    Section("agreement", "Agreement between sources", "agreement"),
    Section("audit", "Precision audit", "samples"),
    Section("senses", "Does the term mean what you think?", "senses"),
    Section("experiment", "Reference experiment", "experiment"),
    Section("drift", "Drift", "drift"),
    Section("precision", "Labelled precision", "precision"),
    Section("robustness", "Robustness across query variants", "robustness"),
    Section("limits", "What these counts cannot tell you", "limits"),
    Section("provenance", "Method and provenance", "provenance"),
    Section("appendix", "Search appendix (PRISMA-S)", "appendix"),
]


@dataclass
class ReportResult:
    """What ``write_report`` wrote: the report, its figures, the plan CSV, and how long it took."""

    path: Path
    figures: list[Path] = field(default_factory=list)
    plan_csv: Path | None = None
    seconds: float = 0.0
    not_fetched: list[str] = field(default_factory=list)  # sources with no count in the cache


def write_report(
    matrix: Matrix,
    store: Store,
    settings,
    out_path,
    *,
    sources: list[str] | None = None,
    now: datetime | None = None,
    command: str | None = None,
    preface: str | None = None,
    results_path: Path | None = None,
    references: list[ReferenceTable] | None = None,
    audit_n: int = 5,
    online_samples: bool = False,
    reading=None,
    labels: list | None = None,
) -> ReportResult:
    """Write the report for ``matrix`` from ``store`` to ``out_path``; return what was written.

    ``sources``: the source names to report on (default: every source with observations in
    the store, plus every configured source name, so that the ones not fetched are named).
    ``now``: the clock (default: the store's). ``command``: the command line shown at the top
    (default: the equivalent ``survey report`` call). ``preface``: Markdown placed under the
    title, e.g. a corpus's required attribution. ``results_path``: experiment results to show
    (default: the file the query file names; none, no experiment section). ``references``: the
    published tables (default: the file the query file names; none, no then-and-now section).
    ``audit_n``: titles sampled per cell. ``online_samples``: also sample records from online
    sources that return them (OpenAlex); off by default because that sends requests.
    ``reading``: what the cache answers for ``matrix`` (``survey.api.read``); read here if not given.
    ``labels``: committed label files or folders (CSV, as ``survey audit --export-labels`` writes them).
    Beside the report, ``<stem>.manifest.json`` lists every count it used (``survey replay``).
    """
    from survey.api import read

    own_reading = reading is None
    if own_reading:
        reading = read(matrix, store, settings, sources, by_year=True, now=now)
    started = time.perf_counter()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if references is None:
        references = load_reference(matrix.reference) if matrix.reference else []
    ctx = Context(
        matrix=matrix, store=store, settings=settings, out_path=out_path, now=now or store.clock(),
        command=command, preface=preface, results_path=results_path or matrix.experiment,
        references=references, audit_n=audit_n, online_samples=online_samples, reading=reading,
        label_files=list(labels or []),
    )
    try:
        text = build(ctx)
    finally:
        if own_reading:
            reading.close()
    tmp = out_path.with_name(out_path.name + ".tmp")
    # Written beside and renamed: an editor preview never shows half a report.
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out_path)
    from survey.reporting.manifest import write_manifest

    write_manifest(out_path.with_name(f"{ctx.stem}.manifest.json"), matrix, reading.items + ctx.variant_items,
                   query_shown=ctx.query_shown)
    ctx.kept.save()
    return ReportResult(out_path, ctx.figure_paths, ctx.plan_csv, time.perf_counter() - started, ctx.not_fetched)


def _module(section: Section):
    import importlib

    return importlib.import_module(f"survey.reporting.{section.module}")


def build(ctx: Context) -> str:
    """The whole report: header, then every section that applies, numbered in order."""
    ctx.clear_figures()
    shown: list[tuple[Section, Callable]] = []
    for section in SECTIONS:
        module = _module(section)
        if getattr(module, "applies", lambda c: True)(ctx):
            shown.append((section, module.render))
    ctx.titles = {s.key: f"{i}. {s.title}" for i, (s, _) in enumerate(shown, 1)}
    parts = [header(ctx)]
    try:
        for section, render in shown:
            parts.append(f"## {ctx.titles[section.key]}\n\n{render(ctx).strip()}\n")
    except BaseException:
        ctx.clear_figures()  # a report that fails leaves none of its figures, not a partial set
        raise
    return "\n".join(parts).rstrip() + "\n"


def header(ctx: Context) -> str:
    out_shown = shown_path(ctx.out_path)
    command = ctx.command or f"survey report -q {ctx.query_shown} -o {out_shown}"
    lines = [f"# {md(ctx.matrix.title)}: what the literature counts say", ""]
    filled = [s for s in ctx.names if s not in ctx.not_fetched]
    made = f"Made with `{command}` (survey {__version__})"
    if filled:
        by_year = any(o.year is not None for o in ctx.latest if o.source in filled)
        # The counts' own date, not the clock's: the same counts render the same report any day.
        made += (f", from the counts cached by `{ctx.refresh_command(filled, by_year)}` up to "
                 f"{day(max(o.fetched for o in ctx.latest))}")
    lines += [made + ". The report reads the cache and the files its query file names; it sends no request.", ""]
    from survey.reporting.origin import local_origin_note

    note = local_origin_note(ctx.reading, ctx.refresh_command([s for s in filled if s.startswith("local:")]),
                             ctx.matrix.path, ctx.query_shown)
    if note:
        lines += [note, ""]
    lines += ["Everything here derives from the query file: its methods, tasks and windows"
              + (", the ratios it asks for" if ctx.pairs else "")
              + (", the published tables it names" if ctx.references else "")
              + (" and the experiment results file named for it" if ctx.results_path else "") + ".", ""]
    if ctx.preface:
        lines += [ctx.preface.strip(), ""]
    lines.append("Contents: " + " · ".join(f"[{t}](#{anchor(t)})" for t in ctx.titles.values()))
    return "\n".join(lines) + "\n"
