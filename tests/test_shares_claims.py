"""`survey shares` claims recomputed independently: leader against runner-up by the score test at one half,
Holm across the tasks of each source and window with statsmodels' multipletests, row for row."""

from __future__ import annotations

import csv
import gzip
import io

import pandas as pd
import pytest
from click.testing import CliRunner
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from survey.cli import main
from survey.evidence.shares import shares, to_csv

COLUMNS = ["source", "window", "year", "task", "method", "count", "share", "ci_low", "ci_high", "p_holm", "claim"]


def independent(rows: list[dict]) -> dict[tuple, tuple[str, str]]:
    """(source, window, task, method) -> (p_holm, claim) for window rows, worked out without survey's code."""
    tables: dict[tuple, dict[str, dict[str, int | None]]] = {}
    for r in rows:
        if r["year"] == "":
            tables.setdefault((r["source"], r["window"]), {}).setdefault(r["task"], {})[r["method"]] = (
                int(r["count"]) if r["count"] != "" else None)
    out = {}
    for (source, window), tasks in tables.items():
        tested, pvalues, leaders = [], [], {}
        for task, counts in tasks.items():
            if any(c is None for c in counts.values()):
                continue
            ranked = sorted(counts.items(), key=lambda kv: -kv[1])  # stable: ties keep the file's order
            (lead, a), (_, b) = ranked[0], ranked[1]
            leaders[task] = lead
            if a + b >= 10:
                tested.append(task)
                pvalues.append(proportions_ztest(a, a + b, value=0.5, prop_var=0.5)[1])
        adjusted = dict(zip(tested, multipletests(pvalues, method="holm")[1])) if tested else {}
        for task, counts in tasks.items():
            for method in counts:
                if task not in leaders:
                    out[(source, window, task, method)] = ("", "")
                elif task not in adjusted:
                    out[(source, window, task, method)] = ("", "too few")
                else:
                    p = adjusted[task]
                    claim = ("unclear" if p >= 0.05 else "leads" if leaders[task] == method else "trails")
                    out[(source, window, task, method)] = (f"{p:.4g}", claim)
    return out


def check(text: str) -> int:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == COLUMNS
    expected = independent(rows)
    for r in rows:
        if r["year"] != "":
            assert (r["p_holm"], r["claim"]) == ("", "")  # no claim from one year
        else:
            assert (r["p_holm"], r["claim"]) == expected[(r["source"], r["window"], r["task"], r["method"])], r
    return sum(1 for r in rows if r["claim"] in ("leads", "trails"))


def test_synthetic_tables_match_the_independent_recomputation():
    data = []
    for source, window, counts in [
        ("a", "w1", {"t1": (300, 250), "t2": (130, 100), "t3": (250, 300), "t4": (4, 2), "total": (900, 600)}),
        ("a", "w2", {"t1": (300, 250), "t2": (3, None), "total": (303, 250)}),
        ("b", "w1", {"t1": (60, 40, 20), "total": (5, 5, 5)}),
    ]:
        for task, values in counts.items():
            for method, count in zip(["LSTM", "CNN", "GRU"], values):
                data.append({"source": source, "window": window, "year": pd.NA, "task": task, "method": method,
                             "count": count})
    data += [{"source": "a", "window": "trend", "year": 2020, "task": "t1", "method": m, "count": 50}
             for m in ("LSTM", "CNN")]
    text = to_csv(shares(pd.DataFrame(data)))
    assert check(text) == 6  # a/w1: total only (Holm over 4); a/w2: t1 and total; b/w1: t1
    assert "a,w1,,t1,LSTM,300,0.5455,0.5037,0.5866,0.09902,unclear" in text  # a lead alone (p 0.033), lost to Holm


@pytest.mark.slow
def test_acl_claims_match_the_independent_recomputation(acl, home, tmp_path):
    full = acl / "papers.jsonl.gz"
    if not full.is_file():
        pytest.skip(f"{full} is absent: the full ACL Anthology dump lives in ../shared")
    # Every record that could match a method term (the counts are those of the whole corpus).
    words = ("lstm", "cnn", "long short", "convolutional")
    with gzip.open(full, "rt", encoding="utf-8") as fh:
        lines = [line for line in fh if any(w in line.lower() for w in words)]
    src = tmp_path / "acl.jsonl"
    src.write_text("".join(lines), encoding="utf-8")
    run = CliRunner().invoke
    assert run(main, ["--no-progress", "corpus", "import", str(src), "--name", "acl"]).exit_code == 0
    assert run(main, ["--no-progress", "refresh", "-q", "queries/lstm_vs_cnn.toml", "-s", "local:acl"]).exit_code == 0
    r = run(main, ["shares", "-q", "queries/lstm_vs_cnn.toml", "-s", "local:acl", "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert check(r.stdout) >= 2


def test_a_sources_documented_estimates_get_no_interval_and_no_claim():
    data = [{"source": "scholar", "window": "w", "year": pd.NA, "task": "t", "method": m, "count": c}
            for m, c in (("LSTM", 3690), ("CNN", 5670))]
    rows = list(csv.DictReader(io.StringIO(to_csv(shares(pd.DataFrame(data))))))
    assert [(r["share"], r["ci_low"], r["ci_high"], r["p_holm"], r["claim"]) for r in rows] == [
        ("0.3942", "", "", "", ""), ("0.6058", "", "", "", "")]
