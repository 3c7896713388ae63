"""The precision audit section word for word: which sources are sampled, each cell's line, kept samples."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd

from survey.errors import SurveyError
from survey.matrix import Matrix, Window
from survey.reporting import samples
from survey.reporting.kept import Kept
from survey.sources.base import Record

NAN = float("nan")
ALL, RECENT = Window("all time"), Window("recent", 2015, 2020)
INTRO = ("A count says nothing about what was matched. For sources that return records, here is a fixed sample "
         "of up to 2 matched titles per cell (the same sample each run), so a reader can judge false positives. "
         "For a larger sample of one cell:")


def matrix(methods=("CNN",), tasks=("total",)):
    return Matrix(name="m", title="M", methods={m: (m,) for m in methods},
                  tasks={t: () if t == "total" else (t,) for t in tasks}, windows=[ALL, RECENT])


def table(has_data, counts=None):
    """counts: {(method, task): count}; a cell not named has none (NaN)."""
    counts = counts or {}
    methods = list(dict.fromkeys(m for m, _ in counts)) or ["CNN"]
    tasks = list(dict.fromkeys(t for _, t in counts)) or ["total"]
    frame = pd.DataFrame([[counts.get((m, t), NAN) for t in tasks] for m in methods], index=methods, columns=tasks)
    return SimpleNamespace(has_data=has_data, counts=frame)


def item(source, m, method, task, window=RECENT, year=None, corpus="1-aa", cached=True):
    return SimpleNamespace(source=source, cell=m.cell(method, task), window=window, year=year,
                           query=f"q {method} {task}", cached=SimpleNamespace(corpus=corpus) if cached else None)


def source(by_query=None, identity="1-aa", records=True):
    """A source that returns records; ``by_query``: cell query -> records, or an exception to raise."""
    calls = []

    def sample(query, start, end, n):
        calls.append((query, start, end, n))
        found = (by_query or {}).get(query, [])
        if isinstance(found, Exception):
            raise found
        return list(found)

    return SimpleNamespace(name="src", capabilities=SimpleNamespace(records=records), sample=sample,
                           identity=lambda: identity,
                           calls=calls)


def context(tmp_path, m, with_data, instances, tables, items, online=False):
    return SimpleNamespace(audit_n=2, query_shown="q.toml", matrix=m, with_data=with_data, instances=instances,
                           online_samples=online, tables=tables, reading=SimpleNamespace(items=items),
                           kept=Kept(tmp_path / "r.corpus.json"))


def test_each_kind_of_source_gets_its_own_line(tmp_path):
    m = matrix()
    cnn = m.cell("CNN", "total").query
    acl = source({cnn: [Record("A *CNN*", 2016, "acl-1", "10.1/x_y"), Record("B", None, "acl-2")]})
    tables = {("local:acl", "all time"): table(False), ("local:acl", "recent"): table(True, {("CNN", "total"): 3})}
    ctx = context(tmp_path, m, ["gone", "scholar", "openalex", "local:acl"],
                  {"scholar": source(records=False), "openalex": source(), "local:acl": acl},
                  tables, [item("local:acl", m, "CNN", "total")])
    assert samples.render(ctx) == "\n\n".join([
        INTRO,
        "```\nsurvey audit -q q.toml -s SOURCE --cell CNN:total -n 20\n```",
        "`gone` returns counts only, not records, so its matches cannot be sampled.",
        "`scholar` returns counts only, not records, so its matches cannot be sampled.",
        "`openalex` returns records, but sampling them takes requests, which the report does not send by "
        "default: `survey audit -q q.toml -s openalex --cell CELL` fetches a sample, and "
        "`survey report --online-samples` puts them here.",
        # the first window with counts is sampled
        "### `local:acl`, recent (2015–2020)\n\n**CNN:total**: 2 of 3 matched records\n\n"
        "- 2016 · [doi:10.1/x\\_y](https://doi.org/10.1/x_y) · A \\*CNN\\*\n"
        "- year unknown · `acl-2` · B",
    ])
    assert acl.calls == [(cnn, 2015, 2020, 2)]


def test_online_sources_are_sampled_when_asked(tmp_path):
    m = matrix()
    cnn = m.cell("CNN", "total").query
    openalex = source({cnn: [Record("A title", 2019)]}, identity="")  # online: no corpus, always here
    tables = {("openalex", "all time"): table(True, {("CNN", "total"): 1234}), ("openalex", "recent"): table(True)}
    ctx = context(tmp_path, m, ["openalex"], {"openalex": openalex}, tables,
                  [item("openalex", m, "CNN", "total", window=ALL, corpus="")], online=True)
    assert samples.render(ctx) == "\n\n".join([
        INTRO, "```\nsurvey audit -q q.toml -s SOURCE --cell CNN:total -n 20\n```",
        "### `openalex`, all time (all years)\n\n**CNN:total**: 1 of 1,234 matched records\n\n"
        "- 2019 · no id · A title",
    ])
    assert openalex.calls == [(cnn, None, None, 2)]
    assert ctx.kept.now["samples"] == {}  # the kept file is for corpora: an online source is asked each time


def test_nothing_to_sample_says_which_sources_would_have_records(tmp_path):
    ctx = context(tmp_path, matrix(), [], {}, {}, [])
    assert samples.render(ctx) == "\n\n".join([
        INTRO, "```\nsurvey audit -q q.toml -s SOURCE --cell CNN:total -n 20\n```",
        "No source has counts in the cache, so there is nothing to sample. A local corpus (`survey corpus import "
        "PATH --name NAME`, then refresh with `-s local:NAME`) or OpenAlex returns records.",
    ])


def test_audit_block_one_line_per_cell_and_what_is_kept(tmp_path):
    m = matrix(("CNN", "bi_LSTM"), ("total", "tagging"))
    lstm = m.cell("bi_LSTM", "tagging").query
    records = [Record("First", 2019, "id-1", None, snippet="…**LSTM**…", matched=("LSTM",)), Record("Second", 2020)]
    acl = source({lstm: records})
    counts = {("CNN", "total"): 0, ("CNN", "tagging"): NAN, ("bi_LSTM", "total"): 5, ("bi_LSTM", "tagging"): 1234}
    items = [
        item("local:acl", m, "CNN", "total"), item("local:acl", m, "CNN", "tagging"),
        item("local:acl", m, "bi_LSTM", "tagging"),
        # answers for bi_LSTM:total, none of them the window's own count
        item("local:other", m, "bi_LSTM", "total"), item("local:acl", m, "bi_LSTM", "total", year=2016),
        item("local:acl", m, "bi_LSTM", "total", window=ALL), item("local:acl", m, "bi_LSTM", "total", cached=False),
    ]
    ctx = context(tmp_path, m, ["local:acl"], {"local:acl": acl}, {("local:acl", "recent"): table(True, counts)}, items)
    assert samples.audit_block(ctx, "local:acl", acl, RECENT) == "\n\n".join([
        "### `local:acl`, recent (2015–2020)",
        "**CNN:total**: no matched record.",
        "**CNN:tagging**: no count cached, so no sample.",
        "**bi\\_LSTM:total**: no count cached, so no sample.",
        "**bi\\_LSTM:tagging**: 2 of 1,234 matched records\n\n- 2019 · `id-1` · First\n- 2020 · no id · Second",
    ])
    assert acl.calls == [(m.cell("CNN", "total").query, 2015, 2020, 2), (lstm, 2015, 2020, 2)]
    ctx.kept.save()
    # kept under source, corpus, query, window and sample size; title, year and ids only
    assert json.loads((tmp_path / "r.corpus.json").read_text(encoding="utf-8"))["samples"] == [
        {"key": ["local:acl", "1-aa", "q CNN total", 2015, 2020, 2], "value": {"matched": 0, "records": []}},
        {"key": ["local:acl", "1-aa", "q bi_LSTM tagging", 2015, 2020, 2],
         "value": {"matched": 1234, "records": [{"title": "First", "year": 2019, "id": "id-1", "doi": None},
                                                {"title": "Second", "year": 2020, "id": None, "doi": None}]}},
    ]


def test_audit_block_failures_and_an_absent_corpus(tmp_path):
    m = matrix(("CNN",), ("total", "tagging"))
    total, tagging = m.cell("CNN", "total").query, m.cell("CNN", "tagging").query
    failing = source({total: SurveyError("index_v2 locked"), tagging: NotImplementedError("no sampling")})
    counts = {("CNN", "total"): 7, ("CNN", "tagging"): 3}
    items = [item("local:acl", m, "CNN", "total"), item("local:acl", m, "CNN", "tagging")]
    ctx = context(tmp_path, m, ["local:acl"], {}, {("local:acl", "recent"): table(True, counts)}, items)
    assert samples.audit_block(ctx, "local:acl", failing, RECENT) == "\n\n".join([
        "### `local:acl`, recent (2015–2020)",
        "**CNN:total**: sampling failed (index\\_v2 locked).",
        "**CNN:tagging**: sampling failed (no sampling).",
    ])

    # The corpus is not here: a sample kept by an earlier report under the same key is shown again.
    (tmp_path / "r.corpus.json").write_text(json.dumps({"samples": [
        {"key": ["local:acl", "1-aa", "q CNN tagging", 2015, 2020, 2],
         "value": {"matched": 3, "records": [{"title": "Kept", "year": 2018, "id": None, "doi": "10.2/k"}]}},
        {"key": ["local:acl", "1-aa", "q CNN total", 2015, 2020, 5], "value": {"matched": 7, "records": []}},
    ]}), encoding="utf-8")
    absent = source(identity=None)
    ctx = context(tmp_path, m, ["local:acl"], {}, {("local:acl", "recent"): table(True, counts)}, items)
    assert samples.audit_block(ctx, "local:acl", absent, RECENT) == "\n\n".join([
        "### `local:acl`, recent (2015–2020)",
        "**CNN:total**: no sample here: the corpus is not on this machine (its counts are read from the cache).",
        "**CNN:tagging**: 1 of 3 matched records\n\n- 2018 · [doi:10.2/k](https://doi.org/10.2/k) · Kept",
    ])
    assert absent.calls == []


def test_record_id_prefers_the_doi():
    assert samples.record_id(Record("t", doi="10.1/a_b", id="x")) == "[doi:10.1/a\\_b](https://doi.org/10.1/a_b)"
    assert samples.record_id(Record("t", id="W1_2")) == "`W1_2`"
    assert samples.record_id(Record("t", id="")) == "no id"
    assert samples.record_id(Record("t")) == "no id"
