"""Precision from labels: Wilson intervals, corrected counts and verdict checks against hand-computed values."""

from __future__ import annotations

import math

import pytest

from survey.evidence.intervals import wilson
import numpy as np

from survey.evidence.precision import (CHANGES, MAY_CHANGE, UNCHANGED, Precision, check_table, check_verdict, leader,
                                     precision)


def hand_wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    # Wilson (1927): (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), written out independently.
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_wilson_matches_the_formula_and_known_values():
    # 7 of 30 relevant, computed by hand: 0.1179 to 0.4093.
    low, high = wilson(7, 30)
    assert (round(low, 4), round(high, 4)) == (0.1179, 0.4093)
    for k, n in [(0, 10), (10, 10), (24, 30), (1, 1)]:
        assert wilson(k, n) == pytest.approx(hand_wilson(k, n), abs=1e-12)
    assert all(b != b for b in wilson(0, 0))  # no interval of nothing: NaN, never a guessed [0, 1]


def test_precision_ignores_skipped_records_and_none_judged_is_none():
    p = precision([True, False, None, True, None, True])
    assert (p.relevant, p.judged, p.estimate) == (3, 4, 0.75)
    assert precision([None, None]) is None
    assert precision([]) is None


def test_corrected_count_carries_the_labelled_samples_uncertainty():
    # The example: CNN 1,100 matches, 4 of 5 labelled relevant: about 413 to 1,060 relevant records.
    est, low, high = Precision(4, 5).corrected(1100)
    assert est == pytest.approx(880)
    assert 380 < low < 450 and 1030 < high <= 1100
    # wider than the precision's Wilson interval scaled, which ignores the relevant records' own binomial spread
    # only where the sample is large; never narrower than the known judged part allows
    assert Precision(23, 30).corrected(23) == (23.0, 23.0, 23.0)  # every match judged: known


def test_corrected_count_interval_covers_the_true_relevant_count():
    # Synthetic truth: 500 matches of which 350 are relevant; 30 labelled at random, again and again.
    rng = np.random.default_rng(7)
    truth = np.array([True] * 350 + [False] * 150)
    covered = 0
    for _ in range(300):
        sample = rng.choice(truth, 30, replace=False)
        _, low, high = Precision(int(sample.sum()), 30).corrected(500)
        covered += low <= 350 <= high
    assert 0.90 <= covered / 300 <= 0.995


def test_leader_is_none_on_a_tie_or_nothing():
    assert leader({"A": 3, "B": 2}) == "A"
    assert leader({"A": 3, "B": 3}) is None
    assert leader({}) is None


def test_a_lead_the_corrected_comparison_cannot_confirm_may_change_and_says_how_many_labels_settle_it():
    check = check_verdict({"LSTM": 1000, "CNN": 1100}, {"LSTM": None, "CNN": Precision(4, 5)})
    assert check.raw_claim.is_lead and check.raw_claim.leader == "CNN"
    assert check.status == MAY_CHANGE and not check.changed and check.corrected_claim.leader == "LSTM"
    low, high = check.corrected_ci
    assert low < 0.5 < high  # the corrected comparison includes parity
    more = check.more_labels
    assert more is not None and 10 < more < 1095
    judged = 5 + more
    settled = check_verdict({"LSTM": 1000, "CNN": 1100}, {"CNN": Precision(round(0.8 * judged), judged)})
    assert settled.status == CHANGES and settled.corrected_claim.leader == "LSTM"


def test_a_change_of_leader_the_corrected_comparison_excludes_parity_for_is_a_change():
    # raw: A 300 of 500 leads; corrected: A about 300 * 10/30 = 100 against B's 200.
    check = check_verdict({"A": 300, "B": 200}, {"A": Precision(10, 30)})
    assert (check.raw_claim.kind, check.raw_claim.leader) == ("lead", "A")
    assert (check.corrected_claim.kind, check.corrected_claim.leader) == ("lead", "B")
    assert check.status == CHANGES and check.corrected_ci[0] > 0.5 and check.more_labels is None


def test_an_unchanged_lead_gets_the_wider_interval_of_the_corrected_comparison():
    # The committed ACL labels: LSTM 1,414 (30 of 30 relevant), CNN 1,132 (23 of 30).
    check = check_verdict({"LSTM": 1414, "CNN": 1132}, {"LSTM": Precision(30, 30), "CNN": Precision(23, 30)})
    assert check.status == UNCHANGED and check.corrected_claim.is_lead
    naive = wilson(1414, 1414 + round(1132 * 23 / 30))  # Wilson on rounded corrected counts: too narrow
    low, high = check.corrected_ci
    assert low < naive[0] - 0.01 and high > naive[1] + 0.01 and low > 0.5


def test_no_clear_leader_both_times_is_no_change_whoever_has_the_most():
    check = check_verdict({"A": 110, "B": 100}, {"A": Precision(90, 100)})
    assert (check.raw_claim.kind, check.raw_claim.leader) == ("no clear leader", "A")
    assert check.corrected_claim.kind == "no clear leader" and check.status == UNCHANGED


def test_the_corrected_claims_of_a_table_are_adjusted_together():
    table = {f"t{i}": ({"A": 260, "B": 200}, {"A": Precision(29, 30)}) for i in range(6)}
    alone = check_table({"t0": table["t0"]})["t0"]
    together = check_table(table)["t0"]
    assert alone.corrected_claim.family == 1 and together.corrected_claim.family == 6
    assert together.corrected_claim.p_holm >= alone.corrected_claim.p_holm


# ------------------------------------------------------------------ exact values (issue 14 survivors)


def test_a_lone_method_leads():
    assert leader({"A": 3}) == "A"


def test_a_census_gives_no_interval_even_where_just_every_match_was_judged():
    # 6 of A's 10 matches relevant, all 10 judged: A is exactly 6, below B's 8 with nothing to draw.
    check = check_verdict({"A": 10, "B": 8}, {"A": Precision(6, 10), "B": None})
    assert check.labelled == ("A",) and check.corrected_claim.leader == "B"
    assert check.corrected_claim.counts == {"A": 6, "B": 8}


def test_the_corrected_leader_is_the_one_with_the_largest_estimate_not_the_largest_low_bound():
    # A: 100 * 50/60 = 83.3; B unlabelled: 80.
    check = check_verdict({"A": 100, "B": 80}, {"A": Precision(50, 60)})
    assert check.corrected_claim.leader == "A" and check.corrected_claim.counts == {"A": 83, "B": 80}
