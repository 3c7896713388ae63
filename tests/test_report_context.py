"""What every report section reads, checked part by part: the sources with data, links, figures, verdicts,
the refresh command and the per-year totals of all works."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

from survey.evidence.claims import LEAD, NO_DATA, verdict
from survey.matrix import Cell, Matrix, Trend, Window
from survey.refreshing import WORKS, PlanItem
from survey.reporting.context import Context
from survey.observation import Observation

ALL = Window("all", None, None)
W10 = Window("2010s", 2010, 2019)


def matrix(trend=None, path=None) -> Matrix:
    return Matrix("demo", "Demo", {"lstm": ("LSTM",), "cnn": ("CNN",)}, {"mt": ("translation",), "any": ()},
                  [ALL, W10], trend=trend, path=path, ratios=[("lstm", "cnn")])


def ob(source, method, task, count, status="ok", window=ALL, year=None, query="q", day="2026-01-02"):
    return Observation(source, method, task, window.name if year is None else "trend", window.start, window.end,
                       year, query, count, status, None if status == "ok" else "HTTP 500", f"{day}T00:00:00.000000Z")


class FakeStore:
    def __init__(self, stored=()):
        self.stored = list(stored)

    def history(self, queries=None):
        return [o for o in self.stored if queries is None or o.query in queries]


def context(tmp_path, *, latest=(), items=(), with_data=(), without=(), stored=(), m=None, **kw) -> Context:
    reading = SimpleNamespace(observations=list(latest), items=list(items), with_data=list(with_data),
                              without_data=list(without), sources={n: f"src {n}" for n in (*with_data, *without)})
    args = dict(matrix=m or matrix(), store=FakeStore(stored), settings=None, out_path=tmp_path / "reports" / "r.md",
                now=datetime(2026, 2, 1, tzinfo=timezone.utc), command=None, preface=None, results_path=None,
                references=[], audit_n=5, online_samples=False, reading=reading)
    args.update(kw)
    return Context(**args)


def test_context_sources_with_data_are_those_with_a_count_in_a_window(tmp_path):
    latest = [ob("openalex", "lstm", "mt", 12, window=W10), ob("dblp", "lstm", "mt", None, "error"),
              ob("arxiv", "lstm", "mt", 0)]
    ctx = context(tmp_path, latest=latest, with_data=["openalex", "dblp", "arxiv"], without=["wos"])
    assert isinstance(ctx.store, FakeStore) and ctx.reading.with_data == ["openalex", "dblp", "arxiv"]
    assert ctx.names == ["openalex", "dblp", "arxiv", "wos"]
    assert ctx.not_fetched == ["wos"]
    assert ctx.with_data == ["openalex", "arxiv"]  # a count of 0 is data; a failure alone is not
    assert ctx.instances == {"openalex": "src openalex", "dblp": "src dblp", "arxiv": "src arxiv", "wos": "src wos"}
    assert sorted(ctx.tables) == sorted((s, w) for s in ctx.names for w in ("all", "2010s"))
    assert ctx.tables[("openalex", "2010s")].counts.loc["lstm", "mt"] == 12
    assert ctx.tables[("openalex", "all")].has_data is False
    assert [t.window for t in ctx.source_tables("arxiv")] == [ALL, W10]
    assert (ctx.methods, ctx.tasks, ctx.pairs) == (["lstm", "cnn"], ["mt", "any"], [("lstm", "cnn")])
    assert ctx.latest == latest


def test_context_paths_and_defaults(tmp_path):
    settings = SimpleNamespace(home=tmp_path)
    ctx = context(tmp_path, results_path=str(tmp_path / "res.json"), label_files=(tmp_path / "l.csv",),
                  audit_n=3, online_samples=True, command="survey report", preface="P", settings=settings)
    assert ctx.settings is settings
    assert ctx.results_path == tmp_path / "res.json" and isinstance(ctx.results_path, Path)
    assert ctx.fig_dir == tmp_path / "reports" / "figures"
    assert ctx.stem == "r"
    assert ctx.query_shown == "demo.toml"  # no file: the matrix's name
    assert ctx.kept.path == tmp_path / "reports" / "r.corpus.json"
    assert ctx.label_files == [tmp_path / "l.csv"]
    assert (ctx.audit_n, ctx.online_samples, ctx.command, ctx.preface) == (3, True, "survey report", "P")
    assert (ctx.titles, ctx.figure_paths, ctx.plan_csv, ctx.variant_items, ctx.references, ctx.ref_tables) == (
        {}, [], None, [], [], [])
    assert ctx.now == datetime(2026, 2, 1, tzinfo=timezone.utc)
    bare = context(tmp_path, results_path="", m=matrix(path=Path("queries/demo.toml")))
    assert bare.results_path is None and bare.label_files == []
    assert bare.query_shown == "queries/demo.toml"


def test_context_history_is_every_stored_fetch_of_the_planned_keys(tmp_path):
    cell = Cell("lstm", "mt", None)
    items = [PlanItem("openalex", cell, W10, None, "q1", None, None, False)]
    old = ob("openalex", "LSTM", "MT", 3, window=W10, query="q1", day="2025-01-01")
    new = ob("openalex", "LSTM", "MT", 4, window=W10, query="q1", day="2026-01-01")
    other = ob("openalex", "lstm", "mt", 5, window=ALL, query="q1")  # another window: another key
    ctx = context(tmp_path, items=items, stored=[old, other, new])
    assert [(o.count, o.method, o.task) for o in ctx.history] == [(3, "lstm", "mt"), (4, "lstm", "mt")]


def test_context_reference_tables_beside_each_reference(tmp_path):
    ref = SimpleNamespace(count=lambda m, t: {("lstm", "mt"): 7}.get((m, t)), unplaced_columns=[], unplaced={},
                          source="Smith 2019", window=ALL)
    ctx = context(tmp_path, references=[ref])
    [(r, table)] = ctx.ref_tables
    assert r is ref
    assert table.counts.loc["lstm", "mt"] == 7 and table.counts.isna().sum().sum() == 3


def test_refresh_command(tmp_path):
    ctx = context(tmp_path, m=matrix(trend=Trend(2015)))
    assert ctx.refresh_command(["openalex", "local:acl"]) == (
        "survey refresh -q demo.toml -s openalex -s local:acl --by-year")
    assert ctx.refresh_command(["openalex"], by_year=False) == "survey refresh -q demo.toml -s openalex"
    assert context(tmp_path).refresh_command(["a"]) == "survey refresh -q demo.toml -s a"


def test_is_total_a_task_without_terms(tmp_path):
    ctx = context(tmp_path)
    assert ctx.is_total("any") is True
    assert ctx.is_total("mt") is False


def test_link_to_a_section_shown_or_its_plain_name(tmp_path):
    ctx = context(tmp_path)
    ctx.titles = {"method": "9. Method and provenance"}
    assert ctx.link_to("method") == "[9. Method and provenance](#9-method-and-provenance)"
    assert ctx.link_to("search_appendix") == "search appendix"


def test_verdicts_per_task_missing_counts_are_none(tmp_path):
    latest = [ob("a", "lstm", "mt", 30), ob("a", "cnn", "mt", 10), ob("a", "cnn", "any", 5)]
    ctx = context(tmp_path, latest=latest, with_data=["a"])
    out = ctx.verdicts(ctx.tables[("a", "all")])
    assert list(out) == ["mt", "any"]
    assert out["mt"] == verdict({"lstm": 30, "cnn": 10})
    assert (out["mt"].kind, out["mt"].leader, out["mt"].runner_up) == (LEAD, "lstm", "cnn")
    assert out["any"] == verdict({"lstm": None, "cnn": 5})
    assert out["any"].kind == NO_DATA and out["any"].counts == {"lstm": None, "cnn": 5}
    assert type(out["any"].counts["cnn"]) is int


def test_figures_named_by_stem_cleared_and_linked(tmp_path):
    ctx = context(tmp_path)
    assert ctx.figure("trend") == tmp_path / "reports" / "figures" / "r_trend.png"
    ctx.clear_figures()  # no folder yet: nothing to clear
    ctx.fig_dir.mkdir(parents=True)
    for name in ("r_trend.png", "r_share.png", "other_trend.png", "r_trend.svg", "rr.png"):
        (ctx.fig_dir / name).write_bytes(b"x")
    ctx.clear_figures()
    assert sorted(p.name for p in ctx.fig_dir.iterdir()) == ["other_trend.png", "r_trend.svg", "rr.png"]
    assert ctx.link(None, "nothing") == ""
    assert ctx.figure_paths == []
    assert ctx.link(ctx.figure("trend"), "Counts *per* year") == "![Counts \\*per\\* year](figures/r_trend.png)"
    assert ctx.figure_paths == [ctx.figure("trend")]


def test_year_totals_all_works_per_year_ok_only(tmp_path):
    latest = [
        ob("a", WORKS, WORKS, 100, year=2015), ob("a", WORKS, WORKS, 0, year=2016),
        ob("a", WORKS, WORKS, None, "error", year=2017), ob("a", WORKS, WORKS, 900),  # a window total
        ob("a", "lstm", "mt", 7, year=2018), ob("b", WORKS, WORKS, 50, year=2015),
    ]
    ctx = context(tmp_path, latest=latest)
    assert ctx.year_totals("a") == {2015: 100, 2016: 0}
    ctx.latest = []
    assert ctx.year_totals("a") == {2015: 100, 2016: 0}  # read once per report
    assert ctx.year_totals("c") == {}
