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
    WHATSAPP = "whatsapp"


class NotificationState(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    SENDING = "sending"  # claimed by one worker; the provider call is in flight
    SENT = "sent"  # the provider accepted it
    FAILED = "failed"  # permanent failure: retrying cannot help
    DEAD = "dead"  # transient failures until the attempts ran out
    FOLDED = "folded"  # over the agent's hourly SMS cap: carried by the next digest instead


# accepted -> queued -> sending -> sent -> delivered -> read (WhatsApp's read receipt); undelivered, failed and
# bounced (an email returned after the SMTP server had accepted it) are final like delivered. Only a read receipt
# follows a delivery: a message read was delivered, whichever report came first.
DELIVERY_ORDER = {
    "accepted": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "bounced": 4,
    "read": 5,
}
FINAL_DELIVERY = {"delivered", "undelivered", "failed", "bounced"}


class AlertEvent(StrEnum):
    """What an alert is about; also the name of the templates that word it."""

    CASE_OPENED = "case_opened"
    REMINDER = "reminder"  # a deadline is near: the assignee is reminded
    ESCALATION = "escalation"  # a deadline was missed: one step of the team's chain
    ASSIGNED = "assigned"  # the case has a new owner
    DIGEST = "digest"  # one SMS standing for the case alerts folded while the agent was at the cap
    REOPENED = "reopened"  # the customer answered a recovery message: not solved; the case is back with its owner


class Deadline(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    CONTACT = "contact"
    CLOSE = "close"


class InvalidAlertKind(ValueError):
    pass


@dataclass(frozen=True)
class AlertKind:
    """The kind of an alert with the detail that tells two alerts of one event apart. Its text (`key`) is part
    of the once-only key (case, agent, channel, kind), so a reminder per deadline, an escalation per deadline
    and step, and an assignment per reassignment are each sent once; `key` and `parse` are the only places
    that text is written and read."""

    event: AlertEvent
    deadline: Deadline | None = None  # reminder, escalation
    step: int | None = None  # escalation: the step of the team's chain, from 1
    serial: int | None = None  # assigned: the how-manieth assignment of the case; reopened: the recovery request

    def __post_init__(self) -> None:
        needs_deadline = self.event in (AlertEvent.REMINDER, AlertEvent.ESCALATION)
        if (self.deadline is not None) != needs_deadline:
            raise InvalidAlertKind(f"a {self.event} alert {'needs' if needs_deadline else 'has no'} deadline")
        if (self.step is not None) != (self.event == AlertEvent.ESCALATION):
            raise InvalidAlertKind(f"only an escalation has a step, and it needs one ({self.event})")
        if (self.serial is not None) != (self.event in (AlertEvent.ASSIGNED, AlertEvent.REOPENED)):
            raise InvalidAlertKind(f"only an assignment or a reopening has a serial, and it needs one ({self.event})")

    @classmethod
    def case_opened(cls) -> AlertKind:
        return cls(AlertEvent.CASE_OPENED)

    @classmethod
    def digest(cls) -> AlertKind:
        return cls(AlertEvent.DIGEST)

    @classmethod
    def reminder(cls, deadline: str) -> AlertKind:
        return cls(AlertEvent.REMINDER, deadline=Deadline(deadline))

    @classmethod
    def escalation(cls, deadline: str, step: int) -> AlertKind:
        return cls(AlertEvent.ESCALATION, deadline=Deadline(deadline), step=step)

    @classmethod
    def assigned(cls, serial: int) -> AlertKind:
        return cls(AlertEvent.ASSIGNED, serial=serial)

    @classmethod
    def reopened(cls, request_id: int) -> AlertKind:
        """Once per recovery answer that reopens a case (the request's id), whatever retries the answer."""
        return cls(AlertEvent.REOPENED, serial=request_id)

    @property
    def key(self) -> str:
        """The stored text: "case_opened", "digest", "reminder:contact", "escalation:acknowledge:2", "assigned:3"."""
        details = (self.deadline, self.step, self.serial)
        return ":".join([self.event.value, *(str(d) for d in details if d is not None)])

    def __str__(self) -> str:
        return self.key

    @classmethod
    def parse(cls, text: str) -> AlertKind:
        """Reads what `key` wrote (every stored row); anything else is InvalidAlertKind."""
        event, *details = text.split(":")
        try:
            match AlertEvent(event), details:
                case AlertEvent.CASE_OPENED | AlertEvent.DIGEST as plain, []:
                    return cls(plain)
                case AlertEvent.REMINDER, [deadline]:
                    return cls.reminder(deadline)
                case AlertEvent.ESCALATION, [deadline, step] if step.isdigit():
                    return cls.escalation(deadline, int(step))
                case AlertEvent.ASSIGNED, [serial] if serial.isdigit():
                    return cls.assigned(int(serial))
                case AlertEvent.REOPENED, [serial] if serial.isdigit():
                    return cls.reopened(int(serial))
        except ValueError as error:
            raise InvalidAlertKind(f"unknown alert kind {text!r}") from error
        raise InvalidAlertKind(f"unknown alert kind {text!r}")


@dataclass(eq=False)
class Notification:
    case_id: int
    agent_id: int
    channel: Channel
    kind: str  # AlertKind.key: the column and the once-only key hold the text; read it typed through `alert`
    created_at: datetime
    state: NotificationState = NotificationState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    provider_id: str | None = None
    last_error: str | None = None
    held_until: datetime | None = None  # waiting for its agent's working hours while equal to next_attempt_at
    digest_id: int | None = None  # for a folded alert: the digest that carried it
    delivery_status: str | None = None
    delivered_at: datetime | None = None
    id: int | None = None

    @property
    def alert(self) -> AlertKind:
        return AlertKind.parse(self.kind)

    def report_delivery(self, status: str, at: datetime) -> bool:
        """Applies a provider's delivery report; reports arrive out of order, so a later stage never goes back.
        Returns whether anything changed."""
        if status not in DELIVERY_ORDER:
            return False
        current = DELIVERY_ORDER.get(self.delivery_status or "", -1)
        if current >= DELIVERY_ORDER[status]:
            return False
        if self.delivery_status in FINAL_DELIVERY and not (status == "read" and self.delivery_status == "delivered"):
            return False
        self.delivery_status = status
        if status in ("delivered", "read") and self.delivered_at is None:
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
