"""What providers report after accepting a message. A delivered SMS or WhatsApp message is written on the
timeline, and so is a WhatsApp read receipt; a message the carrier could not deliver — or that stays undelivered
past a timeout — fails over to the agent's next channel, and the timeline says which channel finally reached the
agent."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from npsloop.domain.cases import EventKind
from npsloop.domain.notifications import FINAL_DELIVERY
from npsloop.services.failover import record_failure_and_fail_over
from npsloop.services.notifying import load_notification
from npsloop.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def record_delivery(*, uow: UnitOfWork, provider_id: str, status: str, error_code: str | None, now: datetime) -> None:
    """A final failure fails over; the unit of work queues what the fail-over created."""
    with uow:
        found = uow.notifications.by_provider_id(provider_id)
        if found is None or found.id is None:
            log.warning("delivery report for an unknown message", extra={"status": status})
            return
        if not found.report_delivery(status, now):
            return
        notification, case, agent = load_notification(uow, found.id)
        if status in ("delivered", "read"):
            case.record(
                EventKind.DELIVERED if status == "delivered" else EventKind.READ,
                at=now,
                note=f"{notification.channel} {status} by {agent.name}"
                if status == "read"
                else f"{notification.channel} delivered to {agent.name}",
                data={"notification": notification.id, "channel": notification.channel},
            )
        elif status in FINAL_DELIVERY:
            notification.last_error = f"provider reported {status}" + (f" ({error_code})" if error_code else "")
            record_failure_and_fail_over(uow, notification, case, agent, now, notification.last_error)
        uow.commit()


def fail_over_undelivered(*, uow: UnitOfWork, now: datetime, timeout: timedelta) -> int:
    """SMS the provider accepted but never reported delivered within `timeout`: fail over, once each. Returns
    how many failed over."""
    failed = 0
    with uow:
        for notification in uow.notifications.undelivered_since(now - timeout):
            assert notification.id is not None
            if not uow.escalations.claim(notification.case_id, f"undelivered:{notification.id}", now):
                continue
            _, case, agent = load_notification(uow, notification.id)
            reason = f"{notification.channel} not delivered within {int(timeout.total_seconds() // 60)} minutes"
            record_failure_and_fail_over(uow, notification, case, agent, now, reason)
            failed += 1
        uow.commit()
    return failed
