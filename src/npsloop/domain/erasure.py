"""What erasing a customer means, field by field (GDPR art. 17, Colombia's Ley 1581): their personal values
go, what reports count stays. The same rules serve an erasure request and nightly retention.

Kept: the score, survey type, touchpoint, language, dates, team, the response's own id at its survey tool (so
a re-delivery of an erased answer is recognised, and ignored), and the case's timeline shape (kinds, actors,
times). Gone: name, email, phone, comment, attributes (but those an operator declares to be segments, not
personal), notes people wrote on the customer's cases, and any copy of a personal value in notes, event data
and error texts. The customer id becomes a random pseudonym, one per customer in each erasure (a request, or
one retention batch), so the customer's responses and cases still belong together (one open case per
customer, re-contact figures) while nothing links them back: the pseudonym is not derived from the id, and no
key that could re-identify it exists anywhere. The price, for retention only: two cases of one customer
erased on different nights no longer count as a re-contact in the loop report of those old periods.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from npsloop.domain.cases import SYSTEM_ACTOR, Case, EventKind
from npsloop.domain.responses import Response

ERASED = "[erased]"
PSEUDONYM_PREFIX = "erased:"
# Shorter values are not searched for inside free text: "Ana" or "12" would match in unrelated words and ids.
MIN_SEARCHED = 4
# Fields of a response_updated event's `changes` that carry the customer's values.
PERSONAL_CHANGES = frozenset({"comment", "customer_name", "customer_email", "customer_phone", "attributes"})


def new_pseudonym() -> str:
    return PSEUDONYM_PREFIX + secrets.token_hex(10)


def is_pseudonym(customer_id: str) -> bool:
    return customer_id.startswith(PSEUDONYM_PREFIX)


@dataclass(frozen=True)
class Subject:
    """Whom an erasure or an export is about, and the values by which their copies outside the rows that
    name them are recognised (a quarantined message, an intake reject, an error text)."""

    customer_id: str
    integration: str | None = None
    # Everything personal (scrubbed from text known to be theirs), and what identifies them (searched for in
    # text that may be anyone's: a comment like "Great service" identifies nobody, an email does).
    values: frozenset[str] = frozenset()
    identifiers: frozenset[str] = frozenset()
    references: frozenset[str] = frozenset()  # notification references ("n42"), as outboxes name their files

    @classmethod
    def of(
        cls, customer_id: str, integration: str | None, responses: Iterable[Response], references: Iterable[str] = ()
    ) -> Subject:
        values, identifiers = {customer_id}, {customer_id}
        for response in responses:
            values.update(personal_values(response))
            identifiers.update(
                v for v in (response.customer_name, response.customer_email, response.customer_phone) if v
            )
        return cls(customer_id, integration, frozenset(values), frozenset(identifiers), frozenset(references))

    def joined(self, other: Subject) -> Subject:
        return Subject(
            self.customer_id,
            self.integration,
            self.values | other.values,
            self.identifiers | other.identifiers,
            self.references | other.references,
        )

    def mentions(self, text: str | None) -> bool:
        """Whether text that may be anyone's names this customer."""
        if not text:
            return False
        return any(form in text for form in _forms(self.identifiers))

    def scrub(self, text: str) -> str:
        for form in _forms(self.values):
            text = text.replace(form, ERASED)
        return text

    def scrub_data(self, value: Any) -> Any:
        """The same, through JSON: keys stay (they are field names), string values are scrubbed."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_data(item) for item in value]
        if isinstance(value, dict):
            return {key: self.scrub_data(item) for key, item in value.items()}
        return value

    def owns_entry(self, integration: str | None, response: Any) -> bool:
        """Whether an intake entry (the JSON of POST /v1/responses) is this customer's answer."""
        if not isinstance(response, dict):
            return False
        customer = response.get("customer")
        if not isinstance(customer, dict) or customer.get("id") != self.customer_id:
            return False
        return self.integration is None or integration in (None, "", self.integration)


def _forms(values: frozenset[str]) -> tuple[str, ...]:
    """Every form a value takes in text: as is, and escaped inside JSON (ASCII-only or not); longest first, so
    a value that contains another is replaced whole."""
    forms = set()
    for value in values:
        if len(value) >= MIN_SEARCHED:
            forms.update({value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]})
    return tuple(sorted(forms, key=len, reverse=True))


def personal_values(response: Response) -> set[str]:
    found = {response.customer_id}
    for value in (response.customer_name, response.customer_email, response.customer_phone, response.comment):
        if value:
            found.add(value)
    found.update(str(v) for v in response.attributes.values() if isinstance(v, str) and v)
    found.discard("")
    return found


@dataclass
class Pseudonyms:
    """One pseudonym per customer (integration and id) within one erasure: their rows stay together."""

    given: dict[tuple[str, str], str] = field(default_factory=dict)

    def for_customer(self, integration: str, customer_id: str) -> str:
        if is_pseudonym(customer_id):
            return customer_id
        return self.given.setdefault((integration, customer_id), new_pseudonym())


def erase_response(response: Response, pseudonym: str, *, keep_attributes: frozenset[str], now: datetime) -> None:
    subject = Subject.of(response.customer_id, response.integration, [response])
    response.customer_id = pseudonym
    response.customer_name = response.customer_email = response.customer_phone = None
    response.comment = None
    response.attributes = {k: v for k, v in response.attributes.items() if k in keep_attributes}
    if response.last_error:
        response.last_error = subject.scrub(response.last_error)
    if response.erased_at is None:
        response.erased_at = now


def erase_case(case: Case, subject: Subject, pseudonym_key: str, *, actor: str, reason: str, now: datetime) -> None:
    """Notes people wrote about the customer go whole; the system's own notes (after hours, unrouted) only lose
    any personal value they quote. The timeline keeps every event, and gains one saying who erased, and when."""
    case.customer_key = pseudonym_key
    if case.action_note:
        case.action_note = ERASED  # what the agent did for the customer, in their words: a note like any other
    for event in case.events:
        if event.note:
            event.note = subject.scrub(event.note) if event.actor == SYSTEM_ACTOR else ERASED
        if event.data:
            event.data = _scrubbed_event_data(event.kind, event.data, subject)
    if case.erased_at is None:
        case.erased_at = now
        case.record(EventKind.ERASED, at=now, actor=actor, data={"reason": reason})


def _scrubbed_event_data(kind: EventKind, data: dict[str, Any], subject: Subject) -> dict[str, Any]:
    data = subject.scrub_data(data)
    if data.get("action_note"):
        data["action_note"] = ERASED
    changes = data.get("changes")
    if kind == EventKind.RESPONSE_UPDATED and isinstance(changes, dict):
        data["changes"] = {
            name: [ERASED, ERASED] if name in PERSONAL_CHANGES else pair for name, pair in changes.items()
        }
    return data
