"""The safety net under the queue: whatever the broker lost (a flush, a crash, a dropped countdown) is
found again in the database, where the truth lives, and handed back to the workers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from npsloop.domain.cases import EventKind
from npsloop.domain.notifications import NotificationState
from npsloop.metrics import RECONCILED
from npsloop.services.unit_of_work import UnitOfWork
from npsloop.services.work_messages import ProcessResponse, SendNotification

log = logging.getLogger(__name__)
BATCH = 500


@dataclass(frozen=True)
class ReconcileReport:
    responses: int
    notifications: int  # alerts handed to the workers: the stuck ones and the held ones released
    reopened_sends: int
    untagged: int
    released: int = 0  # held alerts whose agent's working period began


def reconcile(*, uow: UnitOfWork, now: datetime, stuck_after: timedelta, max_attempts: int = 6) -> ReconcileReport:
    cutoff = now - stuck_after
    with uow:
        response_ids = uow.responses.unprocessed_since(cutoff, BATCH)
        untagged = uow.tags.untagged_since(cutoff, BATCH)  # processing them only tags them
        reopened = 0
        for notification in uow.notifications.stale_sending(cutoff, BATCH):
            # Claimed but never recorded: the worker died around the provider call. Sending again may
            # duplicate one message; not sending may miss a detractor. We resend, and say so on the timeline,
            # unless this one has killed its worker every time: then it is a dead letter, not a retry loop.
            case = uow.cases.get(notification.case_id)
            if notification.attempts >= max_attempts:
                notification.state = NotificationState.DEAD
                notification.last_error = f"unconfirmed after {notification.attempts} attempts"
                if case is not None:
                    case.record(EventKind.NOTIFICATION_FAILED, at=now, note=notification.last_error)
                continue
            notification.state = NotificationState.PENDING
            notification.next_attempt_at = None  # created long ago, so the pass below picks it up
            if case is not None:
                case.record(
                    EventKind.NOTIFICATION_RESENT,
                    at=now,
                    note="claimed but unconfirmed; sending again (possible duplicate)",
                    data={"notification": notification.id, "channel": notification.channel},
                )
            reopened += 1
        uow.commit()
    with uow:
        # Held alerts go the moment their agent's working period begins; anything else pending, once overdue.
        released = uow.notifications.held_due(now, BATCH)
        notification_ids = [n for n in uow.notifications.pending_since(cutoff, BATCH) if n not in released]
        for response_id in (*response_ids, *untagged):
            uow.emit(ProcessResponse(response_id))
        for notification_id in (*released, *notification_ids):
            uow.emit(SendNotification(notification_id))
        uow.commit()  # nothing changed: the commit only releases the messages to the dispatcher
    for kind, count in (
        ("response", len(response_ids)),
        ("untagged_response", len(untagged)),
        ("notification", len(notification_ids)),
        ("unconfirmed_send", reopened),
    ):
        if count:
            RECONCILED.labels(kind).inc(count)
    if response_ids or notification_ids or reopened:
        log.warning(
            "reconciler re-enqueued stuck work",
            extra={"responses": len(response_ids), "notifications": len(notification_ids), "reopened": reopened},
        )
    if untagged:
        log.info("reconciler enqueued untagged comments", extra={"responses": len(untagged)})
    if released:
        log.info("held alerts released: their agents' working hours began", extra={"notifications": len(released)})
    sent_on = len(released) + len(notification_ids)
    return ReconcileReport(len(response_ids), sent_on, reopened, len(untagged), len(released))
