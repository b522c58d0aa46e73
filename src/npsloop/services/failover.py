"""Fail-over: an alert that cannot reach the agent on one channel must reach them on the other. Sending (a
refusal, retries given up) and delivery reports (a bounce, an SMS never delivered) both end here, so the
timeline tells the same story whichever of them saw the failure."""

from __future__ import annotations

from datetime import datetime

from npsloop.domain.cases import Case, EventKind
from npsloop.domain.directory import Agent
from npsloop.domain.notifications import Notification
from npsloop.services.unit_of_work import UnitOfWork


def record_failure_and_fail_over(
    uow: UnitOfWork, failed: Notification, case: Case, agent: Agent, now: datetime, reason: str
) -> None:
    """Every way a message can fail for good (refused, given up, bounced, never delivered) ends here: the
    reason on the timeline, then the agent's other channel."""
    case.record(EventKind.NOTIFICATION_FAILED, at=now, note=reason, data=about(failed, agent))
    fail_over(uow, failed, case, agent, now)


def fail_over(uow: UnitOfWork, failed: Notification, case: Case, agent: Agent, now: datetime) -> None:
    """Makes sure the agent's other channel carries the alert, creating its notification if it has none (the
    unit of work queues a new one when this commits). An agent with channels in order of preference is walked
    down that order instead, one channel at a time."""
    if agent.channel_order is not None:
        _walk(uow, failed, case, agent, now)
        return
    others = [c for c in agent.channels() if c != failed.channel]
    if not others:
        case.record(EventKind.FAILOVER, at=now, note=f"{agent.name} has no other channel", data=about(failed, agent))
        return
    for channel in others:
        kind = failed.alert  # the same alert on another channel: the same kind, so it too goes once
        existing = uow.notifications.find(failed.case_id, failed.agent_id, channel, kind.key)
        if existing is None:
            existing = Notification(
                case_id=failed.case_id,
                agent_id=failed.agent_id,
                channel=channel,
                kind=kind.key,
                created_at=now,
            )
            uow.notifications.add(existing)
            uow.flush()
        case.record(
            EventKind.FAILOVER,
            at=now,
            note=f"{failed.channel} failed; {channel.value} carries the alert ({existing.state})",
            data={**about(failed, agent), "to_channel": channel.value},
        )


def _walk(uow: UnitOfWork, failed: Notification, case: Case, agent: Agent, now: datetime) -> None:
    """The next channel of the agent's order that has neither carried nor failed this alert (no notification of
    it on that channel yet) carries it; when every one has, the timeline says so."""
    kind = failed.alert
    for channel in agent.reachable_channels():
        if channel == failed.channel or uow.notifications.find(failed.case_id, failed.agent_id, channel, kind.key):
            continue
        uow.notifications.add(
            Notification(
                case_id=failed.case_id, agent_id=failed.agent_id, channel=channel, kind=kind.key, created_at=now
            )
        )
        uow.flush()
        case.record(
            EventKind.FAILOVER,
            at=now,
            note=f"{failed.channel} failed; {channel.value} carries the alert (next in {agent.name}'s order)",
            data={**about(failed, agent), "to_channel": channel.value},
        )
        return
    case.record(EventKind.FAILOVER, at=now, note=f"{agent.name} has no channel left to try", data=about(failed, agent))


def about(notification: Notification, agent: Agent) -> dict[str, object]:
    """What the timeline records of an alert, for a send and a failure alike."""
    return {"notification": notification.id, "agent": agent.name, "channel": notification.channel}
