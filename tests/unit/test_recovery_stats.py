"""Recovery figures on follow-ups written out by hand."""

import pytest

from npsloop.domain.recovery_stats import DENOMINATORS, EMPTY, Followup, RecoveryCounts, count, share


def test_figures_of_seven_follow_ups_by_hand():
    found = count(
        [
            Followup(sent=True, answered=True, solved=True, new_score=9),  # solved, now a promoter
            Followup(sent=True, answered=True, solved=True, new_score=7),  # solved, now a passive
            Followup(sent=True, answered=True, solved=True),  # solved, no new score
            Followup(sent=True, answered=True, solved=False, new_score=3, reopened=True),  # reopened
            Followup(sent=True, answered=True, solved=True, new_score=5, reopened=True),  # a "yes" scored 5 reopens
            Followup(sent=True),  # sent, never answered
            Followup(),  # scheduled, skipped or failed: never sent
        ]
    )
    assert found == RecoveryCounts(
        requests=7, sent=6, answered=5, confirmed=4, not_solved=1, reopened=2,
        new_detractors=2, new_passives=1, new_promoters=1,
    )  # fmt: skip
    assert found.answered_yes_no == 5 and found.new_scores == 4 and found.recovered == 2
    assert found.share("response_rate") == 83.3  # 5 answered of 6 sent
    assert found.share("confirmed_rate") == 80.0  # 4 yes of 5 yes-or-no
    assert found.share("confirmed_of_sent") == 66.7  # 4 yes of 6 asked
    assert found.share("reopen_rate") == 40.0  # 2 reopened of 5 answered
    assert found.share("recovered_rate") == 50.0  # 2 passives or promoters of 4 new scores
    assert found.new_nps.score == 100.0 * (1 - 2) / 4


def test_no_follow_ups_gives_no_shares_rather_than_zero():
    assert count([]) == EMPTY
    assert all(EMPTY.share(name) is None for name in DENOMINATORS)


def test_sent_but_unanswered_follow_ups_have_a_response_rate_and_nothing_else():
    found = count([Followup(sent=True), Followup(sent=True)])
    assert found.share("response_rate") == 0.0
    assert found.share("confirmed_of_sent") == 0.0
    assert found.share("confirmed_rate") is None and found.share("reopen_rate") is None
    assert found.share("recovered_rate") is None


def test_an_answer_without_a_yes_or_a_no_stays_out_of_the_confirmation_rate():
    found = count([Followup(sent=True, answered=True, new_score=8), Followup(sent=True, answered=True, solved=True)])
    assert (found.answered, found.answered_yes_no, found.share("confirmed_rate")) == (2, 1, 100.0)


def test_what_an_unanswered_row_carries_is_not_counted_as_an_answer():
    # A stale value on a row that was never answered (an expired link) counts for nothing but the request.
    found = count([Followup(sent=True, solved=False, new_score=2, reopened=True)])
    assert found == RecoveryCounts(requests=1, sent=1)


def test_counts_add_up_field_by_field():
    one = RecoveryCounts(requests=1, sent=1, answered=1, confirmed=1, new_promoters=1)
    two = RecoveryCounts(requests=2, sent=2, answered=1, not_solved=1, reopened=1, new_detractors=1)
    assert one + two == RecoveryCounts(
        requests=3, sent=3, answered=2, confirmed=1, not_solved=1, reopened=1, new_detractors=1, new_promoters=1
    )


def test_every_share_names_counts_that_exist():
    for part, whole in DENOMINATORS.values():
        assert isinstance(getattr(EMPTY, part), int) and isinstance(getattr(EMPTY, whole), int)
    with pytest.raises(KeyError):
        EMPTY.share("closure_rate")


@pytest.mark.parametrize(("part", "whole", "expected"), [(1, 3, 33.3), (2, 3, 66.7), (0, 1, 0.0), (5, 0, None)])
def test_shares_round_to_a_tenth(part, whole, expected):
    assert share(part, whole) == expected
