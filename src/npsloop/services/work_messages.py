"""The work a change creates for the queue, as messages the unit of work collects and publishes after its
commit. A use case never enqueues: it changes rows (a new notification, a response to classify) or, for work
that already exists (a replay, a repair), emits a message into the unit of work; the dispatcher publishes what
a committed transaction collected, and nothing of a rolled-back one."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from npsloop.services.ports import Dispatcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessResponse:
    """Classify a stored response (tag, route, open or join its case). `new`: a response stored for the first
    time, which any worker draining the waiting responses will take (so a busy broker may coalesce its task
    with one already queued); a retry, a replay or a changed response needs its own task."""

    response_id: int
    new: bool = False


@dataclass(frozen=True)
class SendNotification:
    """Send one alert through its claim-before-send gate (a held or already-sent one is a no-op there)."""

    notification_id: int


Message = ProcessResponse | SendNotification


def publish_quietly(dispatcher: Dispatcher, message: Message) -> None:
    """After a commit the work is durable: a broker that refuses it only delays it (the reconciler finds the row),
    so the error is logged, never raised into a caller whose transaction already succeeded."""
    try:
        dispatcher.publish(message)
    except Exception:
        log.warning("enqueue failed; the reconciler will retry", extra={"queued": repr(message)}, exc_info=True)


class PendingMessages:
    """What one unit of work will publish, kept the same way by every implementation of it: messages gather as the
    transaction goes, a commit makes them ready, a rollback drops what is not ready yet, and the end of the block
    publishes the ready ones, each once, in order."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher
        self._emitted: list[Message] = []
        self._ready: list[Message] = []

    def emit(self, message: Message) -> None:
        self._emitted.append(message)

    def committed(self, created_alerts: Iterable[int | None]) -> None:
        """The transaction committed: what was emitted, and an alert for each notification it created."""
        self._ready.extend(self._emitted)
        self._ready.extend(SendNotification(n) for n in created_alerts if n is not None)
        self._emitted = []

    def forget(self) -> None:
        """A rollback (or a block left without commit): what was not committed is not published."""
        self._emitted = []

    def publish(self) -> None:
        ready, self._ready = list(dict.fromkeys(self._ready)), []
        for message in ready:
            publish_quietly(self._dispatcher, message)


@dataclass
class KeepAlerts:
    """The dispatcher of a processing transaction: keeps the alerts it created for the same task to send right
    after the commit, and passes any other message on."""

    onward: Dispatcher
    alerts: list[int] = field(default_factory=list)

    def publish(self, message: Message) -> None:
        if isinstance(message, SendNotification):
            self.alerts.append(message.notification_id)
        else:
            self.onward.publish(message)
