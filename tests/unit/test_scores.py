import pytest
from hypothesis import given
from hypothesis import strategies as st

from npsloop.domain.errors import InvalidScore
from npsloop.domain.scores import Category, classify, summarize


@pytest.mark.parametrize(
    ("score", "category"),
    [(s, Category.DETRACTOR) for s in range(0, 7)]
    + [(7, Category.PASSIVE), (8, Category.PASSIVE), (9, Category.PROMOTER), (10, Category.PROMOTER)],
)
def test_every_score_from_0_to_10_has_its_category(score, category):
    assert classify(score) is category


@pytest.mark.parametrize("bad", [-1, 11, 100, True, False, 7.0, "7", None])
def test_anything_but_an_integer_from_0_to_10_is_refused(bad):
    with pytest.raises(InvalidScore):
        classify(bad)


def test_nps_is_promoters_minus_detractors_in_percent():
    summary = summarize([Category.PROMOTER] * 6 + [Category.PASSIVE] * 2 + [Category.DETRACTOR] * 2)
    assert (summary.promoters, summary.passives, summary.detractors, summary.total) == (6, 2, 2, 10)
    assert summary.score == pytest.approx(40.0)


def test_an_empty_sample_has_no_nps_rather_than_zero():
    summary = summarize([])
    assert summary.score is None and summary.margin_95 is None


def test_all_promoters_is_plus_100_and_all_detractors_minus_100():
    assert summarize([Category.PROMOTER] * 3).score == 100.0
    assert summarize([Category.DETRACTOR] * 3).score == -100.0


def test_margin_of_error_follows_the_trinomial_variance():
    # p=0.5, d=0.3 over 100 answers: var = p + d - (p - d)^2 = 0.76; 1.96 * sqrt(0.76/100) * 100 = 17.09
    summary = summarize([Category.PROMOTER] * 50 + [Category.PASSIVE] * 20 + [Category.DETRACTOR] * 30)
    assert summary.margin_95 == pytest.approx(17.087, abs=0.01)


@given(st.lists(st.integers(min_value=0, max_value=10), max_size=300))
def test_nps_always_lies_between_minus_100_and_100(scores):
    summary = summarize(classify(s) for s in scores)
    if scores:
        assert -100.0 <= summary.score <= 100.0
        promoters = sum(s >= 9 for s in scores)
        detractors = sum(s <= 6 for s in scores)
        assert summary.score == pytest.approx(100.0 * (promoters - detractors) / len(scores))
