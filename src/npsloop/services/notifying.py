"""Sending one notification: claim it (pending -> sending) in its own committed transaction, call the
provider, record the result. A crash between claim and record is the only window in which a message can
be sent twice; the reconciler reopens such rows after a delay and the timeline marks the resend."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from npsloop.domain.cases import Case, EventKind
from npsloop.domain.directory import Agent
from npsloop.domain.notifications import Channel, Notification, NotificationState, RetryPolicy
from npsloop.domain.responses import Response
from npsloop.notify.base import (
    OutboundMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
    Transport,
    mask,
)
from npsloop.notify.render import Renderer
from npsloop.store.uow import UnitOfWork

log = logging.getLogger(__name__)


class SendStatus(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # not pending or not due: someone else has it, or it is done
    RETRY = "retry"
    FAILED = "failed"
    DEAD = "dead"


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    retry_in: float | None = None
    detail: str | None = None


def send_notification(
    *,
    uow: UnitOfWork,
    transports: Mapping[Channel, Transport],
    renderer: Renderer,
    policy: RetryPolicy,
    notification_id: int,
    now: datetime,
    public_url: str,
) -> SendResult:
    with uow:
        if not uow.notifications.claim(notification_id, now=now):
            return SendResult(SendStatus.SKIPPED)
        uow.commit()
    with uow:
        notification, case, agent = _load(uow, notification_id)
        message = compose(notification, case, agent, uow.responses.for_case(notification.case_id), renderer, public_url)
    channel = Channel(notification.channel)
    try:
        receipt = transports[channel].send(message)
    except TransientDeliveryError as error:
        return _record_transient(uow, notification_id, policy, now, error)
    except PermanentDeliveryError as error:
        return _record_failure(uow, notification_id, NotificationState.FAILED, now, str(error))
    with uow:
        notification, case, _ = _load(uow, notification_id)
        notification.state = NotificationState.SENT.value
        notification.sent_at = now
        notification.provider_id = receipt.provider_id
        notification.last_error = None
        case.record(EventKind.NOTIFIED, at=now, data=_about(notification, agent))
        uow.commit()
    log.info(
        "notification sent",
        extra={
            "notification_id": notification_id,
            "case_id": case.id,
            "channel": channel.value,
            "to": mask(message.to),
        },
    )
    return SendResult(SendStatus.SENT, detail=receipt.provider_id)


def compose(
    notification: Notification,
    case: Case,
    agent: Agent,
    responses: list[Response],
    renderer: Renderer,
    public_url: str,
) -> OutboundMessage:
    latest = responses[-1] if responses else None
    context = {
        "case_id": case.id,
        "agent_name": agent.name,
        "score": latest.score if latest else "?",
        "comment": latest.comment if latest else None,
        "touchpoint": case.touchpoint,
        "survey_type": latest.survey_type if latest else "",
        "customer_id": latest.customer_id if latest else "",
        "customer_name": latest.customer_name if latest else None,
        "customer_phone": latest.customer_phone if latest else None,
        "customer_email": latest.customer_email if latest else None,
        "responded_at": latest.responded_at.strftime("%Y-%m-%d %H:%M %Z") if latest else "",
        "case_url": f"{public_url.rstrip('/')}/v1/cases/{case.id}",
    }
    reference = f"n{notification.id}"
    if notification.channel == Channel.SMS.value:
        text = renderer.sms(notification.kind, agent.language, context)
        return OutboundMessage(channel="sms", to=agent.phone or "", text=text, reference=reference)
    email = renderer.email(notification.kind, agent.language, context)
    return OutboundMessage(
        channel="email",
        to=agent.email or "",
        text=email.text,
        html=email.html,
        subject=email.subject,
        reference=reference,
    )


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
        notification.state = NotificationState.PENDING.value
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
    with uow:
        notification, case, agent = _load(uow, notification_id)
        notification.state = state.value
        notification.last_error = reason
        case.record(EventKind.NOTIFICATION_FAILED, at=now, note=reason, data=_about(notification, agent))
        uow.commit()
    log.error("notification failed", extra={"notification_id": notification_id, "state": state.value, "error": reason})
    return SendResult(SendStatus(state.value), detail=reason)


def _load(uow: UnitOfWork, notification_id: int) -> tuple[Notification, Case, Agent]:
    """Rows the foreign keys guarantee; their absence is a broken database, not a case to handle."""
    notification = uow.notifications.get(notification_id)
    assert notification is not None
    case = uow.cases.get(notification.case_id)
    agent = uow.directory.agent(notification.agent_id)
    assert case is not None and agent is not None
    return notification, case, agent


def _about(notification: Notification, agent: Agent) -> dict[str, object]:
    return {"notification": notification.id, "agent": agent.name, "channel": notification.channel}
