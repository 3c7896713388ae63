"""The limits section word for word: coverage from yearly totals, stemming, records that match two methods."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from survey.errors import BadInput
from survey.matrix import TITLE, Matrix, TermSpec, Trend, Window, describe
from survey.reporting import limits

INTRO = ("A count is of records whose searched text matches the query terms: a paper that names a method as a "
         "baseline counts the same as one built on it, and a term can mean something else (the precision audit "
         "shows samples). Beyond that:")
SHARED_HEAD = ("**Records that match two methods.** Such a record counts once for each, so method matches add up to "
               "more than the records; a share is of matches, not of papers.")
RECENT = Window("recent", 2015, 2020)


def source(*, stemming=False, records=False, fields="title and abstract", identity="1-aa", counts=None, fail=None):
    """A fake source: ``counts`` maps a described query to its count; ``fail`` is raised by count()."""
    calls = []

    def count(query, start, end):
        calls.append((describe(query), start, end))
        if fail is not None:
            raise fail
        return (counts or {})[describe(query)]

    caps = SimpleNamespace(stemming=stemming, records=records, fields=fields)
    return SimpleNamespace(capabilities=caps, count=count, identity=lambda: identity, calls=calls)


class FakeKept:
    """Records what the section asks to keep; answers by counting (``absent``: sources whose corpus is gone and
    for which nothing was kept)."""

    def __init__(self, absent=()):
        self.calls, self.absent = [], set(absent)

    def from_corpus(self, kind, key, present, compute):
        self.calls.append((kind, key, present))
        return None if key[0] in self.absent else compute()

    def from_source(self, kind, key, identity, compute):
        if identity == "":  # online: asked each time, nothing kept
            self.calls.append((kind, key, "online"))
            return compute()
        return self.from_corpus(kind, key, identity is not None, compute)


def context(matrix, *, with_data=(), instances=None, totals=None, tables=None, latest=(), pairs=(), kept=None):
    return SimpleNamespace(
        matrix=matrix, with_data=list(with_data), instances=instances or {}, year_totals=lambda s: (totals or {})[s],
        methods=list(matrix.methods), tasks=list(matrix.tasks), pairs=list(pairs),
        is_total=lambda t: not matrix.tasks.get(t), tables=tables or {}, latest=list(latest), kept=kept or FakeKept())


def matrix(methods=("CNN", "LSTM"), tasks=None, trend=None, windows=(RECENT,), fields=None):
    methods = methods if isinstance(methods, dict) else {m: (m,) for m in methods}
    return Matrix("m", "M", methods, tasks if tasks is not None else {"total": (), "parsing": ("parsing",)},
                  list(windows), trend, fields=fields)


def table(counts: dict):
    """counts: method -> count of the total task (None: missing)."""
    return SimpleNamespace(counts=pd.DataFrame({"total": {m: float("nan") if c is None else c
                                                          for m, c in counts.items()}}))


def obs(source, corpus, status="ok"):
    return SimpleNamespace(source=source, corpus=corpus, status=status)


# ---------------------------------------------------------------- coverage


def test_coverage_without_counts():
    assert limits.coverage(context(matrix())) == "**Coverage.** No source has counts, so nothing is covered yet."


def test_coverage_per_source_from_yearly_totals():
    ctx = context(matrix(trend=Trend(2010)), with_data=["local:acl", "openalex", "crossref", "local:lib", "dblp"],
                  instances={"local:acl": source(fields="title, abstract_text"), "openalex": source(fields="titles"),
                             "crossref": source(), "local:lib": source()},
                  totals={"local:acl": {2009: 0, 2010: 5, 2012: 1200, 2013: 0, 2014: 3, 2015: 0},
                          "openalex": {2010: 1, 2011: 2}, "crossref": {}, "local:lib": {2010: 0}, "dblp": {2011: 7}})
    assert limits.coverage(ctx) == "**Coverage.** Each source counts only what it indexes:\n\n" + "\n".join([
        # held 2010, 2012 and 2014; 2011 absent and 2013 zero are gaps; 2009 and 2015 lie outside
        "- `local:acl` searches title, abstract\\_text; from 2010 it holds 1,208 works published 2010–2014, "
        "none for 2011 and 2013. What it does not hold is not counted, so its counts describe its own collection.",
        "- `openalex` searches titles; from 2010 it holds 3 works published 2010–2011. What it does not hold is "
        "not counted, so its counts describe its own collection.",
        "- `crossref` searches title and abstract; it gives no yearly total, so its coverage is known only from its "
        "documentation.",
        "- `local:lib` searches title and abstract; it gives no yearly total, so its coverage is known only from "
        "its documentation.",
        "- `dblp` searches unknown fields; from 2010 it holds 7 works published 2011. What it does not hold is not "
        "counted, so its counts describe its own collection.",
    ])


def test_coverage_without_a_trend_names_no_start_year():
    ctx = context(matrix(), with_data=["openalex"], instances={"openalex": source()}, totals={"openalex": {1999: 4}})
    assert limits.coverage(ctx).endswith("\n\n- `openalex` searches title and abstract; it holds 4 works "
                                         "published 1999. What it does not hold is not counted, so its counts "
                                         "describe its own collection.")


# ---------------------------------------------------------------- stemming


def test_stemming_lists_the_terms_stemmed_and_the_sources():
    m = matrix({"CNN": ("CNN", TermSpec("convolutional network", True)), "LSTM": ("LSTM", "seq_2_seq")},
               {"total": (), "parsing": ("parsing", "CNN"), "tagging": (TermSpec("POS", False),)})
    ctx = context(m, with_data=["local:acl", "openalex", "gone"],
                  instances={"local:acl": source(stemming=True), "openalex": source()})
    # the exact term is left out (it is not stemmed), CNN once
    assert limits.stemming(ctx) == (
        "**Stemming.** `local:acl` stems words, so “CNN”, “LSTM”, “seq\\_2\\_seq”, “parsing” and “POS” also match "
        "their other forms (a plural matches its singular, “networks” matches “network”); a term written "
        "`{ term = ..., exact = true }` in the query file is matched as written where the source can do so; "
        "`openalex` matches words as written, so a plural or another form of a term is missed unless the query "
        "file lists it.")


def test_stemming_plural_sources_and_six_terms_or_more():
    six = matrix({"A": ("a1", "a2"), "B": ("b1", "b2")}, {"total": (), "T": ("t1", "t2")})
    ctx = context(six, with_data=["s1", "s2", "p1", "p2"],
                  instances={"s1": source(stemming=True), "s2": source(stemming=True), "p1": source(),
                             "p2": source()})
    assert limits.stemming(ctx) == (
        "**Stemming.** `s1` and `s2` stem words, so “a1”, “a2”, “b1”, “b2”, “t1” and “t2” also match their other "
        "forms (a plural matches its singular, “networks” matches “network”); a term written "
        "`{ term = ..., exact = true }` in the query file is matched as written where the source can do so; "
        "`p1` and `p2` match words as written, so a plural or another form of a term is missed unless the query "
        "file lists it.")
    seven = matrix({"A": ("a1", "a2"), "B": ("b1", "b2")}, {"total": (), "T": ("t1", "t2", "t3")})
    ctx = context(seven, with_data=["s1"], instances={"s1": source(stemming=True)})
    assert limits.stemming(ctx).startswith("**Stemming.** `s1` stems words, so “a1”, “a2”, “b1”, “b2”, “t1”, “t2” "
                                           "and 1 more term also match their other forms")
    eight = matrix({"A": ("a1", "a2"), "B": ("b1", "b2")}, {"total": (), "T": ("t1", "t2", "t3", "t4")})
    ctx = context(eight, with_data=["s1"], instances={"s1": source(stemming=True)})
    assert limits.stemming(ctx).startswith("**Stemming.** `s1` stems words, so “a1”, “a2”, “b1”, “b2”, “t1”, “t2” "
                                           "and 2 more terms also match their other forms")


def test_stemming_only_plain_sources_or_none_known():
    ctx = context(matrix(), with_data=["p1", "gone"], instances={"p1": source()})
    assert limits.stemming(ctx) == ("**Stemming.** `p1` matches words as written, so a plural or another form of a "
                                    "term is missed unless the query file lists it.")
    assert limits.stemming(context(matrix(), with_data=["gone"], instances={"p1": source()})) == ""


def test_words_says_what_a_local_corpus_takes_for_a_word_cjk_included():
    ctx = context(matrix(), with_data=["openalex", "local:acl"], instances={})
    assert limits.words(ctx) == (
        "**What counts as a word.** In `local:acl` a word is a run of letters or digits: any other character ends "
        "it (“LSTM-based” holds the word “LSTM”), and so does the meeting of a Chinese, Japanese or Korean "
        "character with a letter or digit of another script (“基于LSTM的” and “LSTMを用いた” hold “LSTM”). A run "
        "of CJK characters stays one word, so a CJK term matches only a whole run, never part of one. Online "
        "sources split words by their own rules.")
    assert limits.words(context(matrix(), with_data=["openalex"], instances={})) == ""


# ---------------------------------------------------------------- records matching two methods


def test_shared_matches_per_pair_with_shares():
    m = matrix(("CNN", "LSTM", "GRU", "RNN"), windows=(RECENT, Window("old", None, 2014)))
    acl = source(records=True, identity="109-ab", counts={"(CNN) AND (LSTM)": 33, "(CNN) AND (GRU)": 0,
                                                          "(CNN) AND (RNN)": 1252})
    kept = FakeKept()
    ctx = context(m, with_data=["local:acl", "openalex", "local:gone"],
                  instances={"local:acl": acl, "openalex": source()},
                  tables={("local:acl", "recent"): table({"CNN": 4000, "LSTM": None, "GRU": 0, "RNN": 5000})},
                  latest=[obs("local:acl", "bad", status="error"), obs("openalex", "x"), obs("local:acl", "109-ab"),
                          obs("local:acl", "110-zz")], kept=kept)
    # the first three pairs of four methods; 33 of 4,000 is 0.825%; 1,252 of 4,000 and 5,000: 31.3% and 25.04%;
    # no share of a missing count or of none
    assert limits.shared_matches(ctx) == SHARED_HEAD + "\n\n" + "\n".join([
        "- `local:acl`, recent (2015–2020): 33 records match both CNN and LSTM (0.8% of CNN's matches).",
        "- `local:acl`, recent (2015–2020): 0 records match both CNN and GRU (0% of CNN's matches).",
        "- `local:acl`, recent (2015–2020): 1,252 records match both CNN and RNN (31% of CNN's and 25% of RNN's "
        "matches).",
        "- `openalex` and `local:gone`: return counts only, so how many records match two methods is unknown here.",
    ])
    assert kept.calls == [("shared", ["local:acl", "109-ab", f"({a}) AND ({b})", 2015, 2020], True)
                          for a, b in (("CNN", "LSTM"), ("CNN", "GRU"), ("CNN", "RNN"))]
    assert acl.calls == [(f"({a}) AND ({b})", 2015, 2020) for a, b in (("CNN", "LSTM"), ("CNN", "GRU"), ("CNN", "RNN"))]


def test_shared_matches_for_the_query_files_pairs_in_a_single_year():
    year = Window("2020", 2020, 2020)
    m = matrix(("CNN", "LSTM", "GRU"), windows=(year,))
    acl = source(records=True, identity=None, counts={"(LSTM) AND (GRU)": 0})
    kept = FakeKept()
    ctx = context(m, with_data=["local:acl"], instances={"local:acl": acl},
                  tables={("local:acl", "2020"): table({"CNN": 4, "LSTM": None, "GRU": 0})},
                  latest=[obs("local:acl", "1-aa", status="error")], pairs=[("LSTM", "GRU")], kept=kept)
    assert limits.shared_matches(ctx) == SHARED_HEAD + "\n\n- `local:acl`, 2020: 0 records match both LSTM and GRU."
    # no counted observation names the corpus; no identity: the corpus is not here
    assert kept.calls == [("shared", ["local:acl", "", "(LSTM) AND (GRU)", 2020, 2020], False)]


def test_shared_matches_unknown_where_counting_fails_or_nothing_is_kept():
    m = matrix(("CNN", "LSTM", "GRU"))
    t = table({"CNN": 4, "LSTM": 5, "GRU": 6})
    failing = source(records=True, fail=BadInput("no such corpus"))
    unsupported = source(records=True, fail=NotImplementedError())
    ctx = context(m, with_data=["local:a", "local:b", "local:c"],
                  instances={"local:a": failing, "local:b": unsupported, "local:c": source(records=True)},
                  tables={(s, "recent"): t for s in ("local:a", "local:b", "local:c")},
                  kept=FakeKept(absent={"local:c"}))
    # local:c's corpus is absent and nothing was kept for it; a failure stops a source's other pairs
    assert limits.shared_matches(ctx) == SHARED_HEAD + (
        "\n\n- `local:a`, `local:b` and `local:c`: return counts only, so how many records match two methods is "
        "unknown here.")
    assert [len(s.calls) for s in (failing, unsupported)] == [1, 1]
    assert len(ctx.kept.calls) == 3


def test_shared_matches_keeps_the_fields_of_the_query_file():
    m = matrix(fields=TITLE)
    acl = source(records=True, counts={"(CNN) AND (LSTM) [in titles only]": 2})
    ctx = context(m, with_data=["local:acl"], instances={"local:acl": acl},
                  tables={("local:acl", "recent"): table({"CNN": 4, "LSTM": 8})})
    assert limits.shared_matches(ctx) == SHARED_HEAD + (
        "\n\n- `local:acl`, recent (2015–2020): 2 records match both CNN and LSTM (50% of CNN's and 25% of LSTM's "
        "matches).")


def test_shared_matches_needs_two_methods_and_a_total():
    assert limits.shared_matches(context(matrix(("CNN",)), with_data=["local:acl"])) == ""
    no_total = matrix(tasks={"parsing": ("parsing",)})
    ctx = context(no_total, with_data=["local:acl"], instances={"local:acl": source(records=True)})
    assert limits.shared_matches(ctx) == SHARED_HEAD + (
        "\n\n- `local:acl`: returns counts only, so how many records match two methods is unknown here.")
    assert limits.shared_matches(context(matrix(), with_data=[])) == SHARED_HEAD


def test_pairs_of_the_query_file_or_the_first_three():
    assert limits._pairs(context(matrix(("A", "B", "C", "D")))) == [("A", "B"), ("A", "C"), ("A", "D")]
    assert limits._pairs(context(matrix(("A", "B", "C")), pairs=[("C", "A")])) == [("C", "A")]


# ---------------------------------------------------------------- the whole section


def test_render_leaves_out_empty_paragraphs():
    assert limits.render(context(matrix(("CNN",)))) == (
        INTRO + "\n\n**Coverage.** No source has counts, so nothing is covered yet.")


def test_render_all_paragraphs():
    acl = source(stemming=True, records=True, fields="titles", counts={"(CNN) AND (LSTM)": 1})
    ctx = context(matrix(tasks={"total": ()}), with_data=["local:acl"], instances={"local:acl": acl},
                  totals={"local:acl": {}}, tables={("local:acl", "recent"): table({"CNN": 1, "LSTM": 1})})
    assert limits.render(ctx) == "\n\n".join([
        INTRO,
        "**Coverage.** Each source counts only what it indexes:\n\n- `local:acl` searches titles; it gives no yearly "
        "total, so its coverage is known only from its documentation.",
        "**Stemming.** `local:acl` stems words, so “CNN” and “LSTM” also match their other forms (a plural matches "
        "its singular, “networks” matches “network”); a term written `{ term = ..., exact = true }` in the query "
        "file is matched as written where the source can do so.",
        limits.words(ctx),
        SHARED_HEAD + "\n\n- `local:acl`, recent (2015–2020): 1 record matches both CNN and LSTM (100% of CNN's and "
        "100% of LSTM's matches).",
    ])
