"""Which senses drive a count: the words next to the matched method terms, across a cell's records.

A method term can mean something else in a task's records ("CNN" in the CNN/DailyMail corpus of
summarization papers). Each match of the cell's method terms gives its contexts, the n-grams
made of the match and the one or two words right before or right after it in the same field;
a context counts once per record. A context holding words that are no part of the method's own
terms and found in a fifth of the records or more is flagged: its words are the exclusion to try.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass

from survey.corpus.snippets import matched_spans
from survey.matrix import AllOf, Query

FLAG_SHARE = 0.2
_WORD = re.compile(r"[^\W_]+")
# Words next to a term in any sense: a context made only of these and the term tells nothing.
STOP_WORDS = frozenset("""a an the of for in on with by to and or from as at is are was were be been this that these
those we our its their it which using use used based via into than then over under between both also such
can not no new two three one""".split())


@dataclass(frozen=True)
class Sense:
    context: str
    count: int  # records showing it
    share: float  # of the cell's records


@dataclass(frozen=True)
class Senses:
    records: int  # matched by the cell
    rows: list[Sense]  # most frequent first


def _words(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int, str]]:
    """The words of ``text[lo:hi]`` with their places, less a word cut by either edge."""
    hi = len(text) if hi is None else hi
    words = [(m.start(), m.end(), m.group().casefold()) for m in _WORD.finditer(text, lo, hi)]
    if words and lo > 0 and words[0][0] == lo and _WORD.match(text, lo - 1):
        words = words[1:]
    if words and hi < len(text) and words[-1][1] == hi and _WORD.match(text, hi):
        words = words[:-1]
    return words


def contexts_of(text: str, spans, reach: int = 60) -> set[str]:
    """The contexts of each matched span of ``text``: the match with 1 or 2 words before it, or after it.

    Only the words within ``reach`` characters of a span are read (a cell's abstracts are long, and
    a report reads a dozen cells); where fewer than two words lie between the span and a cut edge,
    the whole text is read, so the contexts are always those of the whole text."""
    out = set()
    for start, end in spans:
        lo, hi = max(0, start - reach), min(len(text), end + reach)
        words = _words(text, lo, hi)
        starts, ends = [a for a, _, _ in words], [b for _, b, _ in words]
        # the words overlapping [start, end): they are in order and apart, so two bisections find them
        first, last = bisect_right(ends, start), bisect_left(starts, end) - 1
        if (lo > 0 and first < 2) or (hi < len(text) and len(words) - 1 - last < 2):
            words = _words(text)
            starts, ends = [a for a, _, _ in words], [b for _, b, _ in words]
            first, last = bisect_right(ends, start), bisect_left(starts, end) - 1
        if first > last:
            continue
        match = [w for _, _, w in words[first:last + 1]]
        for size in (1, 2):
            if first - size >= 0:
                out.add(" ".join([w for _, _, w in words[first - size:first]] + match))
            if last + size < len(words):
                out.add(" ".join(match + [w for _, _, w in words[last + 1:last + 1 + size]]))
    return out


def senses(corpus, query: Query, start: int | None = None, end: int | None = None, n: int = 20) -> Senses:
    """The ``n`` most frequent contexts of the method terms (the query's first group) in the records it matches."""
    method = AllOf(query.items[:1], query.field)
    counts: Counter = Counter()
    records = 0
    for rows in corpus.matched(query, start, end):
        texts = {rowid: (title, abstract) for rowid, _, title, _, _, abstract in rows}
        spans = matched_spans(method, texts)
        for rowid, (title, abstract) in texts.items():
            records += 1
            counts.update(contexts_of(title or "", spans[rowid][0]) | contexts_of(abstract or "", spans[rowid][1]))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return Senses(records, [Sense(c, k, k / records) for c, k in ranked])


def foreign_words(context: str, method_terms) -> list[str]:
    """The words of ``context`` that are neither a method term's words nor stop words."""
    own = {w.casefold() for term in method_terms for w in _WORD.findall(str(term).lstrip("="))}
    return [w for w in context.split() if w not in own and w not in STOP_WORDS]


def flagged(found: Senses, method_terms) -> Sense | None:
    """The most frequent context, in at least ``FLAG_SHARE`` of the records, with a word of its own."""
    for row in found.rows:
        if row.share < FLAG_SHARE:
            return None
        if foreign_words(row.context, method_terms):
            return row
    return None
