"""Reading a query file: TOML of methods, tasks, windows and a trend, checked and parsed into a Matrix.

Every error names the file, the line where it can be found, and what is expected
(:class:`survey.errors.QueryFileError`).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from survey.errors import QueryFileError
from survey.matrix import MAX_YEAR, MIN_YEAR, TITLE, Matrix, TermSpec, Trend, Window


_TOP_KEYS = {"name", "title", "stem", "fields", "methods", "tasks", "windows", "trend", "ratios", "reference",
             "experiment"}
_TERM_KEYS = {"term", "exact"}
_LABEL_KEYS = {"any", "not"}
_WINDOW_KEYS = {"name", "from", "to"}
_TREND_KEYS = {"from", "to", "complete_until", "reason"}


def load_matrix(path) -> Matrix:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryFileError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError(path, f"cannot read: {exc}") from None
    return parse_matrix(text, path)


def parse_matrix(text: str, path="<query>") -> Matrix:
    return _Parser(text, Path(path)).parse()


class _Parser:
    def __init__(self, text: str, path: Path):
        self.text = text
        self.path = path
        self.lines = text.splitlines()

    def fail(self, message: str, line: int | None = None):
        raise QueryFileError(self.path, message, line)

    def line_of(self, *patterns: str) -> int | None:
        """The first line matching the patterns in order (a key after its table header)."""
        start = 0
        found = None
        for pattern in patterns:
            rx = re.compile(pattern)
            for i in range(start, len(self.lines)):
                if rx.search(self.lines[i]):
                    found, start = i + 1, i + 1
                    break
            else:
                return found
        return found

    def key_line(self, table: str | None, key: str) -> int | None:
        key_rx = r"^\s*(\"|')?" + re.escape(key) + r"(\"|')?\s*="
        if table is None:
            return self.line_of(key_rx)
        return self.line_of(r"^\s*\[\s*" + re.escape(table) + r"\s*\]", key_rx)

    def parse(self) -> Matrix:
        if not self.text.strip():
            self.fail("file is empty; expected a [methods] table, a [tasks] table and optional [[windows]]")
        try:
            doc = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            m = re.search(r"\(at line (\d+), column \d+\)", message)
            line = int(m.group(1)) if m else None
            message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
            self.fail(f"not valid TOML: {message}", line)

        if not doc:
            self.fail("file is empty; expected a [methods] table, a [tasks] table and optional [[windows]]")
        for key in doc:
            if key not in _TOP_KEYS:
                self.fail(
                    f"unknown key {key!r}; expected one of {', '.join(sorted(_TOP_KEYS))}",
                    self.key_line(None, key) or self.line_of(r"^\s*\[+\s*" + re.escape(key)),
                )
        name = self.string(doc, "name", default=self.path.stem)
        title = self.string(doc, "title", default=name)
        stem = doc.get("stem", True)
        if not isinstance(stem, bool):
            self.fail(f"'stem' must be true or false, got {stem!r}", self.key_line(None, "stem"))
        method_exclusions: dict[str, tuple] = {}
        task_exclusions: dict[str, tuple] = {}
        methods = self.labels(doc, "methods", allow_empty_terms=False, stem=stem, exclusions=method_exclusions)
        tasks = self.labels(doc, "tasks", allow_empty_terms=True, stem=stem, exclusions=task_exclusions)
        windows = self.windows(doc.get("windows"))
        trend = self.trend(doc.get("trend"))
        ratios = self.ratios(doc.get("ratios", []), methods)
        reference = self.file_key(doc, "reference")
        experiment = self.file_key(doc, "experiment")
        fields = doc.get("fields")
        if fields is not None and fields != TITLE:
            self.fail(f"'fields' must be \"{TITLE}\" (titles only), or left out for each source's default fields; "
                      f"got {fields!r}", self.key_line(None, "fields"))
        return Matrix(name, title, methods, tasks, windows, trend, self.path, ratios, reference, experiment, fields,
                      method_exclusions, task_exclusions)

    def ratios(self, raw, methods: dict) -> list[tuple[str, str]]:
        line = self.key_line(None, "ratios")
        expected = 'a list of [numerator, denominator] method pairs, e.g. ratios = [["LSTM", "CNN"]]'
        if not isinstance(raw, list):
            self.fail(f"'ratios' must be {expected}", line)
        by_fold = {m.lower(): m for m in methods}
        out = []
        for pair in raw:
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
                self.fail(f"'ratios' entry {pair!r}: expected {expected}", line)
            resolved = []
            for label in pair:
                if label.strip().lower() not in by_fold:
                    self.fail(f"'ratios' names {label!r}, which is not a method; methods are {', '.join(methods)}", line)
                resolved.append(by_fold[label.strip().lower()])
            if resolved[0] == resolved[1]:
                self.fail(f"'ratios' entry {pair!r} compares a method with itself", line)
            out.append((resolved[0], resolved[1]))
        return out

    def file_key(self, doc, key: str) -> Path | None:
        """A file the query names, relative to the query file's folder, else to the working folder."""
        if key not in doc:
            return None
        value = doc[key]
        line = self.key_line(None, key)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"'{key}' must be a file path (a string)", line)
        raw = Path(value.strip()).expanduser()
        candidates = [raw] if raw.is_absolute() else [self.path.parent / raw, Path.cwd() / raw]
        candidates = [Path(os.path.normpath(c)) for c in candidates]
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        tried = " or ".join(str(c) for c in dict.fromkeys(candidates))
        self.fail(f"'{key}' names {value!r}, which is not a file (looked for {tried})", line)

    def string(self, doc, key, default):
        value = doc.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{key!r} must be a non-empty string", self.key_line(None, key))
        return value.strip()

    def labels(self, doc, table: str, allow_empty_terms: bool, stem: bool = True,
               exclusions: dict | None = None) -> dict[str, tuple]:
        if table not in doc:
            self.fail(f"missing [{table}] table: expected label = [\"term\", \"a phrase\", ...]")
        section = doc[table]
        header = self.line_of(r"^\s*\[\s*" + table + r"\s*\]")
        if not isinstance(section, dict):
            self.fail(f"{table!r} must be a table of label = [terms]", self.key_line(None, table))
        if not section:
            self.fail(f"[{table}] is empty: expected at least one label = [terms]", header)
        seen: dict[str, str] = {}
        out: dict[str, tuple[str, ...]] = {}
        for label, terms in section.items():
            line = self.key_line(table, label) or header
            if not label.strip():
                self.fail(f"[{table}] has an empty label", line)
            folded = label.strip().lower()
            if folded in seen:
                self.fail(f"duplicate label {label!r} in [{table}] (same as {seen[folded]!r}, case ignored)", line)
            seen[folded] = label
            if isinstance(terms, dict):
                terms, excluded = self.table_form(table, label, terms, line)
                if excluded and exclusions is not None:
                    exclusions[label.strip()] = self.term_list(table, label, excluded, line, stem)
            elif not isinstance(terms, list):
                self.fail(f"[{table}] {label!r} must be a list of strings, got {type(terms).__name__}", line)
            if not terms and not allow_empty_terms:
                self.fail(f"method {label!r} has no terms: give at least one term or phrase", line)
            out[label.strip()] = self.term_list(table, label, terms, line, stem)
        return out

    def table_form(self, table: str, label: str, value: dict, line) -> tuple[list, list]:
        """``{ any = [terms], not = [terms] }``: the terms matched and the terms that rule a record out."""
        unknown = sorted(set(value) - _LABEL_KEYS)
        if unknown:
            self.fail(f"[{table}] {label!r}: unknown key {unknown[0]!r}; the table form takes any = [terms] "
                      f"and not = [terms]", line)
        terms, excluded = value.get("any"), value.get("not", [])
        if not isinstance(terms, list) or not terms:
            self.fail(f"[{table}] {label!r}: 'any' must be a non-empty list of terms, got {terms!r}", line)
        if not isinstance(excluded, list):
            self.fail(f"[{table}] {label!r}: 'not' must be a list of terms, got {excluded!r}", line)
        return terms, excluded

    def term_list(self, table: str, label: str, terms: list, line, stem: bool) -> tuple:
        clean = []
        for term in terms:
            text, exact = self.term(table, label, term, line, default_exact=not stem)
            clean.append(TermSpec(text, True) if exact else text)
        if len({(str(t).lower()) for t in clean}) != len(clean):
            self.fail(f"[{table}] {label!r} lists the same term twice", line)
        return tuple(clean)

    def term(self, table: str, label: str, term, line, default_exact: bool) -> tuple[str, bool]:
        """A term: a string, or an inline table { term = "...", exact = true|false }."""
        exact = default_exact
        if isinstance(term, dict):
            unknown = set(term) - _TERM_KEYS
            if unknown or "term" not in term:
                self.fail(
                    f"[{table}] {label!r}: a term table takes term = \"...\" and exact = true|false, "
                    f"got {', '.join(sorted(term)) or 'nothing'}",
                    line,
                )
            exact = term.get("exact", default_exact)
            if not isinstance(exact, bool):
                self.fail(f"[{table}] {label!r}: exact must be true or false, got {exact!r}", line)
            term = term["term"]
        if not isinstance(term, str):
            self.fail(f"[{table}] {label!r}: term {term!r} is a {type(term).__name__}, expected a string", line)
        if not term.strip():
            self.fail(f"[{table}] {label!r}: empty term; remove it or give a word", line)
        if not any(ch.isalnum() for ch in term):
            self.fail(f"[{table}] {label!r}: term {term!r} has no letters or digits", line)
        return " ".join(term.split()), exact

    def year(self, value, what: str, line):
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{what} must be a year (an integer), got {value!r}", line)
        if not MIN_YEAR <= value <= MAX_YEAR:
            self.fail(f"{what} = {value} is not a plausible year ({MIN_YEAR}-{MAX_YEAR})", line)
        return value

    def windows(self, raw) -> list[Window]:
        if raw is None:
            return [Window("all time")]
        if not isinstance(raw, list) or not raw:
            self.fail("'windows' must be one or more [[windows]] tables", self.line_of(r"windows"))
        windows: list[Window] = []
        starts = [i + 1 for i, ln in enumerate(self.lines) if re.match(r"^\s*\[\[\s*windows\s*\]\]", ln)]
        for i, w in enumerate(raw):
            line = starts[i] if i < len(starts) else None
            if not isinstance(w, dict):
                self.fail("each window must be a table with name, from and to", line)
            for key in w:
                if key not in _WINDOW_KEYS:
                    self.fail(f"unknown key {key!r} in [[windows]]; expected name, from, to", line)
            if "name" not in w:
                self.fail("window has no name", line)
            name = w["name"]
            if not isinstance(name, str) or not name.strip():
                self.fail("window name must be a non-empty string", line)
            start = self.year(w["from"], f"window {name!r} from", line) if "from" in w else None
            end = self.year(w["to"], f"window {name!r} to", line) if "to" in w else None
            if start is not None and end is not None and start > end:
                self.fail(f"window {name!r}: from {start} is after to {end}", line)
            if any(x.name.lower() == name.strip().lower() for x in windows):
                self.fail(f"duplicate window name {name!r}", line)
            windows.append(Window(name.strip(), start, end))
        return windows

    def trend(self, raw) -> Trend | None:
        if raw is None:
            return None
        line = self.line_of(r"^\s*\[\s*trend\s*\]") or self.key_line(None, "trend")
        if not isinstance(raw, dict):
            self.fail("[trend] must be a table with from (and optional to)", line)
        for key in raw:
            if key not in _TREND_KEYS:
                self.fail(f"unknown key {key!r} in [trend]; expected from, to, complete_until, reason", line)
        if "from" not in raw:
            self.fail("[trend] needs from = YEAR", line)
        start = self.year(raw["from"], "trend from", line)
        end = self.year(raw["to"], "trend to", line) if "to" in raw else None
        if end is not None and start > end:
            self.fail(f"trend: from {start} is after to {end}", line)
        until = self.year(raw["complete_until"], "trend complete_until", line) if "complete_until" in raw else None
        reason = raw.get("reason", "")
        if until is not None and (not isinstance(reason, str) or not reason.strip()):
            self.fail("[trend] complete_until needs reason = \"...\" (why later years are incomplete)", line)
        if until is None and "reason" in raw:
            self.fail("[trend] reason explains complete_until = YEAR, which is missing", line)
        return Trend(start, end, until, reason.strip())
