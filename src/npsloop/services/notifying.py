"""Sending one notification: claim it (pending -> sending) in its own committed transaction, call the
provider, record the result. A crash between claim and record is the only window in which a message can
be sent twice; the reconciler reopens such rows after a delay and the timeline marks the resend."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ParamSpec

from npsloop.domain.cases import SYSTEM_ACTOR, Case, CaseEvent, EventKind
from npsloop.domain.directory import Agent
from npsloop.domain.notifications import AlertEvent, Channel, Notification, NotificationState, RetryPolicy
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.theme_tags import negative_themes
from npsloop.logs import add_to_context
from npsloop.metrics import ALERT_LATENCY, NOTIFICATIONS
from npsloop.notify.base import (
    PermanentDeliveryError,
    TransientDeliveryError,
    Transport,
)
from npsloop.notify.render import Renderer
from npsloop.redaction import redact
from npsloop.services.digests import fold_if_over_cap
from npsloop.services.failover import about, record_failure_and_fail_over
from npsloop.services.messages import compose
from npsloop.services.unit_of_work import StoreUnavailable, UnitOfWork

log = logging.getLogger(__name__)


class SendStatus(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # not pending or not due: someone else has it, or it is done
    RETRY = "retry"
    FAILED = "failed"
    DEAD = "dead"
    FOLDED = "folded"  # over the SMS cap: the next digest carries it


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    retry_in: float | None = None
    detail: str | None = None


class NotificationNotFound(LookupError):
    pass


ALERT_THEMES = 3
RECORD_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


P = ParamSpec("P")


def _counted(send: Callable[P, tuple[SendResult, str]]) -> Callable[P, SendResult]:
    """Counts every outcome by channel, whichever of the function's many returns produced it."""

    @functools.wraps(send)
    def counted(*args: P.args, **kwargs: P.kwargs) -> SendResult:
        result, channel = send(*args, **kwargs)
        NOTIFICATIONS.labels(channel, result.status.value).inc()
        return result

    return counted


@_counted
def send_notification(
    *,
    uow: UnitOfWork,
    transports: Mapping[Channel, Transport],
    renderer: Renderer,
    policy: RetryPolicy,
    notification_id: int,
    now: datetime,
    public_url: str,
    sms_cap: int | None = None,
    link: Callable[[int, int, str], str] | None = None,
    call_hours: str = "09:00-21:00",
    pause: Callable[[float], None] = time.sleep,
) -> tuple[SendResult, str]:
    with uow:
        row = uow.notifications.get(notification_id)
        if row is None:
            raise NotificationNotFound(f"notification {notification_id} does not exist")
        channel_name = row.channel
        if sms_cap is not None and fold_if_over_cap(uow, row, now=now, cap=sms_cap):
            uow.commit()
            return SendResult(SendStatus.FOLDED), channel_name
        if not uow.notifications.claim(notification_id, now=now):
            if row.state == NotificationState.PENDING and row.next_attempt_at and row.next_attempt_at > now:
                wait = (row.next_attempt_at - now).total_seconds()
                if wait <= policy.cap_seconds:
                    # A timer that fired a little early: come back when the attempt is due, not never.
                    return SendResult(SendStatus.RETRY, retry_in=wait + 0.05), channel_name
                # Held for hours (until a team opens): no long countdown on the broker; the reconciler
                # enqueues it once it is due.
            return SendResult(SendStatus.SKIPPED), channel_name
        # What the message needs is read in the claim's own transaction: one commit before the call.
        notification = row
        case = uow.cases.get(notification.case_id, with_events=False)
        agent = uow.directory.agent(notification.agent_id)
        assert case is not None and agent is not None
        carried = []
        if notification.alert.event == AlertEvent.DIGEST:  # only a digest stands for other alerts
            carried = [n.case_id for n in uow.notifications.carried_by(notification_id)]
        responses = uow.responses.for_case(notification.case_id)
        add_to_context(case_id=case.id, response_id=responses[0].id if responses else None)
        team = uow.directory.team(case.team_id) if case.team_id is not None else None
        owner = uow.directory.agent(case.assignee_id) if case.assignee_id is not None else None
        message = compose(
            notification,
            case,
            agent,
            responses,
            renderer,
            public_url,
            carried=carried,
            timezone=team.timezone if team else "UTC",
            assignee=owner.name if owner else None,
            link=link,
            now=now,
            call_hours=call_hours,
            themes=_alert_themes(uow, notification, case, agent),
        )
        uow.commit()
    try:
        receipt = transports[notification.channel].send(message)
    except TransientDeliveryError as error:
        return _record_transient(uow, notification_id, policy, now, error), channel_name
    except PermanentDeliveryError as error:
        return _record_failure(uow, notification_id, NotificationState.FAILED, now, str(error)), channel_name
    if notification.alert.event == AlertEvent.CASE_OPENED and responses:
        # Wall clock, not the injected one: this is how long the real detractor waited for the alert.
        first = min(r.received_at for r in responses)
        ALERT_LATENCY.labels(channel_name).observe(max(0.0, time.time() - first.timestamp()))
    _record_sent(uow, notification, agent, receipt.provider_id, now, pause)
    log.info(
        "notification sent",
        extra={
            "notification_id": notification_id,
            "case_id": case.id,
            "channel": notification.channel,
            "to": redact(message.to),
        },
    )
    return SendResult(SendStatus.SENT, detail=receipt.provider_id), channel_name


def _record_sent(
    uow: UnitOfWork,
    notification: Notification,
    agent: Agent,
    provider_id: str,
    now: datetime,
    pause: Callable[[float], None],
) -> None:
    """The provider has the message: losing that fact would make the reconciler send it again, so the
    record is retried here through a short database outage instead of handing the task back to the queue.
    Two statements, no reads: the row's new state and the timeline's entry."""
    assert notification.id is not None
    for delay in (*RECORD_RETRY_DELAYS, None):
        try:
            with uow:
                uow.notifications.mark_sent(notification.id, provider_id=provider_id, now=now)
                uow.cases.append_event(notification.case_id, _notified(notification, agent, now))
                if notification.alert.event == AlertEvent.DIGEST:
                    for folded in uow.notifications.carried_by(notification.id):
                        if folded.case_id != notification.case_id:
                            event = _notified(folded, agent, now, digest=notification.id)
                            uow.cases.append_event(folded.case_id, event)
                uow.commit()
                return
        except StoreUnavailable:
            if delay is None:
                log.critical(
                    "sent but could not record it; the reconciler may send it again",
                    extra={"notification_id": notification.id, "provider_id": provider_id},
                )
                raise
            pause(delay)


def _notified(notification: Notification, agent: Agent, now: datetime, digest: int | None = None) -> CaseEvent:
    data = about(notification, agent) if digest is None else {**about(notification, agent), "digest": digest}
    return CaseEvent(kind=EventKind.NOTIFIED, actor=SYSTEM_ACTOR, at=now, data=data)


def _record_transient(
    uow: UnitOfWork, notification_id: int, policy: RetryPolicy, now: datetime, error: TransientDeliveryError
) -> SendResult:
    with uow:
        notification = uow.notifications.get(notification_id)
        assert notification is not None
        if policy.exhausted(notification.attempts):
            uow.rollback()
            return _record_failure(uow, notification_id, NotificationState.DEAD, now, f"gave up: {error}")
        delay = policy.delay(notification.attempts, retry_after=error.retry_after)
        notification.state = NotificationState.PENDING
        notification.next_attempt_at = now + timedelta(seconds=delay)
        notification.last_error = str(error)
        uow.commit()
    log.warning(
        "notification will be retried",
        extra={"notification_id": notification_id, "retry_in": round(delay, 1), "error": str(error)},
    )
    return SendResult(SendStatus.RETRY, retry_in=delay, detail=str(error))


def _record_failure(
    uow: UnitOfWork, notification_id: int, state: NotificationState, now: datetime, reason: str
) -> SendResult:
    """Records why, and fails over: the agent's other channel must carry the alert."""
    with uow:
        notification, case, agent = load_notification(uow, notification_id)
        notification.state = state
        notification.last_error = reason
        record_failure_and_fail_over(uow, notification, case, agent, now, reason)
        uow.commit()
    log.error("notification failed", extra={"notification_id": notification_id, "state": state, "error": reason})
    return SendResult(SendStatus(state), detail=reason)


def _alert_themes(uow: UnitOfWork, notification: Notification, case: Case, agent: Agent) -> tuple[str, ...]:
    """The new-case alert says why the customer is unhappy; later alerts (reminders, escalations) do not
    spend their room on it."""
    if notification.alert.event != AlertEvent.CASE_OPENED or case.id is None:
        return ()
    return theme_names(uow, case.id, agent.language)


def theme_names(uow: UnitOfWork, case_id: int, language: str) -> tuple[str, ...]:
    """What the customer complains about, named in the agent's language by the taxonomy in force (a theme it no
    longer holds keeps its key), most confident first and at most ALERT_THEMES: an alert names the main reasons,
    the case page lists them all."""
    keys = negative_themes(uow.tags.of_case(case_id))[:ALERT_THEMES]
    if not keys:
        return ()
    names = {theme.key: theme.name for theme in uow.themes.stored() or DEFAULT_TAXONOMY.themes}
    return tuple(names[key].in_language(language) if key in names else key for key in keys)


def load_notification(uow: UnitOfWork, notification_id: int) -> tuple[Notification, Case, Agent]:
    """The case and agent are guaranteed by foreign keys; only the notification itself can be gone."""
    notification = uow.notifications.get(notification_id)
    if notification is None:
        raise NotificationNotFound(f"notification {notification_id} does not exist")
    case = uow.cases.get(notification.case_id)
    agent = uow.directory.agent(notification.agent_id)
    assert case is not None and agent is not None
    return notification, case, agent
