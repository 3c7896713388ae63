"""`survey shares`, `survey trend` and `survey counts --per` on a small local corpus, through the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from survey.cli import main

QUERY = """
name = "tiny"
title = "Tiny"
ratios = [["RNN", "CNN"]]

[methods]
RNN = ["RNN"]
CNN = ["CNN"]

[tasks]
tagging = ["tagging"]
total = []

[[windows]]
name = "all time"

[trend]
from = 2015
"""
THIS_YEAR = datetime.now(timezone.utc).year
# RNN's share of tagging falls year by year; the current year, still incomplete, is all RNN.
YEARS = {2016: (40, 10), 2017: (35, 15), 2018: (30, 20), 2019: (25, 25), 2020: (20, 30), 2021: (15, 35),
         2022: (10, 40), THIS_YEAR: (30, 0)}
FILLER = 20  # records per year that match no method: the year's total works


@pytest.fixture
def corpus(home, tmp_path):
    rows = []
    for year, (rnn, cnn) in YEARS.items():
        rows += [{"title": f"An RNN for tagging {year} {i}", "abstract": "", "year": year} for i in range(rnn)]
        rows += [{"title": f"A CNN for tagging {year} {i}", "abstract": "", "year": year} for i in range(cnn)]
        rows += [{"title": f"Grammar notes {year} {i}", "abstract": "", "year": year} for i in range(FILLER)]
    src = tmp_path / "tiny.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    query = tmp_path / "tiny.toml"
    query.write_text(QUERY, encoding="utf-8")
    run = CliRunner().invoke
    assert run(main, ["--no-progress", "corpus", "import", str(src), "--name", "tiny"]).exit_code == 0
    r = run(main, ["--no-progress", "refresh", "-q", str(query), "-s", "local:tiny", "--by-year"])
    assert r.exit_code == 0, r.output
    return query


def test_shares_csv_has_the_documented_columns_and_values(corpus):
    from survey.evidence.intervals import wilson

    r = CliRunner().invoke(main, ["shares", "-q", str(corpus), "-s", "local:tiny", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == ["source", "window", "year", "task", "method", "count", "share", "ci_low", "ci_high",
                             "p_holm", "claim"]
    assert len(rows) == 4 and all(row["year"] == "" for row in rows)  # window totals: year empty
    rnn = next(row for row in rows if row["task"] == "tagging" and row["method"] == "RNN")
    n_rnn = sum(a for a, _ in YEARS.values())
    n = sum(a + b for a, b in YEARS.values())
    lo, hi = wilson(n_rnn, n)
    assert rnn["count"] == str(n_rnn) and rnn["share"] == f"{n_rnn / n:.4f}"
    assert (rnn["ci_low"], rnn["ci_high"]) == (f"{lo:.4f}", f"{hi:.4f}")
    cnn = next(row for row in rows if row["task"] == "tagging" and row["method"] == "CNN")
    assert float(rnn["share"]) + float(cnn["share"]) == pytest.approx(1.0, abs=1e-4)


def test_shares_by_year_and_as_json_with_the_ratio_asked_for(corpus):
    run = CliRunner().invoke
    r = run(main, ["shares", "-q", str(corpus), "-s", "local:tiny", "--by-year", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    row = next(x for x in rows if x["year"] == "2016" and x["task"] == "tagging" and x["method"] == "CNN")
    assert (row["count"], row["share"]) == ("10", "0.2000")
    empty = next(x for x in rows if x["year"] == "2015" and x["task"] == "tagging")
    assert empty["count"] == "0" and empty["share"] == ""  # no match that year: no share, not 0
    r = run(main, ["shares", "-q", str(corpus), "-s", "local:tiny", "--format", "json"])
    doc = json.loads(r.stdout)
    assert [(x["numerator"], x["denominator"]) for x in doc["ratios"]] == [("RNN", "CNN")] * 2


def test_trend_csv_has_one_row_per_segment_of_complete_years_only(corpus):
    r = CliRunner().invoke(main, ["trend", "-q", str(corpus), "-s", "local:tiny", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == ["source", "task", "method", "measure", "segment", "from", "to", "change", "low", "high", "p"]
    # the corpus was imported this year: complete through last year, so this year's all-RNN counts are not fitted
    assert max(int(x["to"]) for x in rows) == 2022
    series = {(x["task"], x["method"], x["measure"]): x for x in rows}
    assert {m for _, _, m in series} == {"count", "per_1000", "share"}
    share = series[("tagging", "RNN", "share")]
    # RNN's odds fall by a constant factor a year: one segment, its odds ratio well below 1
    assert (share["segment"], share["from"], share["to"]) == ("1", "2016", "2022")
    assert float(share["low"]) < float(share["change"]) < float(share["high"]) < 1 and float(share["p"]) < 0.001
    count = series[("tagging", "RNN", "count")]
    assert float(count["high"]) < 0  # an annual percent change: RNN's matches fall


def test_trend_fits_no_year_past_the_one_the_query_file_ends_with_and_says_why(corpus):
    text = corpus.read_text(encoding="utf-8").replace(
        "[trend]\nfrom = 2015\n", '[trend]\nfrom = 2015\ncomplete_until = 2020\nreason = "2021 on is partial"\n')
    corpus.write_text(text, encoding="utf-8")
    run = CliRunner().invoke
    rows = list(csv.DictReader(io.StringIO(run(main, ["trend", "-q", str(corpus), "-s", "local:tiny",
                                                      "--format", "csv"]).stdout)))
    assert rows and max(int(x["to"]) for x in rows) == 2020
    r = run(main, ["trend", "-q", str(corpus), "-s", "local:tiny"])
    assert r.exit_code == 0 and "Fitted years end at 2020" in r.stdout and "2021 on is partial" in r.stdout


def test_counts_per_1000_works(corpus):
    r = CliRunner().invoke(main, ["counts", "-q", str(corpus), "-s", "local:tiny", "--per", "1000", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    row = next(x for x in rows if x["year"] == "2016" and x["method"] == "RNN" and x["task"] == "total")
    works = sum(YEARS[2016]) + FILLER
    assert row["works"] == str(works) and float(row["per_1000"]) == pytest.approx(1000 * 40 / works, abs=1e-3)


def test_per_needs_one_source_and_trend_needs_per_year_counts(home, corpus, tmp_path):
    run = CliRunner().invoke
    r = run(main, ["counts", "-q", str(corpus), "--per", "1000"])
    assert r.exit_code == 2 and "--per needs exactly one source" in r.stderr
    bare = tmp_path / "bare.toml"
    bare.write_text(QUERY.replace("[trend]\nfrom = 2015\n", ""), encoding="utf-8")
    r = run(main, ["trend", "-q", str(bare), "-s", "local:tiny"])
    assert r.exit_code == 2 and "[trend]" in r.stderr and len(r.stderr.strip().splitlines()) == 1
