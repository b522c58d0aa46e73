"""Setting up a fresh installation from the dashboard (/ui/admin/onboarding): an admin who logs in while no team
exists is walked through the first team (touchpoints, zone, hours, holidays), its agents and the survey tool's
connection, and ends on the page that shows the webhook's address and its secret (once, on the answer to the
POST that made it), with a button that sends a signed test response through the real ingest door and a page
that shows it become a case (waiting a few seconds for the worker, then offering "check again"). Each step is a
thin view over services.directory (with the team form's own field checks), the API's agent model and
services.integrations. Admins only; the start shows only while no team exists, the later steps only until a
survey tool is connected."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from npsloop.api.admin_forms import CsrfField, NameField, csrf_field, form_fields, guarded_post
from npsloop.api.admin_section import viewer
from npsloop.api.dashboard_pages import Page
from npsloop.api.directory import AgentIn
from npsloop.api.params import RowId
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.dashboard.team_form import read_team_form
from npsloop.domain.access import Permission, Principal
from npsloop.domain.directory import Team
from npsloop.domain.errors import DomainError, DuplicateName, UnknownTeam
from npsloop.domain.integrations import InvalidIntegration, UnknownIntegration
from npsloop.ingest.schemas import field_errors
from npsloop.services import directory, integrations, onboarding
from npsloop.services.schedules import calendar_for

router = APIRouter(prefix="/admin/onboarding", include_in_schema=False)
START = "/ui/admin/onboarding"
NAME = r"^[\w.@ -]+$"  # a team's or agent's name, as the API takes it
TeamName = Annotated[str, Path(max_length=100, pattern=NAME)]
TEAM_FIELDS = ("name", "touchpoints", "default", "timezone", "hours", "holiday_country")
AGENT_FIELDS = ("name", "phone", "email", "language", "role")
ROLES = ("agent", "supervisor", "head")
# How long the test response's page waits for its case before it answers "waiting" (with a "check again" link),
# looking every POLL_SECONDS, asleep in between: no thread is held. Not a meta refresh, which WCAG 2.2.1 (timing
# adjustable) forbids, and no script.
WAIT_SECONDS = 8.0
POLL_SECONDS = 0.25


async def landing(runtime: Runtime, who: Principal, wanted: str) -> str:
    """Where a login lands: an admin of a fresh installation (no team yet) on the setup, instead of an empty queue."""
    if wanted != "/ui/cases" or not who.can(Permission.WRITE_DIRECTORY):
        return wanted
    fresh = await run_in_threadpool(lambda: onboarding.needs_setup(uow=runtime.uow()))
    return START if fresh else wanted


@router.get("")
async def start(request: Request, runtime: RuntimeDep) -> Response:
    page, refused = await viewer(request, runtime, Permission.WRITE_DIRECTORY)
    if refused is not None:
        return refused
    if not await run_in_threadpool(lambda: onboarding.needs_setup(uow=runtime.uow())):
        return RedirectResponse("/ui/cases", status_code=303)  # never once a team exists
    values = {"name": "", "touchpoints": "", "default": "on", "timezone": runtime.settings.report_timezone}
    values |= {"hours": "mon-fri 09:00-17:00", "holiday_country": ""}
    return _render(page, "onboarding_team.html", 200, values=values, errors={})


@router.post("")
async def create_team(request: Request, runtime: RuntimeDep) -> Response:
    fields = {key: value for key, value in (await form_fields(request, 20)).items() if key in (*TEAM_FIELDS, "csrf")}
    posted = await guarded_post(request, runtime, csrf_field(fields), Permission.WRITE_DIRECTORY, START)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    if not await run_in_threadpool(lambda: onboarding.needs_setup(uow=runtime.uow())):
        return RedirectResponse("/ui/cases", status_code=303)
    read = read_team_form(fields, runtime.clock().year)  # the team page's field checks, in the CLI's words
    values = {key: read.values.get(key, fields.get(key, "")) for key in TEAM_FIELDS}
    values["name"] = fields.get("name", "")[:500]
    errors = {key: message for key, message in read.errors.items() if key in TEAM_FIELDS}
    wanted = values["name"].strip()
    if not (0 < len(wanted) <= 100 and re.match(NAME, wanted)):
        errors["name"] = page.t["team_name_rule"]
    if errors:
        return _render(page, "onboarding_team.html", 422, values=values, errors=errors)
    change = read.change
    country = change["holiday_country"].upper() or None
    whole = Team(wanted, timezone=change["timezone"], hours=change["hours"], holiday_country=country)
    try:  # what set_schedule checks of the whole, before anything is stored (the fields passed one by one)
        calendar_for(whole, runtime.clock())
    except DomainError as error:
        message = f"{error} {page.t['nothing_saved']}"
        return _render(page, "onboarding_team.html", 422, values=values, errors={}, error=message)

    def make() -> None:
        directory.add_team(
            uow=runtime.uow(), name=wanted, touchpoints=change["touchpoints"], is_default=change["is_default"],
            actor=who.actor, now=runtime.clock(),
        )  # fmt: skip
        directory.set_schedule(
            uow=runtime.uow(), team=wanted, timezone=change["timezone"], hours=change["hours"],
            holiday_country=change["holiday_country"], now=runtime.clock(), actor=who.actor,
        )  # fmt: skip

    try:
        await run_in_threadpool(make)
    except DuplicateName as error:
        key = "touchpoints" if str(error).startswith("touchpoint") else "name"
        return _render(page, "onboarding_team.html", 422, values=values, errors={key: str(error)})
    return RedirectResponse(f"{START}/{quote(wanted)}/agents", status_code=303)


async def _continuing(request: Request, runtime: Runtime, team: str) -> tuple[Page, Response | None]:
    """The later steps: admins only, for a team that exists, until a survey tool is connected."""
    page, refused = await viewer(request, runtime, Permission.WRITE_DIRECTORY)
    if refused is not None:
        return page, refused

    def state() -> tuple[bool, bool]:
        teams = directory.list_teams(uow=runtime.uow())
        return any(t.name == team for t in teams), onboarding.has_integration(uow=runtime.uow())

    exists, connected = await run_in_threadpool(state)
    if not exists:
        return page, page.message(f"no team named {team!r}", 404)
    if connected:
        return page, RedirectResponse("/ui/cases", status_code=303)
    return page, None


async def _guarded_post(request: Request, runtime: Runtime, team: str, csrf: str) -> tuple[Page, Principal] | Response:
    """A later step's form post: the section's guard, then _continuing's."""
    back = f"{START}/{quote(team)}/agents"
    posted = await guarded_post(request, runtime, csrf, Permission.WRITE_DIRECTORY, back)
    if isinstance(posted, Response):
        return posted
    page, refused = await _continuing(request, runtime, team)
    return (page, posted[1]) if refused is None else refused


@router.get("/{team}/agents")
async def agents_step(request: Request, runtime: RuntimeDep, team: TeamName, done: str = "") -> Response:
    page, refused = await _continuing(request, runtime, team)
    if refused is not None:
        return refused
    values = {"name": "", "phone": "", "email": "", "language": page.lang, "role": "agent"}
    flash = page.t["onb_agent_added"] if done else None
    return await _render_agents(page, team, 200, values=values, errors={}, flash=flash)


@router.post("/{team}/agents")
async def add_agent(
    request: Request,
    runtime: RuntimeDep,
    team: TeamName,
    csrf: CsrfField = "",
    name: NameField = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=500)] = "",
    language: Annotated[str, Form(max_length=10)] = "en",
    role: Annotated[str, Form(max_length=20)] = "agent",
) -> Response:
    posted = await _guarded_post(request, runtime, team, csrf)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    values = {"name": name, "phone": phone, "email": email, "language": language, "role": role}
    try:  # the API's own model, as `npsloop agents add` reads its options: the same checks and words
        valid = AgentIn(
            name=name.strip(), team=team, phone=phone.strip() or None, email=email.strip() or None,
            language=language, role=role,
        )  # fmt: skip
    except ValidationError as error:
        errors = {e["field"]: e["message"] for e in field_errors(error) if e["field"] in AGENT_FIELDS}
        return await _render_agents(page, team, 422, values=values, errors=errors or {"name": str(error)})
    if not (valid.phone or valid.email):
        errors = {"phone": page.t["onb_contact_needed"], "email": page.t["onb_contact_needed"]}
        return await _render_agents(page, team, 422, values=values, errors=errors)
    try:
        await run_in_threadpool(
            lambda: directory.add_agent(
                uow=runtime.uow(), name=valid.name, team=team, phone=valid.phone, email=valid.email,
                language=valid.language, role=valid.role, actor=who.actor, now=runtime.clock(),
            )
        )  # fmt: skip
    except UnknownTeam as error:
        return page.message(str(error), 404)
    except DomainError as error:
        return await _render_agents(page, team, 422, values=values, errors={"name": str(error)})
    return RedirectResponse(f"{START}/{quote(team)}/agents?done=added", status_code=303)


@router.get("/{team}/integration")
async def integration_step(request: Request, runtime: RuntimeDep, team: TeamName) -> Response:
    page, refused = await _continuing(request, runtime, team)
    if refused is not None:
        return refused
    values = {"name": "", "kind": onboarding.SETUP_KINDS[0], "touchpoint": ""}
    return await _render_integration(page, team, 200, values=values, errors={})


@router.post("/{team}/integration")
async def create_integration(
    request: Request,
    runtime: RuntimeDep,
    team: TeamName,
    csrf: CsrfField = "",
    name: NameField = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    touchpoint: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Answers with the address and the secret, on this page only: the secret is never stored in the clear,
    put in a URL or logged, and the answer is not kept by the browser (Cache-Control: no-store)."""
    posted = await _guarded_post(request, runtime, team, csrf)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    values = {"name": name, "kind": kind, "touchpoint": touchpoint}
    if kind not in onboarding.SETUP_KINDS:
        return await _render_integration(page, team, 422, values=values, errors={"kind": f"unknown kind {kind!r}"})
    wanted = name.strip()

    def make() -> integrations.Added:
        return integrations.add_integration(
            uow=runtime.uow(), egress=runtime.egress.policy, name=wanted, kind=kind,
            config=onboarding.setup_config(kind, touchpoint.strip()), now=runtime.clock(), actor=who.actor,
        )  # fmt: skip

    try:
        added = await run_in_threadpool(make)
    except InvalidIntegration as error:
        key = "touchpoint" if error.field == "config.touchpoint" else "name"
        return await _render_integration(page, team, 422, values=values, errors={key: str(error)})
    url = f"{runtime.settings.public_url.rstrip('/')}/v1/integrations/{kind}/{quote(wanted)}"
    return _render(page, "onboarding_done.html", 200, integration=added.integration, url=url, secret=added.secret)


@router.post("/test")
async def send_test(
    request: Request,
    runtime: RuntimeDep,
    csrf: CsrfField = "",
    integration: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Signs a sample with the integration's own secret and posts it to the integration's webhook through the
    application itself (its ASGI app, in process: every middleware, the route, its verification and the ingest
    that a survey tool's POST gets, without leaving the process for an address it may not reach)."""
    posted = await guarded_post(request, runtime, csrf, Permission.WRITE_DIRECTORY, START)
    if isinstance(posted, Response):
        return posted
    page = posted[0]
    try:
        found = await run_in_threadpool(lambda: onboarding.integration_named(uow=runtime.uow(), name=integration))
    except UnknownIntegration as error:
        return page.message(str(error), 422)
    sample = onboarding.test_request(found, now=runtime.clock(), lang=page.lang)
    transport = httpx.ASGITransport(app=request.app, client=("127.0.0.1", 0))
    async with httpx.AsyncClient(transport=transport, base_url="http://npsloop.internal") as client:
        answer = await client.post(sample.path, content=sample.body, headers=sample.headers)
    if answer.status_code >= 300:
        reason = _problem(answer)
        return page.message(page.t["onb_refused"].format(status=answer.status_code, reason=reason), 502)
    return RedirectResponse(f"{START}/test/{answer.json()['id']}", status_code=303)


@router.get("/test/{response_id}")
async def test_arrival(request: Request, runtime: RuntimeDep, response_id: RowId) -> Response:
    """Where a response stands: its case, or still waiting for the worker after WAIT_SECONDS ("check again")."""
    page, refused = await viewer(request, runtime, Permission.WRITE_DIRECTORY)
    if refused is not None:
        return refused
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while True:
        found = await run_in_threadpool(lambda: onboarding.arrival(uow=runtime.uow(), response_id=response_id))
        if found is None or found.state != "waiting" or loop.time() >= deadline:
            break
        await asyncio.sleep(POLL_SECONDS)
    if found is None:
        return page.message(f"no response #{response_id}", 404)
    return _render(page, "onboarding_test.html", 200, arrival=found)


def _problem(answer: httpx.Response) -> str:
    """The ingest door's refusal, as its problem body says it (error code, message, field errors)."""
    try:
        body = answer.json()
    except ValueError:
        return answer.reason_phrase
    fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in body.get("errors") or [])
    return " ".join(str(part) for part in (body.get("message"), fields) if part) or answer.reason_phrase


async def _render_agents(page: Page, team: str, status: int, **context: Any) -> Response:
    runtime = page.runtime
    listed = await run_in_threadpool(lambda: directory.list_agents(uow=runtime.uow()))
    members = [agent for agent, name in listed if name == team]
    return _render(page, "onboarding_agents.html", status, team=team, agents=members, roles=ROLES, **context)


async def _render_integration(page: Page, team: str, status: int, **context: Any) -> Response:
    runtime = page.runtime
    teams = await run_in_threadpool(lambda: directory.list_teams(uow=runtime.uow()))
    touchpoints = sorted({t for found in teams for t in found.touchpoints})
    return _render(
        page, "onboarding_integration.html", status, team=team, touchpoints=touchpoints,
        kinds=onboarding.SETUP_KINDS, **context,
    )  # fmt: skip


def _render(page: Page, template: str, status: int, **context: Any) -> Response:
    return page.render(template, status, **context)
