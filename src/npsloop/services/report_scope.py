"""What a report covers: its dates (today and the default range, both in the zone reports are kept in, and the
bounds any range must lie within), the team it is narrowed to, and the refusal naming the query field to change.
Shared by the NPS report, the targets, the loop-closure report, the review and the Why page."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from npsloop.domain.directory import Team
from npsloop.domain.periods import Period, PeriodError, period_start
from npsloop.services.unit_of_work import UnitOfWork

EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


class ReportError(PeriodError):
    """A report asked for something it cannot answer (a bad grouping, a range backwards), naming the query
    field to change."""

    def __init__(self, message: str, field: str = "from") -> None:
        super().__init__(message)
        self.field = field


def scoped_team(uow: UnitOfWork, name: str | None) -> Team | None:
    """No name is the whole company; a name nobody has is refused, not read as the whole company."""
    return uow.directory.require_team(name) if name is not None else None


def check_range(first: date, last: date) -> None:
    if last < first:
        raise ReportError("the end of the range comes before its start")
    if first < EARLIEST or last > LATEST:
        raise ReportError(f"report ranges lie between {EARLIEST} and {LATEST}")


def report_today(now: datetime, zone: str) -> date:
    """Today where the reports are kept (NPSLOOP_REPORT_TIMEZONE): the one "today" the API, the CLI and the
    dashboard count from, so none of them shows another month (or year) than the others near midnight."""
    return now.astimezone(ZoneInfo(zone)).date()


def report_range(
    now: datetime, zone: str, period: Period, first: date | None = None, last: date | None = None
) -> tuple[date, date]:
    """The dates a report covers: what was asked, else the last twelve periods up to today in `zone`."""
    default_first, default_last = default_range(report_today(now, zone), period)
    return first or default_first, last or default_last


def default_range(today: date, period: Period, count: int = 12) -> tuple[date, date]:
    """The last `count` periods up to today: what a report shows when asked for nothing in particular."""
    start = period_start(today, period)
    for _ in range(count - 1):
        start = period_start(start - timedelta(days=1), period)
    return start, today
