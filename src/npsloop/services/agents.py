"""Changing an agent after they were added (their contact, team, language and role; deactivating them), whose
duty a viewer may set, and what was sent to an agent lately. Adding an agent, their channels and duty are
services.directory's; their hours and on-call duty services.agent_hours'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from npsloop.domain.access import Permission, Principal, Role
from npsloop.domain.audit import Change, EntityKind
from npsloop.domain.directory import Agent, NoContact, check_channel_order
from npsloop.domain.errors import UnknownAgent
from npsloop.domain.notifications import Notification
from npsloop.services.audit import SYSTEM, record
from npsloop.services.audit_states import agent_state
from npsloop.services.directory import ROLES
from npsloop.services.unit_of_work import UnitOfWork

RECENT = 20  # alerts shown on an agent's page


class Keep(Enum):
    """What edit_agent leaves as it is when not given (a phone or email of None removes it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


def edit_agent(
    *,
    uow: UnitOfWork,
    name: str,
    team: str | Keep = KEEP,
    phone: str | None | Keep = KEEP,
    email: str | None | Keep = KEEP,
    language: str | Keep = KEEP,
    role: str | Keep = KEEP,
    actor: str = SYSTEM,
    now: datetime | None = None,
) -> Agent:
    """Changes what is given of an agent's team, phone, email, language and role, in one transaction (values
    already read as AgentIn reads them). The agent keeps a phone or an email, and the channels they prefer keep
    their address (check_channel_order says which one would lack it)."""
    with uow:
        found = _require(uow, name)
        before = agent_state(found)
        team_id = found.team_id if isinstance(team, Keep) else uow.directory.require_team(team).id
        assert team_id is not None
        if not isinstance(role, Keep) and role not in ROLES:
            raise UnknownAgent(f"role must be one of {', '.join(ROLES)}")
        new_phone = found.phone if isinstance(phone, Keep) else phone
        new_email = found.email if isinstance(email, Keep) else email
        if not (new_phone or new_email):
            raise NoContact("give the agent a phone or an email, or they cannot be alerted")
        if found.channel_order is not None:
            check_channel_order(found.channel_order, phone=new_phone, email=new_email)
        found.team_id, found.phone, found.email = team_id, new_phone, new_email
        found.language = found.language if isinstance(language, Keep) else language
        found.role = found.role if isinstance(role, Keep) else role
        record(uow, _change(found, "edit", before), actor=actor, now=now)
        uow.commit()
        return found


def set_active(*, uow: UnitOfWork, name: str, active: bool, actor: str = SYSTEM, now: datetime | None = None) -> Agent:
    """A deactivated agent is alerted of nothing and kept for the cases and alerts they were part of."""
    with uow:
        found = _require(uow, name)
        before = agent_state(found)
        found.active = active
        record(uow, _change(found, "activate" if active else "deactivate", before), actor=actor, now=now)
        uow.commit()
        return found


def duty_reach(viewer: Principal) -> frozenset[int] | None:
    """The teams whose agents' duty (off duty until, hours, on call) the viewer may set; None: every team. An
    admin and a supervisor whose token is bound to no agent reach every team; a supervisor's token bound to
    their own agent entry reaches their teams; anyone else none."""
    if viewer.can(Permission.WRITE_DIRECTORY):
        return None
    if viewer.role is not Role.SUPERVISOR:
        return frozenset()
    return viewer.team_ids or None


def may_set_duty(viewer: Principal, team_id: int) -> bool:
    reach = duty_reach(viewer)
    return reach is None or team_id in reach


@dataclass(frozen=True)
class AgentPage:
    """An agent as their page shows them: who, their team's name and zone, and their latest alerts, newest first."""

    agent: Agent
    team: str
    timezone: str
    alerts: list[Notification]


def agent_page(*, uow: UnitOfWork, name: str, limit: int = RECENT) -> AgentPage:
    with uow:
        found = _require(uow, name)
        team = uow.directory.team(found.team_id)
        assert team is not None and found.id is not None  # a foreign key; a stored row
        alerts = uow.notifications.recent_for_agent(found.id, limit)
        return AgentPage(found, team.name, team.timezone, alerts)


def _require(uow: UnitOfWork, name: str) -> Agent:
    found = uow.directory.agent_named(name)
    if found is None:
        raise UnknownAgent(f"no agent named {name!r}")
    return found


def _change(agent: Agent, action: str, before: dict[str, object]) -> Change:
    return Change(EntityKind.AGENT, action, agent.name, agent.id, agent.team_id, before, agent_state(agent))
