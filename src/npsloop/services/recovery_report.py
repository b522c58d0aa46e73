"""Recovery in the reports: what the follow-ups of resolved closures came to (confirmed, reopened, new scores),
per period and team, counted by the database in the report's zone. A follow-up counts in the period of the
closure it follows; periods are the calendar periods of the range, clipped to it, so their sum is the range."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from npsloop.domain.directory import Team
from npsloop.domain.periods import Period, buckets, local_midnight
from npsloop.domain.recovery_stats import EMPTY, RecoveryCounts
from npsloop.services.nps_report import figures
from npsloop.services.report_results import (
    Recovery,
    RecoveryFigures,
    RecoveryPoint,
    RecoveryRow,
    ReportPeriod,
)
from npsloop.services.unit_of_work import UnitOfWork


def recovery_figures(counts: RecoveryCounts) -> RecoveryFigures:
    return RecoveryFigures(
        requests=counts.requests,
        sent=counts.sent,
        answered=counts.answered,
        confirmed=counts.confirmed,
        not_solved=counts.not_solved,
        answered_yes_no=counts.answered_yes_no,
        reopened=counts.reopened,
        response_rate=counts.share("response_rate"),
        confirmed_rate=counts.share("confirmed_rate"),
        confirmed_of_sent=counts.share("confirmed_of_sent"),
        reopen_rate=counts.share("reopen_rate"),
        new_scores=figures(counts.new_nps),
        recovered=counts.recovered,
        recovered_rate=counts.share("recovered_rate"),
    )


def report_periods(first: date, last: date, period: Period, zone: ZoneInfo) -> list[ReportPeriod]:
    """The calendar periods touching first..last in `zone`, the first and last cut at the range's ends."""
    start, end = local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)
    return [
        ReportPeriod(label=b.label, start=max(b.start, start), end=min(b.end, end))
        for b in buckets(first, last, period, zone)
    ]


def recovery(
    uow: UnitOfWork, *, first: date, last: date, period: Period, zone: ZoneInfo, only: Team | None
) -> Recovery:
    """Inside the caller's unit of work: the follow-ups of closures in the range, overall (the team asked for,
    or the whole company) and by team, each per period. `only` keeps every other team's follow-ups out."""
    periods = report_periods(first, last, period, zone)
    edges = [p.start for p in periods] + [periods[-1].end]
    counts = uow.reports.recovery_counts(edges, only.id if only else None)
    names = {t.id: t.name for t in uow.directory.teams()}
    by_team: dict[str | None, dict[int, RecoveryCounts]] = defaultdict(dict)
    overall: dict[int, RecoveryCounts] = {}
    for (index, team_id), found in counts.items():
        name = names.get(team_id) if team_id is not None else None
        slot = by_team[name]
        slot[index] = slot.get(index, EMPTY) + found
        overall[index] = overall.get(index, EMPTY) + found
    rows = sorted(by_team.items(), key=lambda item: (item[0] is None, item[0] or ""))
    return Recovery(
        period=period,
        overall=_row(None, periods, overall),
        by_team=tuple(_row(name, periods, found) for name, found in rows),
    )


def _row(team: str | None, periods: list[ReportPeriod], counts: dict[int, RecoveryCounts]) -> RecoveryRow:
    total = sum(counts.values(), EMPTY)
    points = tuple(RecoveryPoint(p, recovery_figures(counts.get(i, EMPTY))) for i, p in enumerate(periods))
    return RecoveryRow(team=team, points=points, total=recovery_figures(total))
