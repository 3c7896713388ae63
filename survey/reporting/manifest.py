"""The manifest beside a report, and its replay: every count the report used, so a reviewer can redo it.

``NAME.manifest.json`` holds the tool version, the query file and its SHA-256, and every
observation the report used: source, corpus identity, cell with its terms and, where not the
source's default, its fields ("title": titles only), window, year, compiled query, count,
status and fetch time. The terms make the manifest self-contained: ``replay`` rebuilds each
query tree from them, compiles it again (a query that compiles differently now is reported,
not counted) and counts it, so the drift it prints is the source's, not the query file's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from survey import __version__
from survey.errors import BadInput, SourceError
from survey.matrix import TITLE, TermSpec, cell_query

FORMAT = "survey-manifest/1"


def sha256(path) -> str | None:
    """The file's SHA-256, or None where it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _specs(raw) -> tuple:
    return tuple(TermSpec(t["term"], True) if t.get("exact") else t["term"] for t in raw)


def manifest(matrix, items, *, query_shown: str | None = None) -> dict:
    """The manifest of a report made from ``items`` (plan items with their cached answers)."""
    path = Path(matrix.path) if matrix.path else None
    observations, seen = [], set()
    for i in items:
        o = i.cached
        if o is None or o.key in seen:
            continue  # a variant's cell that the file queries the same way is the same count
        seen.add(o.key)
        terms = _cell_terms(i.cell)
        observations.append({
            "source": o.source, "corpus": o.corpus, "method": i.cell.method, "task": i.cell.task,
            "method_terms": terms[0], "task_terms": terms[1],
            "window": i.window.name, "year_from": i.window.start, "year_to": i.window.end, "year": i.year,
            "query": o.query, "count": o.count, "status": o.status, "fetched_at": o.fetched_at,
        })
        if i.cell.query is not None and i.cell.query.field:
            # Only where set: a manifest of default-field queries reads as before this key existed.
            observations[-1]["fields"] = i.cell.query.field
    return {
        "format": FORMAT,
        "tool": {"name": "survey", "version": __version__},
        # Derived from the counts, not the clock: the same counts give the same manifest.
        "counts_as_of": max((o["fetched_at"] for o in observations), default=None),
        "query_file": {"path": query_shown or (str(path) if path else None),
                       "sha256": sha256(path) if path else None},
        "observations": observations,
    }


def _cell_terms(cell) -> tuple[list | None, list | None]:
    # From the query tree, not the file's labels: a variant's cell carries its own terms. A year's
    # total output (all works) has no tree: its query is the source's own (``totals_query``).
    if cell.query is None:
        return None, None
    method_atoms, *task = cell.query.items
    return _atoms(method_atoms), (_atoms(task[0]) if task else [])


def _atoms(group) -> list[dict]:
    return [{"term": a.text, "exact": a.exact} for a in group.items]


def write_manifest(path, matrix, items, *, query_shown: str | None = None) -> Path:
    path = Path(path)
    doc = manifest(matrix, items, query_shown=query_shown)
    tmp = path.with_name(path.name + ".tmp")
    # One observation per line: readable, and a diff between two reports shows the counts that moved.
    head = json.dumps({k: v for k, v in doc.items() if k != "observations"}, indent=1, ensure_ascii=False)
    lines = ",\n  ".join(json.dumps(o, ensure_ascii=False) for o in doc["observations"])
    text = head[:-2] + ',\n "observations": [\n  ' + lines + "\n ]\n}\n"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


_OBS_KEYS = {"source", "corpus", "method", "task", "method_terms", "task_terms", "window", "year_from", "year_to",
             "year", "query", "count", "status", "fetched_at"}
_STATUSES = ("ok", "error", "unsupported", "blocked")


def load_manifest(path) -> dict:
    """The manifest at ``path``, every observation checked like user input: a malformed one is one
    line naming the file, the observation and the field (BadInput), never a traceback later."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{path}: no such manifest") from None
    except RecursionError:
        raise BadInput(f"{path}: not a readable manifest (nested too deeply to be one)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: not a readable manifest ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BadInput(f"{path}: not a survey manifest (expected \"format\": \"{FORMAT}\", "
                       "as `survey report` writes beside the report)")
    observations = doc.get("observations")
    if not isinstance(observations, list):
        raise BadInput(f"{path}: \"observations\" must be a list")
    for n, o in enumerate(observations, 1):
        if not isinstance(o, dict) or not _OBS_KEYS <= set(o):
            missing = sorted(_OBS_KEYS - set(o)) if isinstance(o, dict) else ["(not an object)"]
            raise BadInput(f"{path}: observation {n} lacks {', '.join(missing)}")
        problem = _invalid(o)
        if problem:
            raise BadInput(f"{path}: observation {n}: {problem}")
    return doc


def _invalid(o: dict) -> str | None:
    """What is wrong with one observation, naming the field; None if nothing is."""
    def text(value) -> bool:
        return isinstance(value, str)

    def year(value) -> bool:  # bool is an int in Python, never a year
        return value is None or (isinstance(value, int) and not isinstance(value, bool))

    checks = [
        ("source", text, "a source name"), ("corpus", lambda v: v is None or text(v), "a corpus identity or null"),
        ("method", text, "a method label"), ("task", text, "a task label"), ("window", text, "a window name"),
        ("year_from", year, "a year or null"), ("year_to", year, "a year or null"), ("year", year, "a year or null"),
        ("query", text, "the query sent, as text"), ("count", year, "a whole number or null"),
        ("status", lambda v: v in _STATUSES, f"one of {', '.join(_STATUSES)}"),
        ("fetched_at", text, "a fetch time as text"),
        ("fields", lambda v: v is None or v == TITLE, f"\"{TITLE}\" or null"),
    ]
    for key, ok, expected in checks:
        if key in o and not ok(o[key]):
            return f"{key} must be {expected}, got {_shown(o[key])}"
    if o["method_terms"] is None:
        # A year's total output (all works) has no terms: its query is the source's own.
        return None if o["task_terms"] is None else "task_terms must be null where method_terms is (all works)"
    for key in ("method_terms", "task_terms"):
        terms = o[key]
        if not isinstance(terms, list) or (key == "method_terms" and not terms):
            return f"{key} must be a list of {{\"term\": TEXT, \"exact\": true|false}}, got {_shown(terms)}"
        for t in terms:
            if not (isinstance(t, dict) and text(t.get("term")) and t["term"].strip()
                    and isinstance(t.get("exact", False), bool)):
                return f"{key} must hold {{\"term\": TEXT, \"exact\": true|false}} objects, got {_shown(t)}"
    return None


def _shown(value) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except RecursionError:
        return "a value nested too deeply"
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- replay


@dataclass(frozen=True)
class Change:
    source: str
    cell: str
    where: str  # window name, or the year
    before: int | None
    after: int | None
    note: str = ""  # why there is no comparable count, or that the corpus changed

    @property
    def delta(self) -> int | None:
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass
class Replay:
    checked: int = 0  # counts compared
    changes: list[Change] = field(default_factory=list)
    not_replayed: list[str] = field(default_factory=list)  # sources or observations that could not be counted

    @property
    def drifted(self) -> bool:
        return bool(self.changes)

    @property
    def complete(self) -> bool:
        """Whether every count of the manifest was checked: a replay that skipped some proves less."""
        return not self.not_replayed


# Why a count has no comparable figure now. A refusal is not compared with the stored query as text:
# a query stored as "(unsupported: …)" would then pass for a match.
COMPILES_DIFFERENTLY = "the query compiles differently now"
CANNOT_COMPILE = "the query cannot be compiled now"
NO_YEAR_NOW = "the source's answer now has no count for this year"


def replay(doc: dict, sources: dict, why_not: dict[str, str] | None = None) -> Replay:
    """Count every ok observation of ``doc`` again in ``sources`` (name -> Source). The counts of the
    other sources are named as not replayed, with ``why_not[name]`` where given. Observations without
    a count (unsupported, failed) have nothing to recount."""
    out = Replay()
    counted = [o for o in doc["observations"] if o["status"] == "ok"]
    mine = [o for o in counted if o["source"] in sources]
    left: dict[str, int] = {}
    for o in counted:
        if o["source"] not in sources:
            left[o["source"]] = left.get(o["source"], 0) + 1
    for name, n in sorted(left.items()):
        why = (why_not or {}).get(name, "not among the sources asked for")
        out.not_replayed.append(f"{name}: {n} count{'s' if n != 1 else ''} not replayed ({why})")
    groups: dict[tuple, list[dict]] = {}
    for o in mine:
        o = {**o, "fields": _fields_as_sent(sources[o["source"]], o)}
        key = (o["source"], json.dumps([o["method_terms"], o["task_terms"], o["fields"]]), o["year"] is None)
        groups.setdefault(key, []).append(o)
    for (name, _, totals), obs in groups.items():
        source = sources[name]
        if obs[0]["method_terms"] is None:
            for method in dict.fromkeys(o["method"] for o in obs):  # all works; works with an abstract
                _replay_year_totals(source, name, [o for o in obs if o["method"] == method], out)
            continue
        query = cell_query(_specs(obs[0]["method_terms"]), _specs(obs[0]["task_terms"]), obs[0].get("fields"))
        identity = source.identity()
        corpus_note = "corpus content changed since" if identity and identity != obs[0]["corpus"] else ""
        try:
            if not totals and source.capabilities.per_year_one_call:
                years = [o["year"] for o in obs]
                per_year = source.count_by_year(query, min(years), max(years))
        except SourceError as exc:
            out.not_replayed.append(f"{name} {obs[0]['method']}:{obs[0]['task']} per year: {exc}")
            continue
        for o in obs:
            cell, where = f"{o['method']}:{o['task']}", o["window"] if totals else str(o["year"])
            try:
                compiled = source.compile(query, o["year_from"], o["year_to"])
            except SourceError as exc:
                out.changes.append(Change(name, cell, where, o["count"], None, f"{CANNOT_COMPILE}: {exc}"))
                continue
            if compiled != o["query"]:
                out.changes.append(Change(name, cell, where, o["count"], None, COMPILES_DIFFERENTLY))
                continue
            try:
                now = (per_year.get(o["year"]) if not totals and source.capabilities.per_year_one_call
                       else source.count(query, o["year_from"], o["year_to"]))
            except SourceError as exc:
                out.not_replayed.append(f"{name} {cell} {where}: {exc}")
                continue
            if now is None:
                out.not_replayed.append(f"{name} {cell} {where}: {NO_YEAR_NOW}")
                continue
            out.checked += 1
            if now != o["count"]:
                out.changes.append(Change(name, cell, where, o["count"], now, corpus_note))
    return out


def _fields_as_sent(source, o: dict):
    """``o``'s fields. A manifest written before the "fields" key existed does not say whether a count
    was of titles only; the query it records as sent does, so the reading that compiles to it is taken."""
    if "fields" in o or o["method_terms"] is None:
        return o.get("fields")
    titles = cell_query(_specs(o["method_terms"]), _specs(o["task_terms"]), TITLE)
    try:
        return TITLE if source.compile(titles, o["year_from"], o["year_to"]) == o["query"] else None
    except SourceError:
        return None  # replayed as the default reading, which says why it cannot be compiled


def _replay_year_totals(source, name: str, obs: list[dict], out: Replay) -> None:
    """All works per year (the denominators of per-1,000 trends), counted again in one call."""
    from survey.refreshing import SEARCHABLE

    years = [o["year"] for o in obs if o["year"] is not None]
    if not years:
        return
    searchable = obs[0]["method"] == SEARCHABLE
    try:
        now = (source.searchable_totals if searchable else source.year_totals)(min(years), max(years))
    except SourceError as exc:
        out.not_replayed.append(f"{name} {'works with an abstract' if searchable else 'all works'} per year: {exc}")
        return
    for o in obs:
        cell = f"{o['method']}:{o['task']}"
        try:
            compiled = (source.compile_searchable_totals(o["year"], o["year"])[o["year"]] if searchable
                        else source.totals_query(o["year_from"], o["year_to"]))
        except SourceError as exc:
            out.changes.append(Change(name, cell, str(o["year"]), o["count"], None, f"{CANNOT_COMPILE}: {exc}"))
            continue
        if compiled != o["query"]:
            out.changes.append(Change(name, cell, str(o["year"]), o["count"], None, COMPILES_DIFFERENTLY))
            continue
        if now.get(o["year"]) is None:
            out.not_replayed.append(f"{name} all works {o['year']}: {NO_YEAR_NOW}")
            continue
        out.checked += 1
        if now[o["year"]] != o["count"]:
            out.changes.append(Change(name, cell, str(o["year"]), o["count"], now[o["year"]]))
