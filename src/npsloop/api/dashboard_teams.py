"""The admin section's teams pages (/ui/admin/teams): the teams listed with a form to add one, and each team's
form (touchpoints, default team, business hours, zone, holidays, after-hours policy, SLA per priority,
escalation steps), saved by services.directory as the CLI and the API save them: every mistake said beside its
field in the CLI's words, and a save with one changes nothing. Admins only; every form carries the CSRF value."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from npsloop.api.admin_forms import CsrfField, NameField, TickBox, csrf_field, form_fields, guarded_post
from npsloop.api.admin_section import TEAMS, admin_nav, viewer
from npsloop.api.dashboard_pages import Page
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.dashboard.team_form import PRIORITIES, read_team_form, sla_field, team_values
from npsloop.domain.access import Permission
from npsloop.domain.errors import DomainError, DuplicateName, UnknownAgent, UnknownTeam
from npsloop.domain.recovery import RecoveryPolicy
from npsloop.domain.themes import MAX_KEY, MAX_THEMES
from npsloop.services import directory
from npsloop.services.schedules import STEPS
from npsloop.services.themes import current_taxonomy

router = APIRouter(prefix="/admin/teams", include_in_schema=False)
NAME = r"^[\w.@ -]+$"  # a team's name, as the API takes it
TeamName = Annotated[str, Path(max_length=100, pattern=NAME)]


@router.get("")
async def teams_page(request: Request, runtime: RuntimeDep, done: str = "") -> Response:
    page, refused = await viewer(request, runtime, Permission.WRITE_DIRECTORY)
    if refused is not None:
        return refused
    return await _render_list(page, 200, flash=page.t["done"] if done else None)


@router.post("")
async def add_team(
    request: Request,
    runtime: RuntimeDep,
    csrf: CsrfField = "",
    name: NameField = "",
    touchpoints: Annotated[str, Form(max_length=6000)] = "",
    default: TickBox = "",
) -> Response:
    posted = await guarded_post(request, runtime, csrf, Permission.WRITE_DIRECTORY, TEAMS)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    values = {"name": name, "touchpoints": touchpoints, "default": default}
    wanted = name.strip()
    if not (0 < len(wanted) <= 100 and re.match(NAME, wanted)):
        return await _render_list(page, 422, values=values, errors={"name": page.t["team_name_rule"]})
    listed = [t.strip() for t in re.split(r"[,\n]", touchpoints) if t.strip()]
    try:
        await run_in_threadpool(
            lambda: directory.add_team(
                uow=runtime.uow(), name=wanted, touchpoints=listed, is_default=default == "on", actor=who.actor,
                now=runtime.clock(),
            )
        )  # fmt: skip
    except DuplicateName as error:
        key = "touchpoints" if str(error).startswith("touchpoint") else "name"
        return await _render_list(page, 422, values=values, errors={key: str(error)})
    return RedirectResponse(f"{TEAMS}/{quote(wanted)}?done=added", status_code=303)


@router.get("/{name}")
async def team_page(request: Request, runtime: RuntimeDep, name: TeamName, done: str = "") -> Response:
    page, refused = await viewer(request, runtime, Permission.WRITE_DIRECTORY)
    if refused is not None:
        return refused

    values = await run_in_threadpool(_stored_values, runtime, name)
    if values is None:
        return page.message(f"no team named {name!r}", 404)
    return await _render_team(page, 200, name, values, {}, flash=page.t["done"] if done else None)


@router.post("/{name}/recovery")
async def save_recovery(
    request: Request,
    runtime: RuntimeDep,
    name: TeamName,
    csrf: CsrfField = "",
    policy: Annotated[str, Form(max_length=40)] = "",
    themes: Annotated[list[str] | None, Form(max_length=MAX_THEMES)] = None,
) -> Response:
    """Whether the team's customers are asked, after a resolved closure, if their problem is solved: its own
    form, saved by the service the CLI's `teams recovery` and the API's PATCH call."""
    back = f"{TEAMS}/{quote(name)}"
    posted = await guarded_post(request, runtime, csrf, Permission.WRITE_DIRECTORY, back)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    chosen = [theme[:MAX_KEY] for theme in themes or []]
    try:
        await run_in_threadpool(
            lambda: directory.set_recovery(
                uow=runtime.uow(), team=name, policy=policy, themes=chosen, actor=who.actor, now=runtime.clock()
            )
        )
    except UnknownTeam as error:
        return page.message(str(error), 404)
    except DomainError as error:
        values = await run_in_threadpool(_stored_values, runtime, name)
        assert values is not None
        submitted = {"policy": policy, "themes": chosen}
        return await _render_team(page, 422, name, values, {}, recovery=submitted, recovery_error=str(error))
    return RedirectResponse(f"{back}?done=recovery#recovery", status_code=303)


def _stored_values(runtime: Runtime, name: str) -> dict[str, str] | None:
    team = next((t for t in directory.list_teams(uow=runtime.uow()) if t.name == name), None)
    agents = [agent for agent, _ in directory.list_agents(uow=runtime.uow())]
    return team_values(team, agents) if team is not None else None


@router.post("/{name}")
async def save_team(request: Request, runtime: RuntimeDep, name: TeamName) -> Response:
    fields = await form_fields(request, max_fields=60)
    back = f"{TEAMS}/{quote(name)}"
    posted = await guarded_post(request, runtime, csrf_field(fields), Permission.WRITE_DIRECTORY, back)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    read = read_team_form(fields, runtime.clock().year)
    if read.errors:
        return await _render_team(page, 422, name, read.values, read.errors)
    try:
        await run_in_threadpool(
            lambda: directory.set_schedule(
                uow=runtime.uow(), team=name, now=runtime.clock(), actor=who.actor, **read.change
            )
        )
    except UnknownTeam as error:
        return page.message(str(error), 404)
    except DuplicateName as error:
        return await _render_team(page, 422, name, read.values, {"touchpoints": str(error)})
    except UnknownAgent as error:
        key = "escalation" if "escalation" in str(error) else "after_hours_contact"
        return await _render_team(page, 422, name, read.values, {key: str(error)})
    except DomainError as error:  # what only the whole says (a contact policy without a contact, an SLA in days)
        return await _render_team(page, 422, name, read.values, {}, error=f"{error} {page.t['nothing_saved']}")
    return RedirectResponse(f"{back}?done=saved", status_code=303)


async def _render_list(page: Page, status: int, **context: Any) -> Response:
    teams = await run_in_threadpool(lambda: directory.list_teams(uow=page.runtime.uow()))
    context.setdefault("values", {"name": "", "touchpoints": "", "default": ""})
    context.setdefault("errors", {})
    return page.render("admin_teams.html", status, teams=teams, admin_nav=admin_nav(page, "teams"), **context)


async def _render_team(
    page: Page, status: int, name: str, values: dict[str, str], errors: dict[str, str], **context: Any
) -> Response:
    runtime = page.runtime

    def load() -> tuple[list[str], list[tuple[str, str]], dict[str, Any]]:
        agents = [a.name for a, _ in directory.list_agents(uow=runtime.uow())]
        taxonomy = current_taxonomy(uow=runtime.uow())
        choices = [(t.key, t.name.in_language(page.lang)) for t in taxonomy.themes if not t.retired]
        team = next((t for t in directory.list_teams(uow=runtime.uow()) if t.name == name), None)
        stored = {"policy": str(team.recovery) if team else "off", "themes": list(team.recovery_themes if team else [])}
        return agents, choices, stored

    agents, choices, stored = await run_in_threadpool(load)
    context.setdefault("recovery", stored)
    context.setdefault("recovery_error", None)
    return page.render(
        "admin_team.html",
        status,
        recovery_choices=choices,
        recovery_policies=[p.value for p in RecoveryPolicy],
        name=name,
        values=values,
        errors=errors,
        agents=agents,
        priorities=PRIORITIES,
        steps=STEPS,
        sla_field=sla_field,
        admin_nav=admin_nav(page, "teams"),
        **context,
    )
