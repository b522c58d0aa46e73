"""The monthly review: one month's NPS against the target, how well the loop was closed, and why customers
were unhappy (the themes of detractors' comments, in NPS points at stake), for the CLI, the API, the
dashboard and the email to supervisors alike. Counted in the company's report zone; a team's figures in its
own zone, as in every other report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from npsloop.domain import loop, why
from npsloop.domain.access import Permission, Principal
from npsloop.domain.directory import Team
from npsloop.domain.periods import Period, local_midnight, next_start
from npsloop.domain.recovery_stats import DENOMINATORS, RecoveryCounts
from npsloop.domain.recovery_stats import EMPTY as EMPTY_RECOVERY
from npsloop.domain.scores import NpsSummary, SurveyType
from npsloop.domain.sla import BusinessCalendar
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.themes import Localized
from npsloop.services.loop_report import case_times, loop_figures, team_calendar
from npsloop.services.nps_report import figures
from npsloop.services.records import ResponseFilter, RiskRow
from npsloop.services.recovery_report import recovery_figures
from npsloop.services.report_results import LoopFigures, RecoveryFigures
from npsloop.services.report_scope import EARLIEST, LATEST, ReportError
from npsloop.services.unit_of_work import ReviewQueries, UnitOfWork

EMPTY = NpsSummary(0, 0, 0)


@dataclass(frozen=True)
class ReviewLimits:
    themes: int = 5  # top themes shown
    movers: int = 5
    comments: int = 3  # per top theme
    risky: int = 5  # open cases most at risk


@dataclass(frozen=True)
class NpsLine:
    """The month's NPS of the company (team None) or a team, by survey type, against the year's target."""

    team: str | None
    month: NpsSummary
    transactional: NpsSummary
    relational: NpsSummary
    previous: NpsSummary  # the month before, for the change
    year_to_date: NpsSummary
    target: float | None

    @property
    def change(self) -> float | None:
        now, before = self.month.score, self.previous.score
        return None if now is None or before is None else now - before

    @property
    def gap(self) -> float | None:
        """Year to date against the target: what the target is judged on."""
        score = self.year_to_date.score
        return None if score is None or self.target is None else score - self.target


@dataclass(frozen=True)
class LoopLine:
    """Detractor cases opened in the month: how many were contacted within their SLA and how fast."""

    team: str | None
    opened: int
    contacted: int
    closed: int
    contacted_within_sla: float | None  # percent of the cases with a contact deadline
    median_contact_seconds: float | None  # business time, in the team's calendar (None: no team)
    median_contact_wall_seconds: float | None


@dataclass(frozen=True)
class RecoveryLine:
    """The follow-ups of resolved cases closed in the month, for the company (team None) or a team."""

    team: str | None
    figures: RecoveryFigures


@dataclass(frozen=True)
class Comment:
    theme: str
    score: int
    text: str  # masked: no email, phone or customer name
    language: str | None


@dataclass(frozen=True)
class Tally:
    """How many cases: per reason theme, or per action code (None: closed without one)."""

    key: str | None
    cases: int


@dataclass(frozen=True)
class Review:
    month: date
    timezone: str
    nps: list[NpsLine]  # the company first, then each team by name
    loop: list[LoopLine]  # the company first, then each team
    responses: int
    detractors: int
    top_themes: list[why.ThemeStanding]
    movers: list[why.ThemeMove]
    comments: list[Comment]
    reasons: list[Tally]  # the reasons agents recorded at closure in the month
    actions: list[Tally]  # and the actions they took
    riskiest: list[RiskRow]  # open cases most at risk of ending badly, as the review is read
    themes: dict[str, Localized]  # the names of every theme the review mentions
    recovery: list[RecoveryLine]  # the company first, then each team

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"

    def name(self, theme: str, language: str) -> str:
        found = self.themes.get(theme)
        return found.in_language(language) if found else theme


def month_of(text: str) -> date:
    """ "2026-11" as the first day of that month; anything else is a ReportError naming the field."""
    try:
        first = datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ReportError("write the month as YYYY-MM, e.g. 2026-11", field="month") from None
    if not EARLIEST <= first <= LATEST:
        raise ReportError(f"the month lies between {EARLIEST:%Y-%m} and {LATEST:%Y-%m}", "month")
    return first


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def monthly_review(
    *,
    uow: UnitOfWork,
    month: date,
    default_zone: str,
    now: datetime,
    viewer: Principal | None = None,
    limits: ReviewLimits = ReviewLimits(),
) -> Review:
    """The review of `month` (any day of it). `viewer` None is the system (the monthly email)."""
    if viewer is not None:
        viewer.require(Permission.READ_REPORTS)
    month = month_of(f"{month:%Y-%m}")
    zone = ZoneInfo(default_zone)
    end = next_start(month, Period.MONTH)
    edges = [local_midnight(day, zone) for day in (previous_month(month), month, end)]
    with uow:
        queries = uow.review
        teams = sorted(uow.directory.teams(), key=lambda team: team.name)
        lines = _nps_lines(uow, queries, teams, zone, month)
        closure = _closure(uow, teams, edges[1], edges[2])
        recovered = _recovery(uow, teams, edges[1], edges[2])
        company = lines[0]
        by_theme = queries.detractor_themes(edges, ResponseFilter())
        now_rows = why.standings(
            {theme: n for (index, theme), n in by_theme.items() if index == 1},
            detractors=company.month.detractors,
            responses=company.month.total,
        )
        before_rows = why.standings(
            {theme: n for (index, theme), n in by_theme.items() if index == 0},
            detractors=company.previous.detractors,
            responses=company.previous.total,
        )
        top = now_rows[: limits.themes]
        comments = [
            Comment(row.theme, found.score, why.masked(found.comment, [found.customer_name]), found.language)
            for row in top
            for found in queries.comments(edges[1], edges[2], ResponseFilter(), row.theme, limits.comments)
        ]
        reasons = _tallies(queries.reasons(edges[1], edges[2]))
        actions = _tallies(queries.actions(edges[1], edges[2]))
        riskiest = queries.riskiest_open(limits.risky)
        names = theme_names(uow)
    return Review(
        month=month,
        timezone=default_zone,
        nps=lines,
        loop=closure,
        responses=company.month.total,
        detractors=company.month.detractors,
        top_themes=top,
        movers=why.movers(now_rows, before_rows, limits.movers),
        comments=comments,
        reasons=reasons,
        actions=actions,
        riskiest=riskiest,
        themes=names,
        recovery=recovered,
    )


def _tallies(counts: Mapping[Any, int]) -> list[Tally]:
    return [Tally(key, n) for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0] or ""))]


Counts = tuple[
    dict[tuple[int, int | None, str | None], NpsSummary],  # the month before (0) and the month (1)
    dict[tuple[int, int | None, str | None], NpsSummary],  # the year to the month's end
]


def _nps_lines(
    uow: UnitOfWork, queries: ReviewQueries, teams: list[Team], zone: ZoneInfo, month: date
) -> list[NpsLine]:
    """The company's line and each team's: two GROUP BYs for all the teams that count in the company's zone,
    and two more for each team in a zone of its own, whose months start at its own midnights."""
    shared = _counts(queries, zone, month)
    return [_line(uow, shared, None, month)] + [
        _line(uow, shared if ZoneInfo(team.timezone) == zone else _counts(queries, ZoneInfo(team.timezone), month),
              team, month)
        for team in teams
    ]  # fmt: skip


def _counts(queries: ReviewQueries, zone: ZoneInfo, month: date) -> Counts:
    end = next_start(month, Period.MONTH)
    edges = [local_midnight(day, zone) for day in (previous_month(month), month, end)]
    year = [local_midnight(month.replace(month=1), zone), edges[-1]]
    return queries.nps_by_team(edges, by_survey_type=True), queries.nps_by_team(year, by_survey_type=False)


def _line(uow: UnitOfWork, counts: Counts, team: Team | None, month: date) -> NpsLine:
    by_month, ytd = counts

    def of(index: int, kind: SurveyType | None = None) -> NpsSummary:
        return _sum(
            found
            for (at, team_id, key), found in by_month.items()
            if at == index and (team is None or team_id == team.id) and (kind is None or key == kind.value)
        )

    return NpsLine(
        team=team.name if team else None,
        month=of(1),
        transactional=of(1, SurveyType.TRANSACTIONAL),
        relational=of(1, SurveyType.RELATIONAL),
        previous=of(0),
        year_to_date=_sum(found for (at, t, _), found in ytd.items() if at == 0 and (team is None or t == team.id)),
        target=uow.targets.get(team.id if team else None, month.year),
    )


def _sum(summaries: Iterable[NpsSummary]) -> NpsSummary:
    return sum(summaries, EMPTY)


def _closure(uow: UnitOfWork, teams: list[Team], start: datetime, end: datetime) -> list[LoopLine]:
    """Cases opened in the month, summarised by domain.loop for the company and each team. Business time is
    measured for the contact step only (what the review shows), in each team's calendar."""
    by_id = {team.id: team for team in teams}
    calendars: dict[tuple[int, int], BusinessCalendar] = {}
    overall: list[loop.CaseTimes] = []
    by_team: dict[int, list[loop.CaseTimes]] = defaultdict(list)
    for row in uow.reports.cases_opened(start, end, None):
        owner = by_id.get(row.team_id)
        business = None
        if owner is not None and row.contacted_at is not None:
            business = {
                "contact": team_calendar(calendars, owner, row.opened_at).between(row.opened_at, row.contacted_at)
            }
        times = case_times(row, business)
        overall.append(times)
        if owner is not None and row.team_id is not None:
            by_team[row.team_id].append(times)
    return [_loop_line(None, loop_figures(overall))] + [
        _loop_line(team.name, loop_figures(by_team.get(team.id, []))) for team in teams if team.id is not None
    ]


def _loop_line(team: str | None, figures: LoopFigures) -> LoopLine:
    contact = figures.time_to.contact
    return LoopLine(
        team=team,
        opened=figures.opened,
        contacted=figures.contacted,
        closed=figures.closed,
        contacted_within_sla=figures.contacted_within_sla,
        median_contact_seconds=contact.business.median_seconds,
        median_contact_wall_seconds=contact.wall.median_seconds,
    )


def _recovery(uow: UnitOfWork, teams: list[Team], start: datetime, end: datetime) -> list[RecoveryLine]:
    """Follow-ups counted by the closure they follow, in the month as the loop closure counts it: the company's
    zone, every team in it (a team without follow-ups included, its shares None)."""
    counts = uow.reports.recovery_counts([start, end], None)
    company = sum(counts.values(), EMPTY_RECOVERY)
    by_team: dict[int | None, RecoveryCounts] = defaultdict(lambda: EMPTY_RECOVERY)
    for (_, team_id), found in counts.items():
        by_team[team_id] += found
    return [RecoveryLine(None, recovery_figures(company))] + [
        RecoveryLine(team.name, recovery_figures(by_team[team.id])) for team in teams
    ]


def theme_names(uow: UnitOfWork) -> dict[str, Localized]:
    stored = uow.themes.stored() or DEFAULT_TAXONOMY.themes
    return {theme.key: theme.name for theme in stored}


def top_themes(
    *, uow: UnitOfWork, since: date, until: date, default_zone: str, limit: int = 5
) -> list[why.ThemeStanding]:
    """The themes that cost the most NPS from `since` to `until` (both included), for the demo and the Why
    page: each with its share of detractors and its points at stake over the whole range."""
    zone = ZoneInfo(default_zone)
    start, end = local_midnight(since, zone), local_midnight(until + timedelta(days=1), zone)
    with uow:
        whole = uow.reports.nps_counts([start, end], ResponseFilter(), None).get((0, None), EMPTY)
        counts = uow.review.detractor_themes([start, end], ResponseFilter())
    by_theme = {theme: n for (index, theme), n in counts.items() if index == 0}
    return why.standings(by_theme, detractors=whole.detractors, responses=whole.total)[:limit]


def review_dict(review: Review) -> dict[str, Any]:
    """The review as JSON: figures as the NPS report gives them, theme names in both languages."""

    def theme(key: str) -> dict[str, Any]:
        found = review.themes.get(key)
        return {"theme": key, "name": found.to_dict() if found else {"es": key, "en": key}}

    return {
        "month": review.label,
        "timezone": review.timezone,
        "responses": review.responses,
        "detractors": review.detractors,
        "nps": [
            {
                "team": line.team,
                "month": asdict(figures(line.month)),
                "transactional": asdict(figures(line.transactional)),
                "relational": asdict(figures(line.relational)),
                "change": _round(line.change),
                "year_to_date": asdict(figures(line.year_to_date)),
                "target": line.target,
                "gap": _round(line.gap),
            }
            for line in review.nps
        ],
        "loop": [asdict(line) for line in review.loop],
        "recovery": [{"team": line.team, **asdict(line.figures)} for line in review.recovery],
        "recovery_denominators": {name: list(counts) for name, counts in DENOMINATORS.items()},
        "top_themes": [
            {
                **theme(row.theme),
                "detractors": row.detractors,
                "share": _round(row.share),
                "points_at_stake": _round(row.points_at_stake),
            }
            for row in review.top_themes
        ],  # fmt: skip
        "movers": [
            {
                **theme(move.theme),
                "share_before": _round(move.share_before),
                "share_now": _round(move.share_now),
                "change": _round(move.change),
            }
            for move in review.movers
        ],  # fmt: skip
        "comments": [
            {**theme(c.theme), "score": c.score, "text": c.text, "language": c.language} for c in review.comments
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
