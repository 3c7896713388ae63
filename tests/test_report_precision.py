"""The precision section word for word: labels matched to counts, the table, the verdict checks, how to label.

Intervals are 95% Wilson intervals, worked out here from the formula (not from the code under test):
30 of 40 is 0.5981-0.8581, 20 of 20 is 0.8389-1, 1 of 3 is 0.0615-0.7923, 9 of 10 is 0.5958-0.9821.
"""

from __future__ import annotations

from types import SimpleNamespace

from survey.evidence.claims import verdict
from survey.evidence.precision import Precision, check_table, check_verdict
from survey.labels import Label, SampleKey, open_labels
from survey.matrix import Window
from survey.reporting import precision as section_module
from survey.reporting.precision import (CellPrecision, PrecisionData, _claim_words, _verdict_words, applies, gather,
                                     merge, section, verdicts)

INTRO = ("A person judged a seeded random sample of each labelled cell's matches relevant or not. Precision is "
         "the share judged relevant, with a 95% Wilson interval; the corrected count is the count times the "
         "precision, and its 95% interval carries the labelled sample's uncertainty through (a parametric "
         "bootstrap: the precision drawn from its Jeffreys posterior, the relevant records among the matches "
         "not judged from the binomial at that precision). A task's claim changes on corrected counts only "
         "where the corrected comparison, leader against runner-up with both counts' uncertainty, excludes "
         "parity after Holm's adjustment across the tasks of the table; where the counts claim a lead the "
         "corrected comparison cannot confirm, the claim may change and more labels would settle it. Labels "
         "count only for the query they were made on.")
HEADER = ("| cell | count | judged relevant | precision (95% CI) | corrected count (95% CI) |\n"
          "| :--- | ---: | ---: | ---: | ---: |")
ONLINE_HOW = ("`survey audit -q QUERY -s local:NAME --cell METHOD:TASK --label -n 30` on a local corpus (online "
              "sources return records in their own order, not a seeded random sample, so they are not labelled)")
RECENT = Window("recent", 2015, 2020)


def label(record_id, relevant, *, source="local:acl", query="q1", window=RECENT, corpus="c1", origin="terminal"):
    return Label(source, corpus, "CNN", "parsing", query, window.start, window.end, record_id, relevant,
                 "2026-01-01T00:00:00Z", origin)


def item(method, task, count, *, source="local:acl", query="q1", window=RECENT, year=None, status="ok", corpus="c1",
         cached=True):
    o = SimpleNamespace(status=status, count=count, corpus=corpus) if cached else None
    return SimpleNamespace(source=source, query=query, window=window, year=year,
                           cell=SimpleNamespace(method=method, task=task), cached=o)


def cell(method, count, p, *, source="local:acl", window="recent", span="2015–2020", task="parsing", **kw):
    return CellPrecision(source, window, span, method, task, count, p, **kw)


def test_gather_matches_labels_by_source_query_and_window():
    items = [
        item("CNN", "parsing", 1200),
        item("LSTM", "parsing", 0, query="q-lstm"),  # a count of 0 is a count
        item("GRU", "parsing", 7, year=2016),  # a year's count: only window totals are corrected
        item("GRU", "parsing", 7, cached=False),
        item("GRU", "parsing", 7, status="error"),
        item("GRU", "parsing", None),
        item("CNN", "parsing", 50, query="q2", source="openalex", corpus=""),
    ]
    labels = [
        label("r1", True, corpus="c2"), label("r2", True), label("r3", False),
        label("r4", None, corpus="c3"),  # skipped: not judged, its corpus not a labelled one
        label("r5", True, window=Window("old", 2015, 2019)),  # another window
        label("r6", True, query="q2"),  # another query, same source
    ]
    data = gather(items, labels, problems=("bad.csv line 2",), query_shown="studies/q.toml")
    assert data == PrecisionData(cells=[
        cell("CNN", 1200, Precision(2, 3), labelled_corpora=("c1", "c2"), corpus="c1"),
        cell("LSTM", 0, None, labelled_corpora=(), corpus="c1"),
        cell("CNN", 50, None, source="openalex", labelled_corpora=(), corpus=""),
    ], problems=["bad.csv line 2"], query_shown="studies/q.toml")
    assert data.labelled() == data.cells[:1]


def test_gather_defaults():
    data = gather([item("CNN", "parsing", 3)], [])
    assert (data.problems, data.query_shown) == ([], "QUERY.toml")
    assert PrecisionData().query_shown == "QUERY.toml"
    assert PrecisionData().cells == [] and PrecisionData().problems == []


def test_merge_keeps_the_store_label_of_a_record_both_judge():
    stored = [label("r1", False)]
    committed = [label("r1", True, origin="csv:a.csv"), label("r2", True, origin="csv:a.csv"),
                 label("r1", True, query="q2", origin="csv:a.csv")]
    assert merge(stored, committed) == [stored[0], committed[1], committed[2]]


def test_verdicts_per_task_with_labels_and_the_methods_counted():
    data = PrecisionData(cells=[
        cell("CNN", 100, Precision(9, 10)), cell("LSTM", 60, None),
        cell("CNN", 5, None, task="tagging"), cell("LSTM", 8, None, task="tagging"),  # no labels: no check
        cell("CNN", 40, Precision(4, 4), source="openalex"),
    ])
    got = verdicts(data)
    assert [(s, w, t, n) for s, w, t, _, n in got] == [("local:acl", "recent", "parsing", 2),
                                                       ("openalex", "recent", "parsing", 1)]
    # the checks of one source and window are adjusted together: parsing and tagging of local:acl
    assert got[0][3] == check_table({"parsing": ({"CNN": 100, "LSTM": 60}, {"CNN": Precision(9, 10), "LSTM": None}),
                                     "tagging": ({"CNN": 5, "LSTM": 8}, {"CNN": None, "LSTM": None})})["parsing"]
    assert got[1][3] == check_verdict({"CNN": 40}, {"CNN": Precision(4, 4)})


def test_section_tables_census_and_verdicts():
    data = PrecisionData(cells=[
        cell("CNN", 1200, Precision(30, 40)),
        cell("LSTM", 20, Precision(5, 20)),  # every match judged: a census
        cell("GRU", 21, Precision(20, 20)),  # one match short of a census: sampled
        cell("CNN", 5000, Precision(1, 3), source="openalex"),
        cell("LSTM", 3000, None, source="openalex"),
    ])
    assert section(data) == "\n\n".join([
        INTRO,
        "`local:acl`, recent (2015–2020):\n\n" + HEADER + "\n"
        "| CNN:parsing | 1,200 | 30 of 40 | 75% (59%–86%) | 900 (731–1,036) |\n"
        "| LSTM:parsing | 20 | 5 of 20 (all) | 25% (every match judged) | 5 (exact) |\n"
        "| GRU:parsing | 21 | 20 of 20 | 100% (83%–100%) | 21 (21–21) |",
        "`openalex`, recent (2015–2020):\n\n" + HEADER + "\n"
        "| CNN:parsing | 5,000 | 1 of 3 | 33% (6%–80%) | 1,667 (180–4,128) |",
        # local:acl: 900, 5 and 21 corrected, 718 above both; openalex: 1,667 against LSTM's 3,000 as counted
        "Does the task's leader change on corrected counts?\n\n"
        "- `local:acl`, recent, parsing: unchanged: CNN leads; on corrected counts, CNN 98% [96–99%] against GRU, "
        "p < 0.001\n"
        # 1 of 3 labelled: CNN's corrected count runs from 180 to 4,128, so LSTM's 3,000 may or may not lead
        "- `openalex`, recent, parsing: may change; too few labels: CNN leads on counts; on corrected counts no "
        "clear leader (LSTM most), LSTM 64% [41–95%] against CNN, p = 0.356; about 10 more labels per corrected "
        "method would settle it; corrected: CNN, the other methods as counted",
        "1 counted cell has no labels. To label one: " + ONLINE_HOW + ".",
    ])


def test_section_groups_by_source_and_window():
    data = PrecisionData(cells=[
        cell("CNN", 10, Precision(10, 10)),
        cell("CNN", 10, Precision(10, 10), window="all time", span="all years"),
        cell("LSTM", 10, Precision(0, 10)),
    ])
    text = section(data)
    assert text.split("\n\n")[1:5] == [
        "`local:acl`, recent (2015–2020):", HEADER + "\n"
        "| CNN:parsing | 10 | 10 of 10 (all) | 100% (every match judged) | 10 (exact) |\n"
        "| LSTM:parsing | 10 | 0 of 10 (all) | 0% (every match judged) | 0 (exact) |",
        "`local:acl`, all time (all years):", HEADER + "\n"
        "| CNN:parsing | 10 | 10 of 10 (all) | 100% (every match judged) | 10 (exact) |",
    ]


def test_section_names_every_corrected_method_where_some_are_not():
    data = PrecisionData(cells=[cell("CNN", 100, Precision(10, 10)), cell("LSTM", 10, Precision(5, 10)),
                                cell("GRU", 20, None)])
    # corrected: CNN 100 (10 of 10 judged: 72-100), LSTM 5 (every match judged); GRU 20 as counted
    assert section(data).split("\n\n")[3:5] == [
        "Does the task's leader change on corrected counts?",
        "- `local:acl`, recent, parsing: unchanged: CNN leads; on corrected counts, CNN 83% [75–90%] against GRU, "
        "p < 0.001; corrected: CNN, LSTM, the other methods as counted"]


def test_verdict_words_for_each_kind_of_check():
    # 100 and 60: CNN leads on counts; corrected 90 of CNN's 100 against 60: the bootstrap leaves it open
    open_ = check_verdict({"CNN": 100, "LSTM": 60}, {"CNN": Precision(9, 10)})
    assert _verdict_words(open_) == (
        "may change; too few labels: CNN leads on counts; on corrected counts no clear leader (CNN most), CNN 60% "
        "[48–68%] against LSTM, p = 0.096; about 3 more labels per corrected method would settle it")
    unclear = check_verdict({"CNN": 50, "LSTM": 45}, {"CNN": Precision(9, 10)})
    assert _verdict_words(unclear) == ("unchanged: no clear leader (CNN most); on corrected counts, CNN 50% [36–61%] "
                                       "against LSTM, p = 0.947")
    # 5 and 1, every match judged: 6 matches are too few to say either way
    few = check_verdict({"CNN": 5, "LSTM": 1}, {"CNN": Precision(5, 5)})
    assert _verdict_words(few) == "unchanged: too few to say (CNN most)"
    # 300 against 100, CNN corrected to about 120: even every match judged would leave 120 against 100 open
    lost = check_verdict({"CNN": 300, "LSTM": 100}, {"CNN": Precision(4, 10)})
    assert _verdict_words(lost).endswith("; labelling every match would not settle it")
    # 14 and 11, every match judged both: 11 against 2 relevant, a lead on corrected counts
    census = check_verdict({"LSTM": 14, "CNN": 11}, {"LSTM": Precision(11, 14), "CNN": Precision(2, 11)})
    assert _verdict_words(census).startswith(
        "changes: no clear leader (LSTM most) on counts; on corrected counts LSTM leads, LSTM 85% [")


def test_claim_words():
    assert _claim_words(verdict({"CNN": 90, "LSTM": 10})) == "CNN leads"
    assert _claim_words(verdict({"CNN": 6, "LSTM": 5})) == "no clear leader (CNN most)"
    assert _claim_words(verdict({})) == "no data"


def test_section_names_labels_from_another_import_of_the_corpus():
    data = PrecisionData(cells=[
        cell("CNN", 10, Precision(10, 10), labelled_corpora=("", "c2", "c1", "c9"), corpus="c9"),
        cell("LSTM", 10, Precision(1, 10), labelled_corpora=("c3",), corpus=""),  # online: no import to differ
        cell("GRU", 10, Precision(1, 10), labelled_corpora=("c4",), corpus=None),
        cell("RNN", 10, Precision(1, 10), labelled_corpora=("c5",)),  # no corpus given
    ])
    assert section(data).split("\n\n")[3] == ("Some labels were made on another import of the corpus (c1, c2); "
                                               "the records they judge may have changed.")
    same = PrecisionData(cells=[cell("CNN", 10, Precision(10, 10), labelled_corpora=("c9",), corpus="c9")])
    assert "another import" not in section(same)


def test_section_without_labels_names_a_local_cell_to_label():
    data = PrecisionData(cells=[
        cell("CNN", 10, None, source="openalex"),
        cell("LSTM", 20, None, task="tagging"),
        cell("GRU", 30, None, source="local:lib"),
    ], query_shown="studies/q.toml")
    assert section(data) == "\n\n".join([
        INTRO,
        "No cell of this report has labels yet.",
        "3 counted cells have no labels. To label one: `survey audit -q studies/q.toml -s local:acl --cell "
        "LSTM:tagging --label -n 30` (or `--export-labels FILE.csv`, fill the relevant column, then "
        "`--import-labels FILE.csv`).",
    ])


def test_section_with_nothing_counted():
    assert section(PrecisionData()) == INTRO + "\n\nNo cell of this report has labels yet."


def test_section_lists_ten_label_problems_then_how_many_more():
    ten = [f"f.csv line {n}: empty record_id" for n in range(2, 12)]
    assert section(PrecisionData(problems=ten)).split("\n\n")[2:] == [
        "Label files with problems (those rows are not used):", "\n".join(f"- {p}" for p in ten)]
    eleven = section(PrecisionData(problems=ten + ["g.csv: not a label file"]))
    assert eleven.split("\n\n")[2:] == [
        "Label files with problems (those rows are not used):", "\n".join(f"- {p}" for p in ten) + "\n- and 1 more"]


def test_applies_only_with_counts():
    assert applies(SimpleNamespace(with_data=["local:acl"])) is True
    assert applies(SimpleNamespace(with_data=[])) is False


def settings(tmp_path):
    return SimpleNamespace(cache_path=tmp_path / "cache.sqlite")


def test_render_reads_the_store_and_the_committed_files(tmp_path):
    key = SampleKey("local:acl", "q1", 2015, 2020)
    with open_labels(settings(tmp_path), write=True) as store:
        records = [SimpleNamespace(id=r, title=r, year=2016, doi=None) for r in ("r1", "r2")]
        sample = store.save_sample(key, "c1", "CNN", "parsing", 7, records)
        store.record(sample, "r1", False)
    committed = tmp_path / "labels.csv"
    committed.write_text("source,corpus,window_from,window_to,method,task,query,record_id,relevant\n"
                         "local:acl,c1,2015,2020,CNN,parsing,q1,r1,1\n"  # the store's label wins
                         "local:acl,c1,2015,2020,CNN,parsing,q1,r2,1\n"
                         "local:acl,c1,2015,2020,CNN,parsing,q1,r3,maybe\n", encoding="utf-8")
    ctx = SimpleNamespace(settings=settings(tmp_path), label_files=[committed], query_shown="q.toml",
                          reading=SimpleNamespace(items=[item("CNN", "parsing", 2),
                                                         item("LSTM", "parsing", 3, query="q2")]))
    assert section_module.render(ctx) == "\n\n".join([
        INTRO,
        "`local:acl`, recent (2015–2020):\n\n" + HEADER + "\n"
        "| CNN:parsing | 2 | 1 of 2 (all) | 50% (every match judged) | 1 (exact) |",
        "Does the task's leader change on corrected counts?\n\n"
        "- `local:acl`, recent, parsing: unchanged: too few to say (LSTM most); "
        "corrected: CNN, the other methods as counted",
        "1 counted cell has no labels. To label one: `survey audit -q q.toml -s local:acl --cell LSTM:parsing "
        "--label -n 30` (or `--export-labels FILE.csv`, fill the relevant column, then `--import-labels "
        "FILE.csv`).",
        "Label files with problems (those rows are not used):\n\n"
        f"- {committed} line 4: relevant 'maybe': expected 1 or 0 (also yes/no, y/n, true/false), or empty to "
        "leave the record unlabelled",
    ])


def test_render_without_a_labels_store_creates_none(tmp_path):
    ctx = SimpleNamespace(settings=settings(tmp_path), label_files=[], query_shown="q.toml",
                          reading=SimpleNamespace(items=[item("CNN", "parsing", 2)]))
    assert section_module.render(ctx).endswith("1 counted cell has no labels. To label one: `survey audit -q q.toml "
                                               "-s local:acl --cell CNN:parsing --label -n 30` (or `--export-labels "
                                               "FILE.csv`, fill the relevant column, then `--import-labels "
                                               "FILE.csv`).")
    assert list(tmp_path.iterdir()) == []
