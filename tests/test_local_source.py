"""Matching semantics of the local corpus source, against hand-counted records."""

from __future__ import annotations

import re
import sqlite3
import threading

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from corpuskit import write_jsonl
from survey.corpus import Corpus, import_corpus
from survey.corpus.index import count_sql, searchable_sql, tokenize, totals_sql
from survey.errors import BadInput, UnknownSource, Unsupported
from survey.matrix import AllOf, AnyOf, Phrase, Term, any_of, cell_query
from survey.sources import make_source, source_names
from survey.sources.base import Record
from survey.sources.local import LocalSource, corpus_names

# Each record's comment says which test terms it is meant to match.
RECORDS = [
    # 1: plural LSTMs (stemming); phrase "sentiment analysis" in the title
    {"id": "r1", "title": "LSTMs for Sentiment Analysis", "abstract": "", "year": 2015, "doi": "10.1/r1"},
    # 2: the CNN phrase in the title, classification in the abstract (AND across fields)
    {"id": "r2", "title": "A convolutional neural network", "abstract": "Applied to sentence classification.", "year": 2014},
    # 3: the LSTM phrase, once hyphenated differently: "long-short term memory"
    {"id": "r3", "title": "On memory", "abstract": "We revisit long-short term memory.", "year": 1997},
    # 4: "long" ends the title and "short-term memory" opens the abstract: no phrase match
    {"id": "r4", "title": "Models that remember long", "abstract": "Short-term memory is studied.", "year": 2019},
    # 5: diacritics and case: "DIALOGUE" and "naïve"; no year
    {"id": "r5", "title": "NAÏVE DIALOGUE systems", "abstract": "A CNN-based approach.", "year": None},
    # 6: "dialog" (stem differs from "dialogue"), lowercase lstm inside a hyphenated word
    {"id": "r6", "title": "Dialog state tracking", "abstract": "An lstm-based tracker.", "year": 2006},
    # 7: machine translation by hyphen, in the boundary year 2026
    {"id": "r7", "title": "Machine-translation quality", "abstract": "", "year": 2026},
    # 8: words that are FTS5 syntax, as text
    {"id": "r8", "title": 'Why NOT "AND" or NEAR? a*b', "abstract": "c-d and e:f", "year": 2010},
    # 9: BiLSTM is one word, not LSTM; CNNs is a plural
    {"id": "r9", "title": "BiLSTM versus CNNs", "abstract": "", "year": 2018},
    # 10: the same work as r1 by DOI and title, another year (dropped)
    {"id": "r10", "title": "LSTMs for sentiment analysis.", "year": 2016, "doi": "https://doi.org/10.1/R1"},
    # 11: the same as r6 by title and year (dropped)
    {"id": "r11", "title": "dialog-state tracking!", "year": 2006},
    # 12: same title as r6 but another year: kept
    {"id": "r12", "title": "Dialog state tracking", "abstract": "Revisited with an LSTM.", "year": 2008},
]


@pytest.fixture(scope="module")
def corpus_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    src = folder / "hand.jsonl"
    write_jsonl(src, RECORDS)
    target = folder / "hand.sqlite"
    report = import_corpus(src, target)
    assert (report.imported, report.duplicates) == (10, 2)
    return target


@pytest.fixture(scope="module")
def corpus(corpus_path):
    with Corpus(corpus_path) as c:
        yield c


def q(*groups) -> AllOf:
    return AllOf(tuple(any_of(g) for g in groups))


def ids(corpus, query, start=None, end=None):
    return sorted(r.id for r in corpus.sample(query, start, end, n=100))


def test_stemming(corpus):
    assert ids(corpus, q(["LSTM"])) == ["r1", "r12", "r6"]  # LSTMs, lstm-based, LSTM; not BiLSTM
    assert ids(corpus, q(["LSTMs"])) == ["r1", "r12", "r6"]
    assert ids(corpus, q(["CNN"])) == ["r5", "r9"]  # CNN-based, CNNs


def test_stems_that_differ(corpus):
    assert ids(corpus, q(["dialog"])) == ["r12", "r6"]
    assert ids(corpus, q(["dialogue"])) == ["r5"]
    assert ids(corpus, q(["dialog", "dialogue"])) == ["r12", "r5", "r6"]


def test_phrases_and_hyphens(corpus):
    assert ids(corpus, q(["long short-term memory"])) == ["r3"]
    assert ids(corpus, q(["long short term memory"])) == ["r3"]
    assert ids(corpus, q(["machine translation"])) == ["r7"]
    assert ids(corpus, q(["sentiment analysis"])) == ["r1"]
    assert ids(corpus, q(["analysis sentiment"])) == []  # order matters


def test_phrase_never_spans_title_and_abstract(corpus):
    assert ids(corpus, q(["remember long"])) == ["r4"]
    assert ids(corpus, q(["short-term memory"])) == ["r3", "r4"]
    assert ids(corpus, q(["long short-term memory"])) == ["r3"]  # not r4


def test_all_of_across_fields(corpus):
    cell = cell_query(["CNN", "convolutional neural network"], ["classification"])
    assert ids(corpus, cell) == ["r2"]


def test_case_and_diacritics(corpus):
    assert ids(corpus, q(["naive"])) == ids(corpus, q(["NAÏVE"])) == ["r5"]
    assert ids(corpus, q(["Dialogue"])) == ["r5"]


def test_fts_syntax_in_terms_is_text(corpus):
    for term in ["NOT", "AND", "NEAR", "or", "a*b", '"AND"', "c-d", "e:f", "NEAR(a b)", "^why"]:
        assert ids(corpus, q([term])) == ["r8"], term
    assert ids(corpus, q(["a*"])) == ["r2", "r5", "r8"]  # the word "a", not a prefix query
    assert ids(corpus, q(["an*"])) == ["r12", "r6"]  # the word "an", not "analysis" or "approach"


def test_term_without_words_is_unsupported(corpus):
    with pytest.raises(Unsupported, match="'\\*\\*\\*' has no letters or digits"):
        corpus.count(q(["***"]))
    with pytest.raises(Unsupported):
        corpus.count(AllOf((AnyOf((Term("--"),)),)))


def test_windows_and_records_without_year(corpus):
    lstm_or_dialogue = q(["LSTM", "dialogue"])  # r1 2015, r6 2006, r12 2008, r5 no year
    assert corpus.count(lstm_or_dialogue) == 4
    assert corpus.count(lstm_or_dialogue, 2006, None) == 3
    assert corpus.count(lstm_or_dialogue, None, 2015) == 3
    assert corpus.count(lstm_or_dialogue, 2006, 2008) == 2  # both ends inclusive
    assert corpus.count(lstm_or_dialogue, 2007, 2008) == 1
    assert corpus.count(q(["machine translation"]), 2006, 2026) == 1


def test_count_by_year_has_every_year(corpus):
    by_year = corpus.count_by_year(q(["LSTM", "dialogue"]), 2004, 2016)
    assert list(by_year) == list(range(2004, 2017))
    assert {y: n for y, n in by_year.items() if n} == {2006: 1, 2008: 1, 2015: 1}
    assert sum(by_year.values()) == corpus.count(q(["LSTM", "dialogue"]), 2004, 2016)
    with pytest.raises(BadInput):
        corpus.count_by_year(q(["LSTM"]), 2010, 2000)


def test_sample_is_deterministic(corpus):
    query = q(["LSTM", "dialog", "dialogue", "CNN"])
    assert corpus.sample(query, None, None, 3, seed=1) == corpus.sample(query, None, None, 3, seed=1)
    assert len(corpus.sample(query, None, None, 3)) == 3
    assert {r.id for r in corpus.sample(query, None, None, 100)} == {"r1", "r5", "r6", "r9", "r12"}


def test_stats(corpus):
    stats = corpus.stats()
    assert stats["records"] == 10
    assert stats["with_abstract"] == sum(1 for r in RECORDS[:9] if r.get("abstract")) + 1  # r12
    assert stats["with_year"] == 9
    assert (stats["year_min"], stats["year_max"]) == (1997, 2026)
    assert stats["per_year"][2006] == 1 and sum(stats["per_year"].values()) == 9
    assert (stats["duplicates"], stats["format"]) == (2, "jsonl")


# ---------------------------------------------------------------- the Source


@pytest.fixture
def local_settings(settings, corpus_path):
    settings.corpora_dir.mkdir(parents=True)
    (settings.corpora_dir / "hand.sqlite").write_bytes(corpus_path.read_bytes())
    return settings


def test_source_from_settings(local_settings):
    assert corpus_names(local_settings) == ["hand"]
    assert "local:hand" in source_names(local_settings)
    for name in ("local", "local:hand"):
        source = make_source(name, local_settings)
        assert isinstance(source, LocalSource) and source.name == "local:hand"
        assert source.capabilities.per_year_one_call and source.rate_limit is None
        assert source.configured()[0]
        source.close()
    with pytest.raises(UnknownSource, match="no local corpus 'acl'.*have: local:hand"):
        make_source("local:acl", local_settings)
    (local_settings.corpora_dir / "other.sqlite").write_bytes((local_settings.corpora_dir / "hand.sqlite").read_bytes())
    with pytest.raises(UnknownSource, match="several local corpora, say which: local:hand, local:other"):
        make_source("local", local_settings)


def test_no_corpus(settings):
    assert corpus_names(settings) == []
    with pytest.raises(UnknownSource, match="survey corpus import"):
        make_source("local", settings)


def test_compiled_query_reruns_by_hand(local_settings):
    source = make_source("local:hand", local_settings)
    cell = cell_query(["LSTM", "long short-term memory"], ["dialog", "dialogue"])
    for start, end in [(None, None), (2006, None), (2006, 2008), (None, 2007)]:
        sql = source.compile(cell, start, end)
        assert "MATCH '" in sql
        with sqlite3.connect(source.path) as raw:
            assert raw.execute(sql).fetchone()[0] == source.count(cell, start, end)
    assert source.compile(cell, 2006, None).endswith("AND rowid >= 2006 << 32")  # rowid = year << 32 | n
    source.close()


def test_count_from_another_thread(local_settings):
    source = make_source("local:hand", local_settings)
    results = []
    worker = threading.Thread(target=lambda: results.append(source.count_by_year(q(["LSTM"]), 2006, 2016)))
    worker.start()
    worker.join()
    assert results == [source.count_by_year(q(["LSTM"]), 2006, 2016)]
    assert sum(results[0].values()) == 3
    source.close()


# ---------------------------------------------------------------- property: FTS agrees with a reference

# A small vocabulary so random records and queries collide often, plus FTS5 syntax.
WORDS = ["lstm", "LSTMs", "cnn", "memory", "short", "term", "naïve", "naive", "and", "NOT", "near", "x*", "a-b", '"q"']


def reference_match(record, query) -> bool:
    """Word-level matching written out in Python, with the corpus tokenizer for the words."""
    fields = [tokenize(record["title"]), tokenize(record["abstract"])]

    def atom_matches(text):
        words = tokenize(text)
        return any(
            field[i : i + len(words)] == words for field in fields for i in range(len(field) - len(words) + 1)
        )

    return all(any(atom_matches(a.text) for a in group.items) for group in query.items)


text_st = st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)
record_st = st.fixed_dictionaries(
    {"title": st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join), "abstract": text_st,
     "year": st.one_of(st.none(), st.integers(2000, 2004))}
)
term_st = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join).filter(lambda t: bool(tokenize(t)))
query_st = st.lists(st.lists(term_st, min_size=1, max_size=3, unique_by=str.lower), min_size=1, max_size=2)
window_st = st.sampled_from([(None, None), (2001, None), (None, 2002), (2001, 2003)])


@hsettings(max_examples=40, deadline=None)
@given(records=st.lists(record_st, min_size=1, max_size=8), groups=query_st, window=window_st)
def test_counts_agree_with_reference(tmp_path_factory, records, groups, window):
    folder = tmp_path_factory.mktemp("prop")
    src = folder / "r.jsonl"
    # Unique titles keep dedup out of this property; it is tested above.
    rows = [dict(r, title=f"{r['title']} t{i}") for i, r in enumerate(records)]
    write_jsonl(src, rows)
    import_corpus(src, folder / "c.sqlite")
    query = q(*groups)
    start, end = window
    expected = sum(
        1
        for r in rows
        if reference_match(r, query)
        and (r["year"] is not None or (start is None and end is None))
        and (start is None or (r["year"] or 0) >= start)
        and (end is None or (r["year"] or 9999) <= end)
    )
    with Corpus(folder / "c.sqlite") as corpus:
        assert corpus.count(query, start, end) == expected


@given(st.text(max_size=8))
def test_unsupported_exactly_when_the_tokenizer_keeps_nothing(text):
    query = AllOf((AnyOf((Term(text) if " " not in text else Phrase(tuple(text.split()) or ("",)),)),))
    has_tokens = bool(tokenize(text))
    try:
        from survey.corpus.query import match_expression

        expr = match_expression(query)
    except Unsupported:
        assert not has_tokens
    else:
        assert has_tokens and expr.startswith('("')


def test_tokenizer_folds_like_the_documented_semantics():
    assert tokenize("Short-term LSTMs, naïve!") == ["short", "term", "lstm", "naiv"]
    assert re.fullmatch(r"[a-z]+", "".join(tokenize("Dialogue DIALOG")))


def test_year_totals_count_every_kept_record_of_a_year(corpus_path):
    source = LocalSource(corpus_path)
    try:
        # kept records by year (r10 and r11 are duplicates): 2006 r6; 2008 r12; 2010 r8; 2014 r2; 2015 r1
        assert {y: n for y, n in source.year_totals(2006, 2015).items() if n} == {2006: 1, 2008: 1, 2010: 1, 2014: 1, 2015: 1}
        assert source.year_totals(2006, 2015)[2007] == 0 and len(source.year_totals(2006, 2015)) == 10
        assert source.year_totals(2020, 2022) == {2020: 0, 2021: 0, 2022: 0}
    finally:
        source.close()


def test_the_local_source_counts_its_window_from_the_start_it_is_given(corpus_path):
    source = LocalSource(corpus_path)
    try:
        lstm_or_dialogue = q(["LSTM", "dialogue"])  # r6 2006, r12 2008, r1 2015, r5 undated
        assert source.count(lstm_or_dialogue, 2007, 2008) == 1  # r12 alone: r6 is before the start
        assert source.count(lstm_or_dialogue, 2007, None) == 2
        assert source.count(lstm_or_dialogue, None, 2008) == 2
    finally:
        source.close()


def test_the_local_source_counts_records_with_an_abstract_per_year_by_the_statements_it_shows(corpus_path):
    kept = [r for r in RECORDS if r["id"] not in ("r10", "r11")]  # the two duplicates dropped on import
    source = LocalSource(corpus_path)
    try:
        searchable = source.searchable_totals(2006, 2010)
        assert searchable == {y: sum(1 for r in kept if r["year"] == y and r.get("abstract")) for y in range(2006, 2011)}
        assert searchable == {2006: 1, 2007: 0, 2008: 1, 2009: 0, 2010: 1}
        statements = source.compile_searchable_totals(2006, 2010)
        assert statements == {y: searchable_sql(y, y) for y in range(2006, 2011)}
        assert source.totals_query(2006, 2010) == totals_sql(2006, 2010)
        with sqlite3.connect(source.path) as raw:
            for year, sql in statements.items():
                assert dict(raw.execute(sql).fetchall()).get(year, 0) == searchable[year]
            assert dict(raw.execute(source.totals_query(2006, 2010)).fetchall()) == \
                {y: n for y, n in source.year_totals(2006, 2010).items() if n}
    finally:
        source.close()


# ---------------------------------------------------------------- exact terms, samples, identity

EXACT_RECORDS = [
    {"id": "e1", "title": "The Transformer architecture", "abstract": "", "year": 2018},
    {"id": "e2", "title": "Transformers for vision", "abstract": "", "year": 2020},
    {"id": "e3", "title": "Data transformation pipelines", "abstract": "", "year": 2019},
    {"id": "e4", "title": "On memory", "abstract": "A transformer-based model of neural networks.", "year": 2021},
    {"id": "e5", "title": "Neural network pruning", "abstract": "", "year": 2021},
]


def _opened(folder, name: str, records):
    src = folder / f"{name}.jsonl"
    write_jsonl(src, records)
    import_corpus(src, folder / f"{name}.sqlite")
    return Corpus(folder / f"{name}.sqlite")


@pytest.fixture(scope="module")
def exact_corpus(tmp_path_factory):
    with _opened(tmp_path_factory.mktemp("exact"), "e", EXACT_RECORDS) as c:
        yield c


def test_exact_terms_are_not_stemmed(exact_corpus):
    exact = AllOf((AnyOf((Term("transformer", exact=True),)),))
    stemmed = AllOf((AnyOf((Term("transformer"),)),))
    assert ids(exact_corpus, exact) == ["e1", "e4"]  # not Transformers (e2), not transformation (e3)
    # Porter stems transformer, Transformers and transformation alike (transform)
    assert tokenize("transformer Transformers transformation") == ["transform"] * 3
    assert ids(exact_corpus, stemmed) == ["e1", "e2", "e3", "e4"]
    assert exact_corpus.count(exact) == 2 and exact_corpus.count(stemmed) == 4
    assert exact_corpus.count_by_year(exact, 2018, 2021) == {2018: 1, 2019: 0, 2020: 0, 2021: 1}


def test_exact_phrase_and_a_cell_mixing_exact_and_stemmed(exact_corpus):
    assert ids(exact_corpus, AllOf((AnyOf((Phrase(("neural", "network"), exact=True),)),))) == ["e5"]
    assert ids(exact_corpus, AllOf((AnyOf((Phrase(("neural", "network")),)),))) == ["e4", "e5"]
    mixed = AllOf((AnyOf((Term("transformer", exact=True), Term("transformers", exact=True))), AnyOf((Term("networks"),))))
    assert ids(exact_corpus, mixed) == ["e4"]


def test_compiled_exact_and_stemmed_queries_rerun_by_hand(exact_corpus):
    query = AllOf((AnyOf((Term("transformer", exact=True), Term("vision"))),))
    sql = count_sql(query, 2018, 2020)
    counted = exact_corpus.count(query, 2018, 2020)  # first: it builds the exact-word index the statement reads
    with sqlite3.connect(exact_corpus.path) as raw:
        assert raw.execute(sql).fetchone()[0] == counted == 2


def test_sample_carries_matched_words_and_snippet(exact_corpus):
    [record] = exact_corpus.sample(AllOf((AnyOf((Phrase(("neural", "networks")),)),)), 2021, 2021, n=5, seed=0)[:1]
    assert record.id == "e4"
    assert record.matched == ("neural networks",)  # a phrase is marked as one stretch
    assert record.snippet == "A transformer-based model of **neural networks**."
    title_only = exact_corpus.sample(AllOf((AnyOf((Term("transformers", exact=True),)),)), n=5)
    assert [(r.id, r.matched, r.snippet) for r in title_only] == [("e2", ("Transformers",), None)]


def test_identity_depends_on_content_not_order(tmp_path):
    def build(name, records):
        src = tmp_path / f"{name}.jsonl"
        write_jsonl(src, records)
        import_corpus(src, tmp_path / f"{name}.sqlite")
        with Corpus(tmp_path / f"{name}.sqlite") as c:
            return c.identity

    forward = build("a", EXACT_RECORDS)
    assert build("b", EXACT_RECORDS[::-1]) == forward
    assert build("c", EXACT_RECORDS[:-1]) != forward
    changed = [dict(EXACT_RECORDS[0], abstract="edited")] + EXACT_RECORDS[1:]
    assert build("d", changed) != forward
    source = LocalSource(tmp_path / "a.sqlite")
    assert source.identity() == forward and source.capabilities.exact
    source.close()


# ---------------------------------------------------------------- the exact-word index, built on first use

def _tables(path) -> set[str]:
    with sqlite3.connect(path) as raw:
        return {name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}



def test_exact_index_is_built_by_the_first_exact_query_and_kept(tmp_path):
    db = tmp_path / "e.sqlite"
    import_corpus(write_jsonl(tmp_path / "e.jsonl", EXACT_RECORDS), db)
    assert "fts" in _tables(db) and "fts_exact" not in _tables(db)
    exact = AllOf((AnyOf((Term("transformer", exact=True),)),))
    with Corpus(db) as c:
        assert c.count(AllOf((AnyOf((Term("transformer"),)),))) == 4
        assert "fts_exact" not in _tables(db)  # a stemmed query builds nothing
        assert c.count_by_year(exact, 2018, 2021) == {2018: 1, 2019: 0, 2020: 0, 2021: 1}
        assert c.count(exact) == 2
        assert [r.id for r in c.sample(exact)] == ["e1", "e4"]
    assert "fts_exact" in _tables(db)
    with sqlite3.connect(db) as raw:
        tokenizers = dict(raw.execute("SELECT key, value FROM meta"))["tokenizers"]
        raw.execute("INSERT INTO fts_exact (fts_exact, rank) VALUES ('integrity-check', 1)")  # raises if out of step
    assert tokenizers == "fts: porter unicode61 remove_diacritics 2; fts_exact: unicode61 remove_diacritics 2"
    from survey.corpus.build import build_exact_index

    assert build_exact_index(db) is False  # kept: a second build finds it there


def test_exact_index_built_once_when_two_ask_at_once(tmp_path):
    from survey.corpus.build import build_exact_index

    db = tmp_path / "e.sqlite"
    import_corpus(write_jsonl(tmp_path / "e.jsonl", EXACT_RECORDS), db)
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(build_exact_index(db))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, True]


def test_exact_index_that_cannot_be_built_says_why(tmp_path):
    from survey.corpus.build import build_exact_index

    db = tmp_path / "e.sqlite"
    import_corpus(write_jsonl(tmp_path / "e.jsonl", EXACT_RECORDS), db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the corpus for longer than we wait
    try:
        with pytest.raises(BadInput, match=r"e\.sqlite: exact terms need the corpus's exact-word index.*database is locked"):
            build_exact_index(db, timeout=0.05)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "fts_exact" not in _tables(db)


def test_append_keeps_an_existing_exact_index_in_step(tmp_path):
    db = tmp_path / "e.sqlite"
    import_corpus(write_jsonl(tmp_path / "a.jsonl", EXACT_RECORDS), db)
    exact = AllOf((AnyOf((Term("transformer", exact=True),)),))
    with Corpus(db) as c:
        assert c.count(exact) == 2
    more = [{"id": "e6", "title": "A transformer for speech", "abstract": "", "year": 2022},
            {"id": "dup", "title": "The Transformer architecture", "abstract": "", "year": 2018}]  # a duplicate of e1
    report = import_corpus(write_jsonl(tmp_path / "b.jsonl", more), db, mode="append")
    assert (report.imported, report.duplicates) == (1, 1)
    with Corpus(db) as c:
        assert sorted(r.id for r in c.sample(exact)) == ["e1", "e4", "e6"]
    with sqlite3.connect(db) as raw:
        for table in ("fts", "fts_exact"):
            raw.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")


# ---------------------------------------------------------------- Corpus: exact values of every part

SAMPLED = [
    {"id": "s1", "title": "Attention for LSTM taggers", "abstract": "We train an LSTM. The lstm tagger wins.",
     "year": 2016, "doi": "10.1/A"},
    {"id": "s2", "title": "LSTMs everywhere", "abstract": "", "year": 2017},
    {"id": "s3", "title": "A survey", "abstract": "Convolutions, not LSTM " + "filler words " * 120 + "end.",
     "year": 2018},
    {"id": "s4", "title": "Undated LSTM note", "abstract": "x"},
    {"id": "s5", "title": "Unrelated", "abstract": "Nothing here.", "year": 2016},
    {"id": "s6", "title": "LSTM or CNN, later", "abstract": "", "year": 2020},
]


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    with _opened(tmp_path_factory.mktemp("sampled"), "s", SAMPLED) as c:
        yield c


def test_sample_gives_every_field_of_each_record(sampled):
    lstm = AllOf((AnyOf((Term("LSTM"),)),))
    got = sampled.sample(lstm, 2016, 2018, n=10, marks=("<", ">"))
    assert got == [
        Record(title="Attention for LSTM taggers", year=2016, id="s1", doi="10.1/a",
               snippet="We train an <LSTM>. The <lstm> tagger wins.", matched=("LSTM",)),
        Record(title="LSTMs everywhere", year=2017, id="s2", doi=None, snippet=None, matched=("LSTMs",)),
        Record(title="A survey", year=2018, id="s3", doi=None,
               # the match and 8 words after it, the rest of the abstract cut
               snippet="Convolutions, not <LSTM> " + "filler words " * 4 + "…", matched=("LSTM",)),
    ]
    # both bounds hold: 2016 and 2020 are left out of a 2017-2018 sample, the undated record of any bounded one
    assert [r.id for r in sampled.sample(lstm, 2017, 2018, n=10)] == ["s2", "s3"]
    assert [r.id for r in sampled.sample(lstm, None, 2018, n=10)] == ["s1", "s2", "s3"]
    assert [r.id for r in sampled.sample(lstm, None, None, n=10)] == ["s4", "s1", "s2", "s3", "s6"]  # year 0 first


def test_sample_gives_each_matched_word_once_as_first_written(sampled):
    either = AllOf((AnyOf((Term("LSTM"), Term("CNN"))),))
    [record] = sampled.sample(either, 2020, 2020)
    assert record.matched == ("LSTM", "CNN")
    [record] = sampled.sample(either, 2016, 2016)
    assert record.matched == ("LSTM",)  # "LSTM" and "lstm" are one word


def test_an_upper_bound_alone_leaves_undated_records_out(sampled):
    lstm = AllOf((AnyOf((Term("LSTM"),)),))
    assert sampled.count(lstm) == 5
    assert sampled.count(lstm, None, 2020) == 4  # not s4, which has no year
    assert sampled.count(lstm, 2017, None) == 3


def test_sample_snippet_without_a_match_in_the_abstract_is_its_start(sampled):
    [record] = sampled.sample(AllOf((AnyOf((Term("survey"),)),)), n=5)
    assert record.matched == ("survey",)
    assert record.snippet == SAMPLED[2]["abstract"][:200]


def test_sample_draws_by_seed(sampled):
    lstm = AllOf((AnyOf((Term("LSTM"),)),))
    draws = {tuple(r.id for r in sampled.sample(lstm, n=2, seed=seed)) for seed in range(20)}
    assert len(draws) > 1  # the seed, not a fixed one, picks the records
    assert all(len(d) == 2 and list(d) == sorted(d, key=["s4", "s1", "s2", "s3", "s6"].index) for d in draws)


def test_stats_exact(sampled):
    stats = sampled.stats()
    assert stats.pop("sources")[0].endswith("s.jsonl") and stats.pop("imported_at")
    assert stats == {
        "records": 6, "with_abstract": 4, "with_year": 5, "year_min": 2016, "year_max": 2020,
        "per_year": {2016: 2, 2017: 1, 2018: 1, 2020: 1}, "format": "jsonl", "read": 6, "duplicates": 0, "skipped": 0,
        "identity": sampled.identity,
    }


def test_count_by_year_of_a_single_year(sampled):
    assert sampled.count_by_year(AllOf((AnyOf((Term("LSTM"),)),)), 2016, 2016) == {2016: 1}


def test_corpus_is_opened_read_only(sampled):
    with Corpus(sampled.path) as corpus:  # opened here: a fixture's opening is seen by its first test only
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            corpus._conn.execute("CREATE TABLE scribble (x)")


def test_errors_name_the_corpus_and_what_to_do(tmp_path, sampled):
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as raw:
        raw.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        raw.execute("INSERT INTO meta VALUES ('schema', '1')")
    with pytest.raises(BadInput) as caught:
        Corpus(old)
    assert str(caught.value) == (f"{old}: corpus schema '1', this version reads '3'; "
                                 "re-import it with `survey corpus import PATH --name old --replace`")
    with pytest.raises(Unsupported) as rejected:
        sampled._rows("SELECT count(*) FROM fts WHERE fts MATCH ?", ('"unbalanced',))
    assert str(rejected.value) == 'FTS5 rejected the query (unterminated string): "unbalanced'
    with pytest.raises(Unsupported) as rejected:
        sampled._rows("SELECT count(*) FROM no_such_table", ())
    assert str(rejected.value) == "FTS5 rejected the query (no such table: no_such_table): SELECT count(*) FROM no_such_table"
    with pytest.raises(BadInput) as backwards:
        sampled.count_by_year(AllOf((AnyOf((Term("LSTM"),)),)), 2019, 2018)
    assert str(backwards.value) == "year range 2019-2018: start is after end"


def test_exact_index_is_looked_for_once_per_corpus_opened(tmp_path, monkeypatch):
    from survey.corpus import build

    db = tmp_path / "e.sqlite"
    import_corpus(write_jsonl(tmp_path / "e.jsonl", EXACT_RECORDS), db)
    calls = []
    real = build.build_exact_index
    monkeypatch.setattr(build, "build_exact_index", lambda path: calls.append(path) or real(path))
    exact = AllOf((AnyOf((Term("transformer", exact=True),)),))
    with Corpus(db) as c:
        assert [c.count(exact), c.count(exact, 2018, 2018)] == [2, 1]
    with Corpus(db) as c:
        assert c.count(exact) == 2
    assert calls == [db]


def test_sample_defaults_to_twenty_records_drawn_with_seed_0(tmp_path):
    records = [{"id": f"r{i:02d}", "title": f"LSTM study {i}", "year": 2000 + i % 10} for i in range(30)]
    with _opened(tmp_path, "many", records) as corpus:
        lstm = AllOf((AnyOf((Term("LSTM"),)),))
        drawn = corpus.sample(lstm)
        assert len(drawn) == 20
        assert drawn == corpus.sample(lstm, n=20, seed=0) != corpus.sample(lstm, n=20, seed=1)


def test_corpora_found_and_not_found_by_name(local_settings, tmp_path):
    folder = local_settings.corpora_dir
    (folder / "hand-copy.sqlite").write_bytes((folder / "hand.sqlite").read_bytes())
    (folder / ".hand.sqlite.1.2.importing").write_bytes(b"partial")  # an import in progress
    (folder / ".hidden.sqlite").write_bytes(b"")  # a dot-file is never a corpus
    (folder / "a-folder.sqlite").mkdir()  # nor a folder
    assert corpus_names(local_settings) == ["hand", "hand-copy"]
    source = make_source("local:hand-copy", local_settings)
    try:
        assert source.name == "local:hand-copy"
    finally:
        source.close()
    with pytest.raises(UnknownSource) as caught:
        make_source("local:other", local_settings)
    assert str(caught.value) == (f"no local corpus 'other' in {folder} (have: local:hand, local:hand-copy); "
                                 "import one with `survey corpus import PATH --name other`")
    empty = local_settings.__class__(**{**vars(local_settings), "home": tmp_path / "empty-home"})
    with pytest.raises(UnknownSource) as caught:
        LocalSource.from_settings(empty, "other")
    assert "(have: none)" in str(caught.value)


def test_local_source_named_after_its_file_unless_told(corpus_path):
    for name, expected in ((None, f"local:{corpus_path.stem}"), ("mine", "local:mine")):
        source = LocalSource(corpus_path, name)
        try:
            assert source.name == expected
        finally:
            source.close()


def test_local_source_samples_as_its_corpus_does(corpus_path):
    source = LocalSource(corpus_path)
    try:
        query = q(["LSTM", "dialog", "dialogue", "CNN"])
        for start, end, n, seed in ((None, None, 3, 1), (2000, 2010, 2, 0), (None, 2015, 5, 7)):
            assert source.sample(query, start, end, n, seed) == source.corpus.sample(query, start, end, n, seed)
        assert source.sample(query, None, None, 2) == source.corpus.sample(query, None, None, 2, 0)
        later = source.sample(query, 2010, None, 100)
        assert later == source.corpus.sample(query, 2010, None, 100)
        assert 0 < len(later) < len(source.sample(query, None, None, 100))  # the lower bound leaves some out
    finally:
        source.close()


def test_counting_in_a_corpus_never_imports_the_import_machinery(tmp_path):
    """A refresh from a local corpus opens it and counts: the readers (dozens of patterns), the loading
    thread and orjson are start-up it does not need."""
    import subprocess
    import sys

    db = tmp_path / "c.sqlite"
    import_corpus(write_jsonl(tmp_path / "c.jsonl", [{"title": "LSTM tagging", "year": 2016}]), db)
    code = ("import sys; from survey.sources.local import LocalSource; from survey.matrix import AllOf, AnyOf, Term; "
            f"s = LocalSource({str(db)!r}); print(s.count(AllOf((AnyOf((Term('lstm'),)),)), 2016, 2016)); "
            "print(','.join(m for m in ('survey.corpus.build', 'survey.corpus.loading', 'survey.corpus.readers', "
            "'orjson', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["1", ""]


@pytest.fixture(scope="module")
def dated_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dated")
    records = [{"title": f"LSTM model {i}", "year": None if i % 7 == 0 else 1998 + i % 25} for i in range(120)]
    import_corpus(write_jsonl(folder / "w.jsonl", records), folder / "w.sqlite")
    return folder / "w.sqlite"


@hsettings(max_examples=60, deadline=None)
@given(start=st.one_of(st.none(), st.integers(1995, 2025)), end=st.one_of(st.none(), st.integers(1995, 2025)))
def test_window_counts_summed_from_years_are_the_statement_counts(dated_corpus, start, end):
    """Counts come from one per-year pass per query; each must be what its own statement counts."""
    from survey.corpus.query import count_statement

    query = AllOf((AnyOf((Term("lstm"),)),))
    with Corpus(dated_corpus) as corpus:
        got = corpus.count(query, start, end)
    with sqlite3.connect(dated_corpus) as conn:
        assert got == conn.execute(*count_statement(query, start, end)).fetchone()[0]


def test_a_query_is_counted_once_for_all_its_windows_and_years(tmp_path, monkeypatch):
    with _opened(tmp_path, "once", [{"title": "LSTM tagging", "year": 2016}, {"title": "LSTM parsing"}]) as corpus:
        statements = []
        real = corpus._rows
        monkeypatch.setattr(corpus, "_rows", lambda sql, params: statements.append(sql) or real(sql, params))
        lstm = AllOf((AnyOf((Term("LSTM"),)),))
        assert [corpus.count(lstm), corpus.count(lstm, 2006), corpus.count_by_year(lstm, 2015, 2016)] == [2, 1, {2015: 0, 2016: 1}]
        assert len(statements) == 1


def test_year_totals_written_at_import_are_what_the_statement_counts(tmp_path):
    """Year totals come from the import's own count per year; a corpus imported before that was
    written gets them from the statement, and both agree with it after an append too."""
    from survey.corpus.query import totals_sql

    records = [{"title": f"Paper {i}", "year": None if i % 5 == 0 else 2000 + i % 7} for i in range(60)]
    records += [{"title": "Paper 1", "year": 2001}]  # a duplicate, merged: not a record of 2001
    db = tmp_path / "t.sqlite"
    import_corpus(write_jsonl(tmp_path / "a.jsonl", records), db)
    import_corpus(write_jsonl(tmp_path / "b.jsonl", [{"title": "Late", "year": 2006}, {"title": "Paper 2", "year": 2002}]),
                  db, mode="append")

    def by_statement():
        with sqlite3.connect(db) as raw:
            found = dict(raw.execute(totals_sql(1999, 2007)))
        return {year: found.get(year, 0) for year in range(1999, 2008)}

    with Corpus(db) as corpus:
        written = corpus.year_totals(1999, 2007)
    assert written == by_statement() and sum(written.values()) == 49 and written[2006] == 6 + 1
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM meta WHERE key = 'year_totals'")  # as a corpus imported before
    with Corpus(db) as corpus:
        assert corpus.year_totals(1999, 2007) == written


def test_searchable_totals_written_at_import_are_what_the_statement_counts(tmp_path):
    """Records with an abstract per year come from the import's own flags (a scan of every abstract
    costs seconds at 2M records); a duplicate with an abstract merged away is not counted, and a
    corpus imported before they were written gets them from the statement, after an append too."""
    from survey.corpus.query import searchable_sql

    records = [{"title": f"Paper {i}", "abstract": "text" if i % 3 else "", "year": None if i % 5 == 0 else 2000 + i % 7}
               for i in range(60)]
    records += [{"title": "Paper 3", "abstract": "a duplicate's abstract", "year": 2003}]  # Paper 3 has none
    db = tmp_path / "t.sqlite"
    import_corpus(write_jsonl(tmp_path / "a.jsonl", records), db)
    import_corpus(write_jsonl(tmp_path / "b.jsonl", [{"title": "Late", "abstract": "yes", "year": 2006},
                                                     {"title": "Paper 2", "abstract": "again", "year": 2002}]),
                  db, mode="append")

    def by_statement():
        with sqlite3.connect(db) as raw:
            found = dict(raw.execute(searchable_sql(1999, 2007)))
        return {year: found.get(year, 0) for year in range(1999, 2008)}

    with Corpus(db) as corpus:
        written = corpus.searchable_totals(1999, 2007)
    expected = {year: 0 for year in range(1999, 2008)}
    for i in range(60):
        if i % 3 and i % 5:
            expected[2000 + i % 7] += 1
    expected[2006] += 1  # Late
    assert written == by_statement() == expected
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM meta WHERE key = 'searchable_totals'")  # as a corpus imported before
    with Corpus(db) as corpus:
        assert corpus.searchable_totals(1999, 2007) == written
