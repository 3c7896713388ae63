"""The method and provenance section word for word: sources, biases, cache hits against the plan and its
CSV, failures, the exact queries and the files read."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

from survey.matrix import Cell, Trend, Window
from survey.refreshing import PlanItem
from survey.reporting import provenance
from survey.observation import Observation

ALL = Window("all", None, None)
W10 = Window("2010s", 2010, 2019)
LSTM_MT = Cell("lstm", "mt", None)
CNN_MT = Cell("cnn", "mt", None)


def caps(fields="title and abstract", boolean=True, phrases=True, stemming=False, notes=""):
    return SimpleNamespace(capabilities=SimpleNamespace(fields=fields, boolean=boolean, phrases=phrases,
                                                        stemming=stemming, notes=notes))


def fetch(source, day, status="ok"):
    return SimpleNamespace(source=source, status=status, fetched=datetime.fromisoformat(f"{day}T12:00:00+00:00"))


def ob(source, status="ok", *, cell=LSTM_MT, window="all", year=None, error=None, count=None, at=""):
    return Observation(source, cell.method, cell.task, window, None, None, year, "q", count, status, error, at)


def plan_item(source, cached=None, *, fresh=False, cell=LSTM_MT, window=ALL, year=None, query="lstm AND mt",
              unsupported=None):
    return PlanItem(source, cell, window, year, query, unsupported, cached, fresh)


def context(tmp_path, **kw):
    base = dict(names=[], history=[], instances={}, latest=[], with_data=[], references=[], results_path=None,
                out_path=tmp_path / "reports" / "r.md", stem="r", query_shown="queries/q.toml", plan_csv=None,
                matrix=SimpleNamespace(trend=None, windows=[ALL, W10], reference=None),
                reading=SimpleNamespace(items=[]))
    base.update(kw)
    return SimpleNamespace(**base)


def test_sources_table_capabilities_dates_and_statuses(tmp_path):
    history = [fetch("openalex", "2026-02-10"), fetch("openalex", "2026-01-05"),
               fetch("openalex", "2026-02-11", "error"), fetch("openalex", "2026-02-11", "blocked"),
               fetch("openalex", "2026-02-11", "unsupported"), fetch("openalex", "2026-02-11", "unsupported"),
               fetch("arxiv", "2026-03-03"), fetch("gone", "2026-03-03")]
    ctx = context(tmp_path, names=["openalex", "local:x", "arxiv"], history=history, instances={
        "openalex": caps(), "local:x": caps("titles_*", False, False, True), "arxiv": caps("all", True, False, True)})
    assert provenance.sources_table(ctx) == (
        "What each source searches and how, and what the cache holds from it (every fetch, history included):\n\n"
        "| source | searches | AND/OR | phrases | stems | fetched | ok | unsupported | failed | blocked |\n"
        "| :--- | :--- | :--- | :--- | :--- | :--- | ---: | ---: | ---: | ---: |\n"
        "| `openalex` | title and abstract | yes | yes | no | 2026-01-05 to 2026-02-11 | 2 | 2 | 1 | 1 |\n"
        "| `local:x` | titles\\_\\* | no | no | yes | never | 0 | 0 | 0 | 0 |\n"
        "| `arxiv` | all | yes | no | yes | 2026-03-03 | 1 | 0 | 0 | 0 |")


def test_sources_table_without_sources(tmp_path):
    assert provenance.sources_table(context(tmp_path)) == "No source is configured or cached."


def test_biases_only_for_sources_with_notes(tmp_path):
    ctx = context(tmp_path, names=["a", "b", "c"], instances={
        "a": caps(notes="counts  *preprints*\ntoo"), "b": caps(), "c": caps(notes="no abstracts")})
    assert provenance.biases(ctx) == "Known biases:\n\n- `a`: counts \\*preprints\\* too\n- `c`: no abstracts"
    assert provenance.biases(context(tmp_path, names=["b"], instances={"b": caps()})) == ""


def cached(status="ok", count=None, at="2026-01-02T03:04:05.000000Z", error=None):
    return ob("openalex", status, count=count, at=at, error=error)


def test_cache_hits_per_source_against_the_plan(tmp_path):
    items = [
        plan_item("openalex", cached(count=5), fresh=True), plan_item("openalex", cached("error"), fresh=True),
        plan_item("openalex", cached(count=3)), plan_item("openalex", cached("blocked")),
        plan_item("openalex", cached("error")), plan_item("openalex"), plan_item("openalex", cell=CNN_MT),
        plan_item("arxiv", cached(count=1)),
    ]
    ctx = context(tmp_path, instances={"openalex": caps(), "arxiv": caps(), "dblp": caps()},
                  reading=SimpleNamespace(items=items))
    (tmp_path / "reports").mkdir()
    table = ("| source | counts planned | cached and fresh | stale | failed last time | never fetched |\n"
             "| :--- | ---: | ---: | ---: | ---: | ---: |\n"
             "| `openalex` | 7 | 2 | 1 | 2 | 2 |\n"
             "| `arxiv` | 1 | 0 | 1 | 0 | 0 |\n"
             "| `dblp` | 0 | 0 | 0 | 0 | 0 |")
    assert provenance.cache_hits(ctx) == (
        "Cache hits against the plan (`survey plan -q queries/q.toml`, window totals, fresh within 30 days):\n\n"
        + table + "\n\nThe exact query each source is sent for every cell and window, with the cached count and "
        "its fetch time: [r.plan.csv](r.plan.csv).")
    assert ctx.plan_csv == tmp_path / "reports" / "r.plan.csv" and ctx.plan_csv.is_file()

    ctx.matrix.trend = Trend(2015)
    assert provenance.cache_hits(ctx) == (
        "Cache hits against the plan (`survey plan -q queries/q.toml`, window totals and per-year counts, fresh "
        "within 30 days):\n\n" + table + "\n\nThe exact query each source is sent for every cell and window (and "
        "year, for the sources with counts), with the cached count and its fetch time: [r.plan.csv](r.plan.csv).")


def test_cache_hits_without_sources(tmp_path):
    ctx = context(tmp_path)
    assert provenance.cache_hits(ctx) == ""
    assert ctx.plan_csv is None


def test_write_plan_one_row_per_item(tmp_path):
    items = [
        plan_item("openalex", cached(count=0), window=W10, query="lstm"),
        plan_item("openalex", cached("error", error="HTTP 500"), window=Window("trend", 2015, 2015), year=2015),
        plan_item("dblp", window=ALL, query="", unsupported="no phrases", cell=CNN_MT),
    ]
    ctx = context(tmp_path, out_path=tmp_path / "r.md", stem="r")
    path = provenance.write_plan(ctx, items)
    assert path == tmp_path / "r.plan.csv"
    assert path.read_bytes().decode("utf-8") == (  # bytes: one newline a row, never CRLF
        "source,window,year_from,year_to,year,method,task,query,unsupported,status,count,fetched_at\n"
        "openalex,2010s,2010,2019,,lstm,mt,lstm,,ok,0,2026-01-02T03:04:05.000000Z\n"
        "openalex,trend,2015,2015,2015,lstm,mt,lstm AND mt,,error,,2026-01-02T03:04:05.000000Z\n"
        "dblp,all,,,,cnn,mt,,no phrases,not fetched,,\n")


def test_write_plan_year_zero_window_edges_are_written(tmp_path):
    # 0 is a year like any other where a window starts, ends or a row is placed: never left blank
    items = [plan_item("a", cached(count=2), window=Window("w", 0, 0), year=0)]
    path = provenance.write_plan(context(tmp_path, out_path=tmp_path / "r.md"), items)
    assert path.read_text(encoding="utf-8").splitlines()[1] == (
        "a,w,0,0,0,lstm,mt,lstm AND mt,,ok,2,2026-01-02T03:04:05.000000Z")


def test_failures_grouped_by_source_status_and_reason(tmp_path):
    labels = [Cell(f"m{i}", "t", None) for i in range(6)]
    latest = [
        ob("openalex", "error", cell=labels[0], error="HTTP 500:\n  server  error"),
        ob("openalex", "error", cell=labels[1], window="2010s", error="HTTP 500: server error"),
        ob("openalex", "error", cell=labels[2], window="trend", year=2016, error="HTTP 500: server error"),
        ob("openalex", "error", cell=labels[3], error="HTTP 500: server error"),
        ob("openalex", "error", cell=labels[4], error="HTTP 500: server error"),
        ob("arxiv", "unsupported", cell=labels[0], error="no phrases"),
        ob("arxiv", "unsupported", cell=labels[1], error="no phrases"),
        ob("arxiv", "unsupported", cell=labels[2], error="no phrases"),
        ob("arxiv", "unsupported", cell=labels[3], error="no phrases"),
        ob("arxiv", "blocked", cell=labels[5]),
        ob("arxiv", "ok", cell=labels[4], count=3),
        ob("other", "error", error="not shown"),  # not a source of this report
    ]
    ctx = context(tmp_path, names=["openalex", "arxiv"], latest=latest, with_data=["arxiv"])
    assert provenance.failures(ctx) == (
        "Cells without a count (their latest fetch), by source and reason:\n\n"
        "| source | status | counts | cells | reason |\n"
        "| :--- | :--- | ---: | :--- | :--- |\n"
        "| `arxiv` | blocked | 1 | m5:t all | blocked |\n"
        "| `arxiv` | unsupported | 4 | m0:t all, m1:t all, m2:t all, m3:t all | no phrases |\n"
        "| `openalex` | error | 5 | m0:t all, m1:t 2010s, m2:t 2016, m3:t all and 1 more | HTTP 500: server error |")


def test_failures_none(tmp_path):
    latest = [ob("arxiv", "ok", count=3), ob("other", "error")]
    assert provenance.failures(context(tmp_path, names=["arxiv"], latest=latest, with_data=["arxiv"])) == (
        "No cell failed, was blocked or is unsupported among the cached counts.")
    assert provenance.failures(context(tmp_path, names=["arxiv"], latest=latest)) == ""


def test_queries_per_source_with_counts_window_by_window(tmp_path):
    items = [
        plan_item("openalex", window=W10, query="lstm 2010s"),
        plan_item("openalex", window=ALL, query="lstm all"),
        plan_item("openalex", window=ALL, cell=CNN_MT, query="", unsupported="no `NEAR` operator"),
        plan_item("openalex", window=Window("trend", 2015, 2015), year=2015, query="per year"),
        plan_item("arxiv", window=ALL, query="a"),
        plan_item("local:gone", window=ALL, query="g"),
        plan_item("dblp", window=ALL, query="d"),
    ]
    ctx = context(tmp_path, with_data=["openalex", "local:gone", "arxiv"], reading=SimpleNamespace(items=items),
                  instances={"openalex": caps(), "arxiv": caps(), "dblp": caps()})
    header = "| window | cell | query |\n| :--- | :--- | :--- |\n"
    assert provenance.queries(ctx) == (
        "The exact query per cell and window for each source with counts (per-year queries, and those of the "
        "sources not fetched, are in the plan CSV):\n\n"
        "<details><summary>Queries sent to <code>openalex</code></summary>\n\n" + header
        + "| all | lstm:mt | `lstm all` |\n| all | cnn:mt | unsupported: no \\`NEAR\\` operator |\n"
          "| 2010s | lstm:mt | `lstm 2010s` |\n\n</details>\n\n"
        "<details><summary>Queries sent to <code>arxiv</code></summary>\n\n" + header
        + "| all | lstm:mt | `a` |\n\n</details>")


def test_queries_none_without_counts_here(tmp_path):
    ctx = context(tmp_path, with_data=["local:gone"], reading=SimpleNamespace(items=[plan_item("local:gone")]))
    assert provenance.queries(ctx) == ""


def test_inputs_query_file_published_numbers_and_results(tmp_path):
    ctx = context(tmp_path)
    assert provenance.inputs(ctx) == "The query file: `queries/q.toml`."
    refs = [SimpleNamespace(study=s) for s in ("Smith_2019", "Lee  2020", "Smith_2019")]
    ctx = context(tmp_path, references=refs, results_path=tmp_path / "results" / "run.json",
                  matrix=SimpleNamespace(reference=Path("data/published.toml")))
    assert provenance.inputs(ctx) == (
        "The query file: `queries/q.toml`. The published numbers (Smith\\_2019, Lee 2020): transcribed in "
        "`data/published.toml` with their provenance. The experiment results: `results/run.json`.")


def test_render_joins_the_parts_that_apply(tmp_path):
    assert provenance.render(context(tmp_path)) == (
        "No source is configured or cached.\n\nThe query file: `queries/q.toml`.")
    ctx = context(tmp_path, names=["a"], instances={"a": caps(notes="old")}, out_path=tmp_path / "r.md",
                  history=[fetch("a", "2026-01-01")])
    text = provenance.render(ctx)
    parts = text.split("\n\n")
    assert [p.split("\n")[0] for p in parts] == [
        "What each source searches and how, and what the cache holds from it (every fetch, history included):",
        "| source | searches | AND/OR | phrases | stems | fetched | ok | unsupported | failed | blocked |",
        "Known biases:", "- `a`: old",
        "Cache hits against the plan (`survey plan -q queries/q.toml`, window totals, fresh within 30 days):",
        "| source | counts planned | cached and fresh | stale | failed last time | never fetched |",
        "The exact query each source is sent for every cell and window, with the cached count and its fetch time: "
        "[r.plan.csv](r.plan.csv).",
        "The query file: `queries/q.toml`.",
    ]
