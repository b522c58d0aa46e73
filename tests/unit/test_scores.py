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


@given(st.lists(st.integers(min_value=0, max_value=10), max_size=400))
def test_nps_equals_the_formula_and_its_interval_stays_on_the_scale(scores):
    summary = summarize(classify(s) for s in scores)
    if not scores:
        assert summary.score is None and summary.interval_95 is None
        return
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    expected = 100 * promoters / len(scores) - 100 * detractors / len(scores)
    assert summary.score == pytest.approx(expected)
    low, high = summary.interval_95
    assert -100 <= low <= summary.score <= high <= 100
    assert summary.reliable is (len(scores) >= 30)


def test_the_interval_is_clipped_to_the_scale_and_flags_small_samples():
    one = summarize([Category.PROMOTER])
    assert one.score == 100 and one.interval_95 == (100, 100) and not one.reliable
    mixed = summarize([Category.PROMOTER] * 3 + [Category.DETRACTOR])
    # p=.75, d=.25: variance = 1 - .25 = .75; margin = 196 * sqrt(.75/4) = 84.87
    assert mixed.score == 50 and mixed.margin_95 == pytest.approx(84.87, abs=0.01)
    assert mixed.interval_95 == pytest.approx((-34.87, 100.0), abs=0.01)
    assert summarize([Category.PASSIVE] * 30).reliable


def test_summaries_add_up_category_by_category():
    total = summarize([Category.PROMOTER, Category.PASSIVE]) + summarize([Category.DETRACTOR])
    assert (total.promoters, total.passives, total.detractors) == (1, 1, 1)
