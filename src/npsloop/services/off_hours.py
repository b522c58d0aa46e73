"""The right to disconnect, enforced once, where every alert passes: the claim of services.notifying. An alert of
any kind (a new case, a reminder, an escalation step, an assignment, a digest, a fail-over, and whatever kind comes
next) whose agent is outside their working hours and not on call is not claimed but held: its row stays pending
with next_attempt_at (and held_until) at the start of the agent's next working period, the case's timeline says
so, and the reconciler releases it when that moment comes. The hold is a conditional update, so two workers
holding the same alert record it once, and the timer is a row, so a restart loses nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from npsloop.domain.cases import SYSTEM_ACTOR, Case, CaseEvent, CaseStatus, EventKind
from npsloop.domain.directory import Agent, Team
from npsloop.domain.notifications import AlertEvent, Notification, NotificationState
from npsloop.domain.sla import BusinessCalendar, CalendarError
from npsloop.domain.working_hours import agent_calendar, alert_time, covers_after_hours
from npsloop.services.failover import about
from npsloop.services.schedules import calendar_for
from npsloop.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class TeamCalendars:
    """Each team's calendar, built once however many alerts of a claim need it (building one loads holidays)."""

    def __init__(self, uow: UnitOfWork, now: datetime) -> None:
        self._uow = uow
        self._now = now
        self._found: dict[int, tuple[Team, BusinessCalendar]] = {}

    def of(self, team_id: int) -> tuple[Team, BusinessCalendar]:
        if team_id not in self._found:
            team = self._uow.directory.team(team_id)
            assert team is not None  # a foreign key
            self._found[team_id] = (team, calendar_for(team, self._now))
        return self._found[team_id]


def hold_outside_hours(
    uow: UnitOfWork,
    notification: Notification,
    agent_of: Callable[[], Agent],
    case_team: Callable[[], Team | None],
    calendars: TeamCalendars,
    now: datetime,
) -> datetime | None:
    """Inside the claiming transaction: holds a due alert whose agent (read only for a due pending alert) is outside
    their working hours until their next working period and records it on the case's timeline. Returns that
    moment, or None when the alert may go now (or is not pending and due: then the claim decides, as for any)."""
    if notification.state != NotificationState.PENDING:
        return None
    if notification.next_attempt_at is not None and notification.next_attempt_at > now:
        return None
    agent = agent_of()
    if agent.on_call:
        return None
    try:
        until = _next_alert_time(agent, case_team, calendars, now)
    except CalendarError:  # every door checks hours before storing them; a row edited by hand must not lose alerts
        log.exception("cannot read the agent's working hours; alerting now", extra={"agent_id": agent.id})
        return None
    if until <= now:
        return None
    assert notification.id is not None
    if not uow.notifications.hold(notification.id, until=until, now=now):
        return None  # another worker claimed or held it a moment ago
    zone = calendars.of(agent.team_id)[1].zone
    local = until.astimezone(zone).strftime("%a %d %b %H:%M %Z")
    uow.cases.append_event(
        notification.case_id,
        CaseEvent(
            kind=EventKind.ALERT_HELD,
            actor=SYSTEM_ACTOR,
            at=now,
            note=f"{agent.name} is outside their working hours: this {notification.alert.event.value} alert "
            f"({notification.channel.value}) waits until {local}",
            data={**about(notification, agent), "alert": notification.kind, "until": until.isoformat()},
        ),
    )
    return until


def withdraw_if_stale(
    uow: UnitOfWork,
    notification: Notification,
    agent_of: Callable[[], Agent],
    case_of: Callable[[], Case],
    now: datetime,
) -> bool:
    """Inside the claiming transaction: a held alert whose case was closed while it waited (it would tell the agent
    to confirm and call about a case that is over), or whose agent was deactivated meanwhile (the customer's phone
    and comment would reach someone who no longer works the cases), is not sent; it ends failed, with the reason,
    so nothing finds it again. A digest of an active agent stands for other cases too and still goes."""
    if notification.held_until is None or notification.state != NotificationState.PENDING:
        return False
    agent = agent_of()
    if not agent.active:
        reason = f"not sent: {agent.name} was deactivated while the alert waited for their hours"
    elif notification.alert.event != AlertEvent.DIGEST and case_of().status is CaseStatus.CLOSED:
        reason = f"not sent: the case was closed while the alert waited for {agent.name}'s hours"
    else:
        return False
    notification.state, notification.next_attempt_at, notification.last_error = NotificationState.FAILED, None, reason
    uow.cases.append_event(
        notification.case_id,
        CaseEvent(
            kind=EventKind.NOTIFICATION_FAILED,
            actor=SYSTEM_ACTOR,
            at=now,
            note=reason,
            data={**about(notification, agent), "alert": notification.kind},
        ),
    )
    return True


def _next_alert_time(
    agent: Agent, case_team: Callable[[], Team | None], calendars: TeamCalendars, now: datetime
) -> datetime:
    _, team_calendar = calendars.of(agent.team_id)
    until = alert_time(agent, agent_calendar(agent, team_calendar), now)
    if until > now:
        # The after-hours contact of the case's team, when its policy is "contact", is on call while it is closed.
        team = case_team()
        if team is not None and team.id is not None and covers_after_hours(agent, team, calendars.of(team.id)[1], now):
            return now
    return until
