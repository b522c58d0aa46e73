"""Figures a supervisor reads. Computed from stored responses and cases, never from counters that could
drift, and counted in the calendar of whoever is being judged: a team's months are its own local months."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from npsloop.domain import loop
from npsloop.domain.directory import Team
from npsloop.domain.periods import Bucket, Period, PeriodError, buckets, local_midnight, period_start
from npsloop.domain.scores import NpsSummary, classify, summarize
from npsloop.domain.sla import BusinessCalendar
from npsloop.services.schedules import calendar_for
from npsloop.store.report_queries import ResponseFilter, grouping
from npsloop.store.uow import UnitOfWork

GROUPS = ("survey_type", "touchpoint", "team")
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


class ReportError(PeriodError):
    """A report asked for something it cannot answer (a bad grouping, a range backwards)."""


@dataclass(frozen=True)
class NpsQuery:
    first: date
    last: date
    period: Period = Period.MONTH
    team: str | None = None
    survey_type: str | None = None
    touchpoint: str | None = None
    attribute: tuple[str, str] | None = None
    group_by: str | None = None
    timezone: str | None = None  # overrides the team's (or the company's) zone


def nps_of_all(*, uow: UnitOfWork) -> NpsSummary:
    with uow:
        return summarize(classify(score) for score in uow.responses.scores())


def figures(summary: NpsSummary) -> dict[str, Any]:
    score, interval = summary.score, summary.interval_95
    return {
        "responses": summary.total,
        "promoters": summary.promoters,
        "passives": summary.passives,
        "detractors": summary.detractors,
        "nps": _round(score),
        "margin_95": _round(summary.margin_95),
        "ci95_low": _round(interval[0]) if interval else None,
        "ci95_high": _round(interval[1]) if interval else None,
        "reliable": summary.reliable,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _team(uow: UnitOfWork, name: str | None) -> Team | None:
    return uow.directory.require_team(name) if name is not None else None


def _check_range(first: date, last: date) -> None:
    if last < first:
        raise ReportError("the end of the range comes before its start")
    if first < EARLIEST or last > LATEST:
        raise ReportError(f"report ranges lie between {EARLIEST} and {LATEST}")


def _check_group(group_by: str | None) -> None:
    if group_by is None or group_by in GROUPS:
        return
    if group_by.startswith("attribute:") and group_by.removeprefix("attribute:").strip():
        return
    raise ReportError(f"group_by must be one of {', '.join(GROUPS)} or attribute:<name>")


def nps_report(*, uow: UnitOfWork, query: NpsQuery, default_zone: str) -> dict[str, Any]:
    _check_range(query.first, query.last)
    _check_group(query.group_by)
    with uow:
        team = _team(uow, query.team)
        zone_name = query.timezone or (team.timezone if team else default_zone)
        base = ResponseFilter(
            team_id=team.id if team else None,
            survey_type=query.survey_type,
            touchpoint=query.touchpoint,
            attribute=query.attribute,
        )
        if query.group_by == "team":
            series = []
            for each in [*uow.directory.teams(), None]:
                if team is not None and each is not team:
                    continue
                zone = query.timezone or (each.timezone if each else default_zone)
                narrowed = replace(base, team_id=each.id if each else None, unassigned=each is None)
                for found in _series(uow, query, zone, narrowed, None):
                    series.append({**found, "group": each.name if each else None, "timezone": zone})
        else:
            series = [
                {**found, "timezone": zone_name}
                for found in _series(uow, query, zone_name, base, grouping(query.group_by))
            ]
        target = _target(uow, team, query, zone_name, base)
    return {
        "period": query.period.value,
        "from": query.first.isoformat(),
        "to": query.last.isoformat(),
        "timezone": zone_name,
        "group_by": query.group_by,
        "filters": {
            "team": query.team,
            "survey_type": query.survey_type,
            "touchpoint": query.touchpoint,
            "attribute": "=".join(query.attribute) if query.attribute else None,
        },
        "series": series,
        "target": target,
    }


def _series(
    uow: UnitOfWork, query: NpsQuery, zone_name: str, where: ResponseFilter, group: Any
) -> list[dict[str, Any]]:
    """One series per group value seen in the range; periods with no responses are listed with nps None,
    and the period before the range is counted only to give the first period its change."""
    zone = ZoneInfo(zone_name)
    periods = buckets(query.first, query.last, query.period, zone)
    before = buckets(periods[0].start.astimezone(zone).date() - timedelta(days=1), query.first, query.period, zone)[0]
    edges = [before.start, *[p.start for p in periods], periods[-1].end]
    counts = uow.reports.nps_counts(edges, where, group)
    keys = sorted({key for _, key in counts}, key=lambda k: (k is None, k or "")) or [None]
    empty = NpsSummary(0, 0, 0)
    result = []
    for key in keys:
        rows, total = [], empty
        previous = counts.get((0, key), empty)
        for index, period in enumerate(periods, start=1):
            summary = counts.get((index, key), empty)
            total = total + summary
            rows.append({**_period(period), **figures(summary), "change": _change(summary, previous)})
            previous = summary
        result.append({"group": key, "periods": rows, "total": figures(total)})
    return result


def _period(bucket: Bucket) -> dict[str, str]:
    return {"label": bucket.label, "start": bucket.start.isoformat(), "end": bucket.end.isoformat()}


def _change(now: NpsSummary, before: NpsSummary) -> float | None:
    if now.score is None or before.score is None:
        return None
    return round(now.score - before.score, 1)


def _target(
    uow: UnitOfWork, team: Team | None, query: NpsQuery, zone_name: str, where: ResponseFilter
) -> dict[str, Any] | None:
    """Progress towards the year's target: the year of the range's last day, counted from 1 January."""
    year = query.last.year
    value = uow.targets.get(team.id if team else None, year)
    if value is None:
        return None
    zone = ZoneInfo(zone_name)
    start = local_midnight(date(year, 1, 1), zone)
    end = local_midnight(query.last + timedelta(days=1), zone)
    summary = uow.reports.nps_counts([start, end], where, None).get((0, None), NpsSummary(0, 0, 0))
    actual = summary.score
    return {
        "year": year,
        "team": team.name if team else None,
        "nps": value,
        "year_to_date": figures(summary),
        "gap": _round(actual - value) if actual is not None else None,
        "met": actual is not None and actual >= value,
    }


def set_target(*, uow: UnitOfWork, year: int, nps: float, team: str | None, actor: str, now: datetime) -> None:
    if not -100 <= nps <= 100:
        raise ReportError("an NPS target lies between -100 and 100")
    if not 2000 <= year <= 2100:
        raise ReportError("the year must lie between 2000 and 2100")
    with uow:
        found = _team(uow, team)
        uow.targets.put(team_id=found.id if found else None, year=year, nps=nps, set_by=actor, now=now)
        uow.commit()


def list_targets(*, uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        return [{**row, "set_at": row["set_at"].isoformat()} for row in uow.targets.all()]  # type: ignore[union-attr]


# Loop closure ---------------------------------------------------------------------------------------------


def loop_report(
    *, uow: UnitOfWork, first: date, last: date, team: str | None, default_zone: str, now: datetime
) -> dict[str, Any]:
    """Cases opened in the range: how far each got and how fast, overall, by team and by agent; and the
    open backlog by age as it stands now."""
    _check_range(first, last)
    with uow:
        only = _team(uow, team)
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
            calendar = _calendar(calendars, owner, row.opened_at) if owner else None
            times = _case_times(row, calendar, closed.get(row.customer_key, []))
            overall.append(times)
            by_team[owner.name if owner else None].append(times)
            by_agent[agents.get(row.assignee_id)].append(times)
        open_rows = list(uow.reports.open_cases(only.id if only else None))
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": zone.key,
        "team": team,
        "overall": loop.summarize(overall),
        "by_team": [{"team": k, **loop.summarize(v)} for k, v in sorted(by_team.items(), key=_name_order)],
        "by_agent": [{"agent": k, **loop.summarize(v)} for k, v in sorted(by_agent.items(), key=_name_order)],
        "backlog": {
            "open": len(open_rows),
            "by_age": loop.backlog((r.opened_at for r in open_rows), now),
            "by_team": _backlog_by(open_rows, now, lambda r: teams[r.team_id].name if r.team_id in teams else None),
            "by_agent": _backlog_by(open_rows, now, lambda r: agents.get(r.assignee_id)),
        },
        "recontact_window_days": loop.RECONTACT_WINDOW.days,
    }


def _name_order(item: tuple[str | None, Any]) -> tuple[bool, str]:
    return item[0] is None, item[0] or ""


def _backlog_by(rows: list[Any], now: datetime, key: Any) -> list[dict[str, Any]]:
    grouped: dict[str | None, list[datetime]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row.opened_at)
    return [
        {"name": name, "open": len(ats), "by_age": loop.backlog(ats, now)}
        for name, ats in sorted(grouped.items(), key=_name_order)
    ]


def _calendar(cache: dict[tuple[int, int], BusinessCalendar], team: Team, at: datetime) -> BusinessCalendar:
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


def default_range(today: date, period: Period, count: int = 12) -> tuple[date, date]:
    """The last `count` periods up to today: what a report shows when asked for nothing in particular."""
    start = period_start(today, period)
    for _ in range(count - 1):
        start = period_start(start - timedelta(days=1), period)
    return start, today
