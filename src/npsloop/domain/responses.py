"""One survey answer as npsloop keeps it: who answered, what, and where it stands in the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from npsloop.domain.scores import Category, classify
from npsloop.domain.theme_tags import TagState
from npsloop.domain.versions import Order, Version


class ResponseStatus(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    QUARANTINED = "quarantined"  # processing failed again and again; held for an operator


# Fields a survey tool may send again with new values (Delighted sends the comment after the score).
UPDATABLE_FIELDS = (
    "score",
    "comment",
    "survey_type",
    "touchpoint",
    "customer_name",
    "customer_email",
    "customer_phone",
    "responded_at",
    "language",
    "attributes",
)
# What a delivery may leave out without meaning "erase it": a tool sends the comment in one event and not the
# next, so a missing value keeps the stored one. Attributes are merged key by key for the same reason.
KEPT_WHEN_MISSING = frozenset(
    {"comment", "touchpoint", "customer_name", "customer_email", "customer_phone", "language"}
)


@dataclass(eq=False)
class Response:
    integration: str
    external_id: str
    score: int
    customer_id: str
    responded_at: datetime
    received_at: datetime
    survey_type: str = "transactional"
    comment: str | None = None
    touchpoint: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    customer_phone: str | None = None
    language: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    status: ResponseStatus = ResponseStatus.RECEIVED
    processed_at: datetime | None = None
    case_id: int | None = None
    failures: int = 0
    last_error: str | None = None
    team_id: int | None = None
    # Which version this is, by its sender's counter or clock (see domain.versions); None when not given.
    version: int | None = None
    version_at: datetime | None = None
    # When the customer's personal fields were erased (see domain.erasure); an erased response takes nothing.
    erased_at: datetime | None = None
    # What the tagger made of the comment (TagState) and which model, when; None: not tagged yet.
    theme_state: TagState | None = None
    tagged_at: datetime | None = None
    tagged_by: str | None = None
    id: int | None = None

    @property
    def category(self) -> Category:
        return classify(self.score)

    @property
    def customer_key(self) -> str:
        """Customer ids are only unique inside the integration that sent them."""
        return f"{self.integration}:{self.customer_id}"

    @property
    def ref(self) -> str:
        return f"{self.integration}/{self.external_id}"

    @property
    def version_key(self) -> Version:
        return Version(sequence=self.version, at=self.version_at, responded_at=self.responded_at)

    def absorb(self, incoming: Response) -> dict[str, tuple[Any, Any]] | None:
        """Takes what a repeated delivery brings, old and new per field (so the timeline can say what moved),
        or None when the delivery is stale and changes nothing: older than the version held, or, when the
        keys cannot order the two, one that would take information away (the earlier of two events that
        both name the same version)."""
        if self.erased_at is not None:
            return None  # a survey tool re-sending an erased answer must not bring the customer back
        order = incoming.version_key.against(self.version_key)
        if order is Order.OLDER or (order is Order.SAME and incoming.takes_away_from(self)):
            return None
        changes: dict[str, tuple[Any, Any]] = {}
        for name in UPDATABLE_FIELDS:
            old, new = getattr(self, name), getattr(incoming, name)
            if name == "attributes":
                new = {**old, **new}
            elif new is None and name in KEPT_WHEN_MISSING:
                continue
            if old != new:
                changes[name] = (old, new)
        for name, (_, new) in changes.items():
            setattr(self, name, new)
        if "comment" in changes:
            self.theme_state = None  # what the comment says must be read again
        self.version = incoming.version if incoming.version is not None else self.version
        self.version_at = incoming.version_at if incoming.version_at is not None else self.version_at
        return changes

    def takes_away_from(self, stored: Response) -> bool:
        """Whether taking this delivery as a whole would lose something the stored version knows."""
        lost = any(getattr(self, name) is None and getattr(stored, name) is not None for name in KEPT_WHEN_MISSING)
        return lost or not set(stored.attributes) <= set(self.attributes)
