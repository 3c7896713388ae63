"""Precision from labels: Wilson intervals, corrected counts and verdict checks against hand-computed values."""

from __future__ import annotations

import math

import pytest

from statsmodels.stats.multitest import multipletests

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
    ps = [check_table(table)[t].corrected_claim.p_value for t in table]
    assert together.corrected_claim.p_holm == pytest.approx(multipletests(ps, method="holm")[1][0], rel=1e-12)


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


# ------------------------------------------------------------------ mutation survivors (issue 23)


def test_every_match_judged_gives_the_relevant_count_exactly_not_the_estimate_times_the_count():
    # 25 * (7 / 25) is 7.000000000000001 in floating point: a census is counted, never multiplied back.
    assert Precision(7, 25).corrected(25) == (7.0, 7.0, 7.0)
    check = check_verdict({"A": 22, "B": 10}, {"A": Precision(15, 22)})  # 22 * (15 / 22) is not 15 either
    assert check.corrected_claim.head_to_head == 15 / (15 + 10)


def test_more_labels_than_matches_count_the_relevant_labels_not_the_rate_times_the_matches():
    # labelled when A had 25 matches, 15 relevant; A has 20 now: 15 relevant are known, not 20 * 0.6 = 12
    check = check_verdict({"A": 20, "B": 10}, {"A": Precision(15, 25)})
    assert check.corrected_claim.counts == {"A": 15, "B": 10}


def test_corrected_counts_that_reach_the_minimum_only_once_rounded_are_too_few_to_say():
    # A: 20 * 3/7 = 8.57 relevant, B: 1; rounded 9 + 1 = 10 matches, yet 9.57 are fewer than the 10 a claim
    # needs. It was tested as a lead of 9 against 1 by the score test, without the bootstrap or an interval.
    from survey.evidence.claims import MIN_MATCHES, TOO_FEW

    check = check_verdict({"A": 20, "B": 1}, {"A": Precision(3, 7)})
    assert 20 * 3 / 7 + 1 < MIN_MATCHES <= sum(check.corrected_claim.counts.values())
    assert check.corrected_claim.kind == TOO_FEW and check.corrected_claim.p_value is None
    assert check.corrected_claim.head_to_head is None and check.corrected_ci is None
    assert check.raw_claim.is_lead and check.status == MAY_CHANGE
    # judging all 20 settles it: 9 relevant (20 * 3/7 rounded) against 1 are 10 matches, a clear lead
    assert check.more_labels == 20 - 7


def test_corrected_counts_of_exactly_the_minimum_are_compared_by_the_bootstrap():
    check = check_verdict({"A": 10, "B": 2}, {"A": Precision(4, 5)})  # 10 * 4/5 + 2 = 10 relevant exactly
    assert check.corrected_claim.kind != "too few to say" and check.corrected_ci is not None
    assert check.corrected_claim.p_value is not None


def test_a_runner_up_without_a_relevant_match_loses_every_draw_so_p_is_the_least_the_bootstrap_gives():
    from survey.evidence.precision import DRAWS

    # A's 100 matches hold at least the 1 relevant judged one; B has none: in every draw A has all of the pair.
    check = check_verdict({"A": 100, "B": 0}, {"A": Precision(1, 10)})
    assert check.corrected_claim.p_value == 2 / (DRAWS + 1)
    assert check.corrected_ci == (1.0, 1.0)


def test_a_tie_on_corrected_counts_has_a_p_value_of_one_at_most():
    check = check_verdict({"A": 50, "B": 50}, {"A": Precision(30, 30), "B": Precision(30, 30)})
    assert check.corrected_claim.p_value == 1.0 and check.corrected_claim.p_holm == 1.0


def test_the_corrected_claim_keeps_the_share_and_interval_of_the_corrected_counts():
    from survey.evidence.intervals import share_interval

    check = check_verdict({"A": 300, "B": 200}, {"A": Precision(10, 30)})  # corrected: A 100, B 200
    assert check.corrected_claim.counts == {"A": 100, "B": 200}
    assert check.corrected_claim.share == pytest.approx(200 / 300)
    assert check.corrected_claim.share_ci == share_interval(200, 300)


def test_the_claim_on_counts_is_made_at_the_level_asked():
    # 59 against 41: p = 0.072, a lead at 90% and not at 95%
    table = {"t": ({"A": 59, "B": 41}, {"A": Precision(30, 30)})}
    assert check_table(table, level=0.90)["t"].raw_claim.is_lead
    assert not check_table(table, level=0.95)["t"].raw_claim.is_lead


def _more(counts, precisions, extra):
    """The labels of ``precisions`` with ``extra`` more per sampled method, at the precision estimated now."""
    return {m: p if p is None or p.judged >= counts[m] else
            Precision(min(min(counts[m], p.judged + extra), round(p.estimate * min(counts[m], p.judged + extra))),
                      min(counts[m], p.judged + extra))
            for m, p in precisions.items()}


def _settles(table, task, extra) -> bool:
    counts, precisions = table[task]
    more = {**table, task: (counts, _more(counts, precisions, extra))}
    return check_table(more)[task].corrected_claim.is_lead


@pytest.mark.parametrize("counts, precisions", [
    ({"A": 1000, "B": 600}, {"A": Precision(16, 20)}),  # one more label settles it
    ({"A": 1000, "B": 600}, {"A": Precision(16, 20), "B": Precision(592, 600)}),  # B judged whole: 592 known
    ({"LSTM": 1000, "CNN": 1100}, {"CNN": Precision(4, 5)}),
    ({"A": 20, "B": 1}, {"A": Precision(3, 7)}),  # too few until every match is judged
    ({"A": 14, "B": 3}, {"A": Precision(9, 13)}),  # judging the one match left settles it
])
def test_the_labels_that_settle_a_lead_that_may_change_are_the_fewest_that_do(counts, precisions):
    table = {"t": (counts, precisions)}
    check = check_table(table)["t"]
    assert check.status == MAY_CHANGE
    more = check.more_labels
    assert more is not None and more >= 1
    assert _settles(table, "t", more) and not _settles(table, "t", more - 1)


def test_a_lead_that_may_change_beside_other_tested_tasks_needs_the_labels_its_holm_place_asks():
    # Beside a tie (p = 1), the task's p-value is doubled by Holm: one more label no longer settles it.
    task = ({"A": 1000, "B": 600}, {"A": Precision(16, 20)})
    alone = check_table({"t": task})["t"].more_labels
    table = {"t": task, "tie": ({"A": 100, "B": 100}, {"A": Precision(30, 30)})}
    together = check_table(table)["t"]
    assert together.corrected_claim.family == 2 and together.status == MAY_CHANGE
    assert together.more_labels > alone
    assert _settles(table, "t", together.more_labels) and not _settles(table, "t", together.more_labels - 1)


def test_a_lead_whose_corrected_counts_stay_too_few_however_many_are_labelled_has_no_number_to_settle_it():
    # A: 30 matches at 1 in 10 relevant is 3 against B's 2, judged or not
    check = check_verdict({"A": 30, "B": 2}, {"A": Precision(1, 10)})
    assert check.status == MAY_CHANGE and check.corrected_claim.kind == "too few to say"
    assert check.more_labels is None


def test_a_method_judged_whole_draws_nothing_so_the_others_draws_are_those_of_a_census_of_any_size():
    # B's relevant count is known (7 of its 7 matches judged, or of 9 labelled when it had more): the sampled
    # A's draws, and so the corrected comparison, are the same either way.
    census = check_verdict({"A": 30, "B": 7}, {"A": Precision(5, 10), "B": Precision(7, 7)})
    more = check_verdict({"A": 30, "B": 7}, {"A": Precision(5, 10), "B": Precision(7, 9)})
    assert census.corrected_claim.p_value == more.corrected_claim.p_value
    assert census.corrected_ci == more.corrected_ci


def test_a_task_without_labels_beside_labelled_ones_asks_for_no_labels():
    # 60 against 40 leads on the score test and not on the bootstrap; with nothing labelled no label can settle it
    checks = check_table({"labelled": ({"A": 300, "B": 200}, {"A": Precision(10, 30)}),
                          "unlabelled": ({"A": 60, "B": 40}, {"A": None, "B": None})})
    assert checks["unlabelled"].status == MAY_CHANGE and checks["unlabelled"].labelled == ()
    assert checks["unlabelled"].more_labels is None
