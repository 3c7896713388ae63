"""The Markdown report: what the cache, the 2016 tables and the experiment results say, with figures.

``write_report`` reads; it never fetches. Every number comes from the count store (as filled
by ``survey refresh``), the committed 2016 reference tables and the committed experiment
results, so the same inputs give the same report. What is missing is said in words, with the
command that would fetch it, rather than left out.

Files written, all beside ``out_path`` and referenced by relative path so the report renders
on GitHub and in an editor preview alike:

- ``out_path`` itself (Markdown);
- ``figures/<stem>_*.png``: the figures (older ones with the same prefix are removed first, so
  a source that has gone leaves no stale figure behind);
- ``<stem>.plan.csv``: the exact query each source is sent per cell, window and year, with the
  cached count and its fetch time (the output of ``survey plan`` plus the cache).

Sections: 1 headline, 2 study-shaped tables, 3 then and now (2016), 4 trends, 5 agreement
between sources, 6 precision audit, 7 reference experiment, 8 drift, 9 method and provenance.
"""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from survey import __version__, analysis
from survey.errors import SurveyError
from survey.matrix import Matrix, Window
from survey.reference import ReferenceTable, load_reference
from survey.refresh import PlanItem
from survey.report import figures
from survey.report.audit import AuditSample, sample_cell, supports_records
from survey.store import Observation, Store
from survey.tables import display, format_ratio, markdown_footnotes, markdown_rows, markdown_table

RESULTS_FILE = Path("data") / "experiments" / "reference.json"
REFERENCE_FILE_SHOWN = "data/reference/lstm_vs_cnn_2016.toml"


def default_results_path() -> Path:
    # In a wheel the data sits inside the package; in a checkout it sits at the repo root.
    packaged = Path(__file__).resolve().parents[1] / RESULTS_FILE
    return packaged if packaged.exists() else Path(__file__).resolve().parents[2] / RESULTS_FILE


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
) -> ReportResult:
    """Write the report for ``matrix`` from ``store`` to ``out_path``; return what was written.

    ``sources``: the source names to report on (default: every source with observations in
    the store, plus every configured source name, so that the ones not fetched are named).
    ``now``: the clock (default: the store's). ``command``: the command line shown at the top
    (default: the equivalent ``survey report`` call). ``preface``: Markdown placed under the
    title, e.g. a corpus's required attribution. ``results_path``: the experiment results
    (default: ``data/experiments/reference.json``). ``references``: the published tables
    (default: the committed 2016 tables). ``audit_n``: titles sampled per cell.
    ``online_samples``: also sample records from online sources that return them (OpenAlex);
    off by default because that is the one part of the report that sends requests.
    ``reading``: what the cache answers for ``matrix`` (``survey.api.read``); read here if not given.
    """
    from survey.api import read

    own_reading = reading is None
    if own_reading:
        reading = read(matrix, store, settings, sources, by_year=True, now=now)
    started = time.perf_counter()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    builder = _Report(
        matrix=matrix,
        store=store,
        settings=settings,
        out_path=out_path,
        names=sources,
        now=now or store.clock(),
        command=command,
        preface=preface,
        results_path=results_path or matrix.experiment,
        references=(load_reference(matrix.reference) if matrix.reference else []) if references is None else references,
        audit_n=audit_n,
        online_samples=online_samples,
        reading=reading,
    )
    try:
        text = builder.build()
    finally:
        if own_reading:
            reading.close()
    tmp = out_path.with_name(out_path.name + ".tmp")
    # Written beside and renamed: an editor preview never shows half a report.
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out_path)
    return ReportResult(out_path, builder.figure_paths, builder.plan_csv, time.perf_counter() - started,
                        builder.not_fetched)


# ---------------------------------------------------------------- helpers


def _history(store: Store, items: list[PlanItem]) -> list[Observation]:
    """Every stored observation of the items' keys, labelled as the query file labels them."""
    by_key = {}
    for i in items:
        by_key[i.key] = i.cell
        if i.corpus is None:  # a corpus not on this machine: its stored answers of any corpus
            by_key[(i.source, i.window.start, i.window.end, i.year, i.query)] = i.cell
    out = []
    for o in store.history(queries={i.query for i in items}):
        cell = by_key.get(o.key) or by_key.get((o.source, o.year_from, o.year_to, o.year, o.query))
        if cell is not None:
            out.append(replace(o, method=cell.method, task=cell.task))
    return out


# `|` is left alone: the table helpers escape it, and escaping twice would split a cell.
_INLINE = re.compile(r"([\\`*_\[\]<>$#])")


def md(text) -> str:
    """Text as literal inline Markdown: titles carry `*`, `_`, `$`, `<` and the like."""
    return _INLINE.sub(r"\\\1", " ".join(str(text).split()))


def shown_path(path, base: Path | None = None) -> str:
    """A path as the report may show it: relative, never this machine's absolute layout."""
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    for root in (base, Path.cwd()):
        if root is not None:
            try:
                return p.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                pass
    return p.name


def _day(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%d")


def _date_range(times: list[datetime]) -> str:
    if not times:
        return "never"
    a, b = min(times), max(times)
    return _day(a) if _day(a) == _day(b) else f"{_day(a)} to {_day(b)}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _anchor(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _thousands(n) -> str:
    return f"{int(n):,}"


def _window_words(w: Window) -> str:
    return f"{w.name} ({w.span})" if w.span != w.name else w.name


def _table_and_notes(frame: pd.DataFrame, notes: list[str]) -> list[str]:
    """A display table and, where it has any, its numbered notes."""
    return [markdown_table(frame), markdown_footnotes(notes)] if notes else [markdown_table(frame)]


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


SECTIONS = [
    "1. Headline",
    "2. Study-shaped tables",
    "3. Then and now: the 2016 tables",
    "4. Trends",
    "5. Agreement between sources",
    "6. Precision audit",
    "7. Reference experiment",
    "8. Drift",
    "9. Method and provenance",
]


class _Report:
    def __init__(self, *, matrix, store, settings, out_path, names, now, command, preface, results_path,
                 references, audit_n, online_samples, reading):
        self.matrix: Matrix = matrix
        self.store: Store = store
        self.settings = settings
        self.out_path: Path = out_path
        self.now: datetime = now
        self.command = command
        self.preface = preface
        self.results_path = Path(results_path) if results_path else None
        self.references: list[ReferenceTable] = references
        self.audit_n = audit_n
        self.online_samples = online_samples
        self.figure_paths: list[Path] = []
        self.plan_csv: Path | None = None
        self.fig_dir = out_path.parent / "figures"
        self.stem = out_path.stem
        self.query_shown = shown_path(matrix.path or f"{matrix.name}.toml")

        self.reading = reading
        self.latest: list[Observation] = reading.observations
        self.history: list[Observation] = _history(store, reading.items)
        self.names = list(reading.with_data) + list(reading.without_data)
        self.not_fetched = list(reading.without_data)
        self.instances = dict(reading.sources)
        self.unavailable: dict[str, str] = {}
        self.methods = list(matrix.methods)
        self.tasks = list(matrix.tasks)
        self.ratio = (self.methods[0], self.methods[1]) if len(self.methods) >= 2 else None
        self.tables = {
            (s, w.name): analysis.study_table(self.latest, matrix, s, w) for s in self.names for w in matrix.windows
        }
        self.with_data = [s for s in self.names if any(t.has_data for t in self.source_tables(s))]
        self.ref_tables = [(r, analysis.reference_table(r, matrix)) for r in self.references]

    # ------------------------------------------------------------ setup

    def source_tables(self, source: str) -> list[analysis.StudyTable]:
        return [self.tables[(source, w.name)] for w in self.matrix.windows]

    def refresh_command(self, names: list[str], by_year: bool = True) -> str:
        flags = " ".join(f"-s {n}" for n in names)
        year = " --by-year" if by_year and self.matrix.trend else ""
        return f"survey refresh -q {self.query_shown} {flags}{year}"

    def is_total(self, task: str) -> bool:
        return not self.matrix.tasks.get(task)

    # ------------------------------------------------------------ the whole

    def build(self) -> str:
        self.clear_figures()
        parts = [self.header()]
        for title, section in zip(SECTIONS, [
            self.headline, self.study_tables, self.then_and_now, self.trends, self.agreement,
            self.audit, self.experiment, self.drift, self.provenance,
        ]):
            parts.append(f"## {title}\n\n{section().strip()}\n")
        return "\n".join(parts).rstrip() + "\n"

    def header(self) -> str:
        out_shown = shown_path(self.out_path)
        command = self.command or f"survey report -q {self.query_shown} -o {out_shown}"
        lines = [f"# {md(self.matrix.title)}: what the literature counts say", ""]
        filled = [s for s in self.names if s not in self.not_fetched]
        made = f"Made with `{command}` on {_day(self.now)} (survey {__version__})"
        if filled:
            by_year = any(o.year is not None for o in self.latest if o.source in filled)
            made += f", from the counts cached by `{self.refresh_command(filled, by_year)}`"
        lines += [made + ". The report reads the cache and the committed data; it sends no request.", ""]
        from survey.report.origin import cache_only_note

        note = cache_only_note(self.reading, self.refresh_command([s for s in filled if s.startswith("local:")]))
        if note:
            lines += [note, ""]
        if self.preface:
            lines += [self.preface.strip(), ""]
        lines.append("Contents: " + " · ".join(f"[{t}](#{_anchor(t)})" for t in SECTIONS))
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------ 1. headline

    def not_fetched_statement(self) -> str:
        missing = self.not_fetched
        if not missing:
            return ""
        names = ", ".join(f"`{s}`" for s in missing)
        return (
            f"**Not fetched:** {names} {'has' if len(missing) == 1 else 'have'} no counts in the cache, "
            "so their tables are absent here. Live-source tables appear after a refresh with network:\n\n"
            f"```\n{self.refresh_command(missing)}\nsurvey report -q {self.query_shown} -o {shown_path(self.out_path)}\n```"
        )

    def headline(self) -> str:
        lines = [
            f"- {self.sentence(f'`{s}`', t, compare=True)}"
            for s in self.with_data for t in self.source_tables(s) if t.has_data and self.ratio
        ] or ["- No source has counts in the cache yet, so there are no current figures to quote; "
              "the published 2016 numbers follow."]
        if self.ratio:
            lines += [f"- {self.sentence(f'2016 study, {md(ref.source_label)}', table, compare=False, span=False)}"
                      for ref, table in self.ref_tables]
        statement = self.not_fetched_statement()
        failed = [s for s in self.names if s not in self.with_data and s not in self.not_fetched]
        if failed:
            reasons = []
            for s in failed:
                why = sorted({" ".join((o.error or o.status).split()) for o in self.latest if o.source == s})
                reasons.append(f"`{s}` ({md(why[0])}{' and other reasons' if len(why) > 1 else ''})")
            statement += ("\n\n" if statement else "") + (
                f"**Fetched, but without a count:** {_and(reasons)}; section 9 lists every cell. "
                f"`{self.refresh_command(failed)}` tries again.")
        return "\n".join(lines) + ("\n\n" + statement if statement else "")

    def sentence(self, who: str, table: analysis.StudyTable, compare: bool, span: bool = True) -> str:
        a, b = self.ratio
        ratio = table.ratio(a, b)
        parts, overall, leads, known = [], [], [], 0
        for task, value in ratio.items():
            if pd.isna(value):
                continue
            if self.is_total(task):
                overall.append(f"{format_ratio(value)} overall")
                continue
            parts.append(f"{format_ratio(value)} for {task}")
            known += 1
            if value > 1:
                leads.append(task)
        missing = [t for t, v in ratio.items() if pd.isna(v)]
        when = _window_words(table.window) if span else table.window.name
        text = f"**{who}, {when}:** {a}:{b} is {_and(parts + overall)}."
        if known:
            if leads:
                text += f" {a} outnumbers {b} in {len(leads)} of {known} tasks ({_and(leads)})."
            else:
                text += f" {a} outnumbers {b} in none of the {known} tasks."
        if missing:
            text += f" No ratio for {_and(missing)} (a count is missing or {b} is 0)."
        if compare:
            text += self.flips(table)
        return text

    def reference_for(self, source: str, window: Window) -> tuple[ReferenceTable, analysis.StudyTable] | None:
        """The 2016 table to compare with: the same source's, else the one over the same years, else the first."""
        span = (window.start, window.end)
        for test in (lambda r: r.source == source, lambda r: (r.window.start, r.window.end) == span, lambda r: True):
            for ref, table in self.ref_tables:
                if test(ref):
                    return ref, table
        return None

    def flips(self, table: analysis.StudyTable) -> str:
        found = self.reference_for(table.source, table.window)
        if not found or not self.ratio:
            return ""
        ref, ref_table = found
        a, b = self.ratio
        now, then = table.ratio(a, b), ref_table.ratio(a, b)
        flipped, same = [], 0
        for task in now.index:
            x, y = now[task], then[task]
            if pd.isna(x) or pd.isna(y) or x == 1 or y == 1:
                continue
            if (x > 1) != (y > 1):
                flipped.append(f"{task} (now {a if x > 1 else b})")
            else:
                same += 1
        against = f"the 2016 {md(ref.source_label)} counts ({ref.window.name})"
        if flipped:
            return f" Against {against}, the lead flipped in {_and(flipped)}."
        if same:
            return f" Against {against}, the lead is the same in all {same} comparable columns."
        return ""

    # ------------------------------------------------------------ 2. study tables

    def study_tables(self) -> str:
        out = [
            "Methods as rows, tasks as columns, one table per source and window; the last row is the "
            f"{self.ratio[0]}:{self.ratio[1]} ratio. A cell without a count says n/a, with the reason as a "
            "numbered note under the table." if self.ratio else "Methods as rows, tasks as columns."
        ]
        shown = 0
        inexpressible = []
        for s in self.names:
            for w in self.matrix.windows:
                t = self.tables[(s, w.name)]
                if (t.status == analysis.NOT_FETCHED).to_numpy().all():
                    continue
                if (t.status == "unsupported").to_numpy().all():
                    # a table of n/a only says one thing; the reasons per cell are in section 9
                    if s not in inexpressible:
                        inexpressible.append(s)
                    continue
                out.append(self.table_block(f"`{s}`, {_window_words(w)}", t))
                shown += 1
        if not shown:
            out.append("No source has counts in the cache, so there is no table of current counts.")
        if inexpressible:
            out.append(f"{_and([f'`{s}`' for s in inexpressible])} cannot express any cell of this matrix "
                       f"faithfully, so {'it has' if len(inexpressible) == 1 else 'they have'} no table; "
                       f"[{SECTIONS[-1]}](#{_anchor(SECTIONS[-1])}) gives the reason per cell.")
        if self.not_fetched:
            out.append(f"Not fetched, so without a table: {_and([f'`{s}`' for s in self.not_fetched])} "
                       f"(the command that fetches them is under [{SECTIONS[0]}](#{_anchor(SECTIONS[0])})).")
        return "\n\n".join(out)

    def table_block(self, title: str, table: analysis.StudyTable) -> str:
        d = display(table, self.ratio)
        parts = [f"### {title}", *_table_and_notes(d.frame, d.footnotes)]
        if table.fetched:
            parts.append(f"*Fetched {_date_range(list(table.fetched))}.*")
        return "\n\n".join(parts)

    # ------------------------------------------------------------ 3. then and now

    def then_and_now(self) -> str:
        if not self.ref_tables:
            return "No published reference tables are configured."
        out = [
            "The 2016 study counted search hits in Google Scholar (publications since 2006) and Web of Science "
            f"(all years). Its numbers are reproduced exactly from `{REFERENCE_FILE_SHOWN}`; the post gave no "
            "query strings, so today's queries are a reconstruction: compare shapes and ratios, not digits."
        ]
        for ref, ref_table in self.ref_tables:
            out.append(f"### {md(ref.source_label)}, {ref.window.name}")
            # The note is our own transcription and uses code spans on purpose: not escaped.
            out.append(ref.note)
            now = self.live_match(ref)
            if now is not None and now.has_data:
                out.append(self.combined_block(ref_table, now))
            else:
                d = display(ref_table, self.ratio)
                out += _table_and_notes(d.frame.rename(index=lambda i: f"{i} (2016)"), d.footnotes)
                out.append(
                    f"Today's `{ref.source}` counts for this window are not in the cache; "
                    f"`{self.refresh_command([ref.source], by_year=False)}` fetches them (needs network"
                    + (", and for this source a licence key" if ref.source == "wos" else "") + ")."
                )
            if ref.unplaced:
                values = "; ".join(f"{m} {', '.join(map(str, v))}" for m, v in ref.unplaced.items())
                out.append(
                    f"**Unplaced 2016 values** ({values}): these belong to {_and(ref.unplaced_columns)} in an "
                    "order the post does not show, so they are kept out of every column rather than guessed."
                )
        return "\n\n".join(out)

    def live_match(self, ref: ReferenceTable) -> analysis.StudyTable | None:
        if ref.source not in self.names:
            return None
        for w in self.matrix.windows:
            if (w.start, w.end) == (ref.window.start, ref.window.end):
                return self.tables[(ref.source, w.name)]
        return None

    def combined_block(self, then: analysis.StudyTable, now: analysis.StudyTable) -> str:
        notes: list[str] = []
        d_then = display(then, self.ratio, notes)
        d_now = display(now, self.ratio, notes)
        rows = []
        for m in self.methods:
            rows.append((f"{m} (2016)", d_then.frame.loc[m]))
            rows.append((f"{m} (now)", d_now.frame.loc[m]))
        if self.ratio:
            label = f"{self.ratio[0]}:{self.ratio[1]}"
            rows.append((f"{label} (2016)", d_then.frame.loc[label]))
            rows.append((f"{label} (now)", d_now.frame.loc[label]))
            r_then, r_now = then.ratio(*self.ratio), now.ratio(*self.ratio)
            change = (r_now / r_then.where(r_then != 0))
            rows.append(("ratio now ÷ 2016", pd.Series(
                ["n/a" if pd.isna(v) else f"×{format_ratio(v)}" for v in change], index=change.index)))
        frame = pd.DataFrame(dict(rows)).T
        frame.index.name = "method"
        parts = _table_and_notes(frame, notes)
        if now.fetched:
            parts.append(f"*Today's counts fetched {_date_range(list(now.fetched))}; the 2016 window ended in 2016.*")
        return "\n\n".join(parts)

    # ------------------------------------------------------------ 4. trends

    def figure(self, name: str) -> Path:
        return self.fig_dir / f"{self.stem}_{name}.png"

    def clear_figures(self):
        if self.fig_dir.is_dir():
            for old in self.fig_dir.glob(f"{self.stem}_*.png"):
                old.unlink()

    def link(self, path: Path | None, alt: str) -> str:
        if path is None:
            return ""
        self.figure_paths.append(path)
        return f"![{md(alt)}]({path.relative_to(self.out_path.parent).as_posix()})"

    def year_totals(self, source: str, years: list[int]) -> dict[int, int]:
        """The source's count of all works per year, as cached by `survey refresh --by-year`."""
        from survey.refresh import WORKS

        wanted = set(years)
        return {o.year: o.count for o in self.latest
                if o.source == source and o.method == WORKS and o.status == "ok" and o.year in wanted}

    def trends(self) -> str:
        if self.matrix.trend is None:
            return f"The query file `{self.query_shown}` has no `[trend]` table, so there are no per-year counts."
        frame = analysis.per_year_frame(self.latest)
        lo, hi = self.matrix.trend.start, self.matrix.trend.end or self.now.year
        frame = frame[frame["method"].isin(self.methods) & frame["task"].isin(self.tasks)
                      & (frame["year"] >= lo) & (frame["year"] <= hi)]
        parts = {s: frame[frame["source"] == s] for s in self.names}
        out = [self.trend_block(s, part) for s, part in parts.items() if not part.empty]
        if not out:
            out.append("No per-year counts are cached, so there is no trend to draw.")
        lacking = [s for s in self.with_data if parts[s].empty]
        if lacking:
            out.append(f"Per-year counts for {', '.join(f'`{s}`' for s in lacking)} come with "
                       f"`{self.refresh_command(lacking)}`.")
        return "\n\n".join(out)

    def trend_block(self, source: str, part: pd.DataFrame) -> str:
        years = sorted(int(y) for y in part["year"].unique())
        totals = self.year_totals(source, years)
        if totals:
            # A year the source holds no works for is a gap in coverage, not a zero count.
            covered = [y for y in years if totals.get(y, 0) > 0]
            part = part[part["year"].isin(covered)]
            years = covered
        part = part[["method", "task", "year", "count"]]
        slug = _slug(source)
        incomplete = self.now.year
        out = [f"### `{source}`, per publication year ({years[0]}–{years[-1]})" if years else f"### `{source}`"]
        figs = [
            (figures.counts_by_year(part, source, self.figure(f"{slug}_counts_by_year"), incomplete_from=incomplete,
                                    methods=self.methods, tasks=self.tasks),
             f"{source}: matching records per year for each method, one panel per task"),
        ]
        if self.ratio:
            figs.append((figures.share_by_year(part, self.ratio[0], source, self.figure(f"{slug}_share_by_year"),
                                               incomplete_from=incomplete, tasks=self.tasks),
                         f"{source}: {self.ratio[0]} share of {self.ratio[0]} + {self.ratio[1]} matches per task and year"))
        if totals:
            figs.append((figures.normalised_by_year(part, totals, source, self.figure(f"{slug}_per_1000_by_year"),
                                                    incomplete_from=incomplete, methods=self.methods, tasks=self.tasks),
                         f"{source}: matches per 1,000 records of the same year, one panel per task"))
        drawn = [self.link(p, alt) for p, alt in figs if p is not None]
        if drawn:
            out.extend(drawn)
        else:
            out.append("Every per-year count is zero, so there is nothing to draw.")
        if incomplete in years:
            out.append(f"{incomplete} is the current year and still incomplete (shaded in the figures).")
        out.append(self.total_table(part, totals))
        return "\n\n".join(x for x in out if x)

    def total_table(self, part: pd.DataFrame, totals: dict[int, int]) -> str:
        task = next((t for t in self.tasks if self.is_total(t)), None)
        if task is None or not self.ratio:
            return ""
        sub = part[part["task"] == task]
        if sub.empty:
            return ""
        wide = sub.pivot_table(index="year", columns="method", values="count", aggfunc="sum")
        present = [m for m in self.methods if m in wide.columns]
        a, b = self.ratio
        header = ["year", *present, f"{a} share"]
        if totals:
            header += ["all records", f"{a} per 1,000", f"{b} per 1,000"]
        rows = []
        for year, r in wide[present].iterrows():
            if r.isna().any():
                continue
            counts = {m: int(r[m]) for m in present}
            both = counts.get(a, 0) + counts.get(b, 0)
            row = [str(int(year)), *[_thousands(counts[m]) for m in present],
                   f"{100 * counts.get(a, 0) / both:.0f}%" if both else "n/a"]
            if totals:
                n = totals.get(int(year), 0)
                row += [_thousands(n) if n else "n/a",
                        f"{1000 * counts.get(a, 0) / n:.1f}" if n else "n/a",
                        f"{1000 * counts.get(b, 0) / n:.1f}" if n else "n/a"]
            rows.append(row)
        if not rows:
            return ""
        caption = (f"Per-year counts for the `{task}` column ({a} or {b} anywhere, any task); "
                   f"share = {a} / ({a} + {b}), n/a where both are 0.")
        if totals:
            caption += " All records: the source's count of every record that year."
        return caption + "\n\n" + markdown_rows(header, rows)

    # ------------------------------------------------------------ 5. agreement

    def agreement(self) -> str:
        live = [(s, w) for s in self.with_data for w in self.matrix.windows if self.tables[(s, w.name)].has_data]
        rows = []
        for i, (s1, w1) in enumerate(live):
            for s2, w2 in live[i + 1:]:
                if s1 != s2 and w1 == w2:
                    rows.append(analysis.agreement(self.tables[(s1, w1.name)], self.tables[(s2, w2.name)],
                                                   f"`{s1}`", f"`{s2}`"))
        ref_rows = []
        for s, w in live:
            for ref, ref_table in self.ref_tables:
                if (w.start, w.end) == (ref.window.start, ref.window.end):
                    ref_rows.append(analysis.agreement(self.tables[(s, w.name)], ref_table, f"`{s}`",
                                                       f"2016 {md(ref.source_label)}"))
        out = [
            "Counts from different sources differ in scale, so they are compared by rank: Spearman's ρ over the "
            "cells both have counts for (1: the same order, 0: unrelated, −1: reversed). The last column lists "
            "the cells whose rank differs most (#1 is the largest count)."
        ]
        if rows:
            out.append(self.agreement_table(rows))
        else:
            if self.with_data:
                have = _and([f"`{s}`" for s in self.with_data])
                why = f"Only {have} {'has' if len(self.with_data) == 1 else 'have'} counts in a shared window"
            else:
                why = "No source has counts in the cache"
            out.append(f"{why}, so there is no pair of current sources to compare. Refreshing a second source "
                       "fills this in.")
        if ref_rows:
            out.append("Against the 2016 published tables (which differ in date as well as in source):")
            out.append(self.agreement_table(ref_rows))
        return "\n\n".join(out)

    @staticmethod
    def agreement_table(rows: list[analysis.Agreement]) -> str:
        body = []
        for ag in rows:
            worst = "; ".join(
                f"{r.method}:{r.task} #{r.rank_a} vs #{r.rank_b}" for r in ag.disagreements.itertuples()
            ) or "none: same order"
            rho = "n/a (fewer than 3 shared cells)" if ag.rho is None and ag.cells < 3 else (
                "n/a (no spread)" if ag.rho is None else f"{ag.rho:.2f}")
            body.append([ag.a, ag.b, ag.window, str(ag.cells), rho, worst if ag.cells else "n/a"])
        return markdown_rows(["source", "compared with", "window", "shared cells", "Spearman ρ", "ranked most differently"],
                             body, "lllrrl")

    # ------------------------------------------------------------ 6. audit

    def audit(self) -> str:
        out = [
            "A count says nothing about what was matched. For sources that return records, here is a fixed "
            f"sample of up to {self.audit_n} matched titles per cell (the same sample each run), so a reader can "
            "judge false positives. For a larger sample of one cell:",
            f"```\nsurvey audit -q {self.query_shown} -s SOURCE --cell {self.matrix.cells[0].label} -n 20\n```",
        ]
        for s in self.with_data:
            src = self.instances.get(s)
            if src is None or not supports_records(src):
                out.append(f"`{s}` returns counts only, not records, so its matches cannot be sampled.")
                continue
            if not s.startswith("local") and not self.online_samples:
                out.append(f"`{s}` returns records, but sampling them takes requests, which the report does not "
                           f"send by default: `survey audit -q {self.query_shown} -s {s} --cell CELL` fetches a "
                           "sample, and `survey report --online-samples` puts them here.")
                continue
            window = next(w for w in self.matrix.windows if self.tables[(s, w.name)].has_data)
            out.append(self.audit_block(s, src, window))
        if not self.with_data:
            out.append("No source has counts in the cache, so there is nothing to sample. A local corpus "
                       "(`survey corpus import PATH --name NAME`, then refresh with `-s local:NAME`) or OpenAlex "
                       "returns records.")
        return "\n\n".join(out)

    def audit_block(self, name: str, src, window: Window) -> str:
        table = self.tables[(name, window.name)]
        out = [f"### `{name}`, {_window_words(window)}"]
        for cell in self.matrix.cells:
            count = table.counts.loc[cell.method, cell.task]
            if pd.isna(count):
                out.append(f"**{md(cell.label)}**: no count cached, so no sample.")
                continue
            if src.identity() is None:
                out.append(f"**{md(cell.label)}**: no sample here: the corpus is not on this machine (its counts "
                           "are read from the cache).")
                continue
            try:
                sample: AuditSample = sample_cell(src, cell, window, self.audit_n, matched=int(count))
            except (SurveyError, NotImplementedError) as exc:
                out.append(f"**{md(cell.label)}**: sampling failed ({md(exc)}).")
                continue
            if not sample.records:
                out.append(f"**{md(cell.label)}**: no matched record.")
                continue
            head = f"**{md(cell.label)}**: {len(sample.records)} of {_thousands(sample.matched)} matched records"
            items = [f"- {r.year if r.year is not None else 'year unknown'} · {self.record_id(r)} · {md(r.title)}"
                     for r in sample.records]
            out.append(head + "\n\n" + "\n".join(items))
        return "\n\n".join(out)

    @staticmethod
    def record_id(record) -> str:
        if record.doi:
            return f"[doi:{md(record.doi)}](https://doi.org/{record.doi})"
        return f"`{record.id}`" if record.id else "no id"

    # ------------------------------------------------------------ 7. experiment

    def experiment(self) -> str:
        from survey.experiment.results import ResultsFormatError, load

        shown = shown_path(self.results_path, self.out_path.parent.parent)
        if not self.results_path.exists():
            return (f"Not run yet: `survey experiment run` writes `{shown}`, which this section reads "
                    "(needs `pip install -e '.[experiment]'`).")
        try:
            doc = load(self.results_path)
        except (ResultsFormatError, OSError) as exc:
            return f"`{shown}` could not be read ({md(exc)}); rerun `survey experiment run`."
        st = doc.get("settings", {})
        summary = doc.get("summary", [])
        if not summary:
            return f"`{shown}` holds no results; rerun `survey experiment run`."
        out = [self.experiment_intro(doc, shown)]
        devices = list(dict.fromkeys(r.get("device", "cpu") for r in summary))
        for device in devices:
            rows = [r for r in summary if r.get("device", "cpu") == device]
            if len(devices) > 1:
                out.append(f"### On {device}")
            out.append(self.experiment_table(rows))
            out.append(self.link(figures.experiment_accuracy(rows, self.figure(f"experiment_accuracy_{_slug(device)}"),
                                                             device=device if len(devices) > 1 else None),
                                 f"Test accuracy per task and model on {device}, mean and standard deviation over seeds"))
        data = st.get("data", {})
        if data:
            lines = []
            for task, info in data.items():
                bits = [f"{info.get('n_train', 'n/a')} train / {info.get('n_val', 'n/a')} validation / "
                        f"{info.get('n_test', 'n/a')} test examples"]
                if info.get("classes"):
                    bits.append(f"classes {', '.join(map(str, info['classes']))}")
                if info.get("source"):
                    bits.append(f"from `{info['source']}`")
                note = f" {md(info['notes'])}" if info.get("notes") else ""
                lines.append(f"- **{md(task)}**: {'; '.join(bits)}.{note}")
            out.append("Data:\n\n" + "\n".join(lines))
        return "\n\n".join(x for x in out if x)

    @staticmethod
    def experiment_intro(doc: dict, shown: str) -> str:
        st = doc.get("settings", {})
        seeds = st.get("seeds") or []
        bits = [f"mode {st.get('mode', 'n/a')}", f"{len(seeds)} seeds ({', '.join(map(str, seeds))})" if seeds else "",
                f"device {st.get('device')}" if st.get("device") else "",
                f"torch {st['torch']}" if st.get("torch") else "", f"Python {st['python']}" if st.get("python") else ""]
        when = str(doc.get("created", ""))[:10]
        wall = doc.get("wall_seconds")
        run = ", ".join(x for x in (f"run {when}" if when else "",
                                    f"{wall / 60:.1f} min in all" if isinstance(wall, (int, float)) else "") if x)
        return (f"The same LSTM and CNN (Kim 2014) classifiers trained on the same data, from `{shown}`"
                + (f" ({run})" if run else "") + ": "
                + ", ".join(b for b in bits if b) + ". Mean ± standard deviation over seeds, on the test split; "
                "training time is fitting only.")

    @staticmethod
    def experiment_table(rows: list[dict]) -> str:
        def pct(mean, std):
            if mean is None:
                return "n/a"
            return f"{100 * mean:.1f} ± {100 * (std or 0):.1f}"

        body = []
        for r in rows:
            params, epochs = r.get("params"), r.get("epochs_mean")
            missing = "n/a (baseline)" if r.get("kind") == "baseline" else "n/a"
            body.append([
                str(r["task"]), str(r["model"]), pct(r.get("accuracy_mean"), r.get("accuracy_std")),
                pct(r.get("macro_f1_mean"), r.get("macro_f1_std")),
                f"{r['train_seconds_mean']:.1f}" if r.get("train_seconds_mean") is not None else "n/a",
                f"{epochs:.1f}" if epochs is not None else missing,
                _thousands(params) if params is not None else missing,
                str(r.get("n_seeds", "n/a")),
            ])
        return markdown_rows(["task", "model", "accuracy (%)", "macro-F1 (%)", "train time (s)", "epochs",
                              "parameters", "seeds"], body, "llrrrrrr")

    # ------------------------------------------------------------ 8. drift

    def drift(self) -> str:
        frame = analysis.drift(self.history, top=None)
        if frame.empty:
            return ("No count has been fetched more than once yet, so there is no drift to show. A later refresh "
                    "after `--max-age` (or with `--force`) records a second count beside the first.")
        changed = frame[frame["change"] != 0]
        moved = changed.head(10)
        intro = (f"{len(frame)} counts were fetched more than once with the same query; {len(changed)} "
                 "changed between the last two fetches.")
        if moved.empty:
            return intro + " None moved."
        body = []
        for r in moved.itertuples():
            where = r.window if pd.isna(r.year) else f"{int(r.year)}"
            rel = "n/a (was 0)" if pd.isna(r.relative) else (
                f"{100 * r.relative:+.1f}%" if abs(r.relative) < 0.1 else f"{100 * r.relative:+,.0f}%")
            body.append([f"`{r.source}`", f"{r.method}:{r.task}", where, _thousands(r.previous), _day(r.previous_at),
                         _thousands(r.latest), _day(r.latest_at), f"{int(r.change):+,}", rel])
        return intro + " The largest relative moves:\n\n" + markdown_rows(
            ["source", "cell", "window or year", "previous", "fetched", "latest", "fetched", "change", "relative"],
            body, "lllrlrlrr")

    # ------------------------------------------------------------ 9. provenance

    def provenance(self) -> str:
        out = [
            self.sources_table(), self.biases(), self.cache_hits(), self.failures(), self.queries(),
            f"The 2016 numbers: {md(self.references[0].study) if self.references else 'none'}, transcribed in "
            f"`{REFERENCE_FILE_SHOWN}` with their provenance. The query matrix: `{self.query_shown}`.",
        ]
        return "\n\n".join(x for x in out if x)

    def sources_table(self) -> str:
        if not self.names:
            return "No source is configured or cached."
        by_source: dict[str, list[Observation]] = {}
        for o in self.history:
            by_source.setdefault(o.source, []).append(o)
        body = []
        for s in self.names:
            obs = by_source.get(s, [])
            src = self.instances.get(s)
            if src:
                c = src.capabilities
                how = [md(c.fields), *("yes" if v else "no" for v in (c.boolean, c.phrases, c.stemming))]
            else:
                how = ["n/a (unavailable)", "n/a", "n/a", "n/a"]
            body.append([f"`{s}`", *how, _date_range([o.fetched for o in obs]),
                         *(str(sum(1 for o in obs if o.status == k)) for k in ("ok", "unsupported", "error", "blocked"))])
        return ("What each source searches and how, and what the cache holds from it (every fetch, history "
                "included):\n\n" + markdown_rows(
                    ["source", "searches", "AND/OR", "phrases", "stems", "fetched", "ok", "unsupported", "failed",
                     "blocked"], body, "llllllrrrr"))

    def biases(self) -> str:
        lines = []
        for s in self.names:
            src = self.instances.get(s)
            if src is None:
                lines.append(f"- `{s}`: not available in this installation ({md(self.unavailable.get(s, ''))}).")
            elif src.capabilities.notes:
                lines.append(f"- `{s}`: {md(src.capabilities.notes)}")
        return ("Known biases:\n\n" + "\n".join(lines)) if lines else ""

    @property
    def plan_items(self) -> list[PlanItem]:
        """``survey plan`` for every source reported on, as compiled by the reading."""
        return self.reading.items

    def cache_hits(self) -> str:
        if not self.instances:
            return ""
        by_year = self.matrix.trend is not None
        self.plan_csv = self.write_plan(self.plan_items)
        body = []
        for s in self.instances:
            mine = [i for i in self.plan_items if i.source == s]
            planned = len(mine)
            fresh = sum(1 for i in mine if i.fresh)
            stale = sum(1 for i in mine if not i.fresh and i.cached is not None and i.cached.status == "ok")
            failed = sum(1 for i in mine if not i.fresh and i.cached is not None and i.cached.status != "ok")
            missing = planned - fresh - stale - failed
            body.append([f"`{s}`", str(planned), str(fresh), str(stale), str(failed), str(missing)])
        link = self.plan_csv.relative_to(self.out_path.parent).as_posix()
        return (f"Cache hits against the plan (`survey plan -q {self.query_shown}`, window totals"
                + (" and per-year counts" if by_year else "") + ", fresh within 30 days):\n\n"
                + markdown_rows(["source", "counts planned", "cached and fresh", "stale", "failed last time",
                                 "never fetched"], body)
                + "\n\nThe exact query each source is sent for every cell and window"
                + (" (and year, for the sources with counts)" if by_year else "")
                + f", with the cached count and its fetch time: [{link}]({link}).")

    def write_plan(self, items) -> Path:
        path = self.out_path.with_name(f"{self.stem}.plan.csv")
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["source", "window", "year_from", "year_to", "year", "method", "task", "query",
                         "unsupported", "status", "count", "fetched_at"])
        for i in items:
            c = i.cached
            writer.writerow([
                i.source, i.window.name, i.window.start if i.window.start is not None else "",
                i.window.end if i.window.end is not None else "", i.year if i.year is not None else "",
                i.cell.method, i.cell.task, i.query, i.unsupported or "",
                c.status if c else "not fetched", c.count if c and c.count is not None else "",
                c.fetched_at if c else "",
            ])
        path.write_text(buf.getvalue(), encoding="utf-8")
        return path

    def failures(self) -> str:
        bad = [o for o in self.latest if o.status != "ok" and o.source in self.names]
        if not bad:
            if self.with_data:
                return "No cell failed, was blocked or is unsupported among the cached counts."
            return ""
        groups: dict[tuple[str, str, str], list[str]] = {}
        for o in bad:
            label = f"{o.method}:{o.task} {o.window if o.year is None else o.year}"
            groups.setdefault((o.source, o.status, " ".join((o.error or o.status).split())), []).append(label)
        body = []
        for (s, status, reason), labels in sorted(groups.items()):
            shown = ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")
            body.append([f"`{s}`", status, str(len(labels)), shown, reason])
        return ("Cells without a count (their latest fetch), by source and reason:\n\n"
                + markdown_rows(["source", "status", "counts", "cells", "reason"], body, "llrll"))

    def queries(self) -> str:
        # The plan has compiled every window query already; shown window by window, then cell by cell.
        order = {w.name: i for i, w in enumerate(self.matrix.windows)}
        blocks = []
        for s in self.with_data:
            if s not in self.instances:
                continue
            items = sorted((i for i in self.plan_items if i.source == s and i.year is None),
                           key=lambda i: order[i.window.name])
            body = [[i.window.name, i.cell.label, f"unsupported: {md(i.unsupported)}" if i.unsupported is not None else f"`{i.query}`"]
                    for i in items]
            blocks.append(f"<details><summary>Queries sent to <code>{s}</code></summary>\n\n"
                          + markdown_rows(["window", "cell", "query"], body, "lll") + "\n\n</details>")
        if not blocks:
            return ""
        return ("The exact query per cell and window for each source with counts (per-year queries, and those of "
                "the sources not fetched, are in the plan CSV):\n\n" + "\n\n".join(blocks))
