"""Report parts that need no corpus or cache to check word for word: where local counts come from,
and what is kept beside the report for checkouts without the corpus."""

from __future__ import annotations

import json
from types import SimpleNamespace

from localekit import ascii_locale

from survey.reporting.kept import Kept
from survey.observations_csv import write_observations
from survey.reporting.origin import local_origin_note
from survey.observation import Observation


def obs(source, corpus, day, status="ok"):
    return SimpleNamespace(source=source, corpus=corpus, fetched_at=f"{day}T10:00:00+00:00", status=status)


COMMITTED = ("A checkout without that corpus reads them from the cache (in this repository, the committed "
             "`data/counts/` file that `make report` imports).")
CACHE_ONLY = ("They are in this machine's cache, not in a committed file: a checkout without that corpus has them "
              "after `survey cache export -q FILE COUNTS.csv` here and `survey cache import COUNTS.csv` there.")


def paragraph(name, which, when, corpus_name, where=CACHE_ONLY):
    return (f"**Where `{name}`'s counts come from:** they were counted in {which} (a hash of its records) on "
            f"{when}. {where} To count again, import the corpus "
            f"with `survey corpus import FILE --name {corpus_name}` and run `make counts`; a corpus with "
            "the same content answers from these counts, another one is counted anew.")


def test_origin_note_per_local_corpus_with_counts():
    reading = SimpleNamespace(
        sources={"openalex": None, "local:acl": None, "local:broken": None, "local:lib": None},
        observations=[
            obs("openalex", "", "2026-01-01"),  # not local: no paragraph
            obs("local:acl", "109-ab", "2026-03-02"), obs("local:acl", "109-ab", "2026-03-02"),
            obs("local:lib", "5-aa", "2026-01-05"), obs("local:lib", "6-bb", "2026-02-01"),
            obs("local:lib", "", "2026-01-20"), obs("local:lib", "7-cc", "2026-04-01", status="error"),
            obs("local:broken", "1-ff", "2026-01-01", status="error"),  # nothing counted: no paragraph
        ],
    )
    assert local_origin_note(reading, "make counts") == "\n\n".join([
        paragraph("local:acl", "corpus `109-ab`", "2026-03-02", "acl"),
        # two contents and three days (the error row counts for neither)
        paragraph("local:lib", "2 corpus versions", "2026-01-05 to 2026-02-01", "lib"),
    ])


def counted(count, year=None, query="q1"):
    return Observation("local:acl", "CNN", "total", "all time" if year is None else "trend", None, None, year, query,
                       count, "ok", fetched_at="2026-03-02T10:00:00.000000Z", corpus="109-ab")


def test_origin_note_names_the_committed_counts_only_where_they_hold_every_count(tmp_path):
    """A user's own query, counted in their cache, is not said to come from this repository's data."""
    queries, counts = tmp_path / "queries", tmp_path / "data" / "counts"
    queries.mkdir()
    counts.mkdir(parents=True)
    query = queries / "mine.toml"
    rows = [counted(12), counted(3, year=2016)]
    reading = SimpleNamespace(sources={"local:acl": None}, observations=rows)

    def note():
        return local_origin_note(reading, "make counts", query, "queries/mine.toml")

    cache_only = paragraph("local:acl", "corpus `109-ab`", "2026-03-02", "acl",
                           CACHE_ONLY.replace("-q FILE", "-q queries/mine.toml"))
    assert note() == cache_only  # no counts file for this query file
    (counts / "other.csv").write_text("", encoding="utf-8")
    assert note() == cache_only  # another query's file says nothing about these counts
    write_observations(counts / "mine.csv", [rows[0], counted(99, year=2016)])
    assert note() == cache_only  # a file that holds another count for one of them
    write_observations(counts / "mine.csv", [counted(3, year=2016, query="q2"), *rows])
    assert note() == paragraph("local:acl", "corpus `109-ab`", "2026-03-02", "acl", COMMITTED)
    (counts / "mine.csv").write_text("not,a\ncounts,file\n", encoding="utf-8")
    assert note() == cache_only  # a damaged file holds nothing


def test_origin_note_is_empty_without_local_counts():
    reading = SimpleNamespace(sources={"openalex": None}, observations=[obs("openalex", "", "2026-01-01")])
    assert local_origin_note(reading, "make counts") == ""


def test_kept_recalls_only_where_the_corpus_is_absent(tmp_path):
    path = tmp_path / "r.corpus.json"
    calls = []

    def compute():
        calls.append(1)
        return ["title A"]

    first = Kept(path)
    assert first.from_corpus("samples", ["local:acl", "1-aa", "q"], True, compute) == ["title A"]
    assert first.from_corpus("shared", ["local:acl", "1-aa", "w"], False, compute) is None  # absent, nothing kept
    assert first.save() == path
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "note": "Read from local corpora by the report; reused where a corpus is not on the machine.",
        "samples": [{"key": ["local:acl", "1-aa", "q"], "value": ["title A"]}],
        "shared": [],
        "imports": [],
        "senses": [],
        "complete": [],
    }
    assert calls == [1]
    second = Kept(path)
    # the corpus is absent: what was kept answers, and is kept again
    assert second.from_corpus("samples", ["local:acl", "1-aa", "q"], False, compute) == ["title A"]
    # another corpus (identity) never borrows it
    assert second.from_corpus("samples", ["local:acl", "2-bb", "q"], False, compute) is None
    # the corpus is here: counted afresh, unless the fact is stable (a first import)
    assert second.from_corpus("samples", ["local:acl", "1-aa", "q"], True, lambda: ["title B"]) == ["title B"]
    second.from_corpus("imports", ["local:acl", "1-aa"], True, lambda: "2026-01-01")
    assert calls == [1]
    second.save()
    third = Kept(path)
    assert third.from_corpus("imports", ["local:acl", "1-aa"], True, lambda: "2026-09-09", stable=True) == "2026-01-01"
    assert third.from_corpus("imports", ["local:acl", "1-aa"], True, lambda: "2026-09-09") == "2026-09-09"


def test_kept_without_anything_read_writes_no_file(tmp_path):
    path = tmp_path / "r.corpus.json"
    kept = Kept(path)
    assert kept.from_corpus("samples", ["local:acl", "1-aa", "q"], False, lambda: ["never"]) is None
    assert kept.save() is None and not path.exists()


def test_kept_ignores_a_file_that_is_not_its_own(tmp_path):
    for text in ("not json", '["a list"]', '{"samples": [{"no key": 1}]}', '{"samples": 3}'):
        path = tmp_path / "r.corpus.json"
        path.write_text(text, encoding="utf-8")
        kept = Kept(path)
        assert kept.previous == {"samples": {}, "shared": {}, "imports": {}, "senses": {}, "complete": {}}
        assert kept.from_corpus("samples", ["k"], False, lambda: ["x"]) is None


def test_kept_file_text_is_stable_and_keeps_any_kind_it_has(tmp_path):
    path = tmp_path / "r.corpus.json"
    kept = Kept(path)
    kept.from_corpus("shared", ["local:acl", "1-aa", "all time"], True, lambda: {"Über": 2})
    kept.save()
    # one-space indents, text as written (the committed file diffs cleanly), a final newline
    assert path.read_bytes().decode("utf-8") == (
        '{\n "note": "Read from local corpora by the report; reused where a corpus is not on the machine.",\n'
        ' "samples": [],\n "shared": [\n  {\n   "key": [\n    "local:acl",\n    "1-aa",\n    "all time"\n   ],\n'
        '   "value": {\n    "Über": 2\n   }\n  }\n ],\n "imports": [],\n "senses": [],\n "complete": []\n}\n')
    only_shared = tmp_path / "shared-only.json"
    only_shared.write_text(json.dumps({"shared": [{"key": ["k"], "value": 1}]}), encoding="utf-8")
    assert Kept(only_shared).from_corpus("shared", ["k"], False, lambda: 2) == 1


def test_kept_from_source_keeps_corpora_only(tmp_path):
    path = tmp_path / "r.corpus.json"
    first = Kept(path)
    assert first.from_source("samples", ["openalex", "", "q"], "", lambda: ["online"]) == ["online"]
    assert first.save() is None and not path.exists()  # an online answer is not kept
    assert first.from_source("samples", ["local:acl", "1-aa", "q"], "1-aa", lambda: ["here"]) == ["here"]
    first.save()
    later = Kept(path)
    # the corpus is absent (no identity): what was kept is recalled, nothing is computed
    assert later.from_source("samples", ["local:acl", "1-aa", "q"], None, lambda: 1 / 0) == ["here"]
    assert later.from_source("samples", ["openalex", "", "q"], "", lambda: ["asked again"]) == ["asked again"]


def test_kept_file_is_utf8_whatever_the_locale(tmp_path):
    path = tmp_path / "r.corpus.json"
    kept = Kept(path)
    kept.from_corpus("samples", ["local:acl", "1-aa", "q"], True, lambda: ["Über"])
    with ascii_locale():
        kept.save()
    assert '"Über"' in path.read_bytes().decode("utf-8")  # written as UTF-8, not escaped
    with ascii_locale():
        later = Kept(path)
    assert later.from_corpus("samples", ["local:acl", "1-aa", "q"], False, lambda: 1 / 0) == ["Über"]
