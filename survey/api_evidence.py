"""The public API's evidence calls: shares, ratios, rates, trends, labels, robustness and replay.

Re-exported by ``survey.api``; each takes ``home`` and ``config`` like the rest of the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from survey.api_support import Pathish, _matrix, _store, load_settings, one_source, parse_max_age, source_list
from survey.errors import BadInput
from survey.matrix import Matrix
from survey.reading import read
from survey.source_names import close_all, known_names, make_sources, resolve_name

if TYPE_CHECKING:
    import pandas as pd


def shares(query, sources: str | Iterable[str] | None = None, *, window: str | None = None, by_year: bool = False,
           home=None, config=None) -> "pd.DataFrame":
    """Each method's count, its share of all method matches in the task, and the 95% Wilson interval.

    One row per source, window, task and method (and year with ``by_year``, whose rows carry the
    window name ``trend``). Columns: source, window, year (NA for window totals), task, method,
    count, share, ci_low, ci_high (fractions), p_holm and claim (window rows only: the task's
    Holm-adjusted p-value over the tasks of its source and window, and leads, trails, unclear or
    too few; ``survey.evidence.claims``). A task where a method's count is missing, or with no
    match at all, has no share (NA), never a share of the methods that happen to be there; a
    source's documented estimates (Google Scholar, Semantic Scholar) have no interval or claim.
    """
    from survey.evidence.shares import shares as with_intervals

    return with_intervals(_method_counts(query, sources, window, by_year, home, config))


def _method_counts(query, sources, window, by_year, home, config) -> "pd.DataFrame":
    """``counts`` without, unless named, the sources never fetched."""
    from survey.api import counts  # the public call itself; api imports this module at its end

    frame = counts(query, sources, window=window, by_year=by_year, home=home, config=config)
    return frame[frame["status"] != "not fetched"] if source_list(sources) is None else frame


def ratios(query, sources: str | Iterable[str] | None = None, *, window: str | None = None, by_year: bool = False,
           home=None, config=None) -> "pd.DataFrame":
    """The ratios the query file asks for (``ratios = [[A, B]]``) per task, with the interval from A / (A + B)."""
    from survey.evidence.shares import ratios as ratio_rows

    matrix = _matrix(query)
    return ratio_rows(_method_counts(matrix, sources, window, by_year, home, config), list(matrix.ratios))


def _per_year_reading(matrix: Matrix, source: str, settings, store):
    if matrix.trend is None:
        raise BadInput(f"{matrix.path or matrix.name}: per-year counts need a [trend] table with from = YEAR")
    from survey.refreshing import SEARCHABLE, WORKS

    reading = read(matrix, store, settings, [source], by_year=True)
    rows, totals, searchable, fetched = [], {}, {}, []
    try:
        corpus = getattr(reading.sources.get(source), "corpus", None)
        complete = corpus.complete_through if corpus is not None else None
    finally:
        reading.close()
    for i in reading.items:
        if i.year is None:
            continue
        ok = i.cached is not None and i.cached.status == "ok"
        count = i.cached.count if ok else None
        if ok:
            fetched.append(i.cached.fetched)
        if i.cell.method == WORKS:
            if count:  # the year's total output, cached by `survey refresh --by-year`
                totals[i.year] = count
        elif i.cell.method == SEARCHABLE:
            if count:  # the year's works with an abstract, where the source knows
                searchable[i.year] = count
        else:
            rows.append({"method": i.cell.method, "task": i.cell.task, "year": i.year, "count": count})
    return rows, totals, searchable, (fetched, complete)


def rates(query, sources: str | Iterable[str], *, per: int = 1000, home=None, config=None) -> "pd.DataFrame":
    """Per-year counts beside the source's total works that year: columns source, method, task, year,
    count, works, and ``per_<per>`` (matches per ``per`` works). The totals are those cached by
    `survey refresh --by-year`; where there are none, works and the rate are NA (never a guessed total)."""
    import pandas as pd

    source = one_source(sources, "--per")
    if per <= 0:
        raise BadInput(f"--per {per}: expected a positive number of works, e.g. 1000")
    matrix = _matrix(query)
    settings = load_settings(home, config)
    with _store(settings) as store:
        name = resolve_name(source, settings, store)
        rows, totals, _, _ = _per_year_reading(matrix, name, settings, store)
    frame = pd.DataFrame(rows, columns=["method", "task", "year", "count"]).astype({"year": "Int64", "count": "Int64"})
    frame.insert(0, "source", name)
    works = frame["year"].map(lambda y: totals.get(int(y)) or None).astype("Int64")
    frame["works"] = works
    frame[f"per_{per}"] = (frame["count"].astype("Float64") * per / works.astype("Float64")).round(3)
    return frame


def trend(query, sources: str | Iterable[str], *, home=None, config=None) -> "pd.DataFrame":
    """Segmented trends per task and method for one source (``sources``: one name, ``survey.evidence.trends``):
    one row per fitted segment, columns source, task, method, measure (count; per_1000 where the
    source gives year totals; per_1000_searchable where it counts its works with an abstract; share),
    segment, from, to, change (annual percent change; odds ratio per year for a share), low, high
    (95% interval) and p (no change within the segment). Only complete years are fitted
    (``survey.evidence.complete_years``); ``frame.attrs["complete_years"]`` says which and why."""
    import pandas as pd

    from survey.evidence.complete_years import complete_years
    from survey.evidence.trends import frame as segments, series

    source = one_source(sources, "trend")
    matrix = _matrix(query)
    settings = load_settings(home, config)
    with _store(settings) as store:
        name = resolve_name(source, settings, store)
        rows, totals, searchable, (fetched, corpus_years) = _per_year_reading(matrix, name, settings, store)
    years = [r["year"] for r in rows if r["count"] is not None]
    if not years:
        raise BadInput(f"no per-year counts cached from {name} for {matrix.path or matrix.name}; run "
                       f"`survey refresh -q {matrix.path or 'FILE'} -s {name} --by-year` first")
    complete = complete_years(fetched, matrix.trend, corpus_years)
    frame = pd.DataFrame(rows, columns=["method", "task", "year", "count"])
    fitted, _ = series(frame, name, list(matrix.methods), list(matrix.tasks), totals=totals, searchable=searchable,
                       complete_through=complete.through)
    out = segments(fitted)
    out.attrs["complete_years"] = {"through": complete.through, "reasons": complete.reasons}
    return out


# ---------------------------------------------------------------- precision labels


def parse_cell(matrix: Matrix, text: str):
    """``METHOD:TASK`` to the matrix's cell; a malformed or unknown cell is one line naming the known ones."""
    method, sep, task = text.partition(":")
    if not sep or not method.strip() or not task.strip():
        raise BadInput(f"--cell {text!r}: expected METHOD:TASK, e.g. {matrix.cells[0].label}")
    return matrix.cell(method.strip(), task.strip())


def labelling(query, sources: str | Iterable[str], cell: str, *, n: int = 30, window: str | None = None, seed: int = 0,
              home=None, config=None):
    """Open the labelled sample of one cell (``METHOD:TASK``) in ``source``: drawn and stored on the first
    call, continued (and extended to ``n``) after. Returns a ``survey.labels.LabelSession``; close it."""
    from survey.labels import open_session

    source = one_source(sources, "labelling (audit)")
    matrix = _matrix(query)
    the_cell = parse_cell(matrix, cell)
    the_window = matrix.window(window) if window else matrix.windows[0]
    settings = load_settings(home, config)
    src = make_sources([source], settings)
    try:
        local = [s for s in known_names(settings) if s.startswith("local:")]
        return open_session(settings, next(iter(src.values())), the_cell, the_window, n, seed=seed, local=local)
    finally:
        close_all(src)


# ---------------------------------------------------------------- robustness and replay


def robustness(query, sources: str | Iterable[str], *, fetch: bool = True, max_age="never", home=None, config=None):
    """Every derived query variant counted in ``source`` (cached like any count; ``fetch=False`` reads
    the cache only). Returns (rows, verdicts): ``survey.evidence.variants.Row`` and ``TaskRobustness`` lists."""
    from survey.evidence.variants import assess, count, derive

    source = one_source(sources, "robustness")
    matrix = _matrix(query)
    settings = load_settings(home, config)
    with _store(settings) as store:
        srcs = make_sources([source], settings, store, reading=not fetch)
        try:
            (name, instance), = srcs.items()
            rows, _ = count(derive(matrix, instance.capabilities), name, instance, store, fetch=fetch,
                            max_age=parse_max_age(max_age))
        finally:
            close_all(srcs)
    return rows, assess(rows)


def replay(manifest: Pathish, sources: str | Iterable[str] | None = None, *, home=None, config=None):
    """Count every query of a report's manifest again; returns ``survey.reporting.manifest.Replay``.

    A source named in ``sources`` that cannot be used here is an error; by default, a source of the
    manifest that is not on this machine is named in ``not_replayed`` with the reason."""
    from survey.reporting.manifest import load_manifest, replay as run_replay

    named = source_list(sources)
    doc = load_manifest(manifest)
    wanted = named or sorted({o["source"] for o in doc["observations"]})
    settings = load_settings(home, config)
    srcs, why_not = {}, {}
    for name in wanted:
        try:
            srcs.update(make_sources([name], settings))
        except BadInput as exc:
            if named:
                raise
            corpus = name.partition(":")[2] if name.startswith("local:") else ""
            why_not[name] = (f"no corpus named {corpus} on this machine; import it with "
                             f"`survey corpus import FILE --name {corpus}`" if corpus else str(exc))
    try:
        return run_replay(doc, srcs, why_not)
    finally:
        close_all(srcs)


def export_variant_counts(path: Pathish, query, sources: str | Iterable[str], *, home=None, config=None) -> int:
    """Write the cached counts of every query variant (``robustness``) as a ``survey cache export`` CSV,
    so committed counts can carry the robustness section to a clone without the corpus."""
    from survey.evidence.variants import cached_observations

    source = one_source(sources, "export_variant_counts")
    matrix = _matrix(query)
    settings = load_settings(home, config)
    with _store(settings) as store:
        srcs = make_sources([source], settings, store, reading=True)
        try:
            rows = cached_observations(matrix, srcs, store)
        finally:
            close_all(srcs)
        return store.export_csv(path, rows)
