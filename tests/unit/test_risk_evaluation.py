"""AUC, calibration and the time-based split, against figures worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from npsloop.domain.risk import RiskInputs
from npsloop.domain.risk_evaluation import Example, auc, calibration, time_split


def test_auc_is_one_when_every_bad_case_scores_above_every_good_one_and_half_for_a_coin():
    assert auc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == 1.0
    assert auc([0.9, 0.8, 0.2, 0.1], [False, False, True, True]) == 0.0
    assert auc([0.5, 0.5, 0.5, 0.5], [False, True, False, True]) == 0.5


def test_auc_counts_ties_half_as_the_mann_whitney_statistic_does():
    # pairs (bad, good): (0.4, 0.2) win, (0.4, 0.4) tie, (0.7, 0.2) win, (0.7, 0.4) win -> 3.5 / 4
    assert auc([0.2, 0.4, 0.4, 0.7], [False, False, True, True]) == pytest.approx(0.875)


def test_auc_is_none_with_one_kind_of_case():
    assert auc([0.1, 0.9], [True, True]) is None and auc([], []) is None


def test_calibration_bins_compare_the_mean_score_with_the_share_that_ended_badly():
    bins = calibration([0.1, 0.15, 0.7, 0.75, 1.0], [False, True, True, True, False], bins=5)
    assert [(b.low, b.count) for b in bins] == [(0.0, 2), (0.6, 2), (0.8, 1)]
    assert bins[0].predicted == pytest.approx(0.125) and bins[0].observed == 0.5
    assert bins[1].observed == 1.0 and bins[2].predicted == 1.0  # a score of exactly 1 falls in the last bin


def test_the_split_learns_from_the_older_cases_and_tests_on_the_newer():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    examples = [
        Example(start + timedelta(days=d), RiskInputs(score=d % 7), d % 2 == 0) for d in (5, 1, 7, 3, 2, 6, 0, 4)
    ]
    train, test = time_split(examples, test_share=0.25)
    assert [e.at.day for e in train] == [1, 2, 3, 4, 5, 6] and [e.at.day for e in test] == [7, 8]
    assert time_split([], 0.25) == ([], [])
