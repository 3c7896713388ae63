"""Query variants derived from a query file, and flips detected in their counts."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace

import pytest

from survey.evidence.variants import ALIKE, BASELINE, WRITTEN, Row, assess, changed_tasks, derive, rows
from survey.matrix import TITLE, TermSpec, describe
from survey.query_file import parse_matrix
from survey.sources.base import Capabilities

THREE = """
name = "three"
[methods]
LSTM = ["LSTM", { term = "long short-term memory", exact = true }]
CNN = ["CNN", "convolutional neural network"]
Transformer = [{ term = "transformer", exact = true }]
[tasks]
dialog = ["dialog", "dialogue"]
total = []
"""


def caps(stemming=True, exact=True):
    return Capabilities(boolean=True, phrases=True, stemming=stemming, fields="title and abstract",
                        per_year_one_call=True, records=True, exact=exact)


def test_variants_of_a_three_method_file_with_exact_and_stemmed_terms():
    matrix = parse_matrix(THREE)
    variants = {v.name: v for v in derive(matrix, caps())}
    assert list(variants) == [
        BASELINE,
        "LSTM by 'LSTM' only", "LSTM by 'long short-term memory' only",
        "CNN by 'CNN' only", "CNN by 'convolutional neural network' only",
        "every term exact (unstemmed)", "every term stemmed",
        "tasks by their first term only",
    ]
    # One method cut to one term, the others as written (the exact flag travels with the term).
    lstm_full = variants["LSTM by 'long short-term memory' only"].matrix
    assert lstm_full.methods["LSTM"] == (TermSpec("long short-term memory", True),)
    assert lstm_full.methods["CNN"] == matrix.methods["CNN"]
    exact = variants["every term exact (unstemmed)"].matrix
    stemmed = variants["every term stemmed"].matrix
    every = [t for ts in (*exact.methods.values(), *exact.tasks.values()) for t in ts]
    assert all(isinstance(t, TermSpec) and t.exact for t in every)
    assert all(isinstance(t, str) for ts in (*stemmed.methods.values(), *stemmed.tasks.values()) for t in ts)
    assert describe(stemmed.cell("LSTM", "total").query) == '(LSTM OR "long short-term memory")'
    assert describe(exact.cell("CNN", "dialog").query) == '(=CNN OR ="convolutional neural network") AND (=dialog OR =dialogue)'
    assert variants["tasks by their first term only"].matrix.tasks == {"dialog": ("dialog",), "total": ()}
    # Transformer has one term, so no "every method by term N" variant can be made.
    assert not any(name.startswith("every method by term") for name in variants)


def test_exactness_variants_only_where_the_source_can_search_both():
    matrix = parse_matrix(THREE)
    assert not any(v.kind in ("exact", "stemmed") for v in derive(matrix, caps(exact=False)))
    assert not any(v.kind in ("exact", "stemmed") for v in derive(matrix, caps(stemming=False)))
    assert not any(v.kind in ("exact", "stemmed") for v in derive(matrix, None))


def test_every_method_by_the_same_term_where_each_has_several():
    matrix = parse_matrix('[methods]\nLSTM = ["LSTM", "long short-term memory"]\nCNN = ["CNN", "convnet"]\n'
                          '[tasks]\ntotal = []\n')
    names = [v.name for v in derive(matrix, caps(exact=False))]
    assert "every method by term 1 only: LSTM / CNN" in names
    assert "every method by term 2 only: long short-term memory / convnet" in names


def test_a_variant_speaks_only_for_the_tasks_it_queries_differently():
    matrix = parse_matrix(THREE)
    variants = {v.name: v for v in derive(matrix, caps())}
    assert changed_tasks(variants["tasks by their first term only"], matrix) == ["dialog"]
    assert changed_tasks(variants["CNN by 'CNN' only"], matrix) == ["dialog", "total"]


def _rows(variant: str, counts: dict[str, int], task="total") -> list[Row]:
    total = sum(counts.values())
    return [Row("local:x", "all time", task, variant, m, c, c / total) for m, c in counts.items()]


def test_a_flip_is_detected_and_named():
    # as written LSTM leads clearly (60% of 1000, interval 57-63%); by 'LSTM' only CNN does (57% of 700,
    # 53-61%); by the first task term only the lead holds (55% of 1000, 52-58%)
    data = (_rows(BASELINE, {"LSTM": 600, "CNN": 400}) + _rows("LSTM by 'LSTM' only", {"LSTM": 300, "CNN": 400})
            + _rows("tasks by their first term only", {"LSTM": 550, "CNN": 450}))
    (verdict,) = assess(data)
    assert verdict.leader == "LSTM" and verdict.written.is_lead and not verdict.robust
    assert verdict.flips == ["LSTM by 'LSTM' only"] and verdict.weakened == []
    assert verdict.claims["LSTM by 'LSTM' only"].leader == "CNN"


def test_a_lead_that_a_variant_leaves_unclear_is_not_robust_and_not_a_flip():
    # 30 vs 40: CNN has 57% of 70, interval 45-68%: no clear leader, so no flip either
    data = _rows(BASELINE, {"LSTM": 600, "CNN": 400}) + _rows("v1", {"LSTM": 30, "CNN": 40})
    (verdict,) = assess(data)
    assert verdict.flips == [] and verdict.weakened == ["v1"] and not verdict.robust


def test_no_clear_lead_as_written_is_never_robust():
    data = _rows(BASELINE, {"LSTM": 53, "CNN": 47}) + _rows("v1", {"LSTM": 52, "CNN": 48})
    (verdict,) = assess(data)
    assert verdict.written.kind == "no clear leader" and not verdict.robust and verdict.flips == []


def test_no_flip_is_robust_and_an_uncounted_variant_is_named_not_guessed():
    data = _rows(BASELINE, {"LSTM": 600, "CNN": 400}) + _rows("v1", {"LSTM": 500, "CNN": 450 - 100})
    data += [Row("local:x", "all time", "total", "v2", "LSTM", None, None),
             Row("local:x", "all time", "total", "v2", "CNN", 10, None)]
    (verdict,) = assess(data)
    assert verdict.robust and verdict.flips == [] and verdict.missing == ["v2"]


def test_rows_give_shares_only_where_every_method_is_counted():
    matrix = parse_matrix(THREE)
    (base, *_) = derive(matrix, caps())
    counts = {("all time", "LSTM", "total"): 6, ("all time", "CNN", "total"): 3, ("all time", "Transformer", "total"): 1}
    out = {(r.task, r.method): r for r in rows("local:x", base, counts)}
    assert out[("total", "LSTM")].share == 0.6
    assert out[("dialog", "LSTM")].count is None and out[("dialog", "LSTM")].share is None


# ------------------------------------------------------------------ derive: every variant, whole


def _kinds(matrix, capabilities):
    return [(v.name, v.kind) for v in derive(matrix, capabilities)]


def test_each_variant_keeps_the_file_but_its_own_change_and_is_named_after_it(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text('name = "two"\ntitle = "Two methods"\n[methods]\nCNN = ["CNN", "convnet"]\n'
                    'RNN = ["RNN", { term = "recurrent network", exact = true }]\n[tasks]\ntagging = ["tagging", "tagger"]\n'
                    '[[windows]]\nname = "early"\nto = 2010\n[[windows]]\nname = "late"\nfrom = 2011\n', encoding="utf-8")
    from survey.query_file import load_matrix

    matrix = load_matrix(path)
    title_caps = Capabilities(boolean=True, phrases=True, stemming=True, fields="title and abstract",
                              per_year_one_call=True, records=True, exact=True, title_only=True)
    variants = derive(matrix, title_caps)
    assert [(v.name, v.kind) for v in variants] == [
        (BASELINE, "baseline"),
        ("CNN by 'CNN' only", "method term"), ("CNN by 'convnet' only", "method term"),
        ("RNN by 'RNN' only", "method term"), ("RNN by 'recurrent network' only", "method term"),
        ("every method by term 1 only: CNN / RNN", "method term"),
        ("every method by term 2 only: convnet / recurrent network", "method term"),
        ("every term exact (unstemmed)", "exact"), ("every term stemmed", "stemmed"),
        ("titles only", "fields"), ("tasks by their first term only", "task synonyms"),
    ]
    assert variants[0].matrix is matrix
    short = {"every term exact (unstemmed)": "exact", "every term stemmed": "stemmed"}
    for v in variants[1:]:
        m = v.matrix
        assert m.name == f"two [{short.get(v.name, v.name)}]"
        assert (m.title, m.windows, m.path) == ("Two methods", matrix.windows, path)
        assert m.fields == (TITLE if v.kind == "fields" else None)
    by = {v.name: v.matrix for v in variants}
    assert by["every method by term 2 only: convnet / recurrent network"].methods == {
        "CNN": ("convnet",), "RNN": (TermSpec("recurrent network", True),)}
    assert by["every method by term 1 only: CNN / RNN"].tasks == matrix.tasks
    assert by["every term stemmed"].methods == {"CNN": ("CNN", "convnet"), "RNN": ("RNN", "recurrent network")}
    assert by["tasks by their first term only"].tasks == {"tagging": ("tagging",)}
    assert by["tasks by their first term only"].methods == matrix.methods


def test_a_single_term_method_first_does_not_stop_the_others():
    matrix = parse_matrix('[methods]\nSVM = ["SVM"]\nCNN = ["CNN", "convnet"]\n[tasks]\ntotal = []\n')
    assert _kinds(matrix, None) == [(BASELINE, "baseline"), ("CNN by 'CNN' only", "method term"),
                                    ("CNN by 'convnet' only", "method term")]


def test_one_method_alone_has_no_every_method_variant():
    matrix = parse_matrix('[methods]\nCNN = ["CNN", "convnet"]\n[tasks]\ntotal = []\n')
    assert [name for name, _ in _kinds(matrix, None)] == [BASELINE, "CNN by 'CNN' only", "CNN by 'convnet' only"]


def test_a_file_all_exact_gets_only_the_stemmed_variant_and_its_tasks_stemmed_too():
    matrix = parse_matrix('[methods]\nCNN = [{ term = "CNN", exact = true }]\nRNN = [{ term = "RNN", exact = true }]\n'
                          '[tasks]\ntagging = [{ term = "tagging", exact = true }]\n')
    variants = derive(matrix, caps())
    assert [(v.name, v.kind) for v in variants] == [(BASELINE, "baseline"), ("every term stemmed", "stemmed")]
    assert variants[1].matrix.tasks == {"tagging": ("tagging",)} and variants[1].matrix.methods == {
        "CNN": ("CNN",), "RNN": ("RNN",)}


def test_tasks_of_one_term_each_have_no_synonym_variant():
    matrix = parse_matrix('[methods]\nCNN = ["CNN"]\nRNN = ["RNN"]\n[tasks]\ntagging = ["tagging"]\ntotal = []\n')
    assert _kinds(matrix, None) == [(BASELINE, "baseline")]


def test_the_file_as_written_speaks_for_every_task():
    matrix = parse_matrix(THREE)
    assert changed_tasks(derive(matrix, None)[0], matrix) == ["dialog", "total"]


def test_rows_for_the_tasks_asked_with_shares_only_of_a_complete_positive_total():
    matrix = parse_matrix('[methods]\nA = ["a"]\nB = ["b"]\n[tasks]\nx = ["x"]\ny = ["y"]\nz = ["z"]\n'
                          '[[windows]]\nname = "w"\n')
    (base,) = derive(matrix, None)
    counts = {("w", "A", "x"): 1, ("w", "B", "x"): 0, ("w", "A", "y"): 0, ("w", "B", "y"): 0, ("w", "A", "z"): 3}
    assert [r.group for r in rows("src", base, counts)] == [WRITTEN] * 6
    assert [replace(r, group=ALIKE) for r in rows("src", base, counts, ["z", "x", "y"])] == [
        Row("src", "w", "z", BASELINE, "A", 3, None), Row("src", "w", "z", BASELINE, "B", None, None),
        Row("src", "w", "x", BASELINE, "A", 1, 1.0), Row("src", "w", "x", BASELINE, "B", 0, 0.0),
        Row("src", "w", "y", BASELINE, "A", 0, None), Row("src", "w", "y", BASELINE, "B", 0, None),
    ]


def test_assess_names_its_group_and_goes_on_past_an_uncounted_variant():
    data = (_rows(BASELINE, {"LSTM": 600, "CNN": 400}, task="qa")
            + [Row("local:x", "all time", "qa", "v0", "LSTM", None, None), Row("local:x", "all time", "qa", "v0", "CNN", 3, None)]
            + _rows("v1", {"LSTM": 300, "CNN": 400}, task="qa"))
    (verdict,) = assess(data)
    assert (verdict.source, verdict.window, verdict.task) == ("local:x", "all time", "qa")
    assert verdict.missing == ["v0"] and list(verdict.claims) == [BASELINE, "v1"] and verdict.flips == ["v1"]


# ------------------------------------------------------------------ counting in a small local corpus

MINI = """
name = "mini"
[methods]
CNN = ["CNN", "convolutional neural network"]
LSTM = ["LSTM", "long short-term memory"]
[tasks]
tagging = ["tagging", "tagger"]
total = []
[[windows]]
name = "all time"
"""
TITLES = ["A CNN tagger", "CNN for parsing", "Convolutional neural network tagging", "An LSTM tagger",
          "Long short-term memory for parsing", "LSTM study", "Unrelated work"]


def _matches(terms, title: str) -> bool:
    return any(re.search(rf"\b{re.escape(getattr(t, 'text', t))}\b", title, re.IGNORECASE) for t in terms)


def _expected(matrix, method: str, task: str) -> int:
    """The count by reading the titles (abstracts are empty): any method term and any task term."""
    mterms, tterms = matrix.methods[method], matrix.tasks[task]
    return sum(_matches(mterms, t) and (not tterms or _matches(tterms, t)) for t in TITLES)


@pytest.fixture
def mini(home, tmp_path):
    from click.testing import CliRunner

    from survey.cli import main

    src = tmp_path / "mini.jsonl"
    src.write_text("\n".join(json.dumps({"id": f"r{i}", "title": t, "abstract": "", "year": 2015 + i % 3})
                             for i, t in enumerate(TITLES)) + "\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["--no-progress", "corpus", "import", str(src), "--name", "mini"]).exit_code == 0
    query = tmp_path / "mini.toml"
    query.write_text(MINI, encoding="utf-8")
    return query


LOCAL = Capabilities(boolean=True, phrases=True, stemming=True, fields="title and abstract", per_year_one_call=True,
                     records=True, exact=True, title_only=True)


def test_every_variant_counted_for_the_tasks_it_changes(mini):
    from survey import api_evidence

    matrix = parse_matrix(MINI)
    variants = derive(matrix, LOCAL)
    wanted = [(v.name, t, m) for v in variants for t in changed_tasks(v, matrix) for m in matrix.methods]
    assert ("tasks by their first term only", "total", "CNN") not in wanted  # that variant leaves "total" alone

    cold, _ = api_evidence.robustness(mini, "local:mini", fetch=False)  # nothing cached, nothing counted
    assert [(r.variant, r.task, r.method) for r in cold] == wanted and {r.count for r in cold} == {None}

    counted, verdicts = api_evidence.robustness(mini, "local:mini")
    assert [(r.variant, r.task, r.method) for r in counted] == wanted
    by_variant = {v.name: v.matrix for v in variants}
    for r in counted:
        assert (r.source, r.window) == ("local:mini", "all time")
        assert r.count == _expected(by_variant[r.variant], r.method, r.task), r
        pair = [_expected(by_variant[r.variant], m, r.task) for m in matrix.methods]
        assert r.share == (r.count / sum(pair) if sum(pair) else None)
    assert {(v.task, v.leader) for v in verdicts} == {("tagging", "CNN"), ("total", None)}  # 2 to 1; 3 to 3, a tie

    again, _ = api_evidence.robustness(mini, "local:mini", fetch=False)  # now from the cache alone
    assert again == counted


# A method of one term beside one of two, and one task with synonyms: the file's own CNN cells appear
# in no variant's changed tasks (every variant changes CNN, or leaves "total" alone), so none is exported.
LOPSIDED = """
name = "lopsided"
[methods]
SVM = ["parsing"]
CNN = ["CNN", "convolutional neural network"]
[tasks]
tagging = ["tagging", "tagger"]
total = []
[[windows]]
name = "all time"
"""


@pytest.mark.parametrize("text", [MINI, LOPSIDED], ids=["mini", "lopsided"])
def test_the_exported_variant_counts_are_each_changed_query_once_in_order(mini, tmp_path, text):
    from survey import api_evidence

    mini.write_text(text, encoding="utf-8")
    out = tmp_path / "variants.csv"
    assert api_evidence.export_variant_counts(out, mini, "local:mini") == 0  # reading the cache counts nothing
    api_evidence.robustness(mini, "local:mini")
    written = api_evidence.export_variant_counts(out, mini, "local:mini")
    exported = list(csv.DictReader(out.open(encoding="utf-8")))
    matrix = parse_matrix(text)
    variants = derive(matrix, LOCAL)
    changed = {(c.method, c.task, c.query) for v in variants[1:] for c in v.matrix.cells if c.task in changed_tasks(v, matrix)}
    assert written == len(exported) == len(changed) == len({r["query"] for r in exported})
    assert [r["query"] for r in exported] == sorted(r["query"] for r in exported)
    assert {r["status"] for r in exported} == {"ok"}
    own = {(c.method, c.task, c.query) for c in matrix.cells} - changed
    assert (text is MINI) == (not own)


def test_a_count_older_than_max_age_is_counted_again(mini, tmp_path):
    from survey import api_evidence

    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    api_evidence.robustness(mini, "local:mini")
    api_evidence.export_variant_counts(first, mini, "local:mini")
    api_evidence.robustness(mini, "local:mini")  # fresh enough: cached as it is
    api_evidence.export_variant_counts(second, mini, "local:mini")
    stamps = lambda p: [r["fetched_at"] for r in csv.DictReader(p.open(encoding="utf-8"))]  # noqa: E731
    assert stamps(first) == stamps(second)
    api_evidence.robustness(mini, "local:mini", max_age="0")
    api_evidence.export_variant_counts(second, mini, "local:mini")
    assert all(a < b for a, b in zip(stamps(first), stamps(second))) and len(stamps(second)) == len(stamps(first))


def test_count_fetches_by_default_and_skips_a_variant_that_changes_nothing(mini):
    from survey.api import _store, load_settings
    from survey.evidence.variants import Variant, count
    from survey.source_names import close_all, make_sources

    matrix = parse_matrix(MINI)
    base, *rest = derive(matrix, None)
    same = Variant("the same again", "method term", matrix)
    with _store(load_settings(None, None)) as store:
        sources = make_sources(["local:mini"], load_settings(None, None), store)
        try:
            out, answered = count([base, same, rest[0]], "local:mini", sources["local:mini"], store)
        finally:
            close_all(sources)
    assert [(r.variant, r.task, r.method) for r in out] == [
        (v.name, t, m) for v in (base, rest[0]) for t in ("tagging", "total") for m in ("CNN", "LSTM")]
    assert all(r.count == _expected(matrix if r.variant == BASELINE else rest[0].matrix, r.method, r.task) for r in out)
    assert {i.cell.task for i in answered} == {"tagging", "total"} and len(answered) == 4  # the variant's, not the file's


def test_a_method_alone_with_no_match_has_no_leader():
    data = [Row("s", "w", "qa", BASELINE, "LSTM", 0, None), Row("s", "w", "qa", "v1", "LSTM", 3, 1.0)]
    (verdict,) = assess(data)
    assert verdict.leaders == {BASELINE: None, "v1": "LSTM"} and verdict.leader is None


def test_leader_shares_are_the_file_leader_rows_of_its_own_task_in_counted_variants():
    from survey.evidence.variants import leader_shares

    data = (_rows(BASELINE, {"LSTM": 600, "CNN": 400}) + _rows("v1", {"LSTM": 500, "CNN": 450})
            + _rows(BASELINE, {"LSTM": 10, "CNN": 90}, task="qa")
            + [Row("local:x", "all time", "total", "v2", "LSTM", None, None),
               Row("local:x", "all time", "total", "v2", "CNN", 10, None)])
    total = next(v for v in assess(data) if v.task == "total")
    assert leader_shares(total, data) == [data[0], data[2]]



def test_exported_counts_are_ordered_by_source_query_first_year_then_year_and_each_given_once(monkeypatch):
    from types import SimpleNamespace

    from survey.evidence import variants
    from survey.observation import Observation

    def obs(source, year_from, year, fetched_at, query="q"):
        return Observation(source, "CNN", "tagging", "w", year_from, 2020, year, query, 1, "ok", fetched_at=fetched_at)

    # as counted: the later windows and years first, each source's plan listing one observation twice
    counted = {"b": [obs("b", 2016, None, "t1"), obs("b", 2015, None, "t2"), obs("b", 2016, None, "t1")],
               "a": [obs("a", None, 2019, "t1"), obs("a", None, 2018, "t2"), obs("a", 2010, None, "t0", query="p")]}
    calls = []

    def count(found, name, source, store, *, fetch=True):
        calls.append((name, bool(fetch), [v.kind for v in found][:1]))  # read the cache, count nothing
        return [], [SimpleNamespace(cached=o) for o in counted[name]]

    monkeypatch.setattr(variants, "count", count)
    sources = {"b": SimpleNamespace(capabilities=LOCAL), "a": SimpleNamespace(capabilities=LOCAL)}
    got = variants.cached_observations(parse_matrix(MINI), sources, store=None)
    assert [(o.source, o.query, o.year_from, o.year) for o in got] == [
        ("a", "p", 2010, None), ("a", "q", None, 2018), ("a", "q", None, 2019), ("b", "q", 2015, None), ("b", "q", 2016, None)]
    assert calls == [("b", False, ["baseline"]), ("a", False, ["baseline"])]


# ------------------------------------------------------------------ mutation survivors (issue 23)


def test_each_group_counts_and_changes_its_own_variants():
    from survey.evidence.variants import FLIPS, GAINED, HOLDS, ONE_METHOD, SAME

    data = (_rows(BASELINE, {"LSTM": 600, "CNN": 400}) + _rows("alike", {"LSTM": 550, "CNN": 450})
            + [replace(r, group=ONE_METHOD) for r in _rows("one", {"LSTM": 300, "CNN": 400})])
    (verdict,) = assess(data)
    assert verdict.groups == {BASELINE: ALIKE, "alike": ALIKE, "one": ONE_METHOD}
    assert verdict.counted() == ["alike", "one"]
    assert verdict.counted(ALIKE) == ["alike"] and verdict.counted(ONE_METHOD) == ["one"]
    assert (verdict.outcome("alike"), verdict.outcome("one")) == (HOLDS, FLIPS)
    assert verdict.changes() == ["one"] and verdict.changes(ONE_METHOD) == ["one"] and verdict.changes(ALIKE) == []
    assert verdict.robust_to(ALIKE) and not verdict.robust_to(ONE_METHOD) and not verdict.robust
    verdict.groups.pop("alike")  # a variant without a group is of the group every method alike
    assert verdict.counted(ALIKE) == ["alike"]
    unwritten = replace(verdict, claims={k: v for k, v in verdict.claims.items() if k != BASELINE})
    assert (unwritten.outcome("one"), unwritten.outcome("alike")) == (GAINED, GAINED)
    tie = assess(_rows(BASELINE, {"LSTM": 50, "CNN": 50}) + _rows("v", {"LSTM": 51, "CNN": 49}))[0]
    assert tie.outcome("v") == SAME


def test_a_variant_is_adjusted_with_the_tasks_it_leaves_as_written():
    # the variant counts only "qa" again; "mt" and "total" as written are in its family too
    data = (_rows(BASELINE, {"LSTM": 600, "CNN": 400}, task="qa") + _rows(BASELINE, {"LSTM": 70, "CNN": 30}, task="mt")
            + _rows(BASELINE, {"LSTM": 900, "CNN": 100}, task="total") + _rows("v", {"LSTM": 580, "CNN": 420}, task="qa"))
    qa = next(v for v in assess(data) if v.task == "qa")
    assert qa.claims["v"].family == 3 and qa.claims[BASELINE].family == 3


def test_only_the_variant_without_exclusions_drops_them_and_it_is_named_so():
    from survey.evidence.variants import ONE_METHOD

    matrix = parse_matrix(THREE.replace('CNN = ["CNN", "convolutional neural network"]',
                                        'CNN = { any = ["CNN", "convolutional neural network"], not = ["daily mail"] }'))
    assert matrix.method_exclusions and not matrix.task_exclusions
    variants = {v.name: v for v in derive(matrix, caps())}
    bare = variants["without exclusions"]
    assert bare.matrix.name == f"{matrix.name} [without exclusions]"
    assert bare.matrix.method_exclusions == {} and bare.matrix.task_exclusions == {}
    for v in variants.values():
        if v.kind != "exclusions":
            assert v.matrix.method_exclusions == matrix.method_exclusions
    assert all(v.group == ONE_METHOD for v in variants.values() if v.kind == "method term" and " by '" in v.name)
    both = parse_matrix(THREE.replace('dialog = ["dialog", "dialogue"]', 'dialog = { any = ["dialog", "dialogue"], not = ["spoken"] }'))
    assert both.task_exclusions and not both.method_exclusions
    for v in derive(both, caps()):
        kept = v.kind != "exclusions"
        assert v.matrix.task_exclusions == (both.task_exclusions if kept else {})
