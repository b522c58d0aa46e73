"""The dashboard's Review and Why pages, for whoever may read reports: the monthly review of one month,
and why customers were unhappy over a range of months, with the charts drawn on the server."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from npsloop.api.dashboard_pages import Page, current_page
from npsloop.api.dashboard_session import to_login
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.dashboard.review_pages import why_charts
from npsloop.domain.access import Permission
from npsloop.domain.errors import DomainError
from npsloop.services import review
from npsloop.services.report_scope import report_today
from npsloop.services.why_page import why_figures

router = APIRouter(prefix="/ui", include_in_schema=False)
WHY_MONTHS = 12  # shown when no range is asked for


async def _reader(request: Request, runtime: Runtime) -> tuple[Page, Response | None]:
    page = await current_page(request, runtime)
    if page.who is None:
        return page, to_login(request)
    if not page.who.can(Permission.READ_REPORTS):
        return page, page.message(page.t["forbidden"], 403)
    return page, None


def _today(page: Page) -> date:
    return report_today(page.runtime.clock(), page.runtime.settings.report_timezone)


@router.get("/review")
async def review_page(request: Request, runtime: RuntimeDep, month: str = "") -> Response:
    page, refused = await _reader(request, runtime)
    if refused is not None:
        return refused
    who = page.who

    def load() -> dict[str, Any]:
        first = review.month_of(month) if month else review.previous_month(_today(page))
        found = review.monthly_review(
            uow=runtime.uow(), month=first, default_zone=runtime.settings.report_timezone, now=runtime.clock(),
            viewer=who,
        )  # fmt: skip
        return {"review": found, "name": lambda key: found.name(key, page.lang)}

    try:
        context = await run_in_threadpool(load)
    except DomainError as error:
        return page.message(str(error), 422)
    return page.render("review.html", **context)


@router.get("/why")
async def why_page(
    request: Request, runtime: RuntimeDep, from_: Annotated[str, Query(alias="from")] = "", to: str = ""
) -> Response:
    page, refused = await _reader(request, runtime)
    if refused is not None:
        return refused
    who = page.who

    def load() -> dict[str, Any]:
        last = review.month_of(to) if to else _today(page).replace(day=1)
        first = review.month_of(from_) if from_ else _months_before(last, WHY_MONTHS - 1)
        found = why_figures(
            uow=runtime.uow(), first=first, last=last, default_zone=runtime.settings.report_timezone, viewer=who
        )
        return {
            "why": found,
            "first": f"{first:%Y-%m}",
            "last": f"{last:%Y-%m}",
            "name": lambda key: found.name(key, page.lang),
            **why_charts(found, page.lang, page.t),
        }

    try:
        context = await run_in_threadpool(load)
    except DomainError as error:
        return page.message(str(error), 422)
    return page.render("why.html", **context)


def _months_before(month: date, count: int) -> date:
    for _ in range(count):
        month = review.previous_month(month)
    return month
