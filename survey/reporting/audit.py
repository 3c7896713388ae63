"""The precision audit: a sample of the records a cell matched, so a reader can judge false positives.

A hit count says nothing about what was hit. In the ACL Anthology, for instance, ``CNN`` also
matches papers on the CNN/Daily Mail summarisation dataset. Sources that return records
(``Capabilities.records``) can show a sample; the report prints one per cell and
``survey audit`` prints one cell in the terminal.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from survey.matrix import Cell, Query, Window
from survey.sources.base import Record, Source


@dataclass
class AuditSample:
    source: str
    cell: Cell
    window: Window
    records: list[Record]
    matched: int | None  # how many records the cell matched in the window; None: unknown


def supports_records(source: Source) -> bool:
    return source.capabilities.records


def sample_cell(source: Source, cell: Cell, window: Window, n: int, matched: int | None = None) -> AuditSample:
    """Up to ``n`` records matched by ``cell`` in ``window``.

    ``matched`` is the cell's count where the caller already has it (the report reads it from
    the store); otherwise the source is asked, which for an online source is one more request.
    """
    records = source.sample(cell.query, window.start, window.end, n)
    if matched is None:
        matched = source.count(cell.query, window.start, window.end)
    return AuditSample(source.name, cell, window, list(records), matched)


def record_line(record: Record) -> str:
    """One record as plain text: year, identifier, title."""
    year = str(record.year) if record.year is not None else "----"
    ident = record.id or (f"doi:{record.doi}" if record.doi else "")
    return f"{year}  {ident:<24} {' '.join(record.title.split())}"


# ---------------------------------------------------------------- matched words

_WORD = re.compile(r"\w+(?:[-']\w+)*")


@functools.lru_cache(maxsize=4096)
def _stems(word: str) -> tuple[str, ...]:
    from survey.corpus.index import tokenize

    return tuple(tokenize(word))


@functools.lru_cache(maxsize=4096)
def _exact_terms(word: str) -> tuple[str, ...]:
    from survey.corpus.query import tokenize_exact

    return tuple(tokenize_exact(word))


def _atom_stems(atom) -> tuple[tuple[str, ...], bool]:
    # A phrase's text is its words joined by spaces, which the tokenizer reads as those words.
    if atom.exact:
        return _exact_terms(atom.text), True
    return _stems(atom.text), False


def matched_spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Character spans of ``text`` that a term or phrase of ``query`` matches, as the corpus index
    matches them: stemmed (exact atoms: not), case and diacritics folded, phrases as consecutive words."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    # One position per index term, with its word's span: the index reads `state-of-the-art` as four
    # terms and `_` as none, so a phrase may run across them.
    stemmed = [(start, end, term) for start, end, w in words for term in _stems(w)]
    folded = [(start, end, term) for start, end, w in words for term in _exact_terms(w)]
    spans = []
    for group in query.items:
        for atom in group.items:
            target, exact = _atom_stems(atom)
            seq = folded if exact else stemmed
            k = len(target)
            for i in range(len(seq) - k + 1):
                if k and tuple(term for _, _, term in seq[i:i + k]) == target:
                    spans.append((seq[i][0], seq[i + k - 1][1]))
    return sorted(set(spans))


def highlight(text: str, query: Query | None = None, matched: tuple[str, ...] = (),
              mark=lambda s: f"[{s}]") -> str:
    """``text`` with the words that matched wrapped by ``mark``: those the query's terms match as the
    corpus index matches them, else (no query) the words the source reported (``matched``)."""
    if query is not None:  # the query knows phrases: "language" alone is no match of "language generation"
        spans = matched_spans(text, query)
    elif matched:
        wanted = {m.casefold() for m in matched}
        spans = [(m.start(), m.end()) for m in _WORD.finditer(text) if m.group().casefold() in wanted]
    else:
        return text
    merged: list[list[int]] = []
    for start, end in spans:  # sorted: a match inside or across the last one widens it
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        out += [text[at:start], mark(text[start:end])]
        at = end
    return "".join(out) + text[at:]


_MARKED = re.compile(r"\*\*(.+?)\*\*")


def restyle(snippet: str, mark) -> str:
    """A snippet whose matches the source wrapped in ``**`` (the local corpus does), with ``mark`` instead."""
    return _MARKED.sub(lambda m: mark(m.group(1)), snippet)
