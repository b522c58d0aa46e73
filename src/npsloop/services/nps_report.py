"""The NPS report: NPS per period, split by a group when asked, bounded in size, with the progress towards the
year's target. Computed from stored responses, never from counters that could drift, and counted in the calendar
of whoever is being judged: a team's months are its own local months."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from npsloop.domain.directory import Team
from npsloop.domain.periods import Bucket, Period, buckets, local_midnight
from npsloop.domain.scores import NpsSummary, classify, summarize
from npsloop.services.records import Dimension, GroupBy, GroupKey, ResponseFilter, Rest
from npsloop.services.report_results import (
    NpsFigures,
    NpsFilters,
    NpsPoint,
    NpsReport,
    NpsSeries,
    ReportPeriod,
    TargetProgress,
    Truncation,
)
from npsloop.services.report_scope import ReportError, check_range, scoped_team
from npsloop.services.unit_of_work import UnitOfWork

GROUPS = ("survey_type", "touchpoint", "team", "theme")
OTHER_LABEL = "(other)"  # the series summing the groups beyond `top`; told apart by its `other`
NONE_LABEL = "(none)"  # by theme: the responses whose comment names no theme (or has no comment, or is untagged)
# Groups one response can belong to several of at once: its series do not add up to the whole.
OVERLAPPING = frozenset({"theme"})


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


def figures(summary: NpsSummary) -> NpsFigures:
    interval = summary.interval_95
    return NpsFigures(
        responses=summary.total,
        promoters=summary.promoters,
        passives=summary.passives,
        detractors=summary.detractors,
        nps=_round(summary.score),
        margin_95=_round(summary.margin_95),
        ci95_low=_round(interval[0]) if interval else None,
        ci95_high=_round(interval[1]) if interval else None,
        reliable=summary.reliable,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


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
) -> NpsReport:
    """NPS per period, split by a group when asked. At most `top` groups are shown, the most answered in
    the range; the others are summed into one series marked `other`, so the series always add up to the
    whole (except by theme, where a response is counted in each of its themes: `overlapping` says so), and
    `truncated` says how many groups were folded."""
    check_range(query.first, query.last)
    _check_group(query.group_by)
    top = _check_top(query.top, limits)
    with uow:
        team = scoped_team(uow, query.team)
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
            series = [replace(each, group=NONE_LABEL) if each.group is None else each for each in series]
        target = _target(uow, team, query, zone_name, base)
    return NpsReport(
        period=query.period,
        first=query.first,
        last=query.last,
        timezone=zone_name,
        group_by=query.group_by,
        filters=NpsFilters(
            team=query.team, survey_type=query.survey_type, touchpoint=query.touchpoint, attribute=query.attribute
        ),
        series=tuple(series),
        truncated=truncated,
        overlapping=query.group_by in OVERLAPPING,
        target=target,
    )


def _edges(query: NpsQuery, zone: ZoneInfo) -> tuple[list[Bucket], list[datetime]]:
    """The periods of the range, and their boundaries with the start of the period before the range (counted
    only to give the first period its change)."""
    periods = buckets(query.first, query.last, query.period, zone)
    before = buckets(periods[0].start.astimezone(zone).date() - timedelta(days=1), query.first, query.period, zone)[0]
    return periods, [before.start, *[p.start for p in periods], periods[-1].end]


def _truncated(groups: int, shown: int) -> Truncation | None:
    return Truncation(groups=groups, shown=shown) if groups > shown else None


def _grouped_series(
    uow: UnitOfWork, query: NpsQuery, zone_name: str, where: ResponseFilter, top: int, limits: ReportLimits
) -> tuple[list[NpsSeries], Truncation | None]:
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
) -> tuple[list[NpsSeries], Truncation | None]:
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


def _whole(uow: UnitOfWork, query: NpsQuery, zone_name: str, where: ResponseFilter, key: GroupKey) -> NpsSeries:
    """One series counted on its own: a team's, in the team's zone."""
    periods, edges = _edges(query, ZoneInfo(zone_name))
    counts = uow.reports.nps_counts(edges, where, None)
    return _series(key, periods, {(index, key): found for (index, _), found in counts.items()}, zone_name)


def _series(
    key: GroupKey, periods: list[Bucket], counts: dict[tuple[int, GroupKey], NpsSummary], zone_name: str
) -> NpsSeries:
    """One group's periods, each with its change from the one before, and its total over the range."""
    empty = NpsSummary(0, 0, 0)
    points, total = [], empty
    previous = counts.get((0, key), empty)
    for index, period in enumerate(periods, start=1):
        summary = counts.get((index, key), empty)
        total = total + summary
        points.append(NpsPoint(_period(period), figures(summary), _change(summary, previous)))
        previous = summary
    return NpsSeries(
        group=OTHER_LABEL if key is Rest.OTHER else key,
        other=key is Rest.OTHER,
        points=tuple(points),
        total=figures(total),
        timezone=zone_name,
    )


def _period(bucket: Bucket) -> ReportPeriod:
    return ReportPeriod(label=bucket.label, start=bucket.start, end=bucket.end)


def _change(now: NpsSummary, before: NpsSummary) -> float | None:
    if now.score is None or before.score is None:
        return None
    return round(now.score - before.score, 1)


def _target(
    uow: UnitOfWork, team: Team | None, query: NpsQuery, zone_name: str, where: ResponseFilter
) -> TargetProgress | None:
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
    return TargetProgress(
        year=year,
        team=team.name if team else None,
        target=value,
        year_to_date=figures(summary),
        gap=_round(actual - value) if actual is not None else None,
        met=actual is not None and actual >= value,
    )
