"""The dashboard: server-rendered pages under /ui, for agents and supervisors on a desk or a phone.

Login takes an API token and keeps it in an HttpOnly, SameSite=Strict cookie; every page checks it again,
so a revoked token logs its holder out at the next click. Forms carry a CSRF value derived from the token
(which a cross-site page cannot read), on top of SameSite."""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from npsloop.api.auth import principal_for
from npsloop.api.errors import ApiError
from npsloop.api.params import RowId, ThemeKey, known_theme
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.dashboard import pages
from npsloop.dashboard.i18n import LANGUAGES, pick_language, words
from npsloop.domain.access import AccessDenied, Permission, Principal
from npsloop.domain.cases import Action, Outcome
from npsloop.domain.closure import MAX_ACTION_NOTE, Closure, InvalidClosure, ReasonsRequired
from npsloop.domain.errors import DomainError
from npsloop.domain.periods import Period
from npsloop.domain.themes import MAX_KEY, MAX_THEMES
from npsloop.ratelimit import retry_after_header
from npsloop.services import casework, directory
from npsloop.services.loop_report import loop_report
from npsloop.services.nps_report import NpsQuery, nps_report
from npsloop.services.records import CaseFilter
from npsloop.services.report_scope import report_today
from npsloop.services.themes import current_taxonomy
from npsloop.signing import same

router = APIRouter(prefix="/ui", include_in_schema=False)
SESSION = "npsloop_session"
LANGUAGE = "npsloop_lang"
QUEUE_LIMIT = 200


def csrf_for(token: str) -> str:
    return hashlib.sha256(b"npsloop-csrf:" + token.encode()).hexdigest()[:32]


class Page:
    """One request's rendering context: language, viewer, and the cookie to remember a language choice."""

    def __init__(self, request: Request, runtime: Runtime, who: Principal | None, token: str | None) -> None:
        self.request = request
        self.runtime = runtime
        asked = request.query_params.get("lang")
        self.lang = pick_language(asked, request.cookies.get(LANGUAGE), request.headers.get("accept-language"))
        self.remember = asked if asked in LANGUAGES else None
        self.who, self.token = who, token
        self.t = words(self.lang)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        env = self.request.app.state.dashboard_env
        html = env.get_template(template).render(
            lang=self.lang,
            t=self.t,
            who=self.who,
            csrf=csrf_for(self.token) if self.token else "",
            can_report=bool(self.who and self.who.can(Permission.READ_REPORTS)),
            refresh=context.pop("refresh", None),
            flash=context.pop("flash", None),
            error=context.pop("error", None),
            **context,
        )
        response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
        if self.remember:
            response.set_cookie(LANGUAGE, self.remember, max_age=365 * 86400, samesite="lax", path="/ui")
        return response

    def message(self, text: str, status: int) -> HTMLResponse:
        return self.render("message.html", status, error=text)


async def _page(request: Request, runtime: Runtime) -> Page:
    token = request.cookies.get(SESSION)
    who = await principal_for(runtime, token) if token else None
    return Page(request, runtime, who, token if who else None)


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/login?next={quote(target)}", status_code=303)


def _safe_next(value: str | None) -> str:
    """Only paths inside the dashboard: a login form must not become an open redirect."""
    if value and value.startswith("/ui/") and not value.startswith("//"):
        return value
    return "/ui/cases"


def _refuse_form(page: Page, case_id: int, csrf: str, permission: Permission) -> Response | None:
    """The answer to a form post that may not proceed: no session, a forged form, or a role that may not."""
    if page.who is None or page.token is None:
        return page.render("login.html", 401, next=f"/ui/cases/{case_id}", error=page.t["session_expired"])
    if not same(csrf, csrf_for(page.token)) or not page.who.can(permission):
        return page.message(page.t["forbidden"], 403)
    return None


@router.get("")
@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/ui/cases", status_code=303)


@router.get("/login")
async def login_form(request: Request, runtime: RuntimeDep, next: str = "/ui/cases") -> Response:
    page = Page(request, runtime, None, None)
    return page.render("login.html", next=_safe_next(next))


@router.get("/dashboard.css")
async def stylesheet() -> Response:
    """The one stylesheet: pages carry no inline style, so their Content-Security-Policy can forbid it."""
    return Response(pages.stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


def client_key(request: Request) -> str:
    """Who is trying to log in: the client's address, an IPv6 one by its /64 (what one host is usually given,
    so that one guesser cannot take a fresh address for every try)."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


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
        refused = page.render("login.html", 429, next=_safe_next(next), error=page.t["too_many_logins"])
        refused.headers["Retry-After"] = retry_after_header(wait)
        return refused
    who = await principal_for(runtime, token)
    if who is None:
        return page.render("login.html", 401, next=_safe_next(next), error=page.t["bad_token"])
    if not who.can(Permission.READ_CASES):
        return page.render("login.html", 403, next=_safe_next(next), error=page.t["no_dashboard"])
    response = RedirectResponse(_safe_next(next), status_code=303)
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
    page = await _page(request, runtime)
    if page.who is None:
        return _to_login(request)
    who = page.who

    def load() -> tuple[list[dict[str, Any]], int, list[str], list[tuple[str, str]]]:
        team_names = [t.name for t in directory.list_teams(uow=runtime.uow())] if who.sees_all_teams else []
        team_id = directory.team_id(uow=runtime.uow(), name=team or None)
        where = CaseFilter(team_id=team_id, theme=known_theme(runtime.uow(), theme or None))
        views, total = casework.queue(uow=runtime.uow(), where=where, limit=QUEUE_LIMIT, viewer=who)
        now = runtime.clock()
        taxonomy = current_taxonomy(uow=runtime.uow())
        names = {t.key: t.name.in_language(page.lang) for t in taxonomy.themes}
        themes = [(t.key, names[t.key]) for t in taxonomy.themes if not t.retired or t.key == theme]
        return [pages.queue_row(v, now, page.t, names) for v in views], total, team_names, themes

    try:
        rows, total, team_names, themes = await run_in_threadpool(load)
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
    page = await _page(request, runtime)
    if page.who is None:
        return _to_login(request)
    return await _render_case(page, case_id, flash=page.t["done"] if done else None)


async def _render_case(page: Page, case_id: int, status: int = 200, **extra: Any) -> Response:
    who, runtime = page.who, page.runtime
    assert who is not None

    def load() -> dict[str, Any]:
        view = casework.get_case(uow=runtime.uow(), case_id=case_id, viewer=who)
        agents = {a.id: a.name for a, _ in directory.list_agents(uow=runtime.uow())}
        latest = view.responses[-1] if view.responses else None
        deadline = view.case.next_deadline()
        countdown, urgency = pages.countdown(deadline[1], runtime.clock(), page.t) if deadline else ("", "")
        return {
            "case": view.case,
            "team": view.team_name,
            "assignee": view.assignee_name,
            "customer": {
                "id": latest.customer_id if latest else None,
                "name": latest.customer_name if latest else None,
                "phone": latest.customer_phone if latest else None,
                "email": latest.customer_email if latest else None,
            },
            "responses": view.responses,
            "events": view.events,
            "notifications": [
                {
                    "kind": n.kind,
                    "channel": n.channel,
                    "agent": agents.get(n.agent_id, "?"),
                    "state": n.state,
                    "sent_at": n.sent_at,
                }
                for n in view.notifications
            ],  # fmt: skip
            "step": deadline[0] if deadline else None,
            "countdown": countdown,
            "urgency": urgency,
            "outcomes": [o.value for o in Outcome],
            "agents": sorted(agents.values()) if who.can(Permission.ASSIGN_CASES) else [],
            **pages.closure_context(
                view,
                current_taxonomy(uow=runtime.uow()).themes,
                page.lang,
                runtime.settings.closure_action_codes(),
                page.t,
            ),
        }

    try:
        context = await run_in_threadpool(load)
    except AccessDenied:
        return page.message(page.t["forbidden"], 403)
    except DomainError as error:
        return page.message(str(error), 404)
    return page.render("case.html", status, **context, **extra)


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
    page = await _page(request, runtime)
    refused = _refuse_form(page, case_id, csrf, Permission.ACT_ON_CASES)
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
        return await _render_case(page, case_id, 422, error=page.t["reasons_required"])
    except InvalidClosure as error:
        return await _render_case(page, case_id, 422, error=str(error))
    except DomainError as error:
        return await _render_case(page, case_id, 409, error=str(error))
    return RedirectResponse(f"/ui/cases/{case_id}?done={action.value}", status_code=303)


@router.post("/cases/{case_id}/assign")
async def assign(
    request: Request,
    runtime: RuntimeDep,
    case_id: RowId,
    agent: Annotated[str, Form(max_length=100)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    page = await _page(request, runtime)
    refused = _refuse_form(page, case_id, csrf, Permission.ASSIGN_CASES)
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
        return await _render_case(page, case_id, 409, error=str(error))
    return RedirectResponse(f"/ui/cases/{case_id}?done=assigned", status_code=303)


@router.get("/reports")
async def reports_page(request: Request, runtime: RuntimeDep, year: int | None = None, team: str = "") -> Response:
    page = await _page(request, runtime)
    if page.who is None:
        return _to_login(request)
    if not page.who.can(Permission.READ_REPORTS):
        return page.message(page.t["forbidden"], 403)
    today = report_today(runtime.clock(), runtime.settings.report_timezone)
    chosen = year if year and 2000 <= year <= 2100 else today.year
    last = min(date(chosen, 12, 31), today) if chosen == today.year else date(chosen, 12, 31)

    def load() -> dict[str, Any]:
        zone = runtime.settings.report_timezone
        query = NpsQuery(first=date(chosen, 1, 1), last=last, period=Period.MONTH, team=team or None)
        nps = nps_report(uow=runtime.uow(), query=query, default_zone=zone)
        closure = loop_report(
            uow=runtime.uow(), first=date(chosen, 1, 1), last=last, team=team or None, default_zone=zone,
            now=runtime.clock(),
        )  # fmt: skip
        trend, split, periods = pages.report_charts(nps, page.t)
        return {
            "year": chosen,
            "team": team,
            "teams": [t.name for t in directory.list_teams(uow=runtime.uow())],
            "total": nps["series"][0]["total"],
            "target": nps["target"],
            "trend_svg": trend,
            "split_svg": split,
            "periods": periods,
            "closure": closure,
        }

    try:
        context = await run_in_threadpool(load)
    except DomainError as error:
        return page.message(str(error), 422)
    return page.render("reports.html", **context)
