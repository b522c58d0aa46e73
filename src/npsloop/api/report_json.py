"""The NPS and loop-closure reports as JSON: one presenter per result type, shared by the API and `npsloop report
--json`, so both answer the same keys in the same order. The shape is the API's contract: change it here only
with the clients that read it."""

from __future__ import annotations

from typing import Any

from npsloop.domain.recovery_stats import DENOMINATORS
from npsloop.services.report_results import (
    Backlog,
    BacklogRow,
    Durations,
    LoopFigures,
    LoopReport,
    LoopRow,
    NpsFigures,
    NpsFilters,
    NpsPoint,
    NpsReport,
    NpsSeries,
    Recovery,
    RecoveryFigures,
    RecoveryRow,
    ReportPeriod,
    StepTimes,
    TargetProgress,
    TimeTo,
    Truncation,
)


def figures_json(figures: NpsFigures) -> dict[str, Any]:
    return {
        "responses": figures.responses,
        "promoters": figures.promoters,
        "passives": figures.passives,
        "detractors": figures.detractors,
        "nps": figures.nps,
        "margin_95": figures.margin_95,
        "ci95_low": figures.ci95_low,
        "ci95_high": figures.ci95_high,
        "reliable": figures.reliable,
    }


def period_json(period: ReportPeriod) -> dict[str, Any]:
    return {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()}


def point_json(point: NpsPoint) -> dict[str, Any]:
    """A period's bounds and figures side by side in one object, as clients have always read them."""
    return {**period_json(point.period), **figures_json(point.figures), "change": point.change}


def series_json(series: NpsSeries) -> dict[str, Any]:
    return {
        "group": series.group,
        "other": series.other,
        "periods": [point_json(point) for point in series.points],
        "total": figures_json(series.total),
        "timezone": series.timezone,
    }


def truncation_json(truncation: Truncation) -> dict[str, Any]:
    return {"groups": truncation.groups, "shown": truncation.shown, "in_other": truncation.in_other}


def filters_json(filters: NpsFilters) -> dict[str, Any]:
    return {
        "team": filters.team,
        "survey_type": filters.survey_type,
        "touchpoint": filters.touchpoint,
        "attribute": "=".join(filters.attribute) if filters.attribute else None,
    }


def target_json(target: TargetProgress) -> dict[str, Any]:
    return {
        "year": target.year,
        "team": target.team,
        "nps": target.target,
        "year_to_date": figures_json(target.year_to_date),
        "gap": target.gap,
        "met": target.met,
    }


def nps_report_json(report: NpsReport) -> dict[str, Any]:
    return {
        "period": report.period.value,
        "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "timezone": report.timezone,
        "group_by": report.group_by,
        "filters": filters_json(report.filters),
        "series": [series_json(series) for series in report.series],
        "truncated": truncation_json(report.truncated) if report.truncated else None,
        "overlapping": report.overlapping,
        "target": target_json(report.target) if report.target else None,
    }


def durations_json(durations: Durations) -> dict[str, Any]:
    return {
        "count": durations.count,
        "median_seconds": durations.median_seconds,
        "p90_seconds": durations.p90_seconds,
    }


def step_times_json(times: StepTimes) -> dict[str, Any]:
    return {"wall": durations_json(times.wall), "business": durations_json(times.business)}


def time_to_json(time_to: TimeTo) -> dict[str, Any]:
    return {step: step_times_json(times) for step, times in time_to.steps()}


def loop_figures_json(figures: LoopFigures) -> dict[str, Any]:
    return {
        "opened": figures.opened,
        "acknowledged": figures.acknowledged,
        "contacted": figures.contacted,
        "closed": figures.closed,
        "closed_by_outcome": dict(figures.closed_by_outcome),
        "closure_rate": figures.closure_rate,
        "contacted_within_sla": figures.contacted_within_sla,
        "closed_within_sla": figures.closed_within_sla,
        "time_to": time_to_json(figures.time_to),
        "recontacted": figures.recontacted,
        "recontact_rate": figures.recontact_rate,
    }


def loop_row_json(row: LoopRow, named: str) -> dict[str, Any]:
    """`named` is the key the name goes under: "team" or "agent"."""
    return {named: row.name, **loop_figures_json(row.figures)}


def backlog_row_json(row: BacklogRow) -> dict[str, Any]:
    return {"name": row.name, "open": row.open, "by_age": dict(row.by_age)}


def backlog_json(backlog: Backlog) -> dict[str, Any]:
    return {
        "open": backlog.open,
        "by_age": dict(backlog.by_age),
        "by_team": [backlog_row_json(row) for row in backlog.by_team],
        "by_agent": [backlog_row_json(row) for row in backlog.by_agent],
    }


def recovery_figures_json(figures: RecoveryFigures) -> dict[str, Any]:
    return {
        "requests": figures.requests,
        "sent": figures.sent,
        "answered": figures.answered,
        "confirmed": figures.confirmed,
        "not_solved": figures.not_solved,
        "answered_yes_no": figures.answered_yes_no,
        "reopened": figures.reopened,
        "response_rate": figures.response_rate,
        "confirmed_rate": figures.confirmed_rate,
        "confirmed_of_sent": figures.confirmed_of_sent,
        "reopen_rate": figures.reopen_rate,
        "new_scores": figures_json(figures.new_scores),
        "recovered": figures.recovered,
        "recovered_rate": figures.recovered_rate,
    }


def recovery_row_json(row: RecoveryRow) -> dict[str, Any]:
    return {
        "team": row.team,
        "periods": [{**period_json(p.period), **recovery_figures_json(p.figures)} for p in row.points],
        "total": recovery_figures_json(row.total),
    }


def recovery_json(recovery: Recovery) -> dict[str, Any]:
    """Each share's numerator and denominator are named in `denominators`: {"reopen_rate": ["reopened",
    "answered"], ...}, both counts present beside it."""
    return {
        "period": recovery.period.value,
        "denominators": {name: list(counts) for name, counts in DENOMINATORS.items()},
        "overall": recovery_row_json(recovery.overall),
        "by_team": [recovery_row_json(row) for row in recovery.by_team],
    }


def loop_report_json(report: LoopReport) -> dict[str, Any]:
    return {
        "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "timezone": report.timezone,
        "team": report.team,
        "overall": loop_figures_json(report.overall),
        "by_team": [loop_row_json(row, "team") for row in report.by_team],
        "by_agent": [loop_row_json(row, "agent") for row in report.by_agent],
        "backlog": backlog_json(report.backlog),
        "recontact_window_days": report.recontact_window_days,
        "recovery": recovery_json(report.recovery),
    }
