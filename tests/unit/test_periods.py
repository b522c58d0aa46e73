"""Periods are counted in local dates, then turned into instants."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from npsloop.domain.periods import Period, PeriodError, buckets, label, next_start, period_start

MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(
    ("period", "day", "start", "name"),
    [
        (Period.DAY, date(2026, 3, 29), date(2026, 3, 29), "2026-03-29"),
        (Period.WEEK, date(2026, 3, 29), date(2026, 3, 23), "2026-W13"),  # a Sunday belongs to Monday's week
        (Period.MONTH, date(2026, 2, 28), date(2026, 2, 1), "2026-02"),
        (Period.QUARTER, date(2026, 6, 30), date(2026, 4, 1), "2026-Q2"),
        (Period.YEAR, date(2026, 12, 31), date(2026, 1, 1), "2026"),
    ],
)
def test_each_day_belongs_to_one_period(period, day, start, name):
    assert period_start(day, period) == start
    assert label(start, period) == name


def test_quarters_and_years_roll_over():
    assert next_start(date(2026, 10, 1), Period.QUARTER) == date(2027, 1, 1)
    assert next_start(date(2026, 12, 1), Period.MONTH) == date(2027, 1, 1)
    assert next_start(date(2026, 1, 1), Period.YEAR) == date(2027, 1, 1)


def test_months_begin_at_local_midnight_across_a_dst_change():
    found = buckets(date(2026, 3, 1), date(2026, 4, 30), Period.MONTH, MADRID)
    assert [b.label for b in found] == ["2026-03", "2026-04"]
    assert found[0].start == datetime(2026, 2, 28, 23, tzinfo=UTC)  # CET, +01:00
    assert found[1].start == datetime(2026, 3, 31, 22, tzinfo=UTC)  # CEST, +02:00
    assert found[0].end == found[1].start


def test_whole_periods_only_and_refusals():
    found = buckets(date(2026, 1, 15), date(2026, 1, 20), Period.MONTH, ZoneInfo("UTC"))
    assert [(b.start.day, b.end.month) for b in found] == [(1, 2)]
    with pytest.raises(PeriodError):
        buckets(date(2026, 2, 1), date(2026, 1, 1), Period.DAY, MADRID)
    with pytest.raises(PeriodError):
        buckets(date(2000, 1, 1), date(2026, 1, 1), Period.DAY, MADRID)
