"""Precision from labels: Wilson intervals, corrected counts and verdict checks against hand-computed values."""

from __future__ import annotations

import math

import pytest

from survey.evidence.intervals import wilson
from survey.evidence.precision import Precision, check_verdict, leader, precision


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


def test_corrected_count_scales_the_count_by_precision_and_its_interval():
    p = Precision(24, 30)  # the CNN:total labels committed under data/labels
    est, low, high = p.corrected(1132)
    assert est == pytest.approx(905.6)
    assert low == pytest.approx(1132 * hand_wilson(24, 30)[0])
    assert high == pytest.approx(1132 * hand_wilson(24, 30)[1])
    assert round(low) == 710 and round(high) == 1024


def test_leader_is_none_on_a_tie_or_nothing():
    assert leader({"A": 3, "B": 2}) == "A"
    assert leader({"A": 3, "B": 3}) is None
    assert leader({}) is None


def test_verdict_changes_when_precision_cuts_the_leader_below_the_other():
    # CNN leads on counts, 120 to 100; half of CNN's matches are relevant: 60 < 100, LSTM leads.
    check = check_verdict({"LSTM": 100, "CNN": 120}, {"LSTM": None, "CNN": Precision(15, 30)})
    assert (check.raw_leader, check.corrected_leader, check.changed) == ("CNN", "LSTM", True)
    assert check.labelled == ("CNN",)
    # CNN's upper bound: 120 * 0.6685 = 80.2 < 100, so the new lead holds across the interval.
    assert check.within_intervals


def test_verdict_unchanged_but_overlapping_intervals_are_said():
    check = check_verdict({"LSTM": 100, "CNN": 90}, {"LSTM": Precision(27, 30), "CNN": Precision(28, 30)})
    assert not check.changed and check.corrected_leader == "LSTM"
    assert not check.within_intervals


def test_a_census_corrects_to_the_exact_relevant_count():
    # Every one of 11 matches judged, 2 relevant: the corrected count is 2, with no interval.
    check = check_verdict({"LSTM": 14, "CNN": 11}, {"LSTM": Precision(11, 14), "CNN": Precision(2, 11)})
    assert check.corrected_leader == "LSTM" and check.within_intervals


# ------------------------------------------------------------------ exact values (issue 14 survivors)


def test_a_lone_method_leads():
    assert leader({"A": 3}) == "A"


def test_a_census_gives_no_interval_even_where_just_every_match_was_judged():
    # 6 of A's 10 matches relevant, all 10 judged: A is exactly 6, below B's 8 with nothing to overlap.
    check = check_verdict({"A": 10, "B": 8}, {"A": Precision(6, 10), "B": None})
    assert check.labelled == ("A",) and check.corrected_leader == "B" and check.within_intervals
    assert check.corrected_claim.counts == {"A": 6, "B": 8}


def test_the_corrected_leader_is_the_one_with_the_largest_estimate_not_the_largest_low_bound():
    # A: 100 * 50/60 = 83.3, low 100 * 0.7200 = 72.0; B unlabelled: 80.
    check = check_verdict({"A": 100, "B": 80}, {"A": Precision(50, 60)})
    assert round(100 * hand_wilson(50, 60)[0], 1) == 72.0
    assert check.corrected_leader == "A" and not check.within_intervals
    assert check.corrected_claim.counts == {"A": 83, "B": 80}


def test_a_change_of_leader_between_two_clear_leads_is_a_change():
    # raw: A 300 of 500 leads; corrected: A 300 * 10/30 = 100, B 200 leads.
    check = check_verdict({"A": 300, "B": 200}, {"A": Precision(10, 30)})
    assert (check.raw_claim.kind, check.raw_claim.leader) == ("lead", "A")
    assert (check.corrected_claim.kind, check.corrected_claim.leader) == ("lead", "B")
    assert check.changed


def test_no_clear_leader_both_times_is_no_change_whoever_has_the_most():
    # raw: A 110 vs B 100, no clear leader; corrected: A 110 * 90/100 = 99 vs B 100, still none.
    check = check_verdict({"A": 110, "B": 100}, {"A": Precision(90, 100)})
    assert (check.raw_claim.kind, check.raw_claim.leader) == ("no clear leader", "A")
    assert (check.corrected_claim.kind, check.corrected_claim.leader) == ("no clear leader", "B")
    assert not check.changed


class _FixedInterval(Precision):
    """A precision whose interval is given, so that a bound can meet another count exactly."""

    @property
    def interval(self) -> tuple[float, float]:
        return (0.5, 0.875)


def test_a_low_bound_that_only_equals_the_other_high_bound_does_not_hold_the_lead():
    # A: 20 matches, 8 of 10 judged relevant: 16, from 20 * 0.5 = 10 to 20 * 0.875 = 17.5; B unlabelled: 10.
    p = _FixedInterval(8, 10)
    assert p.corrected(20) == (16.0, 10.0, 17.5)
    tied = check_verdict({"A": 20, "B": 10}, {"A": p})
    assert tied.corrected_leader == "A" and not tied.within_intervals  # 10 does not beat 10
    below = check_verdict({"A": 20, "B": 9}, {"A": p})
    assert below.corrected_leader == "A" and below.within_intervals  # 10 beats 9
