"""The work a change creates for the queue, as messages the unit of work collects and publishes after its
commit. A use case never enqueues: it changes rows (a new notification, a response to classify) or, for work
that already exists (a replay, a repair), emits a message into the unit of work; the dispatcher publishes what
a committed transaction collected, and nothing of a rolled-back one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessResponse:
    """Classify a stored response (tag, route, open or join its case)."""

    response_id: int


@dataclass(frozen=True)
class SendNotification:
    """Send one alert through its claim-before-send gate (a held or already-sent one is a no-op there)."""

    notification_id: int


Message = ProcessResponse | SendNotification
