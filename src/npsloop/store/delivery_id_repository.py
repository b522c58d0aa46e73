"""Delivery ids senders gave, remembered for a while so that a retried delivery changes nothing."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.orm import Session

from npsloop.store import tables
from npsloop.store.database import rows_changed


class DeliveryIdRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def response_for(self, integration: str, delivery_id: str) -> int | None:
        """The response a delivery with this id was about, if it was seen (and not yet forgotten)."""
        c = tables.ingest_deliveries.c
        stmt = sa.select(c.response_id).where(c.integration == integration, c.delivery_id == delivery_id)
        return self.session.scalars(stmt).one_or_none()

    def remember(self, integration: str, delivery_id: str, response_id: int, now: datetime) -> bool:
        """True for exactly one of the copies of a delivery, whatever runs concurrently: the unique key says
        no to the others (on PostgreSQL a copy waits for the first one's transaction to end)."""
        try:
            with self.session.begin_nested():
                self.session.execute(
                    sa.insert(tables.ingest_deliveries).values(
                        integration=integration, delivery_id=delivery_id, response_id=response_id, received_at=now
                    )
                )
        except exc.IntegrityError:
            return False
        return True

    def forget_before(self, cutoff: datetime, limit: int) -> int:
        """Deletes at most `limit` of the ids received before `cutoff`, oldest first; how many went."""
        c = tables.ingest_deliveries.c
        oldest = sa.select(c.id).where(c.received_at < cutoff).order_by(c.id).limit(limit)
        ids = list(self.session.scalars(oldest))
        if ids:
            self.session.execute(sa.delete(tables.ingest_deliveries).where(c.id.in_(ids)))
        return len(ids)

    def forget_responses(self, response_ids: list[int]) -> int:
        """Forgets every delivery id of these responses: a sender's id (an Idempotency-Key) is its own text and
        may quote the customer, so an erased response keeps none. A re-delivery stays stale by `erased_at`."""
        if not response_ids:
            return 0
        c = tables.ingest_deliveries.c
        result = self.session.execute(sa.delete(tables.ingest_deliveries).where(c.response_id.in_(response_ids)))
        return rows_changed(result)
