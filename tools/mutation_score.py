"""The mutation score per core module, from the results `mutmut run` leaves in mutants/.

    python tools/mutation_score.py [--survivors] [--fail-under 90]
    python tools/mutation_score.py --survivor-names ['survey.store.*' ...]
    python tools/mutation_score.py --fingerprint 'survey.store.xǁStoreǁclear__mutmut_4' ...

Score = mutants the tests detect (killed or timed out) / mutants checked, where a mutant listed
in mutation-equivalents.txt counts for neither: no test can tell it from the original. Modules
with mutants not yet run are marked partial rather than scored as if complete. mutmut's own
summary is one figure for the whole tree; this prints one per module.

An entry is `NAME diff:FINGERPRINT WHY`: the fingerprint is of the lines the mutant changed when
someone checked it (`mutmut show NAME`, then --fingerprint NAME). mutmut numbers mutants within a
function, so when a function changes, a name can come to mean another mutant. Before anything
runs, an entry whose module, function or mutant is gone, whose mutant now changes other lines, or
that has no fingerprint is an error (exit 1), not a note: it would excuse a mutant nobody checked.

One kind of survivor is told equivalent by rule rather than listed by name: a mutant that only
changes the letter case of an SQL statement with no quoted literal or interpolation in it
(SQLite's keywords, identifiers and pragma names ignore case). mutmut writes such a mutant for
nearly every statement; each is checked against its diff here, counted under "equiv".
"""

from __future__ import annotations

import argparse
import difflib
import fnmatch
import hashlib
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import NamedTuple


ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "mutation-equivalents.txt"
DETECTED = {"killed", "timeout", "caught by type check"}


class Entry(NamedTuple):
    why: str
    fingerprint: str | None  # of the lines the mutant changes, when the entry was checked


_FINGERPRINT = re.compile(r"diff:([0-9a-f]{10})")


def load_equivalents(path: Path = EQUIVALENTS) -> dict[str, Entry]:
    """name -> Entry, from lines `NAME [diff:FINGERPRINT] WHY`."""
    out = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, rest = line.partition(" ")
                first, _, why = rest.partition(" ")
                mark = _FINGERPRINT.fullmatch(first)
                out[name] = Entry(why.strip(), mark.group(1)) if mark else Entry(rest.strip(), None)
    return out


def fingerprint(original: list[str], mutant: list[str]) -> str:
    """What a mutant changes, without line numbers or indentation, so an entry stays tied to one
    mutation while its function changes elsewhere (mutmut renumbers a function's mutants when it
    changes, and an entry's number may then name another mutant)."""
    changed = [line[1:].strip() for line in difflib.unified_diff(original, mutant, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return hashlib.sha256("\n".join(changed).encode("utf-8")).hexdigest()[:10]


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
# Upper case, as this code writes SQL: a message that starts with "From" is not a statement.
_SQL = re.compile(r"\s*(SELECT|INSERT|CREATE|DROP|ATTACH|DETACH|PRAGMA|BEGIN|COMMIT|ROLLBACK|DELETE|UPDATE|FROM|WHERE)\b")


def sql_case_only(diff: str) -> bool:
    """Whether a mutant's diff changes nothing but the letter case of plain SQL statements."""
    lines = diff.splitlines()
    removed = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    if not removed or len(removed) != len(added) or removed == added:
        return False
    for old, new in zip(removed, added):
        if old == new:
            continue
        if old.lower() != new.lower() or _STRING.sub('""', old) != _STRING.sub('""', new):
            return False
        for a, b in zip(_STRING.findall(old), _STRING.findall(new)):
            if a != b and not (_SQL.match(a) and "'" not in a and "{" not in a and "\\" not in a):
                return False
    return True


def _sql_case_survivors(names: list[str], path: Path) -> set[str]:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    here = os.getcwd()
    os.chdir(ROOT)  # mutmut finds its mutants/ relative to the working directory
    try:
        return {n for n in names if sql_case_only(_diff(get_diff_for_mutant, n, path))}
    finally:
        os.chdir(here)


def _diff(get_diff, name: str, path: Path) -> str:
    try:
        return get_diff(name, path=path)
    except (FileNotFoundError, ValueError):  # mutants/ left from a run of other modules: no rule applies
        return ""


def _defined(source: str) -> set[str]:
    """Every name mutmut gives a mutated function in ``source``, without the mutant's number:
    x_NAME for a top-level function, xǁCLASSǁNAME for a method."""
    import ast

    out = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.add(f"x_{node.name}")
        elif isinstance(node, ast.ClassDef):
            out |= {f"xǁ{node.name}ǁ{f.name}" for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return out


def mutant_fingerprints(path: Path, root: Path) -> dict[str, str] | None:
    """The mutants mutmut makes of ``path`` now, each name (without the module) with the fingerprint of
    what it changes; None where mutmut is not installed."""
    try:
        from mutmut.mutation.file_mutation import mutate_file_contents
    except ImportError:
        return None
    code = path.read_text(encoding="utf-8")
    if "__mutmut_" in code:
        return None  # mutmut's own instrumented copy (the tests run in mutants/): not mutated twice
    mutated = mutate_file_contents(path.relative_to(root).as_posix(), code)
    lines, spans = mutated.code.splitlines(), mutated.line_span_by_function_name
    out = {}
    for name in mutated.mutant_names:
        original = name.rpartition("__mutmut_")[0] + "__mutmut_orig"
        a, b = spans[original], spans[name]
        out[name] = fingerprint(lines[a.start - 1:a.end],
                                [line.replace(name, original) for line in lines[b.start - 1:b.end]])
    return out


def unknown_entries(equivalents: dict[str, Entry], root: Path = ROOT, count_mutants: bool = False) -> dict[str, str]:
    """Listed equivalents that cannot name the mutant that was checked, found from the source without a
    run: their module or function is gone (renamed or moved), the name is not a mutant's, or (with
    ``count_mutants``, where mutmut is installed, as `make mutation` installs it; a minute or more for
    the whole core) the mutant is gone, changes other lines than when it was checked, or the entry has
    no fingerprint of what it changes. name -> why."""
    out, cache = {}, {}
    for name, entry in equivalents.items():
        module, dot, mangled = name.rpartition(".")
        function, sep, number = mangled.rpartition("__mutmut_")
        if not dot or not sep or not number.isdigit():
            out[name] = "not a mutant's name (MODULE.FUNCTION__mutmut_N)"
            continue
        if module not in cache:
            path = source_of(module, root)
            cache[module] = ((_defined(path.read_text(encoding="utf-8")),
                              mutant_fingerprints(path, root) if count_mutants else None) if path else None)
        shown = function.removeprefix("x_") if function.startswith("x_") else ".".join(function.split("ǁ")[1:])
        now = cache[module][1] if cache[module] else None
        if cache[module] is None:
            out[name] = f"no module {module}"
        elif function not in cache[module][0]:
            out[name] = f"no function {shown} in {module}"
        elif now is None:
            continue
        elif mangled not in now:
            count = sum(1 for m in now if m.rpartition("__mutmut_")[0] == function)
            out[name] = f"{shown} has {count} mutants now: its entries name other mutants since it changed"
        elif entry.fingerprint is None:
            out[name] = f"no diff: fingerprint; check `mutmut show {name}`, then add one with --fingerprint"
        elif entry.fingerprint != now[mangled]:
            out[name] = (f"changes other lines now (diff:{now[mangled]}, listed diff:{entry.fingerprint}): "
                         f"{shown} changed, so the number may name another mutant; check it again")
    return out


def source_of(module: str, root: Path = ROOT) -> Path | None:
    base = root.joinpath(*module.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


def write_fingerprints(patterns: list[str], path: Path = EQUIVALENTS, root: Path = ROOT) -> list[str]:
    """Write the fingerprint of what each listed mutant matching ``patterns`` changes now, for entries
    someone has just checked. Returns `NAME diff:FINGERPRINT` for each, or raises ValueError naming
    an entry that names no current mutant."""
    lines = path.read_text(encoding="utf-8").splitlines()
    cache, written = {}, []
    for i, line in enumerate(lines):
        name, _, rest = line.strip().partition(" ")
        if line.startswith("#") or not any(fnmatch.fnmatch(name, p) for p in patterns):
            continue
        module, _, mangled = name.rpartition(".")
        if module not in cache:
            source = source_of(module, root)
            cache[module] = mutant_fingerprints(source, root) if source else None
        if not cache[module] or mangled not in cache[module]:
            raise ValueError(f"{path.name}:{i + 1}: {name} names no current mutant")
        first, _, why = rest.partition(" ")
        why = why if _FINGERPRINT.fullmatch(first) else rest
        lines[i] = f"{name} diff:{cache[module][mangled]} {why.strip()}"
        written.append(f"{name} diff:{cache[module][mangled]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


def module_of(meta: Path) -> str:
    """mutants/survey/sources/openalex.py.meta -> sources/openalex"""
    rel = meta.relative_to(RESULTS / "survey").as_posix()
    return rel.removesuffix(".py.meta")


def collect(equivalents: dict[str, str]) -> dict[str, dict]:
    from mutmut.stats import status_by_exit_code  # here, so the rules above can be tested without mutmut

    modules = {}
    for meta in sorted(RESULTS.glob("survey/**/*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        if not codes:
            continue
        counts: Counter = Counter()
        survivors = []
        source = Path("survey") / meta.relative_to(RESULTS / "survey").as_posix().removesuffix(".meta")
        undetected = [n for n, c in codes.items() if n not in equivalents and status_by_exit_code[c] == "survived"]
        by_rule = _sql_case_survivors(undetected, source) if undetected else set()
        killed_listed = []
        for name, code in codes.items():
            status = verdict(status_by_exit_code[code], name in equivalents or name in by_rule)
            counts[status] += 1
            if status not in DETECTED | {"equivalent", "not checked", "skipped"}:
                survivors.append(f"{name} ({status})")
            if name in equivalents and status in DETECTED:
                killed_listed.append(name)
        modules[module_of(meta)] = {"counts": counts, "names": set(codes), "survivors": survivors,
                                    "killed_listed": killed_listed}
    return modules


def verdict(status: str, listed: bool) -> str:
    """A mutant's status for the score. A listed (or by-rule) mutant is equivalent unless a test
    killed it: then the entry is stale, naming another mutant since its function changed
    (mutmut numbers mutants within a function), and the kill counts."""
    return status if status in DETECTED or not listed else "equivalent"


def score(counts: Counter) -> tuple[int, int]:
    detected = sum(counts[s] for s in DETECTED)
    checked = sum(counts.values()) - counts["not checked"] - counts["skipped"] - counts["equivalent"]
    return detected, checked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--survivors", action="store_true", help="list every surviving mutant")
    ap.add_argument("--fail-under", type=float, help="exit 1 if a fully checked module scores below this")
    ap.add_argument("--survivor-names", nargs="*", metavar="PATTERN",
                    help="print only the names of surviving mutants (matching a pattern), for a rerun")
    ap.add_argument("--check-equivalents", action="store_true",
                    help="only check that every listed equivalent names a current function (no run needed)")
    ap.add_argument("--fingerprint", nargs="+", metavar="PATTERN",
                    help="after checking their diffs, record what the listed mutants matching a pattern change")
    args = ap.parse_args(argv)
    if args.fingerprint:
        try:
            for line in write_fingerprints(args.fingerprint):
                print(line)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        return 0
    equivalents = load_equivalents(EQUIVALENTS)
    # Listing survivors for a rerun leaves the slow check of every entry's mutant to the score.
    unknown = unknown_entries(equivalents, count_mutants=args.survivor_names is None)
    if unknown:
        # A stale entry would silently excuse whichever mutant takes its name next: an error, not a note.
        entries = "1 entry of" if len(unknown) == 1 else f"{len(unknown)} entries of"
        print(f"error: {entries} {EQUIVALENTS.name} name{'s' if len(unknown) == 1 else ''} no current mutant; "
              "remove or rename them:", file=sys.stderr)
        for name, why in sorted(unknown.items()):
            print(f"  {name}: {why}", file=sys.stderr)
        return 1
    if args.check_equivalents:
        return 0
    if not RESULTS.is_dir():
        if args.survivor_names is not None:
            return 0  # nothing has run yet: nothing to rerun
        print(f"{RESULTS}: no results; run `make mutation` first", file=sys.stderr)
        return 2
    modules = collect(equivalents)
    if args.survivor_names is not None:
        # mutmut keeps a verdict until the code changes; new tests only reach survivors named again.
        patterns = args.survivor_names or ["*"]
        for m in modules.values():
            for s in m["survivors"]:
                name = s.split(" ", 1)[0]
                if any(fnmatch.fnmatch(name, p) for p in patterns):
                    print(name)
        return 0
    header = f"{'module':<26}{'score':>8}{'killed':>8}{'checked':>9}{'survived':>10}{'no tests':>10}{'equiv':>7}{'pending':>9}"
    print(header)
    print("-" * len(header))
    low = []
    for name, m in modules.items():
        c = m["counts"]
        detected, checked = score(c)
        pct = f"{100 * detected / checked:.1f}%" if checked else "-"
        pending = c["not checked"]
        note = ("  not run" if not checked else "  partial") if pending else ""
        print(f"{name:<26}{pct:>8}{detected:>8}{checked:>9}{c['survived']:>10}{c['no tests']:>10}"
              f"{c['equivalent']:>7}{pending:>9}{note}")
        if args.fail_under is not None and checked and not pending and 100 * detected / checked < args.fail_under:
            low.append(name)
    if args.survivors:
        for name, m in modules.items():
            for s in m["survivors"]:
                print(s)
    measured = {f"survey.{name.replace('/', '.')}." for name in modules}
    stale = sorted(n for n in set(equivalents) - {k for m in modules.values() for k in m["names"]}
                   if any(n.startswith(prefix) for prefix in measured))
    if stale and modules:
        print(f"error: {len(stale)} listed equivalent(s) match no current mutant (its function has fewer "
              f"mutants now); remove them: {', '.join(stale)}")
    killed_listed = [n for m in modules.values() for n in m["killed_listed"]]
    if killed_listed:
        print(f"note: {len(killed_listed)} listed equivalent(s) were killed, so each entry now names another "
              f"mutant (its function changed); check them: {', '.join(killed_listed)}")
    if low:
        print(f"below {args.fail_under:g}%: {', '.join(low)}")
    return 1 if low or (stale and modules) else 0


if __name__ == "__main__":
    sys.exit(main())
