"""Query definitions: methods x tasks x windows, a Matrix of Cells (read from a query file by survey.query_file).

Each cell's query is a small tree, ``AllOf(AnyOf(method terms), AnyOf(task terms))`` less the
records with any of its ``excluded`` terms (a method's or task's ``not``), that every source
compiles into its own syntax. A term with a space in it is a phrase. A term is
stemmed where the source stems, unless it is marked exact (``{ term = "x", exact = true }``,
or ``stem = false`` for the whole file): then it matches the word as written (case aside).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from survey.errors import BadInput

MIN_YEAR, MAX_YEAR = 1000, 2200


@dataclass(frozen=True)
class Term:
    """One word; ``exact``: never stemmed."""

    text: str
    exact: bool = False


@dataclass(frozen=True)
class Phrase:
    """Consecutive words, in order; ``exact``: none of them stemmed."""

    words: tuple[str, ...]
    exact: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


Atom = Term | Phrase


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Atom, ...]


@dataclass(frozen=True)
class AllOf:
    items: tuple[AnyOf, ...]
    field: str | None = None  # None: what the source searches by default; TITLE: titles only
    # Records with any of these are left out: (M - M not) AND (T - T not) is M AND T AND NOT (M not OR T not).
    excluded: tuple[Atom, ...] = ()


Query = AllOf
TITLE = "title"


def describe(query: Query) -> str:
    """The query tree in words, source-neutral: ``(LSTM OR "long short-term memory") AND (dialog)``.

    Exact terms carry a leading ``=``. Distinct trees give distinct descriptions.
    """
    def one(a: Atom) -> str:
        text = f'"{a.text}"' if isinstance(a, Phrase) else a.text
        return f"={text}" if a.exact else text

    text = " AND ".join("(" + " OR ".join(one(a) for a in group.items) + ")" for group in query.items)
    if query.excluded:
        text += " NOT (" + " OR ".join(one(a) for a in query.excluded) + ")"
    return f"{text} [in {query.field}s only]" if query.field else text


def atom(text: str, exact: bool = False) -> Atom:
    words = tuple(text.split())
    return Term(words[0], exact) if len(words) == 1 else Phrase(words, exact)


@dataclass(frozen=True)
class TermSpec:
    """A term as the query file gives it: its text and whether it is matched unstemmed."""

    text: str
    exact: bool = False

    def __str__(self) -> str:
        return f"={self.text}" if self.exact else self.text


def any_of(terms) -> AnyOf:
    """Plain strings are stemmed terms; TermSpecs carry their own exactness."""
    return AnyOf(tuple(atom(t.text, t.exact) if isinstance(t, TermSpec) else atom(t) for t in terms))


@dataclass(frozen=True)
class Window:
    """A range of publication years, inclusive; None is open."""

    name: str
    start: int | None = None
    end: int | None = None

    @property
    def span(self) -> str:
        if self.start is None and self.end is None:
            return "all years"
        if self.start == self.end:
            return str(self.start)
        return f"{self.start or '…'}–{self.end or 'now'}"


@dataclass(frozen=True)
class Trend:
    """Per-year counts from ``start`` to ``end`` (None: the current year). ``complete_until``: the
    last year to fit, where the query file knows of years the data lacks in part (``reason``)."""

    start: int
    end: int | None = None
    complete_until: int | None = None
    reason: str = ""

    def years(self, this_year: int) -> list[int]:
        return list(range(self.start, (self.end or this_year) + 1))


@dataclass(frozen=True)
class Cell:
    method: str
    task: str
    query: Query

    @property
    def label(self) -> str:
        return f"{self.method}:{self.task}"


@dataclass
class Matrix:
    name: str
    title: str
    methods: dict[str, tuple]  # label -> terms (str, or TermSpec for an exact term)
    tasks: dict[str, tuple]
    windows: list[Window]
    trend: Trend | None = None
    path: Path | None = None
    ratios: list[tuple[str, str]] = field(default_factory=list)  # pairs (numerator, denominator) to show
    reference: Path | None = None  # published tables to set beside today's counts
    experiment: Path | None = None  # experiment results to show in the report
    fields: str | None = None  # None: each source's default fields; TITLE: titles only
    # label -> terms that rule a record out (a query file's `not`), for methods and for tasks
    method_exclusions: dict[str, tuple] = field(default_factory=dict)
    task_exclusions: dict[str, tuple] = field(default_factory=dict)
    cells: list[Cell] = field(init=False)

    def __post_init__(self):
        self.cells = [
            Cell(m, t, cell_query(mterms, tterms, self.fields,
                                  self.method_exclusions.get(m, ()) + self.task_exclusions.get(t, ())))
            for m, mterms in self.methods.items()
            for t, tterms in self.tasks.items()
        ]

    def cell(self, method: str, task: str) -> Cell:
        for c in self.cells:
            if c.method.lower() == method.lower() and c.task.lower() == task.lower():
                return c
        raise BadInput(
            f"no cell {method}:{task}; methods are {', '.join(self.methods)}, tasks are {', '.join(self.tasks)}"
        )

    def window(self, name: str) -> Window:
        for w in self.windows:
            if w.name.lower() == name.lower():
                return w
        raise BadInput(f"no window {name!r}; windows are {', '.join(w.name for w in self.windows)}")


def cell_query(method_terms, task_terms, fields: str | None = None, excluded=()) -> Query:
    parts = [any_of(method_terms)]
    if task_terms:
        parts.append(any_of(task_terms))
    return AllOf(tuple(parts), fields, tuple(dict.fromkeys(any_of(excluded).items)))
