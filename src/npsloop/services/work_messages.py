"""The work a change creates for the queue, as messages the unit of work collects and publishes after its
commit. A use case never enqueues: it changes rows (a new notification, a response to classify) or, for work
that already exists (a replay, a repair), emits a message into the unit of work; the dispatcher publishes what
a committed transaction collected, and nothing of a rolled-back one."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessResponse:
    """Classify a stored response (tag, route, open or join its case)."""

    response_id: int


@dataclass(frozen=True)
class SendNotification:
    """Send one alert through its claim-before-send gate (a held or already-sent one is a no-op there)."""

    notification_id: int


Message = ProcessResponse | SendNotification


class Publisher(Protocol):
    def publish(self, message: Message) -> None: ...


def publish_quietly(dispatcher: Publisher, message: Message) -> None:
    """After a commit the work is durable: a broker that refuses it only delays it (the reconciler finds the row),
    so the error is logged, never raised into a caller whose transaction already succeeded."""
    try:
        dispatcher.publish(message)
    except Exception:
        log.warning("enqueue failed; the reconciler will retry", extra={"queued": repr(message)}, exc_info=True)


@dataclass
class KeepAlerts:
    """The dispatcher of a processing transaction: keeps the alerts it created for the same task to send right
    after the commit, and passes any other message on."""

    onward: Publisher
    alerts: list[int] = field(default_factory=list)

    def publish(self, message: Message) -> None:
        if isinstance(message, SendNotification):
            self.alerts.append(message.notification_id)
        else:
            self.onward.publish(message)
