"""Counting ACL Anthology JSONL records by a plain scan, to check the corpus index against.

Dedup follows the rule as documented (same DOI and same title: one work; no DOI: same title and
year as an earlier kept record), with DOI and title forms written out here rather than taken
from survey.corpus, so a slip in the project's normalisers shows as a count that differs.
Words are stemmed with the index's own tokenizer: that is the definition of a word the index
promises, and test_corpus_acl checks the stems against hand-listed forms separately. A word
is also split where Chinese, Japanese or Korean characters meet others (``基于LSTM的`` is three
words), decided here by the characters' Unicode names rather than by survey.corpus.words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from survey.corpus.query import tokenize

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_WORD = re.compile(r"[^\W_]+")


def doi_form(doi) -> str:
    """'' for no DOI; else lowercased, without a resolver or doi: prefix."""
    return _DOI_PREFIX.sub("", (doi or "").strip()).lower()


def title_form(title) -> str:
    """Accents dropped, case folded, punctuation gone: 'Café, NLP!' and 'cafe nlp' are one title."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", title or "") if not unicodedata.combining(c))
    return " ".join(_WORD.findall(plain.casefold()))


def kept(records) -> list[dict]:
    """The records an import keeps: the first of each duplicate, in file order."""
    by_doi, by_title, out = set(), set(), []
    for r in records:
        doi, title = doi_form(r.get("doi")), title_form(r.get("title"))
        if (doi, title) in by_doi if doi else (title, r.get("year")) in by_title:
            continue
        if doi:
            by_doi.add((doi, title))
        by_title.add((title, r.get("year")))
        out.append(r)
    return out


@lru_cache(maxsize=None)
def stem(word: str) -> tuple[str, ...]:
    return tuple(tokenize(word))


_CJK_NAMES = ("CJK ", "HIRAGANA", "KATAKANA", "HANGUL", "HALFWIDTH KATAKANA")


@lru_cache(maxsize=None)
def _is_cjk(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(_CJK_NAMES)


def _script_runs(word: str) -> list[str]:
    runs = [word[0]]
    for ch in word[1:]:
        if _is_cjk(ch) == _is_cjk(runs[-1][-1]):
            runs[-1] += ch
        else:
            runs.append(ch)
    return runs


def words(text) -> tuple[str, ...]:
    return tuple(s for w in _WORD.findall(text or "") for run in _script_runs(w) for s in stem(run))


class Scan:
    """Counts over the kept records; each record's title and abstract are stemmed once."""

    def __init__(self, records):
        self.records = [(r.get("year"), (words(r.get("title")), words(r.get("abstract")))) for r in kept(records)]

    def count(self, groups, start=None, end=None) -> int:
        """Records in [start, end] with, for every group, one of its terms as a phrase in one field."""
        phrases = [[words(term) for term in group] for group in groups]
        n = 0
        for year, fields in self.records:
            if start is not None and (year is None or year < start):
                continue
            if end is not None and (year is None or year > end):
                continue
            if all(any(_has(f, p) for f in fields for p in group) for group in phrases):
                n += 1
        return n


def _has(field: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    k = len(phrase)
    return any(field[i : i + k] == phrase for i in range(len(field) - k + 1))
