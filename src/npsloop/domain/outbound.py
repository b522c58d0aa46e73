"""Case events going out to where a team already works: a Slack or Microsoft Teams channel, or a helpdesk or
CRM that opens its own ticket from a signed webhook. Each (endpoint, event) is one delivery, retried with
backoff until the far side says 2xx, then kept as the delivery log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from npsloop.domain.cases import EventKind
from npsloop.domain.errors import DomainError

OUTBOUND_EVENTS = (EventKind.OPENED, EventKind.ACKNOWLEDGED, EventKind.CONTACTED, EventKind.CLOSED, EventKind.ESCALATED)
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(seconds=15)
LONGEST_WAIT = timedelta(hours=1)


def all_events() -> list[str]:
    return [kind.value for kind in OUTBOUND_EVENTS]


class EndpointKind(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"  # a Microsoft Teams Workflows webhook, posting an Adaptive Card to a channel
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class InvalidEndpoint(DomainError):
    pass


@dataclass
class Endpoint:
    name: str
    kind: str
    url: str
    created_at: datetime
    events: list[str] = field(default_factory=all_events)
    secret: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise InvalidEndpoint(f"endpoint name {self.name!r}: lowercase letters, digits, '-' and '_'")
        if self.kind not in {k.value for k in EndpointKind}:
            raise InvalidEndpoint(f"unknown endpoint kind {self.kind!r}; slack, teams or webhook")
        if not self.url.startswith(("https://", "http://")):
            raise InvalidEndpoint("the URL must be http(s)")
        known = {e.value for e in OUTBOUND_EVENTS}
        unknown = set(self.events) - known
        if unknown or not self.events:
            raise InvalidEndpoint(f"events are some of {', '.join(sorted(known))}; not {', '.join(sorted(unknown))}")
        if self.kind == EndpointKind.WEBHOOK and not self.secret:
            raise InvalidEndpoint("a webhook endpoint signs what it sends: it needs a secret")


def shown_url(endpoint: Endpoint) -> str:
    """The URL as lists and the audit trail show it. A Slack incoming-webhook URL or a Teams Workflows URL (its
    `sig=` query) is its own credential (whoever has it posts to the channel): like the signing secret, it is never
    shown after it is added; its host says which service it is."""
    if endpoint.kind not in (EndpointKind.SLACK, EndpointKind.TEAMS):
        return endpoint.url
    return url_host(endpoint.url)


def url_host(url: str) -> str:
    """Where a URL goes, without what it carries: a path or a query may hold a credential (a webhook's token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/***"


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """After `attempts` failures: when to try again (doubling from 15 s, at most an hour apart), or None when
    it is time to give up (about eight hours in)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    wait: timedelta = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)
    return now + wait
