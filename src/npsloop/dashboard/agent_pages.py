"""What the agents pages' templates are given, worked out here so the templates only lay it out: the agents a
viewer may see (phones and emails masked, as bulk views show them), and one agent's page (their contact in full
for an admin only) with their latest alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from npsloop.bootstrap import Runtime
from npsloop.dashboard.agent_form import CHANNELS, agent_values, masked
from npsloop.domain.access import Permission, Principal
from npsloop.domain.directory import Agent
from npsloop.domain.notifications import NotificationState
from npsloop.services import agents, directory
from npsloop.services.directory import ROLES


def choices(t: dict[str, str], teams: list[str]) -> dict[str, Any]:
    """The options of the forms' selects, as (value, label) pairs in the page's language."""
    return {
        "teams_options": [(team, team) for team in teams],
        "role_options": [(role, t[f"agent_role_{role}"]) for role in ROLES],
        "channel_names": list(CHANNELS),
    }


def _off_until(agent: Agent, zone: str, now: datetime) -> str | None:
    """The day the agent is back on duty, in the team's zone, while they are off."""
    if agent.off_duty_until is None or agent.off_duty_until <= now:
        return None
    return agent.off_duty_until.astimezone(ZoneInfo(zone)).date().isoformat()


def _shown(agent: Agent, team: str, zone: str, now: datetime, full: bool) -> dict[str, Any]:
    contact = (lambda text: text or "") if full else masked
    return {
        "name": agent.name,
        "team": team,
        "phone": contact(agent.phone),
        "email": contact(agent.email),
        "language": agent.language,
        "role": agent.role,
        "channels": [c.value for c in agent.reachable_channels()],
        "ordered": agent.channel_order is not None,
        "hours": agent.hours,
        "on_call": agent.on_call,
        "active": agent.active,
        "off_until": _off_until(agent, zone, now),
    }


def list_rows(runtime: Runtime, who: Principal) -> tuple[list[dict[str, Any]], list[str]]:
    """The agents the viewer may see, contacts masked, and the teams' names (for the form to add one)."""
    reach, now = agents.duty_reach(who), runtime.clock()
    teams = directory.list_teams(uow=runtime.uow())
    zones = {team.name: team.timezone for team in teams}
    rows = [
        _shown(agent, team, zones.get(team, "UTC"), now, full=False)
        for agent, team in directory.list_agents(uow=runtime.uow())
        if reach is None or agent.team_id in reach
    ]
    return rows, [team.name for team in teams]


def agent_context(runtime: Runtime, who: Principal, name: str) -> dict[str, Any] | None:
    """One agent's page, or None when the viewer may not see them (a supervisor's token bound to another team)."""
    page = agents.agent_page(uow=runtime.uow(), name=name)
    if not agents.may_set_duty(who, page.agent.team_id):
        return None
    now, admin = runtime.clock(), who.can(Permission.WRITE_DIRECTORY)
    zone = ZoneInfo(page.timezone)
    alerts = [
        {
            "case": n.case_id,
            "event": n.alert.event.value,
            "channel": n.channel.value,
            "state": "held" if n.state == NotificationState.PENDING and n.held_until else n.state.value,
            "delivery": n.delivery_status,
            "error": masked(n.last_error),
            "at": n.created_at,
        }
        for n in page.alerts
    ]
    values = agent_values(page.agent, page.team)
    if not admin:  # the details form is the admin's: a supervisor's page carries no contact in full
        values |= {"phone": "", "email": ""}
    return {
        "name": page.agent.name,
        "agent": _shown(page.agent, page.team, page.timezone, now, full=admin),
        "values": values,
        "alerts": alerts,
        "teams": [team.name for team in directory.list_teams(uow=runtime.uow())] if admin else [page.team],
        "can_edit": admin,
        "timezone": page.timezone,
        "today": now.astimezone(zone).date().isoformat(),
    }
