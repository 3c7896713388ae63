"""The ACL Anthology corpus in ../shared: import, README facts, counts against a plain scan."""

from __future__ import annotations

import gzip
import itertools
import json
import re
from functools import lru_cache

import pytest

from survey.corpus import Corpus, import_corpus
from survey.corpus.records import normalise_doi, normalise_title
from survey.corpus.index import tokenize
from survey.matrix import cell_query

SLICE = 5000


def load(path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def expected_kept(records) -> int:
    """Records left after dedup, by the rule written out independently, one record at a time:
    DOI and title, else title + year."""
    dois, titles, kept = set(), set(), 0
    for r in records:
        doi = normalise_doi(r["doi"])
        title = normalise_title(r["title"])
        if (doi, title) in dois if doi else (title, r["year"]) in titles:
            continue
        if doi:
            dois.add((doi, title))
        titles.add((title, r["year"]))
        kept += 1
    return kept


def test_sample_import_matches_readme(acl, tmp_path):
    records = load(acl / "sample.jsonl")
    readme = (acl / "README.md").read_text(encoding="utf-8")
    stated = int(re.search(r"the first (\d+) records", readme).group(1))
    assert len(records) == stated
    report = import_corpus(acl / "sample.jsonl", tmp_path / "sample.sqlite")
    assert (report.read, report.skipped) == (stated, 0)
    assert report.imported == expected_kept(records)
    with Corpus(tmp_path / "sample.sqlite") as corpus:
        stats = corpus.stats()
    assert stats["year_min"] == min(r["year"] for r in records)
    assert stats["year_max"] == max(r["year"] for r in records)
    # The README says nearly all of the sample's abstracts are empty.
    assert stats["with_abstract"] < stats["records"] / 10


_built: dict = {}  # the slice is imported once per session, for every test that asks


@pytest.fixture
def acl_slice(acl, tmp_path_factory):
    if "slice" not in _built:
        if not (acl / "papers.jsonl.gz").is_file():
            pytest.skip(f"{acl}/papers.jsonl.gz is absent: the full ACL Anthology corpus lives in ../shared")
        folder = tmp_path_factory.mktemp("acl")
        with gzip.open(acl / "papers.jsonl.gz", "rt", encoding="utf-8") as fh:
            lines = list(itertools.islice(fh, SLICE))
        path = folder / "slice.jsonl.gz"
        path.write_bytes(gzip.compress("".join(lines).encode()))
        report = import_corpus(path, folder / "slice.sqlite")
        _built["slice"] = ([json.loads(line) for line in lines], report, Corpus(folder / "slice.sqlite"))
    return _built["slice"]


def test_slice_import(acl_slice):
    records, report, corpus = acl_slice
    assert (report.read, report.skipped) == (SLICE, 0)
    assert report.imported == expected_kept(records) == corpus.stats()["records"]
    # The README says records are in collection order, oldest new-style collections first.
    assert records[0]["id"].startswith("1952.")


@lru_cache(maxsize=None)
def stem(word: str) -> tuple[str, ...]:
    return tuple(tokenize(word))


def scan(records, groups, start=None, end=None) -> int:
    """Count with a per-record Python scan: regex words, stems per word, phrases per field."""

    def words(text):
        return [s for w in re.findall(r"[^\W_]+", text) for s in stem(w)]

    def has(field, phrase):
        n = len(phrase)
        return any(tuple(field[i : i + n]) == phrase for i in range(len(field) - n + 1))

    kept = {}
    for r in records:  # the corpus keeps the first of each duplicate; do the same
        key = normalise_doi(r["doi"]) or (normalise_title(r["title"]), r["year"])
        kept.setdefault(key, r)
    count = 0
    for r in kept.values():
        if start is not None and (r["year"] is None or r["year"] < start):
            continue
        if end is not None and (r["year"] is None or r["year"] > end):
            continue
        fields = [words(r["title"]), words(r["abstract"])]
        phrases = [[sum((stem(w) for w in re.findall(r"[^\W_]+", t)), ()) for t in g] for g in groups]
        if all(any(has(f, p) for f in fields for p in group) for group in phrases):
            count += 1
    return count


@pytest.mark.parametrize(
    "groups",
    [
        (["machine translation"],),
        (["dialog", "dialogue"],),
        (["machine translation"], ["dialog", "dialogue"]),
        (["neural network", "neural networks"],),
    ],
)
def test_slice_counts_match_an_independent_scan(acl_slice, groups):
    records, _, corpus = acl_slice
    query = cell_query(*groups) if len(groups) == 2 else cell_query(groups[0], [])
    assert corpus.count(query) > 0
    assert corpus.count(query) == scan(records, groups)
    assert corpus.count(query, 1990, 1999) == scan(records, groups, 1990, 1999)
    by_year = corpus.count_by_year(query, 1980, 1989)
    assert sum(by_year.values()) == scan(records, groups, 1980, 1989)


def test_slice_stemming_against_hand_listed_forms(acl_slice):
    """Porter folds dialogs into dialog and dialogues into dialogue, nothing else in this slice."""
    records, _, corpus = acl_slice
    dialog = re.compile(r"(?<![^\W_])dialogs?(?![^\W_])", re.I)
    seen = {}
    for r in records:
        seen.setdefault(normalise_doi(r["doi"]) or (normalise_title(r["title"]), r["year"]), r)
    expected = sum(1 for r in seen.values() if dialog.search(r["title"]) or dialog.search(r["abstract"]))
    assert expected > 0
    assert corpus.count(cell_query(["dialog"], [])) == expected
