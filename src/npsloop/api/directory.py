"""Teams and agents: who gets alerted."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from npsloop.api.auth import Actor, allow
from npsloop.api.body import StrictJsonRoute
from npsloop.api.errors import documented
from npsloop.api.presenters import agent_json, hours_json, team_json
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.domain.access import Permission
from npsloop.domain.directory import InvalidChannels, Team, check_channel_order
from npsloop.domain.recovery import InvalidRecoverySetting
from npsloop.domain.sla import CalendarError
from npsloop.domain.working_hours import check_agent_hours
from npsloop.ingest.schemas import EmailText, PhoneText, Text
from npsloop.services import agent_hours, agents, directory

router = APIRouter(
    prefix="/v1", tags=["directory"], responses=documented(400, 401, 403, 409, 422, 503), route_class=StrictJsonRoute
)
READ = [Depends(allow(Permission.READ_DIRECTORY))]
WRITE = [Depends(allow(Permission.WRITE_DIRECTORY))]
NAME = r"^[\w.@ -]+$"
Name = Annotated[StrictStr, Field(min_length=1, max_length=100, pattern=NAME)]
ChannelList = Annotated[list[Annotated[StrictStr, Field(max_length=10)]], Field(max_length=3)]


def _hours(value: str) -> str:
    """The domain's check of an agent's working hours, as a field error (the same message the CLI prints)."""
    try:
        return check_agent_hours(value)
    except CalendarError as error:
        raise PydanticCustomError("invalid_hours", str(error)) from None


# An agent's working hours in the team's zone, like "mon-fri 09:00-13:00, sat 10:00-14:00" (normalised).
HoursText = Annotated[Text, Field(max_length=300), AfterValidator(_hours)]


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    touchpoints: list[Annotated[Text, Field(min_length=1, max_length=100)]] = []
    default: bool = False
    reasons_required: bool = False  # closing a case needs at least one reason theme


class TeamChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reasons_required: bool | None = None
    # The recovery follow-up: "off", "ask" or "themes" (with recovery_themes); checked by the same rule as the CLI.
    recovery: Annotated[StrictStr, Field(max_length=40)] | None = None
    recovery_themes: list[Annotated[StrictStr, Field(max_length=40)]] | None = Field(default=None, max_length=50)


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    team: Name
    phone: PhoneText | None = None
    email: EmailText | None = None
    language: Annotated[StrictStr, Field(pattern=r"^(en|es)$")] = "en"
    role: Annotated[StrictStr, Field(pattern=r"^(agent|supervisor|head)$")] = "agent"
    # In order of preference, like ["whatsapp", "sms"]; absent or null: SMS and email at once.
    channels: ChannelList | None = None
    hours: HoursText | None = None  # the agent's working hours; absent or null: the team's
    on_call: StrictBool = False  # on call for the team's after-hours: alerted outside their hours too

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        return None if value is None else _checked(value, info.data.get("phone"), info.data.get("email"))


class AgentChange(BaseModel):
    """PATCH /v1/agents/{name}: what is given changes (a phone or email of null removes it), in one transaction;
    `active` false deactivates the agent (alerted of nothing, kept for their cases), true brings them back."""

    model_config = ConfigDict(extra="forbid")

    team: Name | None = None
    phone: PhoneText | None = None
    email: EmailText | None = None
    language: Annotated[StrictStr, Field(pattern=r"^(en|es)$")] | None = None
    role: Annotated[StrictStr, Field(pattern=r"^(agent|supervisor|head)$")] | None = None
    active: StrictBool | None = None

    def details(self) -> dict[str, Any]:
        """The details given (team, phone, email, language, role), for services.agents.edit_agent."""
        given = self.model_fields_set & {"team", "phone", "email", "language", "role"}
        return {key: getattr(self, key) for key in given if getattr(self, key) is not None or key in ("phone", "email")}


class AgentChannels(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: ChannelList | None  # null: back to SMS and email at once


def _checked(value: list[str], phone: str | None, email: str | None) -> list[str]:
    """The domain's check, as a field error of this model (the same message the CLI prints)."""
    try:
        return check_channel_order(value, phone=phone, email=email)
    except InvalidChannels as error:
        raise PydanticCustomError("invalid_channels", str(error)) from None


@router.get("/teams", dependencies=READ)
async def list_teams(runtime: RuntimeDep) -> list[dict[str, Any]]:
    teams = await run_in_threadpool(lambda: directory.list_teams(uow=runtime.uow()))
    return [team_json(t) for t in teams]


@router.post("/teams", status_code=201, dependencies=WRITE)
async def add_team(runtime: RuntimeDep, body: TeamIn, actor: Actor) -> dict[str, Any]:
    team = await run_in_threadpool(
        lambda: directory.add_team(
            uow=runtime.uow(),
            name=body.name,
            touchpoints=body.touchpoints,
            is_default=body.default,
            reasons_required=body.reasons_required,
            actor=actor,
            now=runtime.clock(),
        )
    )
    return team_json(team)


@router.patch("/teams/{name}", dependencies=WRITE)
async def change_team(
    runtime: RuntimeDep, name: Annotated[str, Path(max_length=100, pattern=NAME)], body: TeamChange, actor: Actor
) -> dict[str, Any]:
    """Makes reasons at closure required (or optional) for the team's cases, and sets whether its customers are
    asked after a resolved closure if their problem is solved (recovery), from the next closure on."""

    def change() -> Team:
        if body.recovery_themes is not None and body.recovery is None:
            raise InvalidRecoverySetting("give recovery (off, ask or themes) with recovery_themes")
        if body.reasons_required is None and body.recovery is None:
            raise InvalidRecoverySetting("nothing to change: give reasons_required or recovery")
        team = None
        if body.reasons_required is not None:
            team = directory.require_reasons(
                uow=runtime.uow(), team=name, required=body.reasons_required, actor=actor, now=runtime.clock()
            )
        if body.recovery is not None:
            themes = body.recovery_themes or []
            team = directory.set_recovery(
                uow=runtime.uow(), team=name, policy=body.recovery, themes=themes, actor=actor, now=runtime.clock()
            )
        assert team is not None
        return team

    return team_json(await run_in_threadpool(change))


@router.get("/agents", dependencies=READ)
async def list_agents(runtime: RuntimeDep) -> list[dict[str, Any]]:
    agents = await run_in_threadpool(lambda: directory.list_agents(uow=runtime.uow()))
    return [agent_json(agent, team) for agent, team in agents]


@router.post("/agents", status_code=201, dependencies=WRITE)
async def add_agent(runtime: RuntimeDep, body: AgentIn, actor: Actor) -> dict[str, Any]:
    agent = await run_in_threadpool(
        lambda: directory.add_agent(
            uow=runtime.uow(),
            name=body.name,
            team=body.team,
            phone=body.phone,
            email=body.email,
            language=body.language,
            role=body.role,
            channels=body.channels,
            hours=body.hours,
            on_call=body.on_call,
            actor=actor,
            now=runtime.clock(),
        )
    )
    return agent_json(agent, body.team)


@router.put("/agents/{name}/channels", dependencies=WRITE)
async def set_channels(
    runtime: RuntimeDep, name: Annotated[str, Path(max_length=100, pattern=NAME)], body: AgentChannels, actor: Actor
) -> dict[str, Any]:
    """The agent's channels in order of preference (any of sms, whatsapp, email), from the next alert on: an alert
    goes to the first, and each failure for good moves it to the next. Null: SMS and email at once."""
    agent = await run_in_threadpool(
        lambda: directory.set_channels(
            uow=runtime.uow(), agent=name, channels=body.channels, actor=actor, now=runtime.clock()
        )
    )
    return {"name": agent.name, "channels": agent.channel_order}


@router.patch("/agents/{name}", dependencies=WRITE)
async def change_agent(
    runtime: RuntimeDep, name: Annotated[str, Path(max_length=100, pattern=NAME)], body: AgentChange, actor: Actor
) -> dict[str, Any]:
    """Change an agent's team, phone, email, language or role (what is given), or deactivate or reactivate them."""

    def change() -> dict[str, Any]:
        details, now = body.details(), runtime.clock()
        agent = agents.agent_page(uow=runtime.uow(), name=name, limit=0).agent
        if details:
            agent = agents.edit_agent(uow=runtime.uow(), name=name, **details, actor=actor, now=now)
        if body.active is not None:
            agent = agents.set_active(uow=runtime.uow(), name=name, active=body.active, actor=actor, now=now)
        team = next(t.name for t in directory.list_teams(uow=runtime.uow()) if t.id == agent.team_id)
        return agent_json(agent, team)

    return await run_in_threadpool(change)


class AgentHours(BaseModel):
    """PUT /v1/agents/{name}/hours: both fields, as the agent's hours will be from the next alert on."""

    model_config = ConfigDict(extra="forbid")

    hours: HoursText | None  # null: the team's hours
    on_call: StrictBool


@router.get("/agents/{name}/hours", dependencies=READ)
async def get_hours(runtime: RuntimeDep, name: Annotated[str, Path(max_length=100, pattern=NAME)]) -> dict[str, Any]:
    """When the agent may be alerted: their own hours (null: the team's) in the team's zone and holidays, whether
    they are on call, and when an alert that came now would reach them."""
    shown = await run_in_threadpool(
        lambda: agent_hours.working_hours(uow=runtime.uow(), agent=name, now=runtime.clock())
    )
    return hours_json(shown)


@router.put("/agents/{name}/hours", dependencies=WRITE)
async def set_hours(
    runtime: RuntimeDep, name: Annotated[str, Path(max_length=100, pattern=NAME)], body: AgentHours, actor: Actor
) -> dict[str, Any]:
    """The agent's working hours and on-call duty, from the next alert on: outside their hours an alert (of any
    kind) waits for the start of their next working period, unless they are on call."""
    shown = await run_in_threadpool(
        lambda: agent_hours.set_hours(
            uow=runtime.uow(),
            agent=name,
            hours=body.hours,
            team_hours=body.hours is None,
            on_call=body.on_call,
            now=runtime.clock(),
            actor=actor,
        )
    )
    return hours_json(shown)
