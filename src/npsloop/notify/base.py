"""What every channel shares: the message handed to it, the receipt it returns, the two ways it fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutboundMessage:
    channel: str
    to: str
    text: str
    reference: str  # e.g. "n42": names the notification row in outboxes and provider logs
    subject: str | None = None
    html: str | None = None
    # WhatsApp: whether free text may go (the agent wrote within 24 hours); if not, the template of `language`
    # carries the alert with `variables` ({{1}}, {{2}}, ... in order).
    window_open: bool = True
    language: str = "en"
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Receipt:
    provider_id: str


class DeliveryError(Exception):
    pass


class TransientDeliveryError(DeliveryError):
    """Worth trying again later: a timeout, a 5xx, a 429 (with how long the provider asked us to wait)."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: an invalid number, a number that opted out, a mailbox that does not exist."""


class Transport(Protocol):
    def send(self, message: OutboundMessage) -> Receipt: ...
