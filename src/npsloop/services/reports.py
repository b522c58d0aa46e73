"""Figures a supervisor reads. Computed from stored responses and cases, never from counters that could
drift, and counted in the calendar of whoever is being judged: a team's months are its own local months."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from npsloop.domain import loop
from npsloop.domain.directory import Team
from npsloop.domain.periods import Bucket, Period, PeriodError, buckets, local_midnight, period_start
from npsloop.domain.scores import NpsSummary, classify, summarize
from npsloop.domain.sla import BusinessCalendar
from npsloop.services.records import Dimension, GroupBy, GroupKey, ResponseFilter, Rest
from npsloop.services.schedules import calendar_for
from npsloop.services.unit_of_work import UnitOfWork

GROUPS = ("survey_type", "touchpoint", "team", "theme")
OTHER_LABEL = "(other)"  # the series summing the groups beyond `top`; told apart by its "other": true
NONE_LABEL = "(none)"  # by theme: the responses whose comment names no theme (or has no comment, or is untagged)
# Groups one response can belong to several of at once: its series do not add up to the whole.
OVERLAPPING = frozenset({"theme"})
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
Series = list[dict[str, Any]]


class ReportError(PeriodError):
    """A report asked for something it cannot answer (a bad grouping, a range backwards), naming the query
    field to change."""

    def __init__(self, message: str, field: str = "from") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ReportLimits:
    """How big one NPS report may get, whatever it is asked: a column with a thousand distinct values over a
    thousand days must not become a million figures (and a gigabyte) in one answer."""

    groups: int = 20  # series shown at most; the rest are summed into one "other" series
    cells: int = 10_000  # series x periods at most


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
    top: int | None = None  # groups shown (the most answered); None: as many as the limits allow


def nps_of_all(*, uow: UnitOfWork, integration: str | None = None) -> NpsSummary:
    with uow:
        return summarize(classify(score) for score in uow.responses.scores(integration))


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
    raise ReportError(f"group_by must be one of {', '.join(GROUPS)} or attribute:<name>", field="group_by")


def _check_top(top: int | None, limits: ReportLimits) -> int:
    if top is None:
        return limits.groups
    if not 1 <= top <= limits.groups:
        raise ReportError(f"top lies between 1 and {limits.groups}", field="top")
    return top


def _check_cells(series: int, periods: int, limits: ReportLimits) -> None:
    """Checked before the counts are read, so a refused report costs one ranking query."""
    if series * periods > limits.cells:
        raise ReportError(
            f"{series} series x {periods} periods is over the {limits.cells} figures a report may hold; "
            "choose a longer period, a shorter range or a smaller top",
            field="period",
        )


def nps_report(
    *, uow: UnitOfWork, query: NpsQuery, default_zone: str, limits: ReportLimits = ReportLimits()
) -> dict[str, Any]:
    """NPS per period, split by a group when asked. At most `top` groups are shown, the most answered in
    the range; the others are summed into one series marked `other`, so the series always add up to the
    whole (except by theme, where a response is counted in each of its themes: `overlapping` says so), and
    `truncated` says how many groups were folded."""
    _check_range(query.first, query.last)
    _check_group(query.group_by)
    top = _check_top(query.top, limits)
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
            series, truncated = _team_series(uow, query, team, zone_name, base, top, limits, default_zone)
        else:
            series, truncated = _grouped_series(uow, query, zone_name, base, top, limits)
        if query.group_by == "theme":
            series = [{**each, "group": NONE_LABEL} if each["group"] is None else each for each in series]
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
        "truncated": truncated,
        # True when a response counts in every group it belongs to (by theme: a comment about billing and
        # delivery is in both series), so the series' totals add up to more than the responses.
        "overlapping": query.group_by in OVERLAPPING,
        "target": target,
    }


def _edges(query: NpsQuery, zone: ZoneInfo) -> tuple[list[Bucket], list[datetime]]:
    """The periods of the range, and their boundaries with the start of the period before the range (counted
    only to give the first period its change)."""
    periods = buckets(query.first, query.last, query.period, zone)
    before = buckets(periods[0].start.astimezone(zone).date() - timedelta(days=1), query.first, query.period, zone)[0]
    return periods, [before.start, *[p.start for p in periods], periods[-1].end]


def _truncated(groups: int, shown: int) -> dict[str, int] | None:
    return {"groups": groups, "shown": shown, "in_other": groups - shown} if groups > shown else None


def _grouped_series(
    uow: UnitOfWork, query: NpsQuery, zone_name: str, where: ResponseFilter, top: int, limits: ReportLimits
) -> tuple[Series, dict[str, int] | None]:
    """One series per group value answered in the range (the `top` most answered, then "other"); periods
    with no responses are listed with nps None."""
    periods, edges = _edges(query, ZoneInfo(zone_name))
    group = GroupBy.parse(query.group_by) if query.group_by else None
    if group is None:
        _check_cells(1, len(periods), limits)
        return [_series(None, periods, uow.reports.nps_counts(edges, where, None), zone_name)], None
    ranking = uow.reports.rank_groups(edges[1], edges[-1], where, group, top)
    shown: list[str | None] = [None if key is None else str(key) for key in ranking.top]
    truncated = _truncated(ranking.groups, len(shown))
    _check_cells(len(shown) + (truncated is not None), len(periods), limits)
    counts = uow.reports.nps_counts(edges, where, group, keep=shown if truncated else None)
    keys: list[GroupKey] = [*sorted(shown, key=lambda k: (k is None, k or ""))] or [None]
    if truncated:
        keys.append(Rest.OTHER)
    return [_series(key, periods, counts, zone_name) for key in keys], truncated


def _team_series(
    uow: UnitOfWork,
    query: NpsQuery,
    only: Team | None,
    zone_name: str,
    base: ResponseFilter,
    top: int,
    limits: ReportLimits,
    default_zone: str,
) -> tuple[Series, dict[str, int] | None]:
    """One series per team (and the unassigned), each counted in its own zone; beyond `top`, the most
    answered teams, and the rest as one "other" series counted in the report's zone."""
    teams: list[Team | None] = [only] if only is not None else [*uow.directory.teams(), None]
    periods, edges = _edges(query, ZoneInfo(zone_name))
    truncated = None
    if len(teams) > top:
        ranking = uow.reports.rank_groups(edges[1], edges[-1], base, GroupBy(Dimension.TEAM), top)
        kept = frozenset(ranking.top)
        teams = [each for each in teams if (each.id if each else None) in kept]
        truncated = _truncated(ranking.groups, len(teams))
    _check_cells(len(teams) + (truncated is not None), len(periods), limits)
    series = []
    for each in teams:
        zone = query.timezone or (each.timezone if each else default_zone)
        narrowed = replace(base, team_id=each.id if each else None, unassigned=each is None)
        series.append(_whole(uow, query, zone, narrowed, each.name if each else None))
    if truncated:
        rest = replace(base, not_teams=frozenset(each.id if each else None for each in teams))
        series.append(_whole(uow, query, zone_name, rest, Rest.OTHER))
    return series, truncated


def _whole(uow: UnitOfWork, query: NpsQuery, zone_name: str, where: ResponseFilter, key: GroupKey) -> dict[str, Any]:
    """One series counted on its own: a team's, in the team's zone."""
    periods, edges = _edges(query, ZoneInfo(zone_name))
    counts = uow.reports.nps_counts(edges, where, None)
    return _series(key, periods, {(index, key): found for (index, _), found in counts.items()}, zone_name)


def _series(
    key: GroupKey, periods: list[Bucket], counts: dict[tuple[int, GroupKey], NpsSummary], zone_name: str
) -> dict[str, Any]:
    """One group's periods, each with its change from the one before, and its total over the range."""
    empty = NpsSummary(0, 0, 0)
    rows, total = [], empty
    previous = counts.get((0, key), empty)
    for index, period in enumerate(periods, start=1):
        summary = counts.get((index, key), empty)
        total = total + summary
        rows.append({**_period(period), **figures(summary), "change": _change(summary, previous)})
        previous = summary
    other = key is Rest.OTHER
    return {
        "group": OTHER_LABEL if other else key,
        "other": other,
        "periods": rows,
        "total": figures(total),
        "timezone": zone_name,
    }


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
        return [{**row, "set_at": cast(datetime, row["set_at"]).isoformat()} for row in uow.targets.all()]


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
            calendar = team_calendar(calendars, owner, row.opened_at) if owner else None
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
