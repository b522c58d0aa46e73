"""Calendar periods in a team's own time zone. A month in Madrid starts at 23:00 UTC the day before, so
boundaries are computed as local dates first and only then turned into instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from npsloop.domain.errors import DomainError

MAX_BUCKETS = 1000


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class PeriodError(DomainError, ValueError):
    pass


@dataclass(frozen=True)
class Bucket:
    label: str
    start: datetime  # aware, UTC
    end: datetime  # exclusive


def period_start(day: date, period: Period) -> date:
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_start(start: date, period: Period) -> date:
    if period is Period.DAY:
        return start + timedelta(days=1)
    if period is Period.WEEK:
        return start + timedelta(days=7)
    months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[period]
    month_index = start.year * 12 + start.month - 1 + months
    return date(month_index // 12, month_index % 12 + 1, 1)


def label(start: date, period: Period) -> str:
    if period is Period.DAY:
        return start.isoformat()
    if period is Period.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period is Period.MONTH:
        return f"{start.year}-{start.month:02d}"
    if period is Period.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def buckets(first: date, last: date, period: Period, zone: ZoneInfo) -> list[Bucket]:
    """Every period that touches the local dates first..last (inclusive), whole periods only, so that a
    month is never compared against half a month."""
    if last < first:
        raise PeriodError("the end of the range comes before its start")
    result: list[Bucket] = []
    start = period_start(first, period)
    while start <= last:
        end = next_start(start, period)
        result.append(Bucket(label(start, period), local_midnight(start, zone), local_midnight(end, zone)))
        if len(result) > MAX_BUCKETS:
            raise PeriodError(f"more than {MAX_BUCKETS} periods; choose a longer period or a shorter range")
        start = end
    return result
