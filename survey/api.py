"""The public API: what a notebook needs, with the CLI's semantics and errors.

::

    import survey
    survey.refresh("queries/x.toml", sources=["local:acl"], by_year=True)
    frame = survey.counts("queries/x.toml", source="local:acl", by_year=True)   # a pandas DataFrame
    survey.report("queries/x.toml", "reports/x.md")

Every call takes ``home`` (the state folder; default ``SURVEY_HOME`` or the user data folder)
and ``config`` (a TOML settings file). Errors are the typed exceptions of ``survey.errors``:
``BadInput`` (and its ``QueryFileError``, ``UnknownSource``, ``ConfigError``) for input to fix,
``StoreError`` for a cache that cannot be used, ``SurveyError`` as their base.

A count answers a cell only when it came from the same source, the same compiled query, window
and year, and for a local corpus the same corpus content: labels are for display.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from survey.errors import BadInput, UnknownSource
from survey.matrix import Matrix, load_matrix

if TYPE_CHECKING:
    import pandas as pd

    from survey.refresh import PlanItem, Summary
    from survey.report import ReportResult
    from survey.sources.base import Source
    from survey.store import Observation, Store

__all__ = ["counts", "plan", "refresh", "report", "tables", "export_counts", "import_counts", "load_settings",
           "Reading", "read"]

Pathish = str | os.PathLike


def load_settings(home: Pathish | None = None, config: Pathish | None = None):
    from survey.config import load_settings as load

    return load(home, config)


def _matrix(query: Pathish | Matrix) -> Matrix:
    return query if isinstance(query, Matrix) else load_matrix(query)


def _store(settings, *, write: bool) -> "Store":
    from survey.store import Store

    return Store(settings.cache_path, readonly=None if write else _readonly(settings.cache_path))


def _readonly(path: Path) -> bool | None:
    # A reader opens an existing cache read-only where it cannot write; None lets Store decide.
    return None if not path.exists() else not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def parse_max_age(value: str | timedelta | None) -> timedelta | None:
    """'30d', '12h', '90m', '45s', '0' (always refetch) or 'never' (cached forever)."""
    import re

    if value is None or isinstance(value, timedelta):
        return value
    text = str(value).strip().lower()
    if text in ("never", "inf", "forever"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([dhms]?)", text)
    if not m:
        raise BadInput(f"max age {value!r}: expected a number with a unit d, h, m or s (e.g. 30d), or 'never'")
    number, unit = float(m.group(1)), m.group(2) or "d"
    return timedelta(**{{"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}[unit]: number})


def _check_writable(out_path: Path) -> None:
    """Fail before any work where the report cannot be written, naming the path."""
    if out_path.exists() and out_path.is_dir():
        raise BadInput(f"{out_path}: is a directory; give a file name such as {out_path / 'report.md'}")
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        probe = out_path.with_name(f".{out_path.name}.probe")
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BadInput(f"{out_path}: cannot write the report there ({exc.strerror or exc}); choose another -o") from None


# ---------------------------------------------------------------- source names


def known_names(settings, store: "Store | None" = None) -> list[str]:
    """Every name a command accepts: online sources, imported corpora, and local sources with cached counts."""
    from survey.sources import REGISTRY
    from survey.sources.local import corpus_names

    names = list(REGISTRY) + [f"local:{n}" for n in corpus_names(settings)]
    if store is not None:
        names += [s for s in store.sources() if s.startswith("local:") and s not in names]
    return names


def unknown_source(name: str, settings, store: "Store | None" = None) -> UnknownSource:
    return UnknownSource(f"unknown source {name!r}; valid sources: {', '.join(known_names(settings, store))}")


def resolve_name(name: str, settings, store: "Store | None" = None) -> str:
    """The canonical name: ``local`` becomes ``local:NAME``; an unknown name is an error (exit 2)."""
    from survey.sources import REGISTRY
    from survey.sources.local import corpus_names

    name = name.strip()
    if name in REGISTRY:
        return name
    corpora = [f"local:{n}" for n in corpus_names(settings)]
    stored = [s for s in (store.sources() if store is not None else []) if s.startswith("local:")]
    if name == "local":
        candidates = corpora or stored
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise UnknownSource(
                f"no local corpus in {settings.corpora_dir}; import one with `survey corpus import FILE --name NAME`"
            )
        raise UnknownSource(f"several local corpora, say which: {', '.join(candidates)}")
    if name in corpora or name in stored:
        return name
    raise unknown_source(name, settings, store)


def make_sources(names: Iterable[str], settings, store: "Store | None" = None, *, reading: bool = False) -> dict:
    """Source objects by canonical name. ``reading``: a local corpus known only from the cache compiles
    its queries (to find its stored answers) without being on this machine."""
    from survey.sources import make_source
    from survey.sources.local import corpus_names
    from survey.sources.stored import StoredLocalSource

    out: dict[str, Source] = {}
    for raw in names:
        name = resolve_name(raw, settings, store)
        if name in out:
            continue
        if name.startswith("local:") and name.partition(":")[2] not in corpus_names(settings):
            if not reading:
                raise UnknownSource(
                    f"{name}: the corpus is not on this machine (only its cached counts are); "
                    f"import it with `survey corpus import FILE --name {name.partition(':')[2]}`"
                )
            out[name] = StoredLocalSource(name)
        else:
            out[name] = make_source(name, settings)
    return out


def configured_sources(settings, log: Callable[[str], None] = lambda m: None) -> dict:
    """Every source usable as configured (``--all``); the others are named through ``log``."""
    from survey.sources import make_source, source_names

    chosen = {}
    for name in source_names(settings):
        source = make_source(name, settings)
        ok, why = source.configured()
        if ok:
            chosen[name] = source
        else:
            source.close()
            log(f"skipping {name}: {why}")
    return chosen


def _close(sources: dict) -> None:
    for s in sources.values():
        s.close()


# ---------------------------------------------------------------- plan and refresh


def plan(query, sources: Iterable[str] = (), *, all_sources: bool = False, by_year: bool = False,
         max_age="30d", force: bool = False, home=None, config=None, log=lambda m: None) -> list["PlanItem"]:
    """The exact query each source is sent per cell (and year), with the cached answer, if any."""
    from survey.refresh import plan as make_plan

    matrix = _matrix(query)
    settings = load_settings(home, config)
    with _store(settings, write=False) as store:
        srcs = _chosen(sources, all_sources, settings, store, log)
        try:
            return make_plan(matrix, srcs, store, by_year=by_year, max_age=parse_max_age(max_age), force=force)
        finally:
            _close(srcs)


def _chosen(names, all_sources: bool, settings, store, log) -> dict:
    if all_sources:
        return configured_sources(settings, log)
    names = list(names)
    if not names:
        raise BadInput("name at least one source (-s NAME; see `survey sources`), or use --all")
    return make_sources(names, settings, store)


def refresh(query, sources: Iterable[str] = (), *, all_sources: bool = False, by_year: bool = False,
            max_age="30d", force: bool = False, offline: bool = False, home=None, config=None,
            log=lambda m: None, on_start: Callable[[int], None] | None = None,
            on_observation: Callable[["Observation"], None] | None = None) -> "Summary":
    """Fetch the counts that are missing or stale; each is saved as it arrives. Returns the summary."""
    from survey.refresh import plan as make_plan
    from survey.refresh import run

    matrix = _matrix(query)
    settings = load_settings(home, config)
    with _store(settings, write=True) as store:
        srcs = _chosen(sources, all_sources, settings, store, log)
        try:
            items = make_plan(matrix, srcs, store, by_year=by_year, max_age=parse_max_age(max_age), force=force)
            if on_start:
                on_start(sum(1 for i in items if i.due))
            return run(items, srcs, store, offline=offline, on_observation=on_observation)
        finally:
            _close(srcs)


# ---------------------------------------------------------------- reading


@dataclass
class Reading:
    """What the cache answers for a query file: per source, the plan items and their answers."""

    matrix: Matrix
    sources: dict  # name -> Source (a cache-only local source where its corpus is absent)
    items: list  # PlanItem, window totals and (with by_year) trend years
    with_data: list[str] = field(default_factory=list)  # sources with at least one answer
    without_data: list[str] = field(default_factory=list)  # named or configured, nothing cached

    @property
    def observations(self) -> list["Observation"]:
        """The answering observation of every item that has one, labelled as the query file labels it."""
        return [i.cached for i in self.items if i.cached is not None]

    def close(self) -> None:
        _close(self.sources)


def read(matrix: Matrix, store: "Store", settings, names: Iterable[str] | None = None, *,
         by_year: bool = True, now=None) -> Reading:
    """The answers in ``store`` to ``matrix`` for the named sources (default: every source with an answer)."""
    from survey.refresh import plan as make_plan
    from survey.sources import source_names

    explicit = names is not None and len(list(names)) > 0
    if explicit:
        wanted = list(dict.fromkeys(names))
    else:
        try:
            configured = source_names(settings)
        except Exception:  # an unreadable corpora folder must not stop a read of the cache
            configured = []
        wanted = list(dict.fromkeys(store.sources() + configured))
    srcs = make_sources(wanted, settings, store, reading=True)
    items = make_plan(matrix, srcs, store, by_year=False, max_age=None, now=now)
    answered = {i.source for i in items if i.cached is not None}
    if by_year and matrix.trend is not None:
        # Per-year items only where there are answers: compiling every year of every source never
        # fetched costs time and says nothing the window items do not.
        yearly = make_plan(matrix, {n: s for n, s in srcs.items() if n in answered or explicit}, store,
                           by_year=True, max_age=None, now=now)
        items = [i for i in items if i.source not in answered and not explicit] + yearly
        answered |= {i.source for i in yearly if i.cached is not None}
    with_data = [s for s in srcs if s in answered]
    without = [s for s in srcs if s not in answered]
    return Reading(matrix, srcs, items, with_data, without)


def counts(query, source: str | Iterable[str] | None = None, *, window: str | None = None, by_year: bool = False,
           home=None, config=None) -> "pd.DataFrame":
    """Cached counts as a tidy DataFrame: one row per source, window, cell (and year with ``by_year``).

    Columns: source, window, year_from, year_to, year, method, task, count (nullable; NA where no
    count is cached, never 0), status (ok, unsupported, error, blocked, not fetched), query,
    corpus, fetched_at. Window totals unless ``by_year``, which gives the [trend] years instead.
    """
    import pandas as pd

    matrix = _matrix(query)
    if window is not None:
        matrix.window(window)  # an unknown window name is an error naming the known ones
    if by_year and matrix.trend is None:
        raise BadInput(f"{matrix.path or matrix.name}: per-year counts need a [trend] table with from = YEAR")
    settings = load_settings(home, config)
    names = [source] if isinstance(source, str) else (list(source) if source is not None else None)
    with _store(settings, write=False) as store:
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


def tables(query, sources: Iterable[str] | None = None, *, window: str | None = None, home=None, config=None):
    """Study-shaped tables (methods x tasks) per source and window, and the sources without data."""
    from survey import analysis

    matrix = _matrix(query)
    windows = [matrix.window(window)] if window else matrix.windows
    settings = load_settings(home, config)
    with _store(settings, write=False) as store:
        reading = read(matrix, store, settings, list(sources) if sources else None, by_year=False)
        reading.close()
    shown = reading.with_data if not sources else list(reading.sources)
    out = [analysis.study_table(reading.observations, matrix, s, w) for s in shown for w in windows]
    return out, reading.without_data


def export_counts(path: Pathish, query=None, sources: Iterable[str] | None = None, *, home=None, config=None) -> int:
    """Write observations as CSV: all of them, or with ``query`` every fetch of that file's queries
    (window totals and trend years) from the named sources (default: those with answers)."""
    settings = load_settings(home, config)
    with _store(settings, write=False) as store:
        if query is None:
            return store.export_csv(path)
        matrix = _matrix(query)
        reading = read(matrix, store, settings, list(sources) if sources else None, by_year=True)
        reading.close()
        keys = {(i.source, i.window.start, i.window.end, i.year, i.query): i.corpus for i in reading.items}
        rows = []
        for o in store.history(queries={i.query for i in reading.items}):
            corpus = keys.get((o.source, o.year_from, o.year_to, o.year, o.query), "-")
            if corpus == "-" or (corpus is not None and corpus != o.corpus):
                continue
            rows.append(o)
        rows.sort(key=lambda o: (o.source, o.query, o.year_from or 0, o.year or 0, o.fetched_at))
        return store.export_csv(path, rows)


def history(method: str, task: str, query=None, source: str | None = None, *, home=None, config=None):
    """Every observation of a cell, oldest first per query: with ``query``, only the fetches of that
    file's compiled queries for the cell; else every observation so labelled."""
    settings = load_settings(home, config)
    with _store(settings, write=False) as store:
        if source is not None and source not in store.sources():
            source = resolve_name(source, settings, store)
        if query is None:
            rows = store.history(method, task, source)
        else:
            matrix = _matrix(query)
            cell = matrix.cell(method, task)
            reading = read(matrix, store, settings, [source] if source else None, by_year=True)
            reading.close()
            mine = [i for i in reading.items if i.cell is cell]
            keys = {(i.source, i.window.start, i.window.end, i.year, i.query) for i in mine}
            rows = [o for o in store.history(queries={i.query for i in mine})
                    if (o.source, o.year_from, o.year_to, o.year, o.query) in keys]
    return sorted(rows, key=lambda o: (o.source, o.year is not None, o.year or 0, o.query, o.fetched_at))


def import_counts(path: Pathish, *, home=None, config=None) -> tuple[int, int]:
    """Add the observations of an exported CSV; returns (added, already cached)."""
    settings = load_settings(home, config)
    with _store(settings, write=True) as store:
        return store.import_csv(path)


def report(query, output: Pathish | None = None, *, sources: Iterable[str] | None = None, preface: str | None = None,
           experiment: Pathish | None = None, command: str | None = None, online_samples: bool = False,
           home=None, config=None) -> "ReportResult":
    """Write the Markdown report (figures and plan CSV beside it) from the cache; never fetches counts.

    ``output`` defaults to ``reports/<query file stem>.md``. ``experiment``: a results file to show
    (default: the one the query file names, if any). ``preface``: Markdown placed under the title.
    """
    from survey.report import write_report

    matrix = _matrix(query)
    stem = Path(matrix.path).stem if matrix.path else matrix.name
    out_path = Path(output) if output else Path("reports") / f"{stem}.md"
    _check_writable(out_path)
    settings = load_settings(home, config)
    with _store(settings, write=False) as store:
        reading = read(matrix, store, settings, list(sources) if sources else None, by_year=True)
        try:
            return write_report(matrix, store, settings, out_path, reading=reading, command=command,
                                preface=preface, results_path=experiment, online_samples=online_samples)
        finally:
            reading.close()
