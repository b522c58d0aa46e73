"""One alert to one agent on one channel about one case, and the policy for retrying it.

The row exists before anything is sent, so "sent at most once" is a property of a conditional state change
(pending -> sending) rather than of a task that happened to run once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class NotificationState(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    SENDING = "sending"  # claimed by one worker; the provider call is in flight
    SENT = "sent"  # the provider accepted it
    FAILED = "failed"  # permanent failure: retrying cannot help
    DEAD = "dead"  # transient failures until the attempts ran out
    FOLDED = "folded"  # over the agent's hourly SMS cap: carried by the next digest instead


# accepted -> queued -> sending -> sent -> delivered; undelivered, failed and bounced (an email returned after
# the SMTP server had accepted it) are final like delivered.
DELIVERY_ORDER = {
    "accepted": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "bounced": 4,
}
FINAL_DELIVERY = {"delivered", "undelivered", "failed", "bounced"}


class NotificationKind(StrEnum):
    CASE_OPENED = "case_opened"
    DIGEST = "digest"  # one SMS standing for the case alerts folded while the agent was at the cap


@dataclass(eq=False)
class Notification:
    case_id: int
    agent_id: int
    channel: str
    kind: str
    created_at: datetime
    state: str = NotificationState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    provider_id: str | None = None
    last_error: str | None = None
    digest_id: int | None = None  # for a folded alert: the digest that carried it
    delivery_status: str | None = None
    delivered_at: datetime | None = None
    id: int | None = None

    def report_delivery(self, status: str, at: datetime) -> bool:
        """Applies a provider's delivery report; reports arrive out of order, so a later stage never goes back.
        Returns whether anything changed."""
        if status not in DELIVERY_ORDER:
            return False
        current = DELIVERY_ORDER.get(self.delivery_status or "", -1)
        if current >= DELIVERY_ORDER[status] or self.delivery_status in FINAL_DELIVERY:
            return False
        self.delivery_status = status
        if status == "delivered":
            self.delivered_at = at
        return True


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, capped so no countdown outlives the broker's visibility timeout."""

    max_attempts: int = 6
    base_seconds: float = 5.0
    cap_seconds: float = 240.0

    def delay(self, attempt: int, *, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        jittered = (rng or random).uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            jittered = max(jittered, min(retry_after, self.cap_seconds))
        return jittered

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
