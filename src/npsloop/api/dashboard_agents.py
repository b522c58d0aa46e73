"""The admin section's agents pages (/ui/admin/agents): the agents listed (phones and emails masked) with a form
to add one, and each agent's page: details, channels in order, hours and on call, off duty until a day, active
or not, and their latest alerts with how each went. Saved by the services the CLI and the API call
(services.directory, services.agent_hours, services.agents), every mistake said beside its field in the CLI's
words. Admins manage everything; a supervisor sets the duty (off duty, hours, on call) of their teams' agents."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from npsloop.api.admin_forms import csrf_field, form_fields, guarded_post
from npsloop.api.admin_section import AGENTS, admin_nav, viewer
from npsloop.api.dashboard_pages import Page
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.dashboard import agent_form
from npsloop.dashboard.agent_pages import agent_context, choices, list_rows
from npsloop.domain.access import Permission
from npsloop.domain.directory import InvalidChannels, NoContact
from npsloop.domain.errors import DomainError, DuplicateName, UnknownAgent, UnknownTeam
from npsloop.services import agent_hours, agents, directory

router = APIRouter(prefix="/admin/agents", include_in_schema=False)
Posted = tuple[Page, dict[str, str], str]  # a guarded post's page, form fields and actor
AgentName = Annotated[str, Path(max_length=100, pattern=r"^[\w.@ -]+$")]
MAX_FIELDS = 20


@router.get("")
async def agents_page(request: Request, runtime: RuntimeDep, done: str = "") -> Response:
    page, refused = await viewer(request, runtime, Permission.READ_DIRECTORY)
    if refused is not None:
        return refused
    return await _render_list(page, 200, flash=page.t["done"] if done else None)


@router.post("")
async def add_agent(request: Request, runtime: RuntimeDep) -> Response:
    fields = await form_fields(request, MAX_FIELDS)
    posted = await guarded_post(request, runtime, csrf_field(fields), Permission.WRITE_DIRECTORY, AGENTS)
    if isinstance(posted, Response):
        return posted
    page, actor, read = posted[0], posted[1].actor, agent_form.read_agent_form(fields)
    if read.errors:
        return await _render_list(page, 422, values=read.values, errors=read.errors)
    try:
        await run_in_threadpool(
            lambda: directory.add_agent(uow=runtime.uow(), **read.change, actor=actor, now=runtime.clock())
        )
    except DomainError as error:
        key = {DuplicateName: "name", UnknownTeam: "team", InvalidChannels: "channel_1"}.get(type(error), "role")
        return await _render_list(page, 422, values=read.values, errors={key: str(error)})
    return RedirectResponse(f"{AGENTS}/{quote(read.change['name'])}?done=added", status_code=303)


@router.get("/{name}")
async def agent_page(request: Request, runtime: RuntimeDep, name: AgentName, done: str = "") -> Response:
    page, refused = await viewer(request, runtime, Permission.READ_DIRECTORY)
    if refused is not None:
        return refused
    return await _render_agent(page, 200, name, flash=page.t["done"] if done else None)


async def _guard(request: Request, runtime: RuntimeDep, name: str, duty: bool) -> Posted | Response:
    """The page, the form and who posts, or the answer instead of saving (login, 403, 404): admins may post every
    form; a supervisor only the duty forms of their teams' agents."""
    fields = await form_fields(request, MAX_FIELDS)
    permission = Permission.READ_DIRECTORY if duty else Permission.WRITE_DIRECTORY
    posted = await guarded_post(request, runtime, csrf_field(fields), permission, f"{AGENTS}/{quote(name)}")
    if isinstance(posted, Response):
        return posted
    page, who = posted
    try:
        shown = await run_in_threadpool(lambda: agents.agent_page(uow=runtime.uow(), name=name, limit=0))
    except UnknownAgent as error:
        return page.message(str(error), 404)
    if not agents.may_set_duty(who, shown.agent.team_id):
        return page.message(page.t["forbidden"], 403)
    return page, fields, who.actor


def _saved(name: str, done: str, anchor: str) -> Response:
    return RedirectResponse(f"{AGENTS}/{quote(name)}?done={done}#{anchor}", status_code=303)


@router.post("/{name}")
async def save_details(request: Request, runtime: RuntimeDep, name: AgentName) -> Response:
    posted = await _guard(request, runtime, name, duty=False)
    if isinstance(posted, Response):
        return posted
    page, fields, actor = posted
    read = agent_form.read_agent_form(fields, name=name)
    if not read.errors:
        try:
            change = read.change
            await run_in_threadpool(
                lambda: agents.edit_agent(uow=runtime.uow(), name=name, **change, actor=actor, now=runtime.clock())
            )
            return _saved(name, "saved", "details")
        except UnknownTeam as error:
            read.errors["team"] = str(error)
        except InvalidChannels as error:  # a channel they prefer would lose its address
            read.errors["phone" if "phone" in str(error) else "email"] = str(error)
        except NoContact as error:
            read.errors[NoContact.field] = str(error)
    return await _render_agent(page, 422, name, values=read.values, errors=read.errors)


@router.post("/{name}/channels")
async def save_channels(request: Request, runtime: RuntimeDep, name: AgentName) -> Response:
    posted = await _guard(request, runtime, name, duty=False)
    if isinstance(posted, Response):
        return posted
    page, fields, actor = posted
    read = agent_form.read_channels_form(fields)
    if not read.errors:
        try:
            order = read.change["channels"]
            await run_in_threadpool(
                lambda: directory.set_channels(
                    uow=runtime.uow(), agent=name, channels=order, actor=actor, now=runtime.clock()
                )
            )
            return _saved(name, "channels", "channels")
        except InvalidChannels as error:
            read.errors["channel_1"] = str(error)
    return await _render_agent(page, 422, name, values=read.values, errors=read.errors)


@router.post("/{name}/hours")
async def save_hours(request: Request, runtime: RuntimeDep, name: AgentName) -> Response:
    posted = await _guard(request, runtime, name, duty=True)
    if isinstance(posted, Response):
        return posted
    page, fields, actor = posted
    read = agent_form.read_hours_form(fields)
    if read.errors:
        return await _render_agent(page, 422, name, values=read.values, errors=read.errors)
    await run_in_threadpool(
        lambda: agent_hours.set_hours(uow=runtime.uow(), agent=name, **read.change, now=runtime.clock(), actor=actor)
    )
    return _saved(name, "hours", "hours")


@router.post("/{name}/duty")
async def save_duty(request: Request, runtime: RuntimeDep, name: AgentName) -> Response:
    """Off duty until the start of a day in the team's zone, or (`back` given) on duty now."""
    posted = await _guard(request, runtime, name, duty=True)
    if isinstance(posted, Response):
        return posted
    page, fields, actor = posted
    now = runtime.clock()
    shown = await run_in_threadpool(lambda: agents.agent_page(uow=runtime.uow(), name=name, limit=0))
    zone = ZoneInfo(shown.timezone)
    until: datetime | None = None
    if fields.get("back") != "on":
        read = agent_form.read_duty_form(fields, now.astimezone(zone).date())
        if read.errors:
            return await _render_agent(page, 422, name, values=read.values, errors=read.errors)
        until = datetime.combine(read.change["until"], time(0), zone)
    await run_in_threadpool(
        lambda: directory.set_duty(uow=runtime.uow(), agent=name, off_until=until, actor=actor, now=now)
    )
    return _saved(name, "duty", "duty")


@router.post("/{name}/active")
async def save_active(request: Request, runtime: RuntimeDep, name: AgentName) -> Response:
    posted = await _guard(request, runtime, name, duty=False)
    if isinstance(posted, Response):
        return posted
    page, fields, actor = posted
    active = fields.get("active") == "on"
    await run_in_threadpool(
        lambda: agents.set_active(uow=runtime.uow(), name=name, active=active, actor=actor, now=runtime.clock())
    )
    return _saved(name, "active", "active")


async def _render_list(page: Page, status: int, **context: Any) -> Response:
    who = page.who
    assert who is not None
    rows, teams = await run_in_threadpool(lambda: list_rows(page.runtime, who))
    context.setdefault("values", {"language": page.lang, "role": "agent", "country": ""})
    context.setdefault("errors", {})
    return page.render(
        "admin_agents.html",
        status,
        rows=rows,
        teams=teams,
        can_add=who.can(Permission.WRITE_DIRECTORY),
        form=agent_form,
        **choices(page.t, teams),
        admin_nav=admin_nav(page, "agents"),
        **context,
    )


async def _render_agent(page: Page, status: int, name: str, **context: Any) -> Response:
    assert page.who is not None
    who = page.who
    try:
        shown = await run_in_threadpool(lambda: agent_context(page.runtime, who, name))
    except UnknownAgent as error:
        return page.message(str(error), 404)
    if shown is None:
        return page.message(page.t["forbidden"], 403)
    context.setdefault("errors", {})
    shown["values"] |= context.pop("values", {})  # what was typed in the form that had a mistake, kept to fix
    return page.render(
        "admin_agent.html",
        status,
        form=agent_form,
        admin_nav=admin_nav(page, "agents"),
        **choices(page.t, shown.pop("teams")),
        **shown,
        **context,
    )
