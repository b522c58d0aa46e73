"""Taking a response in: store it first (that is what 202 promises), then hand it to the queue."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from npsloop.domain.cases import EventKind
from npsloop.domain.responses import Response, ResponseStatus
from npsloop.domain.scores import Category
from npsloop.ingest.schemas import ResponseIn
from npsloop.metrics import RESPONSES_RECEIVED
from npsloop.services.ports import Dispatcher
from npsloop.store.uow import Conflict, UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    id: int
    created: bool
    changed_fields: tuple[str, ...] = ()


def ingest_response(
    *, uow: UnitOfWork, dispatcher: Dispatcher, incoming: Response, now: datetime, live: bool = True
) -> IngestResult:
    """`live=False` is for historical loads: stored and counted, but a year-old detractor opens no case."""
    if not live:
        incoming.status = ResponseStatus.PROCESSED.value
        incoming.processed_at = now
    for _ in range(3):
        try:
            result = _store(uow, incoming, now)
            break
        except Conflict:
            # Two deliveries of one response raced; the loser sees the winner's row on the next pass.
            continue
    else:
        raise RuntimeError("could not store the response after three attempts")
    outcome = "accepted" if result.created else "updated" if result.changed_fields else "duplicate"
    RESPONSES_RECEIVED.labels(incoming.integration, outcome).inc()
    log.info(
        "response stored",
        extra={
            "response_id": result.id,
            "integration": incoming.integration,
            "external_id": incoming.external_id,
            "outcome": outcome,
            "category": incoming.category.value,
        },
    )
    if live and (result.created or "score" in result.changed_fields):
        enqueue_response(dispatcher, result.id)
    return result


def ingest_payload(
    *, uow: UnitOfWork, dispatcher: Dispatcher, integration: str, payload: ResponseIn, now: datetime
) -> IngestResult:
    """A validated payload, from whichever door it came in (API, survey-tool adapter, Redis intake)."""
    incoming = payload.to_domain(integration=integration, received_at=now)
    return ingest_response(uow=uow, dispatcher=dispatcher, incoming=incoming, now=now)


def enqueue_response(dispatcher: Dispatcher, response_id: int) -> None:
    """A broker outage must not turn a stored response into an error: the reconciler re-enqueues it."""
    try:
        dispatcher.process_response(response_id)
    except Exception:
        log.warning("enqueue failed; the reconciler will retry", extra={"response_id": response_id}, exc_info=True)


def enqueue_notification(dispatcher: Dispatcher, notification_id: int) -> None:
    """As for responses: the row is committed, so a broker outage only delays it (the reconciler sends it)."""
    try:
        dispatcher.send_notification(notification_id)
    except Exception:
        log.warning(
            "enqueue failed; the reconciler will retry", extra={"notification_id": notification_id}, exc_info=True
        )


def _store(uow: UnitOfWork, incoming: Response, now: datetime) -> IngestResult:
    with uow:
        existing = uow.responses.by_key(incoming.integration, incoming.external_id)
        if existing is None:
            uow.responses.add(incoming)
            uow.flush()
            assert incoming.id is not None
            uow.commit()
            return IngestResult(id=incoming.id, created=True)
        assert existing.id is not None
        was_detractor = existing.category is Category.DETRACTOR
        changes = existing.take(incoming)
        if not changes:
            return IngestResult(id=existing.id, created=False)
        if existing.case_id is not None:
            case = uow.cases.get(existing.case_id)
            if case is not None:
                case.record(
                    EventKind.RESPONSE_UPDATED,
                    at=now,
                    data={"response": existing.ref, "changes": {k: [o, n] for k, (o, n) in _jsonable(changes)}},
                )
        if "score" in changes and not was_detractor and existing.category is Category.DETRACTOR:
            # Became a detractor: it must go through classification again to get its case.
            existing.status = ResponseStatus.RECEIVED.value
            existing.received_at = now
        uow.commit()
        return IngestResult(id=existing.id, created=False, changed_fields=tuple(sorted(changes)))


def _jsonable(changes: dict[str, tuple[object, object]]) -> list[tuple[str, tuple[object, object]]]:
    def plain(value: object) -> object:
        return value.isoformat() if isinstance(value, datetime) else value

    return [(key, (plain(old), plain(new))) for key, (old, new) in sorted(changes.items())]
