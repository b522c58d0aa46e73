"""Outbound endpoints and their deliveries. Deliveries are written by a flush hook in the very transaction
that records a case event, so an event is never missed by a crash between the two, nor sent twice (one row
per endpoint and event, unique)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.cases import CaseEvent
from npsloop.domain.outbound import OUTBOUND_EVENTS, DeliveryStatus, Endpoint
from npsloop.services.records import Due
from npsloop.store import tables
from npsloop.store.database import rows_changed

d, e = tables.outbound_deliveries.c, tables.outbound_endpoints.c


class OutboundRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, endpoint: Endpoint) -> None:
        self.session.add(endpoint)

    def named(self, name: str) -> Endpoint | None:
        return self.session.scalars(sa.select(Endpoint).where(e.name == name)).one_or_none()

    def all(self) -> list[Endpoint]:
        return list(self.session.scalars(sa.select(Endpoint).order_by(e.name)))

    def remove(self, endpoint: Endpoint) -> None:
        """Its delivery log goes with it (ON DELETE CASCADE)."""
        self.session.delete(endpoint)

    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Due]:
        """Due deliveries, leased so that a second sender skips them until the lease runs out (a sender that
        dies mid-way leaves them to be claimed again, not lost)."""
        ev = tables.case_events.c
        due = sa.and_(
            d.status == DeliveryStatus.PENDING,
            d.next_attempt_at <= now,
            sa.or_(d.claimed_until.is_(None), d.claimed_until < now),
        )
        ids = list(
            self.session.scalars(
                sa.select(d.id)
                .where(due)
                .order_by(d.next_attempt_at, d.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        self.session.execute(
            sa.update(tables.outbound_deliveries).where(d.id.in_(ids)).values(claimed_until=now + lease)
        )
        rows = self.session.execute(
            sa.select(
                d.id,
                d.attempts,
                e.name.label("endpoint"),
                e.kind,
                e.url,
                e.secret,
                ev.id.label("event_id"),
                ev.kind.label("event_kind"),
                ev.actor,
                ev.at,
                ev.note,
                ev.case_id,
            )
            .join(tables.outbound_endpoints, e.id == d.endpoint_id)
            .join(tables.case_events, ev.id == d.event_id)
            .where(d.id.in_(ids))
            .order_by(d.id)
        )
        return [Due(**row._asdict()) for row in rows]

    def release(self, delivery_ids: list[int]) -> None:
        """Claimed but not attempted: free for the next sender at once, rather than when the lease ends."""
        self.session.execute(
            sa.update(tables.outbound_deliveries).where(d.id.in_(delivery_ids)).values(claimed_until=None)
        )

    def record(self, delivery_id: int, **values: Any) -> None:
        self.session.execute(
            sa.update(tables.outbound_deliveries).where(d.id == delivery_id).values(claimed_until=None, **values)
        )

    def log(
        self, *, endpoint: str | None = None, status: DeliveryStatus | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        query = (
            sa.select(
                d.id,
                e.name.label("endpoint"),
                d.case_id,
                d.event_kind,
                d.status,
                d.attempts,
                d.last_status_code,
                d.last_error,
                d.created_at,
                d.next_attempt_at,
                d.delivered_at,
            )
            .join(tables.outbound_endpoints, e.id == d.endpoint_id)
            .order_by(d.id.desc())
            .limit(limit)
        )
        if endpoint:
            query = query.where(e.name == endpoint)
        if status:
            query = query.where(d.status == status)
        return [dict(row._mapping) for row in self.session.execute(query)]

    def redeliver(self, delivery_id: int, now: datetime) -> bool:
        done = self.session.execute(
            sa.update(tables.outbound_deliveries)
            .where(d.id == delivery_id)
            .values(status=DeliveryStatus.PENDING, next_attempt_at=now, claimed_until=None)
        )
        return bool(rows_changed(done))


def fan_out(session: Session, _context: Any) -> None:
    """Runs after every flush: a case event of an outbound kind gets one delivery per endpoint that wants it."""
    fresh = [obj for obj in session.new if isinstance(obj, CaseEvent) and obj.kind in OUTBOUND_EVENTS]
    if not fresh:
        return
    connection = session.connection()
    endpoints = connection.execute(sa.select(e.id, e.events)).all()
    rows = [
        {
            "endpoint_id": endpoint_id,
            "event_id": _mapped(item, "id"),
            "case_id": _mapped(item, "case_id"),
            "event_kind": item.kind,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": item.at,
            "created_at": item.at,
        }
        for item in fresh
        for endpoint_id, wanted in endpoints
        if item.kind in (wanted or [])
    ]
    if rows:
        connection.execute(sa.insert(tables.outbound_deliveries), rows)


def _mapped(event: CaseEvent, column: str) -> Any:
    """A column the mapping adds to the domain's event (its own id, its case's), which the dataclass leaves out."""
    return sa.inspect(event).attrs[column].value
