"""Outbound endpoints (Slack, Microsoft Teams, signed webhooks) and the sending of their deliveries: claimed in batches,
posted, and recorded as delivered, or retried with backoff, or failed after the last attempt."""

from __future__ import annotations

import logging
import secrets as random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from npsloop.domain.audit import Change, EntityKind
from npsloop.domain.outbound import (
    DeliveryStatus,
    Endpoint,
    EndpointKind,
    InvalidEndpoint,
    all_events,
    next_attempt,
)
from npsloop.egress.policy import Policy, Refused
from npsloop.metrics import OUTBOUND_DELIVERIES
from npsloop.notify import outbound as wire
from npsloop.notify.teams_card import teams_body
from npsloop.redaction import redact
from npsloop.services.audit import SYSTEM, record
from npsloop.services.audit_states import endpoint_state
from npsloop.services.records import Due
from npsloop.services.unit_of_work import Conflict, UnitOfWork

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
Post = Callable[..., wire.Outcome]


@dataclass(frozen=True)
class Added:
    endpoint: Endpoint
    secret: str | None


def add_endpoint(
    *,
    uow: UnitOfWork,
    egress: Policy,
    name: str,
    kind: str,
    url: str,
    now: datetime,
    events: list[str] | None = None,
    actor: str = SYSTEM,
) -> Added:
    """`egress` says early whether the URL may be reached; each delivery's connection checks it again."""
    try:
        egress.check_url(url)
    except Refused as error:
        raise InvalidEndpoint(f"url: {error}") from None
    secret = "whsec_" + random.token_urlsafe(32) if kind == EndpointKind.WEBHOOK else None
    wanted = list(events) if events else all_events()
    endpoint = Endpoint(name=name, kind=kind, url=url, created_at=now, secret=secret, events=wanted)
    with uow:
        if uow.outbound.named(name) is not None:
            raise InvalidEndpoint(f"an endpoint named {name!r} exists")
        uow.outbound.add(endpoint)
        try:
            uow.flush()
            change = Change(EntityKind.ENDPOINT, "add", name, endpoint.id, after=endpoint_state(endpoint))
            record(uow, change, actor=actor, now=now)
            uow.commit()
        except Conflict:
            raise InvalidEndpoint(f"an endpoint named {name!r} exists") from None
    return Added(endpoint, secret)


def list_endpoints(*, uow: UnitOfWork) -> list[Endpoint]:
    with uow:
        return uow.outbound.all()


def remove_endpoint(*, uow: UnitOfWork, name: str, actor: str = SYSTEM, now: datetime | None = None) -> None:
    with uow:
        found = uow.outbound.named(name)
        if found is None:
            raise InvalidEndpoint(f"no endpoint named {name!r}")
        change = Change(EntityKind.ENDPOINT, "remove", name, found.id, before=endpoint_state(found))
        record(uow, change, actor=actor, now=now)
        uow.outbound.remove(found)
        uow.commit()


def deliveries(
    *, uow: UnitOfWork, endpoint: str | None = None, status: DeliveryStatus | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    with uow:
        return uow.outbound.log(endpoint=endpoint, status=status, limit=limit)


def redeliver(*, uow: UnitOfWork, delivery_id: int, now: datetime, actor: str = SYSTEM) -> None:
    with uow:
        if not uow.outbound.redeliver(delivery_id, now):
            raise InvalidEndpoint(f"no delivery {delivery_id}")
        change = Change(EntityKind.DELIVERY, "redeliver", str(delivery_id), delivery_id, after={"status": "pending"})
        record(uow, change, actor=actor, now=now)
        uow.commit()


def deliver_due(
    *,
    uow: UnitOfWork,
    now: datetime,
    public_url: str,
    post: Post,
    limit: int = 50,
    budget_seconds: float = LEASE.total_seconds() / 2,
) -> int:
    """Sends what is due now; returns how many were attempted. Bodies are built in the claim's transaction.
    Slow endpoints cannot make a run outlive its lease (when another sender could claim, and send again, what
    this one has not reached): past the budget, the rest is released for the next run."""
    with uow:
        due = uow.outbound.claim_due(now, limit, LEASE)
        built = [(item, _body(uow, item, public_url)) for item in due]
        uow.commit()
    began = time.monotonic()
    for index, (item, body) in enumerate(built):
        if index and time.monotonic() - began > budget_seconds:
            with uow:
                uow.outbound.release([later.id for later, _ in built[index:]])
                uow.commit()
            return index
        outcome = post(
            item.url,
            body,
            secret=item.secret,
            delivery_id=item.id,
            kind=f"case.{item.event_kind}",
            now=int(now.timestamp()),
        )
        _record(uow, item, outcome, now)
    return len(built)


def _record(uow: UnitOfWork, item: Due, outcome: wire.Outcome, now: datetime) -> None:
    attempts = item.attempts + 1
    OUTBOUND_DELIVERIES.labels(item.kind, "delivered" if outcome.ok else "failed").inc()
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    if outcome.ok:
        values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    else:
        retry_at = next_attempt(attempts, now)
        values.update(
            status=DeliveryStatus.PENDING if retry_at else DeliveryStatus.FAILED,
            next_attempt_at=retry_at or now,
        )
        log.warning(
            "outbound delivery failed",
            extra={
                "delivery_id": item.id,
                "endpoint": item.endpoint,
                "status": outcome.status_code,
                "attempts": attempts,
            },
        )
    with uow:
        uow.outbound.record(item.id, **values)
        uow.commit()


def _body(uow: UnitOfWork, item: Due, public_url: str) -> dict[str, Any]:
    case = uow.cases.get(item.case_id, with_events=False)
    assert case is not None and case.id is not None
    responses = uow.responses.for_case(case.id)
    opening = responses[0] if responses else None
    team = uow.directory.team(case.team_id) if case.team_id else None
    assignee = uow.directory.agent(case.assignee_id) if case.assignee_id else None
    event = {"kind": item.event_kind, "actor": item.actor, "at": item.at.isoformat(), "note": item.note}
    summary: dict[str, Any] = {
        "id": case.id,
        "url": f"{public_url.rstrip('/')}/ui/cases/{case.id}",
        "status": case.status,
        "priority": case.priority,
        "team": team.name if team else None,
        "touchpoint": case.touchpoint,
        "assignee": assignee.name if assignee else None,
        "opened_at": case.opened_at.isoformat(),
        "outcome": case.outcome,
        "customer_display": redact(opening.customer_name or opening.customer_id) if opening else None,
        "themes": [tag.to_dict() for tag in uow.tags.of_case(case.id)],  # keys: a receiver maps them itself
    }
    for moment in (
        "acknowledge_due_at",
        "contact_due_at",
        "close_due_at",
        "acknowledged_at",
        "contacted_at",
        "closed_at",
    ):
        value = getattr(case, moment)
        summary[moment] = value.isoformat() if value else None
    if opening is not None:
        summary["opening_response"] = {"score": opening.score, "comment": opening.comment}
    if item.kind == EndpointKind.SLACK:
        return wire.slack_body(event, summary)
    if item.kind == EndpointKind.TEAMS:
        return teams_body(event, summary)
    if opening is not None:
        # The helpdesk opens a ticket for this customer: it gets who they are (the channel does not).
        summary["customer"] = {
            "id": opening.customer_id,
            "name": opening.customer_name,
            "email": opening.customer_email,
            "phone": opening.customer_phone,
        }
        summary["opening_response"].update(
            integration=opening.integration,
            response_id=opening.external_id,
            responded_at=opening.responded_at.isoformat(),
        )
    return wire.webhook_body(item.id, event, summary)
