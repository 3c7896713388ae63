"""Holm-adjusted claims: one table's tasks tested together, leader against runner-up at one half."""

import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from survey.evidence import claims

# Close comparisons, each passing at 5% alone (p about 0.03), beside one clear total.
CLOSE = {"classification": {"LSTM": 300, "CNN": 250}, "dialog": {"LSTM": 130, "CNN": 100},
         "machine translation": {"LSTM": 250, "CNN": 300}, "QA": {"LSTM": 40, "CNN": 41},
         "language generation": {"LSTM": 4, "CNN": 2}, "total": {"LSTM": 900, "CNN": 600}}


def _score(x, n):
    return proportions_ztest(x, n, value=0.5, prop_var=0.5)[1]  # the score test: variance at one half


def test_a_lead_alone_is_lost_to_adjustment():
    alone = claims.verdict(CLOSE["classification"])
    assert alone.is_lead and alone.family == 1
    table = claims.verdicts(CLOSE)
    assert not table["classification"].is_lead and table["classification"].kind == claims.UNCLEAR
    assert table["total"].is_lead and table["total"].leader == "LSTM"


def test_the_family_is_every_tested_task_and_the_p_values_are_holms():
    table = claims.verdicts(CLOSE)
    tested = [t for t in CLOSE if t != "language generation"]  # 6 matches between the two: too few, outside
    assert table["language generation"].kind == claims.TOO_FEW and table["language generation"].family == 0
    raw = [_score(max(CLOSE[t].values()), sum(CLOSE[t].values())) for t in tested]
    holm = multipletests(raw, method="holm")[1]
    for task, p, adjusted in zip(tested, raw, holm):
        assert table[task].p_value == pytest.approx(p, rel=1e-9)
        assert table[task].p_holm == pytest.approx(adjusted, rel=1e-9)
        assert table[task].family == len(tested)
        assert table[task].is_lead == (adjusted < 0.05)


def test_alone_the_score_test_and_the_wilson_interval_agree():
    for a, b in [(300, 250), (14, 11), (60, 40), (59, 41), (11, 5), (10, 6)]:
        v = claims.verdict({"A": a, "B": b})
        assert v.is_lead == (v.head_to_head_ci.low > 0.5)


def test_too_few_counts_the_leader_and_runner_up_only():
    v = claims.verdicts({"t": {"A": 6, "B": 3, "C": 5}})["t"]
    assert v.kind == claims.UNCLEAR and v.family == 1  # 6 + 5 = 11 between the two
    assert claims.verdicts({"t": {"A": 6, "B": 3, "C": 3}})["t"].kind == claims.TOO_FEW


def test_estimates_are_never_tested():
    v = claims.verdicts({"t": {"LSTM": 3690, "CNN": 5670}}, estimate=True)["t"]
    assert v.kind == claims.ESTIMATE and v.leader == "CNN" and v.share_ci is None and v.p_holm is None


def test_each_method_side_of_a_claim():
    table = claims.verdicts(CLOSE)
    assert [claims.method_claim(table["total"], m) for m in ("LSTM", "CNN")] == ["leads", "trails"]
    assert claims.method_claim(table["dialog"], "LSTM") == "unclear"
    assert claims.method_claim(table["language generation"], "CNN") == "too few"


def test_a_bound_that_rounds_to_parity_gets_one_more_decimal():
    from survey.table_text import pct_interval, share_words

    assert share_words(0.54, 0.502, 0.578, parity=0.5) == "54% [50.2–58%]"
    assert share_words(0.54, 0.502, 0.578) == "54% [50–58%]"  # no claim on parity: outward only
    assert pct_interval(0.5149, 0.5651) == "[51–57%]"  # outward: the printed interval holds the computed one
    assert pct_interval(0.4, 0.4995, parity=0.5) == "[40–49.95%]"  # a high bound just under parity too
    assert pct_interval(0.5, 0.6, parity=0.5) == "[50–60%]"  # parity itself is printed as it is


def test_every_source_says_whether_its_counts_are_estimates():
    from survey.sources import REGISTRY, estimate_of

    assert {name for name in REGISTRY if estimate_of(name)} == {"scholar", "semanticscholar"}
    assert estimate_of("local:acl") == "" and estimate_of("openalex") == ""


def test_a_ratio_bound_that_rounds_to_parity_gets_more_decimals():
    from survey.table_text import ratio_words

    assert ratio_words(0.84, 0.72, 0.996) == "0.84 [0.72–0.996]"  # 1.00 would read as parity
    assert ratio_words(1.2, 1.001, 1.5) == "1.20 [1.001–1.50]"
    assert ratio_words(1.0, 0.5, 2.0) == "1.00 [0.50–2.00]"


# ------------------------------------------------------------------ mutation survivors (issue 23)


def test_a_lone_method_needs_the_minimum_of_matches_by_itself():
    # nothing to compare it with: its own count is the pair, not its count plus one
    assert claims.verdict({"A": claims.MIN_MATCHES - 1}).kind == claims.TOO_FEW
    assert claims.verdict({"A": claims.MIN_MATCHES}).kind == claims.LEAD


def test_a_single_task_takes_the_minimum_asked():
    assert claims.verdict({"A": 3, "B": 1}).kind == claims.TOO_FEW
    v = claims.verdict({"A": 3, "B": 1}, min_matches=4)
    assert v.kind == claims.UNCLEAR and v.p_value is not None


def test_estimates_keep_the_runner_up_counts_and_share_and_make_no_claim_without_counts_or_matches():
    table = claims.verdicts({"t": {"LSTM": 3690, "CNN": 5670, "GRU": 10}, "none": {"LSTM": 0, "CNN": 0},
                             "missing": {"LSTM": 12, "CNN": None}}, estimate=True)
    v = table["t"]
    assert (v.kind, v.leader, v.runner_up) == (claims.ESTIMATE, "CNN", "LSTM")
    assert v.counts == {"LSTM": 3690, "CNN": 5670, "GRU": 10} and v.share == pytest.approx(5670 / 9370)
    assert table["none"].kind == claims.TOO_FEW  # no match at all: who has most is nobody
    assert table["missing"].kind == claims.NO_DATA and table["missing"].counts == {"LSTM": 12, "CNN": None}
    assert claims.method_claim(v, "CNN") == "" and claims.method_claim(table["missing"], "CNN") == ""
