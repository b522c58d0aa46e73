"""Erasing a customer (`npsloop customers erase`, DELETE /v1/customers/{id}): every personal field of theirs,
in every table and in the copies kept outside the database, is removed or replaced, while what reports count
stays (domain.erasure says what goes and what stays). Retention erases old rows by the same `anonymise`.

Copies outside the database go first: they are found by the values the database still holds, so an erasure
stopped half-way (Redis down) is simply run again, and finds what is left."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from npsloop.domain.audit import Change, EntityKind
from npsloop.domain.cases import Case
from npsloop.domain.erasure import ERASED, Pseudonyms, Subject, erase_case, erase_response
from npsloop.domain.errors import DomainError
from npsloop.domain.responses import Response
from npsloop.services.audit import record
from npsloop.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
QUARANTINE_PAGE = 500


class InvalidCustomer(DomainError):
    pass


class Trace(Protocol):
    """Copies of personal data npsloop keeps outside its database (rendered alerts in the outbox folder, the
    intake's rejects stream). Raises StoreUnavailable when the place cannot be reached."""

    name: str

    def find(self, subject: Subject) -> list[dict[str, Any]]: ...

    def forget(self, subject: Subject) -> int: ...

    def count_before(self, cutoff: datetime) -> int: ...

    def forget_before(self, cutoff: datetime) -> int: ...


@dataclass(frozen=True)
class Erased:
    """How many rows and copies were changed: what the CLI and the API answer (never the values)."""

    responses: int = 0
    cases: int = 0
    quarantined: int = 0
    elsewhere: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "responses": self.responses,
            "cases": self.cases,
            "quarantined": self.quarantined,
            **self.elsewhere,
        }


def check_customer_id(customer_id: str) -> str:
    if not customer_id.strip() or len(customer_id) > 200:
        raise InvalidCustomer("a customer id is 1 to 200 characters, not blank")
    return customer_id


def subject_of(uow: UnitOfWork, customer_id: str, integration: str | None) -> tuple[Subject, list[Response]]:
    """Inside an open unit of work: the customer's responses, and the values and alerts that identify them."""
    responses = uow.customers.responses_of(customer_id, integration)
    case_ids = case_ids_of(uow, customer_id, integration, responses)
    references = [f"n{alert.id}" for alert, _ in uow.customers.alerts(case_ids)]
    return Subject.of(customer_id, integration, responses, references), responses


def case_ids_of(uow: UnitOfWork, customer_id: str, integration: str | None, responses: list[Response]) -> list[int]:
    """The cases of the customer's responses, and any case still under the customer's key whose responses were
    erased already (a worker that opened it while an erasure ran: a second erasure finds it this way)."""
    held = {resp.case_id for resp in responses if resp.case_id is not None}
    return sorted(held | set(uow.customers.cases_under_key(customer_id, integration)))


def erase_customer(
    *,
    uow: UnitOfWork,
    customer_id: str,
    integration: str | None = None,
    actor: str,
    now: datetime,
    traces: Sequence[Trace] = (),
    keep_attributes: frozenset[str] = frozenset(),
) -> Erased:
    """Idempotent: a second run finds nothing under the id (its rows carry a pseudonym now) and changes nothing.
    Without `integration`, the id is erased in every integration that used it."""
    check_customer_id(customer_id)
    with uow:
        subject, _ = subject_of(uow, customer_id, integration)
    elsewhere = {trace.name: trace.forget(subject) for trace in traces}
    with uow:
        fresh, responses = subject_of(uow, customer_id, integration)
        subject = subject.joined(fresh)
        cases = uow.customers.cases(case_ids_of(uow, customer_id, integration, responses))
        anonymise(uow, responses, cases, actor=actor, reason="request", now=now, keep_attributes=keep_attributes)
        quarantined = _scrub_quarantine(uow, subject)
        # That an erasure happened and what it changed; never whom (the id is the erased data itself).
        counts = {"integration": integration, "responses": len(responses), "cases": len(cases)}
        change = Change(EntityKind.CUSTOMER, "erase", "(erased)", after={**counts, "quarantined": quarantined})
        record(uow, change, actor=actor, now=now)
        uow.commit()
        uow.customers.drop_old_page_versions()
    log.info(
        "customer erased",
        extra={"actor": actor, "responses": len(responses), "cases": len(cases), "quarantined": quarantined},
    )
    return Erased(len(responses), len(cases), quarantined, elsewhere)


def anonymise(
    uow: UnitOfWork,
    responses: Sequence[Response],
    cases: Sequence[Case],
    *,
    actor: str,
    reason: str,
    now: datetime,
    keep_attributes: frozenset[str],
) -> None:
    """The one erasure of rows, for a request and for retention alike. `responses` must hold every response of
    `cases` (their values are what the cases' notes and errors are scrubbed of)."""
    pseudonyms = Pseudonyms()
    by_customer: dict[tuple[str, str], list[Response]] = {}
    owner: dict[int, tuple[str, str]] = {}  # case id -> its customer, read before anything is rewritten
    for response in responses:
        key = (response.integration, response.customer_id)
        by_customer.setdefault(key, []).append(response)
        if response.case_id is not None:
            owner[response.case_id] = key
    subjects = {key: Subject.of(key[1], key[0], found) for key, found in by_customer.items()}
    by_case: dict[int, Subject] = {}
    old_keys = {case.id: case.customer_key for case in cases if case.id is not None}
    for case in cases:
        assert case.id is not None
        integration, _, customer_id = case.customer_key.partition(":")
        integration, customer_id = owner.get(case.id, (integration, customer_id))
        by_case[case.id] = subjects.get((integration, customer_id)) or Subject(customer_id, integration)
        pseudonym = pseudonyms.for_customer(integration, customer_id)
        erase_case(case, by_case[case.id], f"{integration}:{pseudonym}", actor=actor, reason=reason, now=now)
    for (integration, customer_id), found in by_customer.items():
        pseudonym = pseudonyms.for_customer(integration, customer_id)
        for response in found:
            erase_response(response, pseudonym, keep_attributes=keep_attributes, now=now)
    for alert, _ in uow.customers.alerts(list(by_case)):
        if alert.last_error:
            alert.last_error = by_case[alert.case_id].scrub(alert.last_error)
    uow.customers.erase_delivery_errors(list(by_case))
    # Recovery follow-ups: the comment goes, nothing more is sent, and an opt-out outlives the erasure.
    uow.recovery.erase({case.id: case.customer_key for case in cases if case.id is not None}, old_keys, now)
    uow.delivery_ids.forget_responses([response.id for response in responses if response.id is not None])


def _scrub_quarantine(uow: UnitOfWork, subject: Subject) -> int:
    """Messages held for an operator that quote the customer lose their body; their error text loses the
    values. Paged, so a large quarantine is read a page at a time."""
    changed, after = 0, 0
    while page := uow.customers.quarantine_page(after, QUARANTINE_PAGE):
        for held in page:
            if subject.mentions(held.payload) or subject.mentions(held.error):
                uow.customers.rewrite_quarantined(held.id, payload=ERASED, error=subject.scrub(held.error))
                changed += 1
        after = page[-1].id
    return changed
