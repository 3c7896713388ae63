"""The report's assembler word for word, with stand-in sections: the header, the numbering, the files written."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from localekit import ascii_locale

from survey import __version__
from survey.matrix import Cell, Matrix, Trend, Window, cell_query
from survey.reporting import render
from survey.reporting.context import Context
from survey.reporting.render import ReportResult, Section, build, header, write_report

NOW = datetime(2026, 5, 6, 7, 8, tzinfo=timezone.utc)
READS = "The report reads the cache and the files its query file names; it sends no request."


def sections(monkeypatch, **renders):
    """Stand-in sections named a, b, ...: ``renders`` maps each key to (render, applies or None)."""
    listed = []
    for key, (render_fn, applies) in renders.items():
        module = ModuleType(f"survey.reporting._probe_{key}")
        module.render = render_fn
        if applies is not None:
            module.applies = applies
        monkeypatch.setitem(sys.modules, module.__name__, module)
        listed.append(Section(key, f"Section {key.upper()}", f"_probe_{key}"))
    monkeypatch.setattr(render, "SECTIONS", listed)


# ---------------------------------------------------------------- build


def test_build_numbers_the_sections_shown_without_gaps(monkeypatch):
    seen = []
    sections(monkeypatch,
             a=(lambda ctx: seen.append(("a", dict(ctx.titles))) or "\n  body of a \n\n", None),
             b=(lambda ctx: "never shown", lambda ctx: False),
             c=(lambda ctx: "c", lambda ctx: ctx.has_c))
    monkeypatch.setattr(render, "header", lambda ctx: seen.append(("header", dict(ctx.titles))) or "HEAD\n")
    ctx = SimpleNamespace(titles={}, clear_figures=lambda: seen.append("cleared"), has_c=True)
    assert build(ctx) == "HEAD\n\n## 1. Section A\n\nbody of a\n\n## 2. Section C\n\nc\n"
    titles = {"a": "1. Section A", "c": "2. Section C"}
    # old figures go first; the titles are known to the header and to every section (for links)
    assert seen == ["cleared", ("header", titles), ("a", titles)]
    assert ctx.titles == titles


def test_a_section_that_fails_leaves_none_of_the_runs_figures(monkeypatch, tmp_path):
    from survey.reporting.context import Context

    def draws_then_fails(ctx):
        ctx.figure("a").parent.mkdir(parents=True, exist_ok=True)
        ctx.figure("a").write_bytes(b"png")
        raise ZeroDivisionError("a section's bug")

    def draws(ctx):
        ctx.figure("b").write_bytes(b"png")
        return "a"

    sections(monkeypatch, a=(draws, None), b=(draws_then_fails, None))
    monkeypatch.setattr(render, "header", lambda ctx: "HEAD\n")
    ctx = SimpleNamespace(titles={}, fig_dir=tmp_path / "figures", stem="r")
    ctx.figure = lambda name: Context.figure(ctx, name)
    ctx.clear_figures = lambda: Context.clear_figures(ctx)
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "other_a.png").write_bytes(b"another report's")
    with pytest.raises(ZeroDivisionError):
        build(ctx)
    assert [p.name for p in (tmp_path / "figures").iterdir()] == ["other_a.png"]


# ---------------------------------------------------------------- header


def header_ctx(**over):
    m = Matrix(name="m", title="NLP_methods", methods={"CNN": ("CNN",)}, tasks={"total": ()},
               windows=[Window("all time")], trend=Trend(2014, 2016))
    ctx = SimpleNamespace(out_path=Path("reports/r.md"), command=None, query_shown="q.toml", matrix=m,
                          names=["openalex"], not_fetched=["openalex"], latest=[], pairs=[], references=[],
                          results_path=None, preface=None, reading=SimpleNamespace(sources={}, observations=[]),
                          titles={"a": "1. Headline", "b": "2. Then and now: the tables"})
    ctx.__dict__.update(over)
    ctx.refresh_command = lambda names, by_year=True: Context.refresh_command(ctx, names, by_year)
    return ctx


CONTENTS = "Contents: [1. Headline](#1-headline) · [2. Then and now: the tables](#2-then-and-now-the-tables)"


def test_header_before_any_count_is_fetched():
    assert header(header_ctx()) == "\n".join([
        "# NLP\\_methods: what the literature counts say", "",
        f"Made with `survey report -q q.toml -o reports/r.md` (survey {__version__}). {READS}", "",
        "Everything here derives from the query file: its methods, tasks and windows.", "",
        CONTENTS]) + "\n"


def seen_at(source, when, year=None, corpus="", status="ok"):
    return SimpleNamespace(source=source, year=year, fetched=when, fetched_at=when.isoformat(), corpus=corpus,
                           status=status)


def test_header_names_the_refresh_the_counts_came_from():
    early = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
    late = datetime(2026, 3, 4, 23, tzinfo=timezone(timedelta(hours=-2)))  # 2026-03-05 in UTC
    latest = [seen_at("openalex", early, year=2015), seen_at("openalex", late),
              seen_at("local:acl", early, corpus="1-aa")]
    reading = SimpleNamespace(sources={"openalex": None, "local:acl": None}, observations=latest)
    ctx = header_ctx(names=["openalex", "local:acl", "scholar"], not_fetched=["scholar"], latest=latest,
                     command="make report", pairs=[("CNN", "LSTM")], references=["ref"], results_path=Path("r.json"),
                     preface="\n  *Attribution.*\n\n", reading=reading)
    assert header(ctx) == "\n".join([
        "# NLP\\_methods: what the literature counts say", "",
        # the latest fetch, as a UTC day; per-year counts cached, so the refresh is --by-year
        f"Made with `make report` (survey {__version__}), from the counts cached by "
        f"`survey refresh -q q.toml -s openalex -s local:acl --by-year` up to 2026-03-05. {READS}", "",
        "**Where `local:acl`'s counts come from:** they were counted in corpus `1-aa` (a hash of its records) on "
        "2026-03-01. They are in this machine's cache, not in a committed file: a checkout without that corpus has "
        "them after `survey cache export -q q.toml COUNTS.csv` here and `survey cache import COUNTS.csv` there. "
        "To count again, import the corpus with "
        "`survey corpus import FILE --name acl` and run `survey refresh -q q.toml -s local:acl --by-year`; a corpus "
        "with the same content answers from these counts, another one is counted anew.", "",
        "Everything here derives from the query file: its methods, tasks and windows, the ratios it asks for, "
        "the published tables it names and the experiment results file named for it.", "",
        "*Attribution.*", "",
        CONTENTS]) + "\n"


def test_header_refresh_is_by_year_only_where_a_fetched_source_has_years():
    when = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
    # scholar's per-year answer failed: it is not fetched, and says nothing about openalex's refresh
    latest = [seen_at("openalex", when), seen_at("scholar", when, year=2015, status="error")]
    ctx = header_ctx(names=["openalex", "scholar"], not_fetched=["scholar"], latest=latest, references=["ref"])
    lines = header(ctx).split("\n")
    assert lines[2] == (f"Made with `survey report -q q.toml -o reports/r.md` (survey {__version__}), from the counts "
                        f"cached by `survey refresh -q q.toml -s openalex` up to 2026-03-01. {READS}")
    assert lines[4] == ("Everything here derives from the query file: its methods, tasks and windows, "
                        "the published tables it names.")
    ctx = header_ctx(results_path=Path("r.json"))
    assert header(ctx).split("\n")[4] == ("Everything here derives from the query file: its methods, tasks and windows"
                                          " and the experiment results file named for it.")


# ---------------------------------------------------------------- write_report


class FakeReading:
    def __init__(self, items=()):
        self.items, self.observations = list(items), []
        self.with_data, self.without_data, self.sources = [], ["openalex"], {}
        self.closed = False

    def close(self):
        self.closed = True


def report_matrix(**over):
    return Matrix(name="m", title="M", methods={"CNN": ("CNN",)}, tasks={"total": ()}, windows=[Window("all time")],
                  **over)


def answered(key, count, query):
    cell = Cell("CNN", "total", cell_query(["CNN"], []))
    cached = SimpleNamespace(key=key, source="openalex", corpus="", query=query, count=count, status="ok",
                             fetched_at="2026-01-02T00:00:00Z")
    return SimpleNamespace(cached=cached, cell=cell, window=Window("all time"), year=None, source="openalex",
                           corpus="", query=query)


def test_write_report_writes_the_report_its_manifest_and_what_it_kept(tmp_path, monkeypatch):
    seen = {}
    figure, plan = tmp_path / "out" / "figures" / "r_x.png", tmp_path / "out" / "r.plan.csv"

    def probe(ctx):
        seen.update(now=ctx.now, results_path=ctx.results_path, references=ctx.references, audit_n=ctx.audit_n,
                    online=ctx.online_samples, labels=ctx.label_files, preface=ctx.preface, command=ctx.command)
        ctx.variant_items.append(answered(2, 7, "variant query"))
        ctx.figure_paths.append(figure)
        ctx.plan_csv = plan
        ctx.kept.from_corpus("samples", ["local:acl"], True, lambda: ["title"])
        return "probe body"

    sections(monkeypatch, a=(probe, None))
    monkeypatch.setattr(render, "load_reference", lambda path: pytest.fail("references were given"))
    reading = FakeReading([answered(1, 5, "query")])
    store = SimpleNamespace(clock=lambda: pytest.fail("the clock was given"), history=lambda queries=(): [])
    out = tmp_path / "out" / "sub" / "r.md"  # a folder not there yet
    result = write_report(report_matrix(experiment=Path("from-query-file.json")), store, None, out, now=NOW,
                          command="make report", preface="Hello.", results_path=tmp_path / "res.json", references=[],
                          audit_n=3, online_samples=True, reading=reading, labels=(tmp_path / "labels",))
    assert seen == {"now": NOW, "results_path": tmp_path / "res.json", "references": [], "audit_n": 3, "online": True,
                    "labels": [tmp_path / "labels"], "preface": "Hello.", "command": "make report"}
    assert reading.closed is False  # the caller's reading is the caller's to close
    assert out.read_text(encoding="utf-8") == "\n".join([
        "# M: what the literature counts say", "",
        f"Made with `make report` (survey {__version__}). {READS}", "",
        "Everything here derives from the query file: its methods, tasks and windows"
        " and the experiment results file named for it.", "",
        "Hello.", "",
        "Contents: [1. Section A](#1-section-a)", "",
        "## 1. Section A", "", "probe body"]) + "\n"
    manifest = json.loads((out.parent / "r.manifest.json").read_text(encoding="utf-8"))
    # the reading's counts and those a section added (the robustness variants)
    assert [(o["query"], o["count"]) for o in manifest["observations"]] == [("query", 5), ("variant query", 7)]
    assert manifest["query_file"]["path"] == "m.toml"
    assert json.loads((out.parent / "r.corpus.json").read_text(encoding="utf-8"))["samples"] == [
        {"key": ["local:acl"], "value": ["title"]}]
    assert sorted(p.name for p in out.parent.iterdir()) == ["r.corpus.json", "r.manifest.json", "r.md"]
    assert result == ReportResult(out, [figure], plan, result.seconds, ["openalex"])
    assert 0 <= result.seconds < 60


def test_write_report_defaults_read_the_cache_and_the_query_file(tmp_path, monkeypatch):
    import survey.api

    seen, calls = {}, []
    reading = FakeReading()

    def read(*args, **kwargs):
        calls.append((args, kwargs))
        return reading

    def probe(ctx):
        seen.update(now=ctx.now, results_path=ctx.results_path, references=ctx.references, audit_n=ctx.audit_n,
                    online=ctx.online_samples, labels=ctx.label_files, command=ctx.command, closed=reading.closed,
                    settings=ctx.settings)
        return "x"

    sections(monkeypatch, a=(probe, None))
    monkeypatch.setattr(survey.api, "read", read)
    published = SimpleNamespace(source="ref", window=Window("all time"), count=lambda m, t: None,
                                unplaced_columns=(), unplaced={})
    monkeypatch.setattr(render, "load_reference",
                        lambda path: [published] if path == Path("ref.toml") else pytest.fail(f"read {path}"))
    m = report_matrix(reference=Path("ref.toml"), experiment=Path("exp.json"))
    store = SimpleNamespace(clock=lambda: NOW, history=lambda queries=(): [])
    result = write_report(m, store, "settings", tmp_path / "r.md", sources=["openalex"])
    assert calls == [((m, store, "settings", ["openalex"]), {"by_year": True, "now": None})]
    assert seen == {"now": NOW, "results_path": Path("exp.json"), "references": [published], "audit_n": 5,
                    "online": False, "labels": [], "command": None, "closed": False, "settings": "settings"}
    assert reading.closed is True  # read here, closed here
    assert result.figures == [] and result.plan_csv is None and result.not_fetched == ["openalex"]
    # no reference named, no references read; nothing read from a corpus, no kept file
    seen.clear()
    for left in ("r.md.tmp", "r.manifest.json.tmp"):  # by a write that was interrupted
        (tmp_path / left).write_text("half", encoding="utf-8")
    write_report(report_matrix(), store, "settings", tmp_path / "r.md", now=NOW)
    assert seen["references"] == [] and seen["results_path"] is None
    # nothing read from a corpus: no kept file; no temporary file left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.manifest.json", "r.md"]


def test_write_report_closes_its_reading_when_a_section_fails(tmp_path, monkeypatch):
    import survey.api

    reading, calls = FakeReading(), []
    monkeypatch.setattr(survey.api, "read", lambda *a, **k: calls.append(k) or reading)

    def broken(ctx):
        raise RuntimeError("section failed")

    sections(monkeypatch, a=(broken, None))
    with pytest.raises(RuntimeError, match="section failed"):
        write_report(report_matrix(), SimpleNamespace(clock=lambda: pytest.fail("now was given"),
                                                      history=lambda queries=(): []), None, tmp_path / "r.md", now=NOW)
    assert calls == [{"by_year": True, "now": NOW}]  # the cache read as of the given time
    assert reading.closed is True
    assert list(tmp_path.iterdir()) == []  # no half report, no manifest


def test_write_report_writes_utf8_whatever_the_locale(tmp_path, monkeypatch):
    sections(monkeypatch, a=(lambda ctx: "Über", None))
    m = Matrix(name="m", title="Études", methods={"CNN": ("CNN",)}, tasks={"total": ()}, windows=[Window("all time")])
    with ascii_locale():
        write_report(m, SimpleNamespace(clock=lambda: NOW, history=lambda queries=(): []), None, tmp_path / "r.md",
                     reading=FakeReading(), command="make report")
    text = (tmp_path / "r.md").read_bytes().decode("utf-8")
    assert text.startswith("# Études: what the literature counts say\n") and text.endswith("\n\nÜber\n")
