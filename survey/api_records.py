"""The public API's calls on a cell's matched records in a local corpus: their senses and the records themselves.

Re-exported by ``survey.api``; each takes ``home`` and ``config`` like the rest of the API.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from survey.api_support import Pathish, _check_writable, _matrix, load_settings
from survey.api_evidence import parse_cell
from survey.errors import BadInput
from survey.matrix import Window


@contextmanager
def _local(source: str, settings):
    """The corpus of ``local:NAME``; any other source is refused in one line naming the local corpora."""
    from survey.sources.local import LocalSource, corpus_names

    if not source.startswith("local:"):
        names = ", ".join(f"local:{n}" for n in corpus_names(settings)) or "none (import one: survey corpus import PATH)"
        raise BadInput(f"{source}: only a local corpus has its matched records at hand; local corpora: {names}")
    local = LocalSource.from_settings(settings, source.partition(":")[2] or None)
    try:
        yield local.corpus
    finally:
        local.close()


def _window(matrix, window: str | None, year: int | None) -> Window:
    if window and year is not None:
        raise BadInput("give --window or --year, not both")
    if year is not None:
        return Window(str(year), year, year)
    return matrix.window(window) if window else matrix.windows[0]


def senses(query, source: str, cell: str, *, window: str | None = None, n: int = 20, home=None, config=None):
    """The ``n`` most frequent contexts of the method terms in the records one cell (``METHOD:TASK``) matches
    in a local corpus. Returns ``survey.corpus.senses.Senses`` (records, rows of context, count, share)."""
    from survey.corpus.senses import senses as find

    matrix = _matrix(query)
    the_cell = parse_cell(matrix, cell)
    the_window = _window(matrix, window, None)
    with _local(source, load_settings(home, config)) as corpus:
        return find(corpus, the_cell.query, the_window.start, the_window.end, n)


def matches(query, source: str, cell: str, output: Pathish, *, fmt: str = "ris", window: str | None = None,
            year: int | None = None, home=None, config=None) -> int:
    """Write every record one cell matches in a local corpus (its count's records) to ``output`` as RIS or
    CSV; returns how many were written, which is the cell's count in that window or year."""
    from survey.corpus.export import FORMATS, write_records

    if fmt not in FORMATS:
        raise BadInput(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    matrix = _matrix(query)
    the_cell = parse_cell(matrix, cell)
    the_window = _window(matrix, window, year)
    out = Path(output)
    _check_writable(out)
    with _local(source, load_settings(home, config)) as corpus:
        return write_records(corpus.matched(the_cell.query, the_window.start, the_window.end), out, fmt)
