"""One survey answer as npsloop keeps it: who answered, what, and where it stands in the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from npsloop.domain.scores import Category, classify


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
    status: str = ResponseStatus.RECEIVED
    processed_at: datetime | None = None
    case_id: int | None = None
    failures: int = 0
    last_error: str | None = None
    team_id: int | None = None
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

    def changes_from(self, incoming: Response) -> dict[str, tuple[Any, Any]]:
        """The fields a repeated delivery changes, old and new, so the timeline can say what moved."""
        changes: dict[str, tuple[Any, Any]] = {}
        for name in UPDATABLE_FIELDS:
            old, new = getattr(self, name), getattr(incoming, name)
            if old != new:
                changes[name] = (old, new)
        return changes

    def take(self, incoming: Response) -> dict[str, tuple[Any, Any]]:
        changes = self.changes_from(incoming)
        for name, (_, new) in changes.items():
            setattr(self, name, new)
        return changes
