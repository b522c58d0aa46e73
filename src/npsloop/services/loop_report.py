"""The loop-closure report: cases opened in a range, how far each got and how fast (wall and business time), and
the open backlog by age. Business time needs the team's calendar, so cases are measured in Python."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from npsloop.domain import loop
from npsloop.domain.directory import Team
from npsloop.domain.periods import Period, local_midnight
from npsloop.domain.sla import BusinessCalendar
from npsloop.services.recovery_report import recovery
from npsloop.services.report_results import (
    Backlog,
    BacklogRow,
    Durations,
    LoopFigures,
    LoopReport,
    LoopRow,
    StepTimes,
    TimeTo,
)
from npsloop.services.report_scope import check_range, scoped_team
from npsloop.services.schedules import calendar_for
from npsloop.services.unit_of_work import UnitOfWork


def loop_report(
    *,
    uow: UnitOfWork,
    first: date,
    last: date,
    team: str | None,
    default_zone: str,
    now: datetime,
    period: Period = Period.MONTH,
) -> LoopReport:
    """Cases opened in the range: how far each got and how fast, overall, by team and by agent; the open
    backlog by age as it stands now; and the recovery follow-ups of closures in the range, per `period`."""
    check_range(first, last)
    with uow:
        only = scoped_team(uow, team)
        zone = ZoneInfo(only.timezone if only else default_zone)
        start, end = local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)
        teams = {t.id: t for t in uow.directory.teams()}
        agents = {a.id: a.name for a in uow.directory.agents()}
        closed = uow.reports.closed_between(start - loop.RECONTACT_WINDOW, end)
        calendars: dict[tuple[int, int], BusinessCalendar] = {}
        overall: list[loop.CaseTimes] = []
        by_team: dict[str | None, list[loop.CaseTimes]] = defaultdict(list)
        by_agent: dict[str | None, list[loop.CaseTimes]] = defaultdict(list)
        for row in uow.reports.cases_opened(start, end, only.id if only else None):
            owner = teams.get(row.team_id)
            calendar = team_calendar(calendars, owner, row.opened_at) if owner else None
            times = _case_times(row, calendar, closed.get(row.customer_key, []))
            overall.append(times)
            by_team[owner.name if owner else None].append(times)
            by_agent[agents.get(row.assignee_id)].append(times)
        open_rows = list(uow.reports.open_cases(only.id if only else None))
        recovered = recovery(uow, first=first, last=last, period=period, zone=zone, only=only)
    return LoopReport(
        first=first,
        last=last,
        timezone=zone.key,
        team=team,
        overall=loop_figures(overall),
        by_team=tuple(LoopRow(k, loop_figures(v)) for k, v in sorted(by_team.items(), key=_name_order)),
        by_agent=tuple(LoopRow(k, loop_figures(v)) for k, v in sorted(by_agent.items(), key=_name_order)),
        backlog=Backlog(
            open=len(open_rows),
            by_age=loop.backlog((r.opened_at for r in open_rows), now),
            by_team=_backlog_by(open_rows, now, lambda r: teams[r.team_id].name if r.team_id in teams else None),
            by_agent=_backlog_by(open_rows, now, lambda r: agents.get(r.assignee_id)),
        ),
        recontact_window_days=loop.RECONTACT_WINDOW.days,
        recovery=recovered,
    )


def loop_figures(cases: list[loop.CaseTimes]) -> LoopFigures:
    """domain.loop's summary, typed: the domain keeps its figures as a dict, the report hands out values."""
    summary = loop.summarize(cases)
    return LoopFigures(
        opened=summary["opened"],
        acknowledged=summary["acknowledged"],
        contacted=summary["contacted"],
        closed=summary["closed"],
        closed_by_outcome=summary["closed_by_outcome"],
        closure_rate=summary["closure_rate"],
        contacted_within_sla=summary["contacted_within_sla"],
        closed_within_sla=summary["closed_within_sla"],
        time_to=TimeTo(
            acknowledge=_step_times(summary["time_to"]["acknowledge"]),
            contact=_step_times(summary["time_to"]["contact"]),
            close=_step_times(summary["time_to"]["close"]),
        ),
        recontacted=summary["recontacted"],
        recontact_rate=summary["recontact_rate"],
    )


def _step_times(times: dict[str, dict[str, Any]]) -> StepTimes:
    return StepTimes(wall=Durations(**times["wall"]), business=Durations(**times["business"]))


def _name_order(item: tuple[str | None, Any]) -> tuple[bool, str]:
    return item[0] is None, item[0] or ""


def _backlog_by(rows: list[Any], now: datetime, key: Any) -> tuple[BacklogRow, ...]:
    grouped: dict[str | None, list[datetime]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row.opened_at)
    return tuple(
        BacklogRow(name=name, open=len(ats), by_age=loop.backlog(ats, now))
        for name, ats in sorted(grouped.items(), key=_name_order)
    )


def team_calendar(cache: dict[tuple[int, int], BusinessCalendar], team: Team, at: datetime) -> BusinessCalendar:
    """One calendar per team and year: building one loads a year of holidays."""
    assert team.id is not None
    key = (team.id, at.year)
    if key not in cache:
        cache[key] = calendar_for(team, at)
    return cache[key]


def _case_times(row: Any, calendar: BusinessCalendar | None, closed_before: list[datetime]) -> loop.CaseTimes:
    business = None
    if calendar is not None:
        business = {
            step: calendar.between(row.opened_at, at)
            for step, at in (
                ("acknowledge", row.acknowledged_at),
                ("contact", row.contacted_at),
                ("close", row.closed_at),
            )
            if at is not None
        }
    window_start = row.opened_at - loop.RECONTACT_WINDOW
    recontact = any(window_start <= at <= row.opened_at for at in closed_before)
    return case_times(row, business, recontact)


def case_times(row: Any, business: dict[str, timedelta] | None, recontact: bool = False) -> loop.CaseTimes:
    """A case as the loop figures measure it, from a row of `uow.reports.cases_opened`."""
    return loop.CaseTimes(
        opened_at=row.opened_at,
        acknowledged_at=row.acknowledged_at,
        contacted_at=row.contacted_at,
        closed_at=row.closed_at,
        outcome=row.outcome,
        contact_due_at=row.contact_due_at,
        close_due_at=row.close_due_at,
        business=business,
        recontact=recontact,
    )
