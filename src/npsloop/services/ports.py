"""What the services need from the outside world, as protocols the adapters satisfy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher(Protocol):
    """Hands work to the queue. Only ever called after the commit that makes the work durable."""

    def process_response(self, response_id: int) -> None: ...

    def send_notification(self, notification_id: int) -> None: ...
