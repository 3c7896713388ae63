"""The manifest beside a report and its replay, value for value, with fake sources that log each call."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace

import pytest
from localekit import ascii_locale

from survey import __version__
from survey.errors import BadInput, SourceError
from survey.matrix import Cell, TermSpec, Window, cell_query, describe
from survey.reporting.manifest import Change, Replay, load_manifest, manifest, replay, sha256, write_manifest

CNN = [{"term": "CNN", "exact": False}, {"term": "conv net", "exact": True}]
TAGGING = [{"term": "tagging"}]  # no "exact": stemmed
TAGGING_Q = '(CNN OR ="conv net") AND (tagging)'
TOTAL_Q = '(CNN OR ="conv net")'


# ---------------------------------------------------------------- the manifest


def answer(key, count, fetched_at, source="local:acl", query="q", status="ok", corpus="1-aa"):
    return SimpleNamespace(key=key, source=source, corpus=corpus, query=query, count=count, status=status,
                           fetched_at=fetched_at)


def plan_item(cached, cell, window=Window("recent", 2015, 2020), year=None):
    return SimpleNamespace(cached=cached, cell=cell, window=window, year=year)


def test_sha256_of_a_file_and_of_none(tmp_path):
    path = tmp_path / "q.toml"
    data = b"name = 'x'\n" * 200_000  # more than one read block
    path.write_bytes(data)
    assert sha256(path) == hashlib.sha256(data).hexdigest()
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert sha256(empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert sha256(tmp_path / "absent") is None
    assert sha256(tmp_path) is None  # a folder cannot be read as a file


def test_manifest_one_observation_per_count_with_its_terms(tmp_path):
    query_file = tmp_path / "q.toml"
    query_file.write_bytes(b"name = 'x'\n")
    tagging = Cell("CNN", "tagging", cell_query(["CNN", TermSpec("conv net", True)], ["tagging"]))
    # a variant's cell, queried the same way as CNN:tagging: the same count, listed once
    variant = Cell("CNN", "tagging (variant)", tagging.query)
    total = Cell("CNN", "total", cell_query(["CNN", TermSpec("conv net", True)], []))
    works = Cell("(all works)", "(all works)", None)
    items = [
        plan_item(answer(1, 5, "2026-01-02T10:00:00Z", query=TAGGING_Q), tagging),
        plan_item(answer(1, 5, "2026-01-02T10:00:00Z", query=TAGGING_Q), variant),
        plan_item(None, tagging, year=2016),  # nothing cached: nothing to list
        plan_item(answer(2, 0, "2026-03-04T10:00:00Z", status="error"), total, Window("2016", 2016, 2016), 2016),
        plan_item(answer(3, 120, "2026-02-01T10:00:00Z", query="all 2016"), works, Window("2016", 2016, 2016), 2016),
    ]
    observation = {"source": "local:acl", "corpus": "1-aa"}
    assert manifest(SimpleNamespace(path=query_file), items, query_shown="queries/q.toml") == {
        "format": "survey-manifest/1",
        "tool": {"name": "survey", "version": __version__},
        "counts_as_of": "2026-03-04T10:00:00Z",
        "query_file": {"path": "queries/q.toml", "sha256": hashlib.sha256(b"name = 'x'\n").hexdigest()},
        "observations": [
            {**observation, "method": "CNN", "task": "tagging", "method_terms": CNN,
             "task_terms": [{"term": "tagging", "exact": False}], "window": "recent", "year_from": 2015,
             "year_to": 2020, "year": None, "query": TAGGING_Q, "count": 5, "status": "ok",
             "fetched_at": "2026-01-02T10:00:00Z"},
            {**observation, "method": "CNN", "task": "total", "method_terms": CNN, "task_terms": [],
             "window": "2016", "year_from": 2016, "year_to": 2016, "year": 2016, "query": "q", "count": 0,
             "status": "error", "fetched_at": "2026-03-04T10:00:00Z"},
            {**observation, "method": "(all works)", "task": "(all works)", "method_terms": None, "task_terms": None,
             "window": "2016", "year_from": 2016, "year_to": 2016, "year": 2016, "query": "all 2016", "count": 120,
             "status": "ok", "fetched_at": "2026-02-01T10:00:00Z"},
        ],
    }


def test_manifest_without_counts_or_query_path(tmp_path):
    query_file = tmp_path / "q.toml"
    query_file.write_bytes(b"x")
    assert manifest(SimpleNamespace(path=str(query_file)), []) == {
        "format": "survey-manifest/1", "tool": {"name": "survey", "version": __version__}, "counts_as_of": None,
        "query_file": {"path": str(query_file), "sha256": hashlib.sha256(b"x").hexdigest()}, "observations": []}
    assert manifest(SimpleNamespace(path=None), [])["query_file"] == {"path": None, "sha256": None}
    assert manifest(SimpleNamespace(path=None), [], query_shown="q.toml")["query_file"] == {"path": "q.toml",
                                                                                           "sha256": None}


def test_write_manifest_one_observation_a_line(tmp_path):
    cell = Cell("CNN", "Über", cell_query(["CNN"], ["Über"]))
    items = [plan_item(answer(1, 5, "2026-01-02", query="q1"), cell, Window("all time")),
             plan_item(answer(2, 6, "2026-01-03", query="q2"), cell, Window("2016", 2016, 2016), 2016)]
    path = tmp_path / "r.manifest.json"
    path.with_name("r.manifest.json.tmp").write_text("left by an interrupted write", encoding="utf-8")
    with ascii_locale():  # UTF-8 whatever the machine's locale
        assert write_manifest(path, SimpleNamespace(path=None), items, query_shown="Über.toml") == path
    obs = ('"source": "local:acl", "corpus": "1-aa", "method": "CNN", "task": "Über", '
           '"method_terms": [{"term": "CNN", "exact": false}], "task_terms": [{"term": "Über", "exact": false}], ')
    assert path.read_bytes().decode("utf-8") == (
        '{\n "format": "survey-manifest/1",\n "tool": {\n  "name": "survey",\n  "version": "' + __version__ + '"\n'
        ' },\n "counts_as_of": "2026-01-03",\n "query_file": {\n  "path": "Über.toml",\n  "sha256": null\n },\n'
        ' "observations": [\n'
        '  {' + obs + '"window": "all time", "year_from": null, "year_to": null, "year": null, "query": "q1", '
        '"count": 5, "status": "ok", "fetched_at": "2026-01-02"},\n'
        '  {' + obs + '"window": "2016", "year_from": 2016, "year_to": 2016, "year": 2016, "query": "q2", '
        '"count": 6, "status": "ok", "fetched_at": "2026-01-03"}\n'
        ' ]\n}\n')
    assert [p.name for p in tmp_path.iterdir()] == ["r.manifest.json"]  # the temporary file renamed
    with ascii_locale():
        assert load_manifest(path) == manifest(SimpleNamespace(path=None), items, query_shown="Über.toml")


# ---------------------------------------------------------------- loading


def obs(source="local:acl", method="CNN", task="tagging", window="all time", year_from=None, year_to=None,
        year=None, query=None, count=5, status="ok", corpus="1-aa", method_terms=CNN, task_terms=TAGGING):
    if query is None:
        query = f"{TAGGING_Q if task_terms else TOTAL_Q} {year_from}-{year_to}"
    return {"source": source, "corpus": corpus, "method": method, "task": task, "method_terms": method_terms,
            "task_terms": task_terms, "window": window, "year_from": year_from, "year_to": year_to, "year": year,
            "query": query, "count": count, "status": status, "fetched_at": "2026-01-01T00:00:00Z"}


def doc(*observations):
    return {"format": "survey-manifest/1", "observations": list(observations)}


def test_load_manifest_returns_a_valid_document(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc(obs())), encoding="utf-8")
    assert load_manifest(str(path)) == doc(obs())


@pytest.mark.parametrize("text, says", [
    ('{"format": "survey-manifest/1"', "not a readable manifest (Expecting ',' delimiter: line 1 column 31 (char 30))"),
    ('["survey-manifest/1"]', 'not a survey manifest (expected "format": "survey-manifest/1", '
                              "as `survey report` writes beside the report)"),
    ('{"format": "survey-manifest/2", "observations": []}',
     'not a survey manifest (expected "format": "survey-manifest/1", as `survey report` writes beside the report)'),
    ('{"format": "survey-manifest/1"}', '"observations" must be a list'),
    ('{"format": "survey-manifest/1", "observations": {}}', '"observations" must be a list'),
    ('{"format": "survey-manifest/1", "observations": [3]}', "observation 1 lacks (not an object)"),
])
def test_load_manifest_refuses_what_is_not_one(tmp_path, text, says):
    path = tmp_path / "m.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as e:
        load_manifest(path)
    assert str(e.value) == f"{path}: {says}"


def test_load_manifest_names_the_observation_and_what_it_lacks(tmp_path):
    path = tmp_path / "m.json"
    partial = {k: v for k, v in obs().items() if k not in ("year", "count", "corpus")}
    path.write_text(json.dumps(doc(obs(), partial)), encoding="utf-8")
    with pytest.raises(BadInput) as e:
        load_manifest(path)
    assert str(e.value) == f"{path}: observation 2 lacks corpus, count, year"


def test_load_manifest_of_no_file_or_bad_bytes(tmp_path):
    with pytest.raises(BadInput) as e:
        load_manifest(tmp_path / "absent.json")
    assert str(e.value) == f"{tmp_path / 'absent.json'}: no such manifest"
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"x": "\xe9"}')
    with pytest.raises(BadInput) as e:
        load_manifest(bad)
    assert str(e.value) == (f"{bad}: not a readable manifest ('utf-8' codec can't decode byte 0xe9 in position 7: "
                            "invalid continuation byte)")
    with pytest.raises(BadInput) as e:
        load_manifest(tmp_path)  # a folder
    assert str(e.value) == f"{tmp_path}: not a readable manifest ([Errno 21] Is a directory: '{tmp_path}')"


# ---------------------------------------------------------------- replay


class FakeSource:
    """Answers from tables keyed by the query in words; every call logged. A value that is an
    exception is raised."""

    def __init__(self, counts=None, per_year=None, totals=None, identity="1-aa", one_call=False,
                 cannot_compile=(), cannot_total=()):
        self.counts, self.per_year, self.totals = counts or {}, per_year or {}, totals
        self._identity, self.cannot_compile, self.cannot_total = identity, cannot_compile, cannot_total
        self.capabilities = SimpleNamespace(per_year_one_call=one_call)
        self.calls = []

    def identity(self):
        return self._identity

    def compile(self, query, start, end):
        if start in self.cannot_compile:
            raise SourceError(f"no year {start}")
        return f"{describe(query)} {start}-{end}"

    def totals_query(self, start, end):
        if start in self.cannot_total:
            raise SourceError(f"no totals for {start}")
        return f"all works {start}-{end}"

    @staticmethod
    def _answer(value):
        if isinstance(value, Exception):
            raise value
        return value

    def count(self, query, start, end):
        self.calls.append(("count", describe(query), start, end))
        return self._answer(self.counts[(describe(query), start, end)])

    def count_by_year(self, query, start, end):
        self.calls.append(("count_by_year", describe(query), start, end))
        return self._answer(self.per_year[describe(query)])

    def year_totals(self, start, end):
        self.calls.append(("year_totals", start, end))
        return self._answer(self.totals)


def works(year, count, query=None):
    return obs(method="(all works)", task="(all works)", method_terms=None, task_terms=None, window=str(year),
               year_from=year, year_to=year, year=year, count=count, query=query or f"all works {year}-{year}")


def test_replay_counts_each_window_again_and_notes_a_new_corpus():
    source = FakeSource(identity="2-bb", counts={
        (TAGGING_Q, None, None): 7, (TOTAL_Q, None, None): 9, (TAGGING_Q, 2016, 2016): 2,
        (TAGGING_Q, 2000, 2005): SourceError("timed out"), (TAGGING_Q, 2010, 2010): 0, (TAGGING_Q, 2021, 2025): 1})
    d = doc(
        obs(count=5),
        obs(task="total", task_terms=[], count=9),
        obs(window="trend", year_from=2016, year_to=2016, year=2016, count=2),
        obs(window="trend", year_from=2010, year_to=2010, year=2010, count=None),  # missing then, 0 now
        obs(count=1, status="error", window="failed"),  # not an answer: not counted again
        obs(source="scholar"), obs(source="arxiv"), obs(source="scholar", status="error"),
        obs(window="old", year_from=2000, year_to=2005, count=3),  # fails, and the next is still replayed
        obs(window="recent", year_from=2015, year_to=2020, count=4, query="an older compilation"),
        obs(window="later", year_from=2021, year_to=2025, count=1),  # after a query that changed: replayed
    )
    result = replay(d, {"local:acl": source, "unused": FakeSource()})
    assert result == Replay(
        checked=5,
        changes=[Change("local:acl", "CNN:tagging", "all time", 5, 7, "corpus content changed since"),
                 Change("local:acl", "CNN:tagging", "recent", 4, None, "the query compiles differently now"),
                 Change("local:acl", "CNN:tagging", "2010", None, 0, "corpus content changed since")],
        not_replayed=["arxiv: 1 count not replayed (not among the sources asked for)",
                      "scholar: 1 count not replayed (not among the sources asked for)",
                      "local:acl CNN:tagging old: timed out"])
    assert result.drifted is True and result.complete is False
    assert [c.delta for c in result.changes] == [2, None, None]
    assert source.calls == [("count", TAGGING_Q, None, None), ("count", TAGGING_Q, 2000, 2005),
                            ("count", TAGGING_Q, 2021, 2025), ("count", TOTAL_Q, None, None),
                            ("count", TAGGING_Q, 2016, 2016),
                            ("count", TAGGING_Q, 2010, 2010)]


def test_replay_per_year_in_one_call_and_all_works_per_year():
    source = FakeSource(one_call=True, identity="1-aa", counts={(TAGGING_Q, None, None): 5},
                        per_year={TAGGING_Q: {2015: 1, 2016: 5, 2017: 3}}, totals={2015: 10, 2016: 11, 2018: 4})
    d = doc(
        # all works first: the cells after them are replayed too
        # a year without an answer now is passed over, and the years after it still replayed
        works(2018, 4, query="all works, older wording"), works(2016, 11), works(2017, 12), works(2015, 9),
        obs(window="trend", year_from=2016, year_to=2016, year=2016, count=2),
        obs(window="trend", year_from=2018, year_to=2018, year=2018, count=6),  # no answer for 2018 now
        obs(window="trend", year_from=2015, year_to=2015, year=2015, count=1),
        obs(count=5),  # a window's count: one call of its own, in the same corpus (no note)
    )
    assert replay(d, {"local:acl": source}) == Replay(
        # 2 years of all works (2018's query changed, 2017 has no answer now), 2 years of the cell
        # (2018 has no answer now), its window
        checked=5,
        changes=[Change("local:acl", "(all works):(all works)", "2018", 4, None, "the query compiles differently now"),
                 Change("local:acl", "(all works):(all works)", "2015", 9, 10),
                 Change("local:acl", "CNN:tagging", "2016", 2, 5)],
        not_replayed=["local:acl all works 2017: the source's answer now has no count for this year",
                      "local:acl CNN:tagging 2018: the source's answer now has no count for this year"])
    assert source.calls == [("year_totals", 2015, 2018), ("count_by_year", TAGGING_Q, 2015, 2018),
                            ("count", TAGGING_Q, None, None)]


def test_replay_of_an_online_source_or_an_unknown_corpus_has_no_corpus_note():
    for identity in ("", None):
        source = FakeSource(identity=identity, counts={(TAGGING_Q, None, None): 6})
        assert replay(doc(obs(count=5, corpus="")), {"local:acl": source}).changes == [
            Change("local:acl", "CNN:tagging", "all time", 5, 6)]


def test_replay_says_what_it_could_not_count():
    source = FakeSource(one_call=True, per_year={TAGGING_Q: SourceError("rate limited")}, totals=SourceError("down"),
                        cannot_compile=(2001,), counts={(TOTAL_Q, 2002, 2002): 3})
    d = doc(
        obs(window="trend", year_from=2016, year_to=2016, year=2016, count=2),
        # a variant's cell queried the same way: one group, named by its first cell
        obs(method="ConvNet", task="labelling", window="trend", year_from=2017, year_to=2017, year=2017, count=2),
        obs(task="total", task_terms=[], window="2001", year_from=2001, year_to=2001, count=3),
        obs(task="total", task_terms=[], window="2002", year_from=2002, year_to=2002, count=3),  # still replayed
        works(2016, 11),
    )
    assert replay(d, {"local:acl": source}) == Replay(
        checked=1,
        changes=[Change("local:acl", "CNN:total", "2001", 3, None, "the query cannot be compiled now: no year 2001")],
        not_replayed=["local:acl CNN:tagging per year: rate limited", "local:acl all works per year: down"])
    # one request per year for the cell, refused once, then not again for its other years
    assert source.calls == [("count_by_year", TAGGING_Q, 2016, 2017), ("count", TOTAL_Q, 2002, 2002),
                            ("year_totals", 2016, 2016)]


def test_replay_of_all_works_whose_totals_query_fails_or_has_no_year():
    source = FakeSource(totals={2016: 11, 2017: 5}, cannot_total=(2017,))
    # a stored query that reads like the refusal is no match for it
    d = doc(works(2017, 5, query="(unsupported: no totals for 2017)"), works(2016, 11),
            {**works(2016, 11), "year": None, "window": "all time"})  # no year: nothing to compare
    assert replay(d, {"local:acl": source}) == Replay(
        checked=1, changes=[Change("local:acl", "(all works):(all works)", "2017", 5, None,
                                   "the query cannot be compiled now: no totals for 2017")])
    assert source.calls == [("year_totals", 2016, 2017)]
    only_yearless = doc({**works(2016, 11), "year": None})
    assert replay(only_yearless, {"local:acl": source}) == Replay()
    assert source.calls == [("year_totals", 2016, 2017)]


def test_change_delta_and_drift():
    assert Change("s", "c", "w", 5, 8).delta == 3
    assert Change("s", "c", "w", 8, 5).delta == -3
    assert Change("s", "c", "w", None, 5).delta is None
    assert Change("s", "c", "w", 5, None).delta is None
    assert Change("s", "c", "w", 5, 8).note == ""
    assert Replay().drifted is False and Replay(checked=3).drifted is False
    assert Replay(changes=[Change("s", "c", "w", 1, 1)]).drifted is True


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("field, value, says", [
    ("method_terms", ["CNN"], 'method_terms must hold {"term": TEXT, "exact": true|false} objects, got "CNN"'),
    ("method_terms", "CNN", 'method_terms must be a list of {"term": TEXT, "exact": true|false}, got "CNN"'),
    ("method_terms", [], 'method_terms must be a list of {"term": TEXT, "exact": true|false}, got []'),
    ("task_terms", None, 'task_terms must be a list of {"term": TEXT, "exact": true|false}, got null'),
    ("method_terms", None, "task_terms must be null where method_terms is (all works)"),
    ("task_terms", [{"term": "x", "exact": "yes"}],
     'task_terms must hold {"term": TEXT, "exact": true|false} objects, got {"term": "x", "exact": "yes"}'),
    ("year_from", "2016", 'year_from must be a year or null, got "2016"'),
    ("year", [2016], "year must be a year or null, got [2016]"),
    ("year_to", True, "year_to must be a year or null, got true"),
    ("source", ["local:acl"], 'source must be a source name, got ["local:acl"]'),
    ("count", 2.5, "count must be a whole number or null, got 2.5"),
    ("status", "fine", 'status must be one of ok, error, unsupported, blocked, got "fine"'),
    ("query", None, "query must be the query sent, as text, got null"),
    ("fields", "abstract", 'fields must be "title" or null, got "abstract"'),
    ("window", {"name": "x" * 80}, 'window must be a window name, got {"name": "' + "x" * 47 + "..."),
])
def test_a_malformed_observation_is_one_line_naming_the_file_record_and_field(tmp_path, field, value, says):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc(obs(), {**obs(), field: value})), encoding="utf-8")
    with pytest.raises(BadInput) as e:
        load_manifest(path)
    assert str(e.value) == f"{path}: observation 2: {says}"


def test_all_works_rows_have_no_terms_and_are_valid(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc(works(2016, 11))), encoding="utf-8")
    assert load_manifest(path)["observations"][0]["method_terms"] is None


@pytest.mark.parametrize("where", ["document", "field"])
def test_deeply_nested_arrays_are_one_line_not_a_recursion_error(tmp_path, where):
    path = tmp_path / "m.json"
    if where == "document":
        path.write_text(_deep(100_000), encoding="utf-8")
        says = "not a readable manifest (nested too deeply to be one)"
    else:
        text = json.dumps(doc(obs())).replace('"count": 5', '"count": ' + _deep(500))
        path.write_text(text, encoding="utf-8")
        says = "observation 1: count must be a whole number or null, got " + "[" * 57 + "..."
    with pytest.raises(BadInput) as e:
        load_manifest(path)
    assert str(e.value) == f"{path}: {says}"
