"""Taking a response in: store it first (that is what 202 promises); its unit of work then hands it to the queue."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from npsloop.domain.cases import EventKind
from npsloop.domain.responses import Response, ResponseStatus
from npsloop.domain.scores import Category
from npsloop.ingest.schemas import ResponseIn
from npsloop.metrics import RESPONSES_RECEIVED
from npsloop.services.unit_of_work import Conflict, UnitOfWork
from npsloop.services.work_messages import ProcessResponse

log = logging.getLogger(__name__)
MAX_DELIVERY_ID = 200  # the column's width


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # stored for the first time
    UPDATED = "updated"  # a newer version of a stored response changed some of its fields
    DUPLICATE = "duplicate"  # the same version again, or a delivery id already seen: nothing changed
    STALE = "stale"  # an older version than the one stored (a late retry or a replay): nothing changed


@dataclass(frozen=True)
class IngestResult:
    id: int
    created: bool
    changed_fields: tuple[str, ...] = ()
    stale: bool = False

    @property
    def outcome(self) -> Outcome:
        if self.created:
            return Outcome.ACCEPTED
        if self.stale:
            return Outcome.STALE
        return Outcome.UPDATED if self.changed_fields else Outcome.DUPLICATE


def ingest_response(
    *,
    uow: UnitOfWork,
    incoming: Response,
    now: datetime,
    live: bool = True,
    delivery_id: str | None = None,
) -> IngestResult:
    """`live=False` is for historical loads: stored and counted, but a year-old detractor opens no case.
    `delivery_id` is the sender's id of this delivery (a webhook id, an idempotency key): a second delivery with
    the same id, while it is remembered, is a duplicate whatever it holds."""
    if not live:
        incoming.status = ResponseStatus.PROCESSED
        incoming.processed_at = now
    key = delivery_key(delivery_id) if delivery_id else None
    for _ in range(3):
        try:
            result = _store(uow, incoming, now, key, live)
            break
        except Conflict:
            # Two deliveries of one response raced; the loser sees the winner's row on the next pass.
            continue
    else:
        raise RuntimeError("could not store the response after three attempts")
    outcome = result.outcome
    RESPONSES_RECEIVED.labels(incoming.integration, outcome.value).inc()
    log.info(
        "response stored",
        extra={
            "response_id": result.id,
            "integration": incoming.integration,
            "external_id": incoming.external_id,
            "outcome": outcome.value,
            "category": incoming.category.value,
        },
    )
    return result


def delivery_key(delivery_id: str) -> str:
    """A sender's id as the key it is remembered by: as given when short and printable, else its digest, so a
    sender's odd id still works and never overflows the column."""
    if 0 < len(delivery_id) <= MAX_DELIVERY_ID and delivery_id.isprintable() and delivery_id.isascii():
        return delivery_id
    return "sha256:" + hashlib.sha256(delivery_id.encode("utf-8", "surrogatepass")).hexdigest()


def forget_delivery_ids(*, uow: UnitOfWork, now: datetime, keep: timedelta, batch: int = 5000) -> int:
    """Delivery ids are kept long enough to outlast any tool's retries (days), not for ever; in batches, each
    its own short transaction, so the cleanup never holds a long lock. A replay after that is still stale or
    a duplicate by its version: the ids only spare the work."""
    forgotten = 0
    while True:
        with uow:
            gone = uow.delivery_ids.forget_before(now - keep, batch)
            uow.commit()
        forgotten += gone
        if gone < batch:
            return forgotten


def ingest_payload(
    *,
    uow: UnitOfWork,
    integration: str,
    payload: ResponseIn,
    now: datetime,
    delivery_id: str | None = None,
) -> IngestResult:
    """A validated payload, from whichever door it came in (API, survey-tool adapter, Redis intake)."""
    incoming = payload.to_domain(integration=integration, received_at=now)
    return ingest_response(uow=uow, incoming=incoming, now=now, delivery_id=delivery_id)


def _store(uow: UnitOfWork, incoming: Response, now: datetime, delivery_id: str | None, live: bool) -> IngestResult:
    """The delivery id is remembered in the transaction that stores what the delivery brought: of two copies
    racing, the one whose id is refused leaves everything as it was. A new response, or a new score or comment,
    is queued for processing once this commits (a broker outage then only delays it: the reconciler queues it)."""
    with uow:
        seen = uow.delivery_ids.response_for(incoming.integration, delivery_id) if delivery_id else None
        if seen is not None:
            return IngestResult(id=seen, created=False)
        result = _take(uow, incoming, now)
        if delivery_id and not uow.delivery_ids.remember(incoming.integration, delivery_id, result.id, now):
            winner = uow.delivery_ids.response_for(incoming.integration, delivery_id)
            return IngestResult(id=winner if winner is not None else result.id, created=False)
        if live and (result.created or {"score", "comment"} & set(result.changed_fields)):
            uow.emit(ProcessResponse(result.id, new=result.created))
        uow.commit()
        return result


def _take(uow: UnitOfWork, incoming: Response, now: datetime) -> IngestResult:
    created = uow.responses.insert_new(incoming)
    if created is not None:
        return IngestResult(id=created, created=True)
    existing = uow.responses.by_key(incoming.integration, incoming.external_id, lock=True)
    if existing is None:
        # Erased between the refused INSERT and this read: nothing to compare with; the next pass inserts it.
        raise Conflict(f"response ({incoming.integration}, {incoming.external_id}) went while it was read")
    assert existing.id is not None
    was_detractor = existing.category is Category.DETRACTOR
    changes = existing.absorb(incoming)
    if changes is None:
        return IngestResult(id=existing.id, created=False, stale=True)
    if changes and existing.case_id is not None:
        case = uow.cases.get(existing.case_id)
        if case is not None:
            case.record(
                EventKind.RESPONSE_UPDATED,
                at=now,
                data={"response": existing.ref, "changes": {k: [o, n] for k, (o, n) in _jsonable(changes)}},
            )
    if "score" in changes and not was_detractor and existing.category is Category.DETRACTOR:
        # Became a detractor: it must go through classification again to get its case.
        existing.status = ResponseStatus.RECEIVED
        existing.received_at = now
    return IngestResult(id=existing.id, created=False, changed_fields=tuple(sorted(changes)))


def _jsonable(changes: dict[str, tuple[object, object]]) -> list[tuple[str, tuple[object, object]]]:
    def plain(value: object) -> object:
        return value.isoformat() if isinstance(value, datetime) else value

    return [(key, (plain(old), plain(new))) for key, (old, new) in sorted(changes.items())]
