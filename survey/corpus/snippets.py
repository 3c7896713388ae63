"""Why a record matched: the words a query matched in it, and every matched region of its abstract.

The marks come from FTS5's ``highlight()`` run, for the few records asked about, on a scratch
index of their text as it was indexed (``separate_scripts`` applied), so they fall on the words
the count matched, method and task terms alike. The snippet shows a window of words around each
matched region, however far into the abstract, the windows joined with an ellipsis.
"""

from __future__ import annotations

import re
import sqlite3

from survey.corpus.query import EXACT, EXACT_TOKENIZER, STEMMED, STEMMED_TOKENIZER, match_groups
from survey.corpus.words import SEPARATOR, separate_scripts
from survey.matrix import Query

CONTEXT_WORDS = 8  # either side of a matched region
ELLIPSIS = "…"
# Private-use characters mark matches: they cannot occur in imported text by accident the way
# brackets or asterisks can.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKED = re.compile(f"{_OPEN}(.*?){_CLOSE}", re.S)
_WORD = re.compile(r"\S+")

Spans = list[tuple[int, int]]


def unmark(marked: str) -> tuple[str, Spans]:
    """The text of a ``highlight()`` result without its marks, and where the marked stretches lie in it."""
    marked = marked.replace(SEPARATOR, "")
    parts, spans, length, last = [], [], 0, 0
    for m in _MARKED.finditer(marked):
        parts.append(marked[last:m.start()])
        length += m.start() - last
        spans.append((length, length + len(m.group(1))))
        parts.append(m.group(1))
        length += len(m.group(1))
        last = m.end()
    parts.append(marked[last:])
    return "".join(parts), spans


def merged(spans) -> Spans:
    out: Spans = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def snippet(text: str, spans, marks: tuple[str, str] = ("**", "**"), context: int = CONTEXT_WORDS) -> str:
    """Every region of ``text`` in ``spans``, wrapped in ``marks``, with ``context`` words either side;
    regions whose windows meet share one, the others are joined with an ellipsis."""
    spans = merged(spans)
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not spans or not words:
        return " ".join(text[:200].split())
    windows: list[list[int]] = []
    for start, end in spans:
        first = next(i for i, w in enumerate(words) if w[1] > start)
        last = max(i for i, w in enumerate(words) if w[0] < end)
        lo, hi = max(0, first - context), min(len(words) - 1, last + context)
        if windows and lo <= windows[-1][1] + 1:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    pieces = []
    for lo, hi in windows:
        start, end = words[lo][0], words[hi][1]
        out, at = [], start
        for s, e in spans:
            if s >= start and e <= end:
                out += [text[at:s], marks[0], text[s:e], marks[1]]
                at = e
        out.append(text[at:end])
        pieces.append(" ".join("".join(out).split()))
    head = f"{ELLIPSIS} " if windows[0][0] > 0 else ""
    tail = f" {ELLIPSIS}" if windows[-1][1] < len(words) - 1 else ""
    return head + f" {ELLIPSIS} ".join(pieces) + tail


def matched_spans(query: Query, texts: dict[int, tuple[str, str]]) -> dict[int, tuple[Spans, Spans]]:
    """Per record id, the spans of ``(title, abstract)`` that ``query``'s terms match.

    The atoms of all groups are OR-ed: the records are already known to match the whole query.
    """
    found: dict[int, tuple[Spans, Spans]] = {rowid: ([], []) for rowid in texts}
    conn = sqlite3.connect(":memory:")
    try:
        for table, tokenizer in ((STEMMED, STEMMED_TOKENIZER), (EXACT, EXACT_TOKENIZER)):
            atoms = [group[table] for group in match_groups(query) if table in group]
            if not atoms:
                continue
            conn.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(title, abstract, tokenize='{tokenizer}')")
            conn.executemany(f"INSERT INTO {table} (rowid, title, abstract) VALUES (?, ?, ?)",
                             [(rowid, separate_scripts(t), separate_scripts(a)) for rowid, (t, a) in texts.items()])
            rows = conn.execute(f"SELECT rowid, highlight({table}, 0, ?, ?), highlight({table}, 1, ?, ?) "
                                f"FROM {table} WHERE {table} MATCH ?",
                                (_OPEN, _CLOSE, _OPEN, _CLOSE, " OR ".join(f"({a})" for a in atoms)))
            for rowid, title, abstract in rows:
                for field, marked in enumerate((title, abstract)):
                    found[rowid][field].extend(unmark(marked or "")[1])
    finally:
        conn.close()
    return {rowid: (merged(t), merged(a)) for rowid, (t, a) in found.items()}
