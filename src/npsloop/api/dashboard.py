"""The dashboard's routes: server-rendered pages under /ui, for agents and supervisors on a desk or a phone.

The login cookie and the CSRF value are api.dashboard_session's; the page model and what each page loads are
api.dashboard_pages'. Login takes an API token; every page checks it again, so a revoked token logs its holder
out at the next click."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from npsloop.api import dashboard_admin, dashboard_agents, dashboard_onboarding, dashboard_teams
from npsloop.api.auth import principal_for
from npsloop.api.dashboard_integrations import router as connections_router
from npsloop.api.dashboard_pages import (
    Page,
    current_page,
    load_queue,
    load_reports,
    refuse_form,
    render_case,
)
from npsloop.api.dashboard_session import SESSION, client_key, csrf_for, safe_next, to_login
from npsloop.api.dashboard_tokens import router as tokens_router
from npsloop.api.errors import ApiError
from npsloop.api.params import RowId, ThemeKey
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.dashboard import pages
from npsloop.domain.access import AccessDenied, Permission
from npsloop.domain.cases import Action, Outcome
from npsloop.domain.closure import MAX_ACTION_NOTE, Closure, InvalidClosure, ReasonsRequired
from npsloop.domain.errors import DomainError
from npsloop.domain.themes import MAX_KEY, MAX_THEMES
from npsloop.link_tokens import same
from npsloop.ratelimit import retry_after_header
from npsloop.services import casework
from npsloop.services.report_scope import report_today

router = APIRouter(prefix="/ui", include_in_schema=False)
router.include_router(dashboard_admin.router)  # /ui/admin/...
router.include_router(dashboard_teams.router)  # /ui/admin/teams...
router.include_router(dashboard_agents.router)  # /ui/admin/agents...
router.include_router(dashboard_onboarding.router)  # /ui/admin/onboarding...: a fresh installation's setup
router.include_router(connections_router)  # /ui/admin/integrations..., /ui/admin/endpoints...
router.include_router(tokens_router)  # /ui/admin/tokens..., /ui/admin/dead-letters...


@router.get("")
@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/ui/cases", status_code=303)


@router.get("/login")
async def login_form(request: Request, runtime: RuntimeDep, next: str = "/ui/cases") -> Response:
    page = Page(request, runtime, None, None)
    return page.render("login.html", next=safe_next(next))


@router.get("/dashboard.css")
async def stylesheet() -> Response:
    """The one stylesheet: pages carry no inline style, so their Content-Security-Policy can forbid it."""
    return Response(pages.stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


@router.post("/login")
async def login(
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form()] = "",
) -> Response:
    page = Page(request, runtime, None, None)
    settings = runtime.settings
    wait = await run_in_threadpool(
        runtime.login_limiter.take,
        client_key(request),
        1,
        per_minute=settings.login_attempts_per_minute,
        burst=settings.login_burst,
    )
    if wait is not None:
        # Every attempt counts, good or bad: the token is checked only within the allowance.
        refused = page.render("login.html", 429, next=safe_next(next), error=page.t["too_many_logins"])
        refused.headers["Retry-After"] = retry_after_header(wait)
        return refused
    who = await principal_for(runtime, token)
    if who is None:
        return page.render("login.html", 401, next=safe_next(next), error=page.t["bad_token"])
    if not who.can(Permission.READ_CASES):
        return page.render("login.html", 403, next=safe_next(next), error=page.t["no_dashboard"])
    response = RedirectResponse(await dashboard_onboarding.landing(runtime, who, safe_next(next)), status_code=303)
    secure = runtime.settings.public_url.startswith("https://")
    response.set_cookie(SESSION, token.strip(), httponly=True, samesite="strict", secure=secure, path="/ui")
    return response


@router.post("/logout")
async def logout(request: Request, runtime: RuntimeDep, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Only the session's own form logs it out: a cross-site form cannot know the CSRF value."""
    token = request.cookies.get(SESSION)
    if token and not same(csrf, csrf_for(token)):
        page = Page(request, runtime, None, None)
        return page.message(page.t["forbidden"], 403)
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION, path="/ui")
    return response


@router.get("/cases")
async def queue(
    request: Request, runtime: RuntimeDep, team: str = "", theme: ThemeKey = None, done: str = ""
) -> Response:
    page = await current_page(request, runtime)
    if page.who is None:
        return to_login(request)
    who = page.who
    try:
        rows, total, team_names, themes = await run_in_threadpool(load_queue, page, who, team, theme)
    except AccessDenied:
        return page.message(page.t["forbidden"], 403)
    except DomainError as error:
        return page.message(str(error), 422)
    except ApiError as error:  # an unknown theme: the same sentence the API gives
        return page.message("; ".join(e["message"] for e in error.errors or []) or error.message, error.status)
    return page.render(
        "queue.html",
        rows=rows,
        total=total,
        teams=team_names,
        team=team,
        themes=themes,
        theme=theme or "",
        can_export=who.can(Permission.EXPORT),
        refresh=60,
        flash=page.t["done"] if done else None,
    )


@router.get("/cases/{case_id}")
async def case_page(request: Request, runtime: RuntimeDep, case_id: RowId, done: str = "") -> Response:
    page = await current_page(request, runtime)
    if page.who is None:
        return to_login(request)
    return await render_case(page, case_id, flash=page.t["done"] if done else None)


@router.post("/cases/{case_id}/act")
async def act(
    request: Request,
    runtime: RuntimeDep,
    case_id: RowId,
    action: Annotated[Action, Form()],
    csrf: Annotated[str, Form(max_length=100)] = "",
    outcome: Annotated[Outcome | None, Form()] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
    reasons: Annotated[list[str] | None, Form(max_length=MAX_THEMES)] = None,
    action_code: Annotated[str, Form(max_length=MAX_KEY)] = "",
    action_note: Annotated[str, Form(max_length=MAX_ACTION_NOTE)] = "",
) -> Response:
    page = await current_page(request, runtime)
    refused = refuse_form(page, case_id, csrf, Permission.ACT_ON_CASES)
    if refused is not None:
        return refused
    who = page.who
    assert who is not None
    try:
        await run_in_threadpool(
            lambda: casework.act_on_case(
                uow=runtime.uow(),
                case_id=case_id,
                action=action,
                actor=who.actor,
                now=runtime.clock(),
                note=note.strip() or None,
                outcome=outcome,
                viewer=who,
                closure=Closure(tuple(reasons or ()), action_code or None, action_note)
                if action is Action.CLOSE
                else None,
                actions=runtime.settings.closure_action_codes(),
            )
        )
    except AccessDenied:
        return page.message(page.t["forbidden"], 403)
    except ReasonsRequired:
        return await render_case(page, case_id, 422, error=page.t["reasons_required"])
    except InvalidClosure as error:
        return await render_case(page, case_id, 422, error=str(error))
    except DomainError as error:
        return await render_case(page, case_id, 409, error=str(error))
    return RedirectResponse(f"/ui/cases/{case_id}?done={action.value}", status_code=303)


@router.post("/cases/{case_id}/assign")
async def assign(
    request: Request,
    runtime: RuntimeDep,
    case_id: RowId,
    agent: Annotated[str, Form(max_length=100)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    page = await current_page(request, runtime)
    refused = refuse_form(page, case_id, csrf, Permission.ASSIGN_CASES)
    if refused is not None:
        return refused
    who = page.who
    assert who is not None
    try:
        await run_in_threadpool(
            lambda: casework.assign_case(
                uow=runtime.uow(), case_id=case_id, agent=agent, actor=who.actor, now=runtime.clock(), viewer=who
            )
        )
    except DomainError as error:
        return await render_case(page, case_id, 409, error=str(error))
    return RedirectResponse(f"/ui/cases/{case_id}?done=assigned", status_code=303)


@router.get("/reports")
async def reports_page(request: Request, runtime: RuntimeDep, year: int | None = None, team: str = "") -> Response:
    page = await current_page(request, runtime)
    if page.who is None:
        return to_login(request)
    if not page.who.can(Permission.READ_REPORTS):
        return page.message(page.t["forbidden"], 403)
    today = report_today(runtime.clock(), runtime.settings.report_timezone)
    chosen = year if year and 2000 <= year <= 2100 else today.year
    last = min(date(chosen, 12, 31), today) if chosen == today.year else date(chosen, 12, 31)

    try:
        context = await run_in_threadpool(load_reports, page, chosen, last, team)
    except DomainError as error:
        return page.message(str(error), 422)
    return page.render("reports.html", **context)
