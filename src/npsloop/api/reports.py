"""Reports for supervisors: NPS by period and segment against the year's target, loop closure, and the
monthly review."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from npsloop.api.auth import allow
from npsloop.api.body import StrictJsonRoute
from npsloop.api.errors import ApiError, documented
from npsloop.api.report_json import loop_report_json, nps_report_json
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.domain.access import Permission, Principal
from npsloop.domain.periods import Period, PeriodError
from npsloop.domain.scores import SurveyType
from npsloop.services import review
from npsloop.services.loop_report import loop_report
from npsloop.services.nps_report import NpsQuery, ReportLimits, nps_report
from npsloop.services.report_scope import ReportError, report_range
from npsloop.services.targets import list_targets, set_target

router = APIRouter(
    prefix="/v1/reports", tags=["reports"], responses=documented(400, 401, 403, 422, 503), route_class=StrictJsonRoute
)
Reader = Annotated[Principal, Depends(allow(Permission.READ_REPORTS))]
Setter = Annotated[Principal, Depends(allow(Permission.SET_TARGETS))]


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_failed", message, errors=[{"field": field, "message": message}])


def _attribute(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise _invalid("attribute", "write the attribute filter as name=value")
    return key.strip(), value


def _zone(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _invalid("tz", f"unknown time zone {name!r}") from None
    return name


def resolve_range(runtime: Runtime, first: date | None, last: date | None, period: Period) -> tuple[date, date]:
    first, last = report_range(runtime.clock(), runtime.settings.report_timezone, period, first, last)
    if last < first:
        raise _invalid("to", "the end of the range comes before its start")
    return first, last


@router.get("/nps")
async def nps(
    runtime: RuntimeDep,
    _: Reader,
    period: Period = Period.MONTH,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    team: Annotated[str | None, Query(max_length=100)] = None,
    survey_type: SurveyType | None = None,
    touchpoint: Annotated[str | None, Query(max_length=100)] = None,
    attribute: Annotated[str | None, Query(max_length=200, description="name=value")] = None,
    group_by: Annotated[
        str | None,
        Query(
            description="survey_type, touchpoint, team, theme (a response counts in each theme its comment names; "
            "none: '(none)') or attribute:<name>"
        ),
    ] = None,
    tz: Annotated[str | None, Query(max_length=64)] = None,
    top: Annotated[int | None, Query(ge=1, description="groups shown; the rest are summed as other")] = None,
) -> dict[str, Any]:
    """NPS = %promoters - %detractors per period, with counts, a 95% interval (unreliable under 30
    responses), the change from the period before, and progress towards the year's target. A grouped
    report shows the `top` most answered groups (at most NPSLOOP_REPORT_MAX_GROUPS) and one series marked
    `other` for the rest, said in `truncated`; groups x periods over NPSLOOP_REPORT_MAX_CELLS is a 422. By
    theme, a response counts in every theme its comment names, whatever the polarity (`overlapping` is true:
    the series add up to more than the responses), and responses naming none are the series "(none)"."""
    settings = runtime.settings
    limits = ReportLimits(groups=settings.report_max_groups, cells=settings.report_max_cells)
    first, last = resolve_range(runtime, from_, to, period)
    query = NpsQuery(
        first=first,
        last=last,
        period=period,
        team=team,
        survey_type=survey_type.value if survey_type else None,
        touchpoint=touchpoint,
        attribute=_attribute(attribute),
        group_by=group_by,
        timezone=_zone(tz),
        top=top,
    )
    try:
        found = await run_in_threadpool(
            lambda: nps_report(uow=runtime.uow(), query=query, default_zone=settings.report_timezone, limits=limits)
        )
    except PeriodError as error:
        raise _invalid(error.field if isinstance(error, ReportError) else "from", str(error)) from None
    return nps_report_json(found)


@router.get("/loop")
async def loop(
    runtime: RuntimeDep,
    _: Reader,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    team: Annotated[str | None, Query(max_length=100)] = None,
    period: Annotated[Period, Query(description="the periods the recovery follow-ups are split by")] = Period.MONTH,
) -> dict[str, Any]:
    """Cases opened in the range: acknowledged, contacted, closed by outcome, share within SLA, median and
    90th percentile times (wall and business), backlog by age, by team and agent, and re-contact rate. And
    `recovery`: the follow-ups of resolved cases closed in the range, per period and team (sent, answered,
    confirmed, reopened, new scores), each share beside the counts it is taken over (`denominators`), null
    when there is nothing to share."""
    first, last = resolve_range(runtime, from_, to, Period.MONTH)
    found = await run_in_threadpool(
        lambda: loop_report(
            uow=runtime.uow(),
            first=first,
            last=last,
            team=team,
            default_zone=runtime.settings.report_timezone,
            now=runtime.clock(),
            period=period,
        )
    )
    return loop_report_json(found)


@router.get("/review")
async def monthly_review(
    runtime: RuntimeDep,
    who: Reader,
    month: Annotated[
        str | None, Query(max_length=7, description="YYYY-MM; the month before this one if left out")
    ] = None,
) -> dict[str, Any]:
    """The monthly review: NPS against the target (company and teams, transactional and relational apart),
    loop closure, the top themes among detractors with their share and NPS points at stake (what NPS would
    gain had those detractors been passives), the themes that moved most, and masked comments per theme."""
    zone = runtime.settings.report_timezone
    try:
        first = (
            review.month_of(month)
            if month
            else review.previous_month(runtime.clock().astimezone(ZoneInfo(zone)).date())
        )
    except ReportError as error:
        raise _invalid(error.field, str(error)) from None
    found = await run_in_threadpool(
        lambda: review.monthly_review(
            uow=runtime.uow(), month=first, default_zone=zone, now=runtime.clock(), viewer=who
        )
    )
    return review.review_dict(found)


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: Annotated[int, Field(ge=2000, le=2100)]
    nps: Annotated[float, Field(ge=-100, le=100)]
    team: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = None


@router.get("/targets")
async def targets(runtime: RuntimeDep, _: Reader) -> list[dict[str, Any]]:
    return await run_in_threadpool(lambda: list_targets(uow=runtime.uow()))


@router.put("/targets")
async def put_target(runtime: RuntimeDep, body: TargetIn, who: Setter) -> dict[str, Any]:
    await run_in_threadpool(
        lambda: set_target(
            uow=runtime.uow(), year=body.year, nps=body.nps, team=body.team, actor=who.actor, now=runtime.clock()
        )
    )
    return {"year": body.year, "nps": body.nps, "team": body.team}
