"""The dashboard's page model (one request's language, viewer and rendering) and what each page loads: the
queue, a case, the reports. Loaders run in a worker thread and read with the viewer's reach."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from npsloop.api.auth import principal_for
from npsloop.api.dashboard_session import SESSION, csrf_for
from npsloop.api.params import known_theme
from npsloop.bootstrap import Runtime
from npsloop.dashboard import pages
from npsloop.dashboard.i18n import LANGUAGES, pick_language, words
from npsloop.domain.access import AccessDenied, Permission, Principal
from npsloop.domain.cases import Outcome
from npsloop.domain.errors import DomainError
from npsloop.domain.periods import Period
from npsloop.link_tokens import same
from npsloop.services import casework, directory
from npsloop.services.loop_report import loop_report
from npsloop.services.nps_report import NpsQuery, nps_report
from npsloop.services.records import CaseFilter
from npsloop.services.themes import current_taxonomy

LANGUAGE = "npsloop_lang"
QUEUE_LIMIT = 200


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
            can_admin=bool(self.who and self.who.can(Permission.PREVIEW_ROUTING)),
            lang_href=self._lang_href(),
            refresh=context.pop("refresh", None),
            flash=context.pop("flash", None),
            error=context.pop("error", None),
            **context,
        )
        response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
        if self.remember:
            response.set_cookie(LANGUAGE, self.remember, max_age=365 * 86400, samesite="lax", path="/ui")
        return response

    def _lang_href(self) -> str:
        """The other language, on this page; a page answering a form has no address of its own to come back to
        (its path takes only POST), so its switch goes to the queue."""
        other = "es" if self.lang == "en" else "en"
        return f"?lang={other}" if self.request.method in ("GET", "HEAD") else f"/ui/cases?lang={other}"

    def message(self, text: str, status: int) -> HTMLResponse:
        return self.render("message.html", status, error=text)


async def current_page(request: Request, runtime: Runtime) -> Page:
    token = request.cookies.get(SESSION)
    who = await principal_for(runtime, token) if token else None
    return Page(request, runtime, who, token if who else None)


def refuse_form(page: Page, case_id: int, csrf: str, permission: Permission) -> Response | None:
    """The answer to a form post that may not proceed: no session, a forged form, or a role that may not."""
    if page.who is None or page.token is None:
        return page.render("login.html", 401, next=f"/ui/cases/{case_id}", error=page.t["session_expired"])
    if not same(csrf, csrf_for(page.token)) or not page.who.can(permission):
        return page.message(page.t["forbidden"], 403)
    return None


def load_queue(
    page: Page, who: Principal, team: str, theme: str | None
) -> tuple[list[dict[str, Any]], int, list[str], list[tuple[str, str]]]:
    """The queue page's rows, total, and team and theme choices, read with the viewer's reach."""
    runtime = page.runtime
    team_names = [t.name for t in directory.list_teams(uow=runtime.uow())] if who.sees_all_teams else []
    team_id = directory.team_id(uow=runtime.uow(), name=team or None)
    where = CaseFilter(team_id=team_id, theme=known_theme(runtime.uow(), theme or None))
    views, total = casework.queue(uow=runtime.uow(), where=where, limit=QUEUE_LIMIT, viewer=who)
    now = runtime.clock()
    taxonomy = current_taxonomy(uow=runtime.uow())
    names = {t.key: t.name.in_language(page.lang) for t in taxonomy.themes}
    themes = [(t.key, names[t.key]) for t in taxonomy.themes if not t.retired or t.key == theme]
    return [pages.queue_row(v, now, page.t, names) for v in views], total, team_names, themes


async def render_case(page: Page, case_id: int, status: int = 200, **extra: Any) -> Response:
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


def load_reports(page: Page, chosen: int, last: date, team: str) -> dict[str, Any]:
    """The reports page's figures and charts for one year."""
    runtime = page.runtime
    zone = runtime.settings.report_timezone
    query = NpsQuery(first=date(chosen, 1, 1), last=last, period=Period.MONTH, team=team or None)
    nps = nps_report(uow=runtime.uow(), query=query, default_zone=zone)
    closure = loop_report(
        uow=runtime.uow(), first=date(chosen, 1, 1), last=last, team=team or None, default_zone=zone,
        now=runtime.clock(),
    )  # fmt: skip
    trend, split = pages.report_charts(nps, page.t)
    series = nps.series[0]
    return {
        "year": chosen,
        "team": team,
        "teams": [t.name for t in directory.list_teams(uow=runtime.uow())],
        "total": series.total,
        "target": nps.target,
        "trend_svg": trend,
        "split_svg": split,
        "points": series.points,
        "closure": closure,
    }
