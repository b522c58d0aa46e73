"""Setting and reading an agent's working hours and on-call duty (the right to disconnect): the hours every
alert to the agent waits for (services.off_hours), in the team's zone and with the team's holidays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from npsloop.domain.audit import Change, EntityKind
from npsloop.domain.directory import Agent
from npsloop.domain.working_hours import agent_calendar, alert_time, check_agent_hours
from npsloop.services.audit import SYSTEM, record
from npsloop.services.audit_states import agent_state
from npsloop.services.schedules import calendar_for
from npsloop.services.unit_of_work import UnitOfWork
from npsloop.services.work_messages import SendNotification


@dataclass(frozen=True)
class WorkingHours:
    """What an agent's alerts wait for, as `agents hours` and GET /v1/agents/{name}/hours show it."""

    agent: str
    team: str
    timezone: str
    hours: str | None  # the agent's own; None: the team's
    team_hours: str
    on_call: bool
    next_alert_at: datetime  # now, or when an alert to the agent would go if one came now


def set_hours(
    *,
    uow: UnitOfWork,
    agent: str,
    hours: str | None,
    team_hours: bool = False,
    on_call: bool | None = None,
    now: datetime,
    actor: str = SYSTEM,
) -> WorkingHours:
    """Changes what is given: `hours` (the agent's own), `team_hours` (back to the team's), `on_call`. Hours are
    checked before anything is read, with the same words as every door. It holds from the next alert on and for
    the alerts held now, which go through the claim again: sent, or held under the new hours."""
    checked = None if hours is None else check_agent_hours(hours)
    with uow:
        found = uow.directory.require_agent(agent)
        before = agent_state(found)
        if checked is not None:
            found.hours = checked
        elif team_hours:
            found.hours = None
        if on_call is not None:
            found.on_call = on_call
        shown = _shown(uow, found, now)
        change = Change(EntityKind.AGENT, "hours", found.name, found.id, found.team_id, before, agent_state(found))
        record(uow, change, actor=actor, now=now)
        assert found.id is not None
        # Alerts held under the old hours or duty are decided again, at once, under the new ones.
        for notification_id in uow.notifications.release_held(found.id, now):
            uow.emit(SendNotification(notification_id))
        uow.commit()
        return shown


def working_hours(*, uow: UnitOfWork, agent: str, now: datetime) -> WorkingHours:
    with uow:
        return _shown(uow, uow.directory.require_agent(agent), now)


def _shown(uow: UnitOfWork, agent: Agent, now: datetime) -> WorkingHours:
    team = uow.directory.team(agent.team_id)
    assert team is not None  # a foreign key
    own = agent_calendar(agent, calendar_for(team, now))
    return WorkingHours(
        agent=agent.name,
        team=team.name,
        timezone=team.timezone,
        hours=agent.hours,
        team_hours=team.hours,
        on_call=agent.on_call,
        next_alert_at=alert_time(agent, own, now),
    )
