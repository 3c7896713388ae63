"""Query variants derived from a query file, and flips detected in their counts."""

from __future__ import annotations

from survey.evidence.variants import BASELINE, Row, assess, changed_tasks, derive, rows
from survey.matrix import TermSpec, describe, parse_matrix
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
