"""What the NPS and loop-closure reports answer, as frozen values the doors read by attribute: the API turns
them into JSON (api/report_json.py), the CLI and the dashboard lay them out. Typed here so a misspelt figure is
a mypy error in the door, not a KeyError (or a silently empty cell) at run time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from npsloop.domain.periods import Period


@dataclass(frozen=True)
class NpsFigures:
    """One NPS count as reports show it: rounded to a tenth, with its 95% interval (None without responses)."""

    responses: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    margin_95: float | None
    ci95_low: float | None
    ci95_high: float | None
    reliable: bool


@dataclass(frozen=True)
class ReportPeriod:
    """One period of a report: its label and its bounds as instants in the series' zone."""

    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class NpsPoint:
    """One period of a series, with its change from the period before (None when either has no NPS)."""

    period: ReportPeriod
    figures: NpsFigures
    change: float | None


@dataclass(frozen=True)
class NpsSeries:
    """One group's periods and its total over the range. `group` is None for the whole (or for responses without
    the grouped value); `other` marks the series summing the groups beyond the top."""

    group: str | None
    other: bool
    points: tuple[NpsPoint, ...]
    total: NpsFigures
    timezone: str


@dataclass(frozen=True)
class Truncation:
    """How many groups there were, and how many were shown; the rest are summed in the "other" series."""

    groups: int
    shown: int

    @property
    def in_other(self) -> int:
        return self.groups - self.shown


@dataclass(frozen=True)
class NpsFilters:
    """What the responses were narrowed to, as asked (`team` is the name asked for)."""

    team: str | None
    survey_type: str | None
    touchpoint: str | None
    attribute: tuple[str, str] | None


@dataclass(frozen=True)
class TargetProgress:
    """The year's target and how far the year to date (1 January to the range's last day) is from it."""

    year: int
    team: str | None
    target: float
    year_to_date: NpsFigures
    gap: float | None
    met: bool


@dataclass(frozen=True)
class NpsReport:
    period: Period
    first: date
    last: date
    timezone: str
    group_by: str | None
    filters: NpsFilters
    series: tuple[NpsSeries, ...]
    truncated: Truncation | None
    # True when a response counts in every group it belongs to (by theme: a comment about billing and delivery
    # is in both series), so the series' totals add up to more than the responses.
    overlapping: bool
    target: TargetProgress | None


@dataclass(frozen=True)
class Durations:
    """How long a step took over the cases that reached it (None without cases)."""

    count: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class StepTimes:
    """A step's durations from opening, in wall time and in the team's business time."""

    wall: Durations
    business: Durations


@dataclass(frozen=True)
class TimeTo:
    acknowledge: StepTimes
    contact: StepTimes
    close: StepTimes

    def steps(self) -> tuple[tuple[str, StepTimes], ...]:
        """The steps in the order a case reaches them, named as the loop figures name them."""
        return ("acknowledge", self.acknowledge), ("contact", self.contact), ("close", self.close)


@dataclass(frozen=True)
class LoopFigures:
    """How far a set of cases got and how fast; shares are percentages, None when there is nothing to share."""

    opened: int
    acknowledged: int
    contacted: int
    closed: int
    closed_by_outcome: Mapping[str, int]  # every outcome, zero included
    closure_rate: float | None
    contacted_within_sla: float | None
    closed_within_sla: float | None
    time_to: TimeTo
    recontacted: int
    recontact_rate: float | None


@dataclass(frozen=True)
class LoopRow:
    """One team's or one agent's loop figures; `name` None is no team (or no assignee)."""

    name: str | None
    figures: LoopFigures


@dataclass(frozen=True)
class BacklogRow:
    """The cases open now for one team or agent, by age band (every band, zero included)."""

    name: str | None
    open: int
    by_age: Mapping[str, int]


@dataclass(frozen=True)
class Backlog:
    open: int
    by_age: Mapping[str, int]
    by_team: tuple[BacklogRow, ...]
    by_agent: tuple[BacklogRow, ...]


@dataclass(frozen=True)
class RecoveryFigures:
    """The follow-ups of resolved closures, counted; each share in percent over the count domain.recovery_stats
    names as its denominator, None when that count is zero (no follow-ups is not 0%)."""

    requests: int
    sent: int
    answered: int
    confirmed: int
    not_solved: int
    answered_yes_no: int
    reopened: int
    response_rate: float | None  # answered / sent
    confirmed_rate: float | None  # confirmed / answered_yes_no
    confirmed_of_sent: float | None  # confirmed / sent
    reopen_rate: float | None  # reopened / answered
    new_scores: NpsFigures  # the new scores: detractors, passives, promoters and their NPS with its interval
    recovered: int  # detractors who became passives or promoters
    recovered_rate: float | None  # recovered / new scores


@dataclass(frozen=True)
class RecoveryPoint:
    period: ReportPeriod
    figures: RecoveryFigures


@dataclass(frozen=True)
class RecoveryRow:
    """One team's follow-ups (None: the whole report, or follow-ups without a team) per period, and in all."""

    team: str | None
    points: tuple[RecoveryPoint, ...]
    total: RecoveryFigures


@dataclass(frozen=True)
class Recovery:
    """Follow-ups counted by the closure they follow, per period of the report's range (clipped to it) and team."""

    period: Period
    overall: RecoveryRow
    by_team: tuple[RecoveryRow, ...]


@dataclass(frozen=True)
class LoopReport:
    first: date
    last: date
    timezone: str
    team: str | None  # the team asked for; None is the whole company
    overall: LoopFigures
    by_team: tuple[LoopRow, ...]
    by_agent: tuple[LoopRow, ...]
    backlog: Backlog
    recontact_window_days: int
    recovery: Recovery
