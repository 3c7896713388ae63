"""Trends end to end: a synthetic corpus of known shapes through import, refresh and `survey trend`,
the committed ACL counts read as a plain clone reads them, and which years count as complete."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from corpuskit import write_jsonl
from survey.cli import main
from survey.evidence.complete_years import complete_years

REPO = Path(__file__).resolve().parents[1]
YEARS = range(2008, 2025)
QUERY = """
name = "shapes"
[methods]
peaked = ["peaked"]
steady = ["steady"]
flat   = ["flat"]
rising = ["rising"]
[tasks]
total = []
[[windows]]
name = "all time"
[trend]
from = 2008
"""


def shapes(rng) -> dict[str, np.ndarray]:
    """Expected records a year for each method word: +40%/yr to 2016 then -30%/yr; +9%/yr; flat;
    and a word whose share against ``flat`` crosses one half in mid-2016."""
    t = np.arange(len(YEARS))
    peak = 2016 - YEARS[0]
    return {
        "peaked": 15 * np.where(t <= peak, 1.4 ** t, 1.4 ** peak * 0.7 ** (t - peak)),
        "steady": 30 * 1.09 ** t,
        "flat": np.full(len(t), 60.0),
        "rising": 60 * np.exp(0.3 * (t - (2016.5 - YEARS[0]))),
    }


@pytest.fixture
def corpus(home, tmp_path):
    rng = np.random.default_rng(2024)
    records = []
    for word, mean in shapes(rng).items():
        for year, n in zip(YEARS, rng.poisson(mean)):
            records += [{"title": f"A {word} model, {year} no. {i}", "year": year} for i in range(n)]
    records += [{"title": f"Grammar notes {y} {i}", "year": y} for y in YEARS for i in range(200)]
    records += [{"title": f"A peaked model, late {i}", "year": 2025} for i in range(3)]  # a partial year
    src = write_jsonl(tmp_path / "shapes.jsonl", records)
    query = tmp_path / "shapes.toml"
    query.write_text(QUERY, encoding="utf-8")
    run = CliRunner().invoke
    r = run(main, ["--no-progress", "corpus", "import", str(src), "--name", "shapes", "--complete-through", "2024"])
    assert r.exit_code == 0 and "trends fit publication years through 2024 (as given on import" in r.output
    assert run(main, ["--no-progress", "refresh", "-q", str(query), "-s", "local:shapes", "--by-year"]).exit_code == 0
    return query


def segments(query, source) -> dict:
    r = CliRunner().invoke(main, ["trend", "-q", str(query), "-s", source, "--format", "csv"])
    assert r.exit_code == 0, r.output
    out: dict = {}
    for row in csv.DictReader(io.StringIO(r.stdout)):
        out.setdefault((row["task"], row["method"], row["measure"]), []).append(row)
    return out


def inside(row, value) -> bool:
    return float(row["low"]) <= value <= float(row["high"])


@pytest.mark.slow
def test_a_synthetic_corpus_of_known_shapes_gives_its_segments_back(corpus):
    found = segments(corpus, "local:shapes")
    assert max(int(r["to"]) for rows in found.values() for r in rows) == 2024  # 2025 is partial
    up, down = found[("total", "peaked", "count")]
    assert abs(int(up["to"]) - 2016) <= 1 and up["to"] == down["from"]
    assert inside(up, 40.0) and inside(down, -30.0)
    (steady,) = found[("total", "steady", "count")]
    assert inside(steady, 9.0) and float(steady["p"]) < 0.001
    (flat,) = found[("total", "flat", "count")]
    assert inside(flat, 0.0)
    assert {"count", "per_1000", "share"} == {m for _, _, m in found}


@pytest.mark.slow
def test_the_crossover_of_a_share_that_crosses_one_half_is_within_a_year(corpus, tmp_path):
    pair = tmp_path / "pair.toml"
    pair.write_text(QUERY.replace('peaked = ["peaked"]\nsteady = ["steady"]\n', ""), encoding="utf-8")
    from survey.evidence import trends
    from survey import api

    frame = api.trend(pair, "local:shapes")
    assert set(frame["method"]) == {"flat", "rising"}
    per_year = api.counts(pair, "local:shapes", by_year=True)
    per_year = per_year[(per_year["year"].notna()) & (per_year["method"].isin(["flat", "rising"]))]
    _, (cross,) = trends.series(per_year[["method", "task", "year", "count"]], "local:shapes", ["flat", "rising"],
                                ["total"], complete_through=2024)
    assert abs(cross.year - 2016.5) <= 1 and cross.low <= 2016.5 <= cross.high
    assert (cross.ahead, cross.behind) == ("rising", "flat")


def test_the_committed_acl_counts_rise_then_fall_per_1000_works_and_fit_nothing_past_2024(home):
    run = CliRunner().invoke
    assert run(main, ["cache", "import", str(REPO / "data" / "counts" / "lstm_vs_cnn.csv")]).exit_code == 0
    found = segments(REPO / "queries" / "lstm_vs_cnn.toml", "local:acl")
    assert max(int(r["to"]) for rows in found.values() for r in rows) <= 2024
    *before, last = found[("total", "LSTM", "per_1000")]
    assert float(last["high"]) < 0 and float(last["p"]) < 0.05  # falls, significantly, in the last segment
    assert any(float(r["low"]) > 0 for r in before)  # after a significant rise


def test_complete_years_come_from_the_fetch_date_the_corpus_and_the_query_file():
    march = [datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 5, 1, tzinfo=timezone.utc)]
    assert complete_years(march) == complete_years(march, SimpleNamespace(complete_until=None, reason=""))
    assert complete_years(march).through == 2025
    assert complete_years(march, recorded=(2023, "as given on import")).through == 2023
    cut = complete_years(march, SimpleNamespace(complete_until=2024, reason="no autumn"))
    assert cut.through == 2024 and cut.reasons[-1] == "the query file ends complete years at 2024: no autumn"
    later = complete_years(march, SimpleNamespace(complete_until=2030, reason="x"))
    assert later.through == 2025 and len(later.reasons) == 1  # a query file can end them earlier, not later
    assert complete_years([]).through is None
    # where the corpus and the query file agree, both reasons are said (with or without the corpus
    # at hand, the report then names the same years and the same reasons)
    both = complete_years(march, SimpleNamespace(complete_until=2024, reason="no autumn"), (2024, "as given on import"))
    assert both.through == 2024 and both.reasons == ["the corpus is complete through 2024 (as given on import)",
                                                     "the query file ends complete years at 2024: no autumn"]


def test_a_corpus_without_the_option_assumes_the_year_before_its_import_and_an_append_keeps_what_was_given(home, tmp_path):
    run = CliRunner().invoke
    src = write_jsonl(tmp_path / "a.jsonl", [{"title": "A paper", "year": 2020}])
    r = run(main, ["--no-progress", "corpus", "import", str(src), "--name", "a"])
    year = datetime.now(timezone.utc).year - 1
    assert f"through {year} (assumed: the year before its import on" in r.output
    assert run(main, ["--no-progress", "corpus", "import", str(src), "--name", "a", "--replace",
                      "--complete-through", "2019"]).exit_code == 0
    r = run(main, ["--no-progress", "corpus", "import", str(src), "--name", "a", "--append"])
    assert "through 2019 (as given on import" in r.output
    r = run(main, ["--no-progress", "corpus", "import", str(src), "--name", "b", "--complete-through", "20"])
    assert r.exit_code == 2 and "--complete-through 20: expected a publication year" in r.stderr


@pytest.mark.slow
def test_abstracts_arriving_are_warned_of_and_the_rate_per_searchable_work_is_fitted(home, tmp_path):
    """Every year 10% of 300 records name the method in their abstract; abstracts cover 20% of the
    records until 2015 and 90% from 2016: per 1,000 works the method jumps, per 1,000 works with
    an abstract it does not."""
    rng = np.random.default_rng(7)
    records = []
    for year in YEARS:
        covered = 0.2 if year < 2016 else 0.9
        for i in range(300):
            has_abstract = rng.random() < covered
            names = rng.random() < 0.1
            abstract = ("We train a recurrent tagger." if names else "We study grammar.") if has_abstract else ""
            records.append({"title": f"Paper {year} {i}", "abstract": abstract, "year": year})
    src = write_jsonl(tmp_path / "cov.jsonl", records)
    query = tmp_path / "cov.toml"
    query.write_text(QUERY.split("[methods]")[0] + '[methods]\nrecurrent = ["recurrent"]\ngrammar = ["grammar"]\n'
                     '[tasks]\ntotal = []\n[[windows]]\nname = "all time"\n[trend]\nfrom = 2008\n', encoding="utf-8")
    run = CliRunner().invoke
    assert run(main, ["--no-progress", "corpus", "import", str(src), "--name", "cov", "--complete-through", "2024"]).exit_code == 0
    assert run(main, ["--no-progress", "refresh", "-q", str(query), "-s", "local:cov", "--by-year"]).exit_code == 0
    found = segments(query, "local:cov")
    (flat,) = found[("total", "recurrent", "per_1000_searchable")]
    assert inside(flat, 0.0)  # a tenth of the searchable records every year
    assert len(found[("total", "recurrent", "per_1000")]) > 1 or float(found[("total", "recurrent", "per_1000")][0]["low"]) > 0
    out = tmp_path / "r" / "cov.md"
    assert run(main, ["report", "-q", str(query), "-o", str(out), "-s", "local:cov"]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "**Coverage changes within the fitted years:** records with an abstract are" in text
    assert "the title-only variant" in text and "| with abstract |" in text
