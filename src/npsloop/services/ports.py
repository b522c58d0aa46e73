"""What the services need from the outside world, as protocols the adapters satisfy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from npsloop.services.work_messages import Message

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher(Protocol):
    """Hands work to the queue. Only the unit of work calls it, after the commit that makes the work durable."""

    def publish(self, message: Message) -> None: ...
