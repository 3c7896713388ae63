"""Plan which counts are missing or stale, then fetch them.

``plan`` compiles every (source, cell, window[, year]) without touching the network and looks
each key up in the store. ``run`` fetches what the plan marks as due: sources in parallel, each
source at its own concurrency, every observation committed as it arrives. After a source says
it is blocked, nothing more is sent to it in this run; the other sources go on.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable

from survey.errors import Blocked, SourceError, Unreachable, Unsupported
from survey.matrix import Cell, Matrix, Window, describe
from survey.sources.base import Source
from survey.observation import Key, Observation, is_fresh
from survey.store import Store

TREND = "trend"
# The method and task label of a year's total output (all works, no query): the denominator of
# "matches per 1,000 works". Stored and cached like any count, under the source's own query.
WORKS = "(all works)"
WORKS_CELL = Cell(WORKS, WORKS, None)
# The works of a year with an abstract, where the source knows (a local corpus): the coverage
# of what a title-and-abstract search can find, cached like the year's total.
SEARCHABLE = "(works with an abstract)"
SEARCHABLE_CELL = Cell(SEARCHABLE, SEARCHABLE, None)
TOTALS_CELLS = (WORKS_CELL, SEARCHABLE_CELL)


@dataclass(frozen=True)
class PlanItem:
    source: str
    cell: Cell
    window: Window  # the window's own, or the one-year window "trend" for per-year rows
    year: int | None
    query: str  # compiled query, or "" where unsupported
    unsupported: str | None
    cached: Observation | None
    fresh: bool

    corpus: str | None = ""  # the source's identity(); None: any (a corpus not on this machine)
    rate: float | None = None  # the source's requests per second, for time estimates

    @property
    def key(self) -> Key:
        return Key(self.source, self.corpus or "", self.window.start, self.window.end, self.year, self.query)

    @property
    def due(self) -> bool:
        return not self.fresh


UNSUPPORTED_QUERY = "(unsupported)"


def plan(
    matrix: Matrix,
    sources: dict[str, Source],
    store: Store,
    *,
    by_year: bool = False,
    max_age: timedelta | None = timedelta(days=30),
    force: bool = False,
    now: datetime | None = None,
    windows: list[Window] | None = None,
    answers: dict | None = None,
) -> list[PlanItem]:
    """Every (source, cell, window[, trend year]) with its compiled query and the row answering it.

    A row answers only the same source, corpus identity, compiled query, window and year; its
    labels are relabelled to the cell's, so a renamed row keeps its counts. ``windows``: these
    windows instead of the file's (``[]``: the per-year items alone). ``answers``: a dict that keeps
    each source's rows by key between calls that plan many query files against an unchanged store
    (the robustness variants); whoever writes to the store in between must clear it.
    """
    now = now or store.clock()
    items: list[PlanItem] = []
    for name, source in sources.items():
        corpus = source.identity()
        if answers is None:
            latest = _answers(store.latest(name), corpus)
        elif (name, corpus) in answers:
            latest = answers[(name, corpus)]
        else:
            latest = answers[(name, corpus)] = _answers(store.latest(name), corpus)
        for cell in matrix.cells:
            for window in matrix.windows if windows is None else windows:
                items.append(_item(name, corpus, source, cell, window, None, latest, max_age, force, now))
        years = matrix.trend.years(now.year) if by_year and matrix.trend else []
        # Per year: every cell, then the year's total output (the denominator of per-1,000 rates).
        coverage = [SEARCHABLE_CELL] if years and source.capabilities.searchable_totals else []
        for cell in [*matrix.cells, WORKS_CELL, *coverage] if years else []:
            compiled = _compile_by_year(source, cell, years)
            for year in years:
                trend = Window(TREND, year, year)
                items.append(_item(name, corpus, source, cell, trend, year, latest, max_age, force, now, compiled[year]))
    return items


def _compile_by_year(source, cell, years) -> dict[int, tuple[str, str | None]]:
    """Per year, the request that answers it (one shared request where one call answers every
    year, as OpenAlex's group_by) and the reason where unsupported."""
    try:
        if cell is WORKS_CELL:
            return {y: (q, None) for y, q in source.compile_year_totals(years[0], years[-1]).items()}
        if cell is SEARCHABLE_CELL:
            return {y: (q, None) for y, q in source.compile_searchable_totals(years[0], years[-1]).items()}
        return {y: (q, None) for y, q in source.compile_by_year(cell.query, years[0], years[-1]).items()}
    except Unsupported as exc:
        # Each cell keeps its own key: the source-neutral tree stands in for the query not sent.
        shown = cell.method if cell in TOTALS_CELLS else describe(cell.query)
        return {y: (f"{UNSUPPORTED_QUERY} {shown}", str(exc)) for y in years}


def _answers(rows: list[Observation], corpus: str | None) -> dict[Key, Observation]:
    """Rows by key; with an unknown corpus (None), the latest answer of any corpus per query."""
    if corpus is not None:
        return {o.key: o for o in rows if o.corpus == corpus}
    best: dict[Key, Observation] = {}
    for o in rows:
        key = replace(o.key, corpus="")
        if key not in best or (o.status == "ok", o.fetched_at) > (best[key].status == "ok", best[key].fetched_at):
            best[key] = o
    return best


def _item(name, corpus, source, cell, window, year, latest, max_age, force, now, compiled=None) -> PlanItem:
    if compiled is not None:
        query, reason = compiled
    else:
        try:
            query, reason = source.compile(cell.query, window.start, window.end), None
        except Unsupported as exc:
            # Each cell keeps its own key: the source-neutral tree stands in for the query not sent.
            query, reason = f"{UNSUPPORTED_QUERY} {describe(cell.query)}", str(exc)
    cached = latest.get(Key(name, corpus or "", window.start, window.end, year, query))
    if cached is not None and (cached.method, cached.task) != (cell.method, cell.task):
        cached = replace(cached, method=cell.method, task=cell.task)
    fresh = not force and is_fresh(cached, max_age, now)
    return PlanItem(name, cell, window, year, query, reason, cached, fresh, corpus, source.rate_limit)


@dataclass
class Summary:
    fetched: int = 0
    cached: int = 0
    unsupported: int = 0
    errors: list[Observation] = field(default_factory=list)
    blocked: list[Observation] = field(default_factory=list)
    skipped: list[PlanItem] = field(default_factory=list)  # not sent: offline, after a block, or interrupted
    unreachable: dict[str, str] = field(default_factory=dict)  # source -> why
    interrupted: bool = False
    offline: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.blocked or self.unreachable or self.interrupted)


# After Ctrl-C, requests in flight are cut (their sockets shut) and get this long to wind down;
# whatever has not ended by then is abandoned, so one Ctrl-C ends any refresh within ~2 s.
GRACE_S = 1.5


@dataclass(eq=False)
class _Job:
    source: str
    items: list[PlanItem]  # one item, or the per-year items of one cell fetched in one call
    span: tuple[int, int] | None = None  # per-year jobs: the years the one request asks for


def _jobs(due: list[PlanItem], items: list[PlanItem], sources: dict[str, Source]) -> list[_Job]:
    jobs: list[_Job] = []
    per_year: dict[tuple, list[PlanItem]] = defaultdict(list)
    for item in due:
        if item.cell in TOTALS_CELLS or (item.year is not None and sources[item.source].capabilities.per_year_one_call):
            per_year[_group(item)].append(item)
        else:
            jobs.append(_Job(item.source, [item]))
    # The request must be the one the plan compiled and stored as each row's query: it spans
    # every planned year of the cell, fresh ones included, not only the years now due.
    spans: dict[tuple, tuple[int, int]] = {}
    for item in items:
        if item.year is not None:
            lo, hi = spans.get(_group(item), (item.year, item.year))
            spans[_group(item)] = (min(lo, item.year), max(hi, item.year))
    for key, group in per_year.items():
        if not sources[key[0]].capabilities.per_year_one_call:  # one request per year anyway
            spans[key] = (min(i.year for i in group), max(i.year for i in group))
        jobs.append(_Job(key[0], group, spans[key]))
    return jobs


def _group(item: PlanItem) -> tuple:
    return (item.source, item.cell.method, item.cell.task)


def run(
    items: list[PlanItem],
    sources: dict[str, Source],
    store: Store,
    *,
    offline: bool = False,
    on_observation: Callable[[Observation], None] | None = None,
    stop: threading.Event | None = None,
) -> Summary:
    """Fetch every due item; return what happened. Safe to interrupt: see module docstring."""
    started = time.monotonic()
    summary = Summary(cached=sum(1 for i in items if i.fresh), offline=offline)
    stop = stop or threading.Event()
    lock = threading.Lock()
    blocked_sources: set[str] = set()
    closed = threading.Event()  # set when run returns: abandoned workers record nothing after it

    def save(obs: Observation) -> None:
        with lock:
            if closed.is_set():
                return
            obs = store.record(obs)
            if obs.status == "ok":
                summary.fetched += 1
            elif obs.status == "unsupported":
                summary.unsupported += 1
            elif obs.status == "blocked":
                summary.blocked.append(obs)
            else:
                summary.errors.append(obs)
        if on_observation:
            on_observation(obs)

    due = [i for i in items if i.due]
    try:
        for item in [i for i in due if i.unsupported]:
            save(_observation(item, None, "unsupported", item.unsupported, 0.0))
    except KeyboardInterrupt:
        summary.interrupted = True
        summary.skipped.extend(i for i in due if not i.unsupported)
        summary.seconds = time.monotonic() - started
        return summary
    due = [i for i in due if not i.unsupported]
    if offline:
        summary.skipped.extend(due)
        summary.seconds = time.monotonic() - started
        return summary

    def skip(job: _Job):
        with lock:
            if not closed.is_set():
                summary.skipped.extend(job.items)

    def work(job: _Job):
        if stop.is_set() or job.source in blocked_sources:
            skip(job)
            return
        source = sources[job.source]
        t0 = time.monotonic()
        try:
            if job.span is None:
                item = job.items[0]
                results = {item.year: source.count(item.cell.query, item.window.start, item.window.end)}
            elif job.items[0].cell is WORKS_CELL:
                results = source.year_totals(*job.span)
            elif job.items[0].cell is SEARCHABLE_CELL:
                results = source.searchable_totals(*job.span)
            else:
                results = source.count_by_year(job.items[0].cell.query, *job.span)
        except Blocked as exc:
            blocked_sources.add(job.source)
            for item in job.items:
                save(_observation(item, None, "blocked", str(exc), time.monotonic() - t0))
            return
        except Unreachable as exc:
            # One failed connection says enough: the rest of this source's cells are skipped, not
            # each retried into the same wall.
            blocked_sources.add(job.source)
            with lock:
                summary.unreachable[job.source] = str(exc)
            skip(job)
            return
        except Unsupported as exc:
            for item in job.items:
                save(_observation(item, None, "unsupported", str(exc), time.monotonic() - t0))
            return
        except SourceError as exc:
            if stop.is_set():
                # Abandoned by Ctrl-C mid-request: not an answer from the source, so not recorded.
                skip(job)
                return
            for item in job.items:
                save(_observation(item, None, "error", str(exc), time.monotonic() - t0))
            return
        except Exception as exc:  # a bug in a source must not lose the rest of the run
            for item in job.items:
                save(_observation(item, None, "error", f"{type(exc).__name__}: {exc}", time.monotonic() - t0))
            return
        elapsed = (time.monotonic() - t0) / max(1, len(job.items))
        for item in job.items:
            if item.year in results:
                save(_observation(item, results[item.year], "ok", None, elapsed))
            else:
                save(_observation(item, None, "error", f"no count for {item.year} in the response", elapsed))

    jobs = _jobs(due, items, sources)
    unfinished = set(range(len(jobs)))
    queues: dict[str, deque] = defaultdict(deque)
    for n, job in enumerate(jobs):
        queues[job.source].append((n, job))
    failures: list[BaseException] = []
    alive = [0]
    all_done = threading.Event()

    def worker(queue: deque):
        try:
            while not stop.is_set():
                try:
                    n, job = queue.popleft()
                except IndexError:
                    return
                try:
                    work(job)
                except BaseException as exc:  # the store failing: end the run, report it
                    with lock:
                        failures.append(exc)
                    stop.set()
                with lock:
                    unfinished.discard(n)
        finally:
            with lock:
                alive[0] -= 1
                if alive[0] == 0:
                    all_done.set()

    # Daemon threads, not an executor: a request that ignores everything must never keep the
    # process alive after the user has asked it to stop.
    threads = []
    for name, queue in queues.items():
        for _ in range(min(len(queue), max(1, sources[name].concurrency))):
            threads.append(threading.Thread(target=worker, args=(queue,), name=f"survey-{name}", daemon=True))
    alive[0] = len(threads)
    if not threads:
        all_done.set()
    for t in threads:
        t.start()
    try:
        while not all_done.wait(0.1):
            if stop.is_set():
                summary.interrupted = not failures  # a caller's stop event ends the run like Ctrl-C
                break
    except KeyboardInterrupt:
        summary.interrupted = True
    if not all_done.is_set():
        stop.set()
        store.interrupt()  # a worker waiting for another process's lock on the cache gives up
        for source in sources.values():
            cancel = getattr(source, "cancel", None)
            if cancel is not None:
                cancel()  # waits end and sockets in flight are shut
        try:
            all_done.wait(GRACE_S)
        except KeyboardInterrupt:
            pass  # a second Ctrl-C: leave at once
    with lock:
        closed.set()
        for n in sorted(unfinished):
            summary.skipped.extend(jobs[n].items)
    summary.seconds = time.monotonic() - started
    if failures and not summary.interrupted:
        raise failures[0]
    return summary


def _observation(item: PlanItem, count, status, error, duration) -> Observation:
    if item.corpus is None:
        raise Unreachable(f"{item.source}: its corpus is not on this machine, so nothing can be counted in it")
    return Observation(
        corpus=item.corpus,
        source=item.source,
        method=item.cell.method,
        task=item.cell.task,
        window=item.window.name,
        year_from=item.window.start,
        year_to=item.window.end,
        year=item.year,
        query=item.query,
        count=count,
        status=status,
        error=error,
        duration_s=round(duration, 4),
    )
