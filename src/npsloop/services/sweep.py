"""The minute-by-minute sweep (Celery beat): reminders before deadlines, escalation after breaches.

Each escalation step or reminder fires once per case because its firing is a row with a unique key,
inserted before anything is sent; a second sweep running at the same moment loses that insert and does
nothing. Alerts go out as ordinary notification rows, with the same at-most-once sending."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from npsloop.domain.cases import Case, EventKind
from npsloop.domain.directory import Agent, Team
from npsloop.domain.escalation import Due, chain_from, due
from npsloop.domain.notifications import AlertKind, Channel, Notification
from npsloop.domain.sla import BusinessCalendar
from npsloop.metrics import ESCALATIONS, SLA_BREACHES
from npsloop.services.schedules import calendar_for
from npsloop.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    escalations: int
    reminders: int


def sweep(*, uow: UnitOfWork, now: datetime, remind_before: timedelta) -> SweepReport:
    escalated = reminded = 0
    breaches: list[tuple[str, str]] = []
    fired: list[tuple[str, str]] = []
    calendars: dict[int | None, BusinessCalendar] = {}
    with uow:
        for case in uow.cases.needing_attention(now + remind_before):
            team = uow.directory.team(case.team_id) if case.team_id is not None else None
            if team is None:
                continue
            for step in case.breached(now):
                if uow.escalations.claim(case.id or 0, f"breach:{step}", now):
                    breaches.append((step, team.name))
            if team.id not in calendars:  # one calendar per team and sweep: building one loads its holidays
                calendars[team.id] = calendar_for(team, now)
            calendar = calendars[team.id]
            for item in due(case, chain_from(team.escalation), calendar, now, remind_before=remind_before):
                if not uow.escalations.claim(case.id or 0, item.key, now):
                    continue  # fired before, or by a sweep running right now
                targets = _targets(uow, case, team, item, now)
                _notify(uow, case, item, targets, now)
                fired.append(("reminder" if item.step is None else "escalation", team.name))
                if item.step is None:
                    reminded += 1
                else:
                    escalated += 1
        uow.commit()
    for step, team_name in breaches:
        SLA_BREACHES.labels(step, team_name).inc()
    for kind, team_name in fired:
        ESCALATIONS.labels(kind, team_name).inc()
    if escalated or reminded:
        log.info("sweep fired", extra={"escalations": escalated, "reminders": reminded})
    return SweepReport(escalated, reminded)


def _targets(uow: UnitOfWork, case: Case, team: Team, item: Due, now: datetime) -> list[tuple[Agent, Channel]]:
    if item.step is None:
        assignee = uow.directory.agent(case.assignee_id) if case.assignee_id else None
        return [(assignee, c) for c in assignee.channels()] if assignee else []
    notify = item.step.notify
    if notify == "team":
        people = [a for a in uow.directory.agents(team.id) if a.on_duty(now)]
    elif notify == "supervisors":
        people = [a for a in uow.directory.agents(team.id) if a.role == "supervisor" and a.active]
    elif notify == "heads":
        people = [a for a in uow.directory.agents() if a.role == "head" and a.active]
    else:
        named = uow.directory.agent_named(notify.removeprefix("agent:"))
        people = [named] if named and named.active else []
    return [(a, c) for a in people for c in a.channels(within=item.step.channels)]


def _notify(uow: UnitOfWork, case: Case, item: Due, targets: list[tuple[Agent, Channel]], now: datetime) -> None:
    alert = AlertKind.reminder(item.deadline) if item.step is None else AlertKind.escalation(item.deadline, item.index)
    for agent, channel in targets:
        assert agent.id is not None and case.id is not None
        notification = Notification(case_id=case.id, agent_id=agent.id, channel=channel, kind=alert.key, created_at=now)
        uow.notifications.add(notification)
    uow.flush()
    names = sorted({agent.name for agent, _ in targets}) or ["nobody reachable"]
    if item.step is None:
        case.record(
            EventKind.REMINDED, at=now, note=f"{item.deadline} deadline approaching: reminded {', '.join(names)}"
        )
    else:
        case.record(
            EventKind.ESCALATED,
            at=now,
            note=f"{item.deadline} deadline breached: step {item.index} ({item.step.notify}) "
            f"alerted {', '.join(names)}",
            data={"deadline": item.deadline, "step": item.index, "notify": item.step.notify},
        )
