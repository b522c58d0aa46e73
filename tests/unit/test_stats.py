import pytest

from npsloop.domain.stats import percentile


def test_percentiles_interpolate_between_ranks_like_a_spreadsheet():
    values = [10, 20, 30, 40]
    assert percentile(values, 50) == 25  # PERCENTILE.INC({10,20,30,40}, .5)
    assert percentile(values, 90) == pytest.approx(37)  # rank 2.7: 30 + .7 * 10
    assert percentile([5], 90) == 5
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 0) == 1 and percentile([3, 1, 2], 100) == 3


def test_q_outside_0_to_100_is_refused():
    with pytest.raises(ValueError):
        percentile([1], 101)
