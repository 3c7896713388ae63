"""The public API: what a notebook needs, with the CLI's semantics and errors.

::

    import survey
    survey.refresh("queries/x.toml", "local:acl", by_year=True)
    frame = survey.counts("queries/x.toml", sources="local:acl", by_year=True)   # a pandas DataFrame
    works = survey.year_totals("queries/x.toml", "local:acl")   # all works per year, the rates' denominator
    survey.report("queries/x.toml", output="reports/x.md")

Every call on a query file takes the file first and then ``sources``, by position or by name: one
source name (``"local:acl"``) or a list of them (``["local:acl", "openalex"]``); a string is always
one name. Where ``sources`` may be left out, the default is every source with counts (``refresh``
and ``plan`` need a name, or ``all_sources=True``). ``trend``, ``rates``, ``robustness`` and
``labelling`` read one source at a time: one name, or a list of one. Everything after ``sources``
is by keyword. ``counts(by_year=True)`` gives the method rows; the source's total works per year
(the "(all works)" counts that ``refresh --by-year`` fetches) come from ``year_totals``.

Every call takes ``home`` (the state folder; default ``SURVEY_HOME`` or the user data folder)
and ``config`` (a TOML settings file). Errors are the typed exceptions of ``survey.errors``:
``BadInput`` (and its ``QueryFileError``, ``UnknownSource``, ``ConfigError``) for input to fix,
``StoreError`` for a cache that cannot be used, ``SurveyError`` as their base.

A count answers a cell only when it came from the same source, the same compiled query, window
and year, and for a local corpus the same corpus content: labels are for display.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from survey.api_support import (Pathish, _check_writable, _matrix, _store, load_settings, one_source, parse_max_age,
                                source_list)
from survey.errors import BadInput
from survey.reading import Reading, read, stored_history
from survey.source_names import close_all, configured_sources, known_names, make_sources, resolve_name, unknown_source

if TYPE_CHECKING:
    import pandas as pd

    from survey.refreshing import PlanItem, Summary
    from survey.reporting import ReportResult
    from survey.observation import Observation

__all__ = [
    # counting
    "plan", "refresh", "counts", "year_totals", "tables", "history", "export_counts", "import_counts", "report",
    # evidence
    "shares", "ratios", "rates", "trend", "labelling", "robustness", "replay", "export_variant_counts",
    # a cell's matched records in a local corpus
    "senses", "matches",
    # helpers the CLI shares
    "load_settings", "source_list", "one_source", "parse_max_age", "parse_cell", "Reading", "read", "known_names", "resolve_name",
    "unknown_source", "make_sources", "configured_sources",
]

def plan(query, sources: str | Iterable[str] | None = None, *, all_sources: bool = False, by_year: bool = False,
         max_age="30d", force: bool = False, home=None, config=None, log=lambda m: None) -> list["PlanItem"]:
    """The exact query each source is sent per cell (and year), with the cached answer, if any."""
    from survey.refreshing import plan as make_plan

    matrix = _matrix(query)
    settings = load_settings(home, config)
    with _store(settings) as store:
        srcs = _chosen(sources, all_sources, settings, store, log)
        try:
            return make_plan(matrix, srcs, store, by_year=by_year, max_age=parse_max_age(max_age), force=force)
        finally:
            close_all(srcs)


def _chosen(names, all_sources: bool, settings, store, log) -> dict:
    if all_sources:
        return configured_sources(settings, log)
    names = source_list(names)
    if not names:
        raise BadInput("name at least one source (-s NAME; see `survey sources`), or use --all")
    return make_sources(names, settings, store)


def refresh(query, sources: str | Iterable[str] | None = None, *, all_sources: bool = False, by_year: bool = False,
            max_age="30d", force: bool = False, offline: bool = False, home=None, config=None,
            log=lambda m: None, on_start: Callable[[int], None] | None = None,
            on_observation: Callable[["Observation"], None] | None = None) -> "Summary":
    """Fetch the counts that are missing or stale; each is saved as it arrives. Returns the summary."""
    from survey.refreshing import plan as make_plan
    from survey.refreshing import run

    matrix = _matrix(query)
    settings = load_settings(home, config)
    with _store(settings) as store:
        srcs = _chosen(sources, all_sources, settings, store, log)
        try:
            items = make_plan(matrix, srcs, store, by_year=by_year, max_age=parse_max_age(max_age), force=force)
            if on_start:
                on_start(sum(1 for i in items if i.due))
            return run(items, srcs, store, offline=offline, on_observation=on_observation)
        finally:
            close_all(srcs)


def counts(query, sources: str | Iterable[str] | None = None, *, window: str | None = None, by_year: bool = False,
           home=None, config=None) -> "pd.DataFrame":
    """Cached counts as a tidy DataFrame: one row per source, window, cell (and year with ``by_year``).

    Columns: source, window, year_from, year_to, year, method, task, count (nullable; NA where no
    count is cached, never 0), status (ok, unsupported, error, blocked, not fetched), query,
    corpus, fetched_at. Window totals unless ``by_year``, which gives the [trend] years instead:
    the method rows only; the source's total works per year (and those with an abstract) are
    ``year_totals``.
    """
    from survey.refreshing import SEARCHABLE, WORKS

    frame = _counts(query, sources, window, by_year, home, config)
    return frame[~frame["method"].isin([WORKS, SEARCHABLE])].reset_index(drop=True)


def year_totals(query, sources: str | Iterable[str] | None = None, *, home=None, config=None) -> "pd.DataFrame":
    """Each source's total works per year of the query file's [trend] (the denominator of ``rates``), as
    `survey refresh --by-year` caches them. Columns: source, year, count (NA where none is cached or
    the source gives no totals), with_abstract (those of the year's works with an abstract, where the
    source knows: a local corpus; NA elsewhere), status, query, corpus, fetched_at."""
    from survey.refreshing import SEARCHABLE, WORKS

    frame = _counts(query, sources, None, True, home, config)
    works = frame[frame["method"] == WORKS][["source", "year", "count", "status", "query", "corpus", "fetched_at"]]
    searchable = frame[frame["method"] == SEARCHABLE][["source", "year", "count"]].rename(columns={"count": "with_abstract"})
    out = works.merge(searchable, on=["source", "year"], how="left")
    out["with_abstract"] = out["with_abstract"].astype("Int64")
    return out[["source", "year", "count", "with_abstract", "status", "query", "corpus", "fetched_at"]].reset_index(drop=True)


def _counts(query, sources, window, by_year, home, config) -> "pd.DataFrame":
    import pandas as pd

    matrix = _matrix(query)
    if window is not None:
        matrix.window(window)  # an unknown window name is an error naming the known ones
    if by_year and matrix.trend is None:
        raise BadInput(f"{matrix.path or matrix.name}: per-year counts need a [trend] table with from = YEAR")
    settings = load_settings(home, config)
    names = source_list(sources)
    with _store(settings) as store:
        reading = read(matrix, store, settings, names, by_year=by_year)
        reading.close()
    rows = []
    for i in reading.items:
        if (i.year is not None) != by_year or (window is not None and i.year is None and i.window.name.lower() != window.lower()):
            continue
        c = i.cached
        rows.append({
            "source": i.source, "window": i.window.name, "year_from": i.window.start, "year_to": i.window.end,
            "year": i.year, "method": i.cell.method, "task": i.cell.task,
            "count": c.count if c is not None and c.status == "ok" else None,
            "status": c.status if c is not None else "not fetched",
            "query": i.query if not i.unsupported else f"(unsupported: {i.unsupported})",
            "corpus": c.corpus if c is not None else (i.corpus or ""),
            "fetched_at": c.fetched_at if c is not None else None,
        })
    columns = ["source", "window", "year_from", "year_to", "year", "method", "task", "count", "status",
               "query", "corpus", "fetched_at"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"year_from": "Int64", "year_to": "Int64", "year": "Int64", "count": "Int64"})


def tables(query, sources: str | Iterable[str] | None = None, *, window: str | None = None, home=None, config=None):
    """Study-shaped tables (methods x tasks) per source and window, and the sources without data."""
    from survey import analysis

    matrix = _matrix(query)
    windows = [matrix.window(window)] if window else matrix.windows
    settings = load_settings(home, config)
    with _store(settings) as store:
        reading = read(matrix, store, settings, source_list(sources), by_year=False)
        reading.close()
    shown = reading.with_data if not source_list(sources) else list(reading.sources)
    out = [analysis.study_table(reading.observations, matrix, s, w) for s in shown for w in windows]
    return out, reading.without_data


def export_counts(path: Pathish, query=None, sources: str | Iterable[str] | None = None, *, home=None, config=None) -> int:
    """Write observations as CSV: all of them, or with ``query`` every fetch of that file's queries
    (window totals and trend years) from the named sources (default: those with answers)."""
    settings = load_settings(home, config)
    with _store(settings) as store:
        if query is None:
            return store.export_csv(path)
        matrix = _matrix(query)
        reading = read(matrix, store, settings, source_list(sources), by_year=True)
        reading.close()
        rows = stored_history(store, reading.items, relabel=False)
        rows.sort(key=lambda o: (o.source, o.query, o.year_from or 0, o.year or 0, o.fetched_at))
        return store.export_csv(path, rows)


def history(method: str, task: str, query=None, sources: str | Iterable[str] | None = None, *, home=None,
            config=None):
    """Every observation of a cell, oldest first per query: with ``query``, only the fetches of that
    file's compiled queries for the cell; else every observation so labelled. ``sources``: one source
    (a name or a list of one), or None for every source."""
    source = one_source(sources, "history") if source_list(sources) else None
    settings = load_settings(home, config)
    with _store(settings) as store:
        if source is not None and source not in store.sources():
            source = resolve_name(source, settings, store)
        if query is None:
            rows = store.history(method, task, source)
        else:
            matrix = _matrix(query)
            cell = matrix.cell(method, task)
            reading = read(matrix, store, settings, [source] if source else None, by_year=True)
            reading.close()
            rows = stored_history(store, [i for i in reading.items if i.cell is cell])
    return sorted(rows, key=lambda o: (o.source, o.year is not None, o.year or 0, o.query, o.fetched_at))


def import_counts(path: Pathish, *, home=None, config=None) -> tuple[int, int]:
    """Add the observations of an exported CSV; returns (added, already cached)."""
    settings = load_settings(home, config)
    with _store(settings) as store:
        return store.import_csv(path)


def report(query, sources: str | Iterable[str] | None = None, *, output: Pathish | None = None, preface: str | None = None,
           experiment: Pathish | None = None, command: str | None = None, online_samples: bool = False,
           home=None, config=None, labels: Iterable[Pathish] | None = None) -> "ReportResult":
    """Write the Markdown report (figures and plan CSV beside it) from the cache; never fetches counts.

    ``output`` defaults to ``reports/<query file stem>.md``. ``experiment``: a results file to show
    (default: the one the query file names, if any). ``preface``: Markdown placed under the title.
    ``labels``: committed label files or folders of them (CSV), used beside the labels store.
    """
    from survey.reporting import write_report

    matrix = _matrix(query)
    stem = Path(matrix.path).stem if matrix.path else matrix.name
    out_path = Path(output) if output else Path("reports") / f"{stem}.md"
    _check_writable(out_path)
    settings = load_settings(home, config)
    with _store(settings) as store:
        reading = read(matrix, store, settings, source_list(sources), by_year=True)
        try:
            return write_report(matrix, store, settings, out_path, reading=reading, command=command,
                                preface=preface, results_path=experiment, online_samples=online_samples,
                                labels=labels)
        finally:
            reading.close()


# The evidence calls live beside, imported last: they use the helpers above.
from survey.api_evidence import (  # noqa: E402
    export_variant_counts, labelling, parse_cell, rates, ratios, replay, robustness, shares, trend,
)
from survey.api_records import matches, senses  # noqa: E402
