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


def test_trend_excludes_the_current_year_and_finds_the_crossover(corpus):
    r = CliRunner().invoke(main, ["trend", "-q", str(corpus), "-s", "local:tiny", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = {(x["task"], x["method"]): x for x in csv.DictReader(io.StringIO(r.stdout))}
    rnn = rows[("tagging", "RNN")]
    assert (rnn["first_year"], rnn["last_year"]) == ("2016", "2022")  # the incomplete year is not fitted
    assert float(rnn["odds_ratio"]) < 1 and float(rnn["or_high"]) < 1 and float(rnn["p_value"]) < 0.001
    # 50/50 in 2019 by construction: the fitted crossover sits there.
    assert float(rnn["crossover"]) == pytest.approx(2019, abs=0.3)
    assert float(rnn["crossover_low"]) < 2019 < float(rnn["crossover_high"])
    # The corpus gives year totals: growth per work and the literature's growth are there.
    assert rnn["growth_per_work"] != "" and float(rows[("total", "RNN")]["literature_growth"]) == pytest.approx(0, abs=1e-6)


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
