"""Responses as stored: looked up by id or by the sender's key, and the ones the reconciler and the
quarantine look for."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.responses import Response, ResponseStatus
from npsloop.store import tables


class ResponseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, response: Response) -> None:
        self.session.add(response)

    def get(self, response_id: int) -> Response | None:
        return self.session.get(Response, response_id)

    def by_key(self, integration: str, external_id: str, *, lock: bool = False) -> Response | None:
        """`lock` holds the row until the transaction ends (PostgreSQL; SQLite writers take turns anyway), so
        that two versions of one response arriving at once are compared one after the other."""
        stmt = sa.select(Response).where(
            tables.responses.c.integration == integration, tables.responses.c.external_id == external_id
        )
        return self.session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()

    def for_case(self, case_id: int) -> list[Response]:
        stmt = sa.select(Response).where(tables.responses.c.case_id == case_id).order_by(tables.responses.c.id)
        return list(self.session.scalars(stmt))

    def unprocessed_since(self, before: datetime, limit: int) -> list[int]:
        c = tables.responses.c
        stmt = (
            sa.select(c.id)
            .where(c.status == ResponseStatus.RECEIVED, c.received_at < before)
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def quarantined(self, limit: int = 500) -> list[Response]:
        c = tables.responses.c
        stmt = sa.select(Response).where(c.status == ResponseStatus.QUARANTINED).order_by(c.id).limit(limit)
        return list(self.session.scalars(stmt))

    def scores(self, integration: str | None = None) -> list[int]:
        stmt = sa.select(tables.responses.c.score)
        if integration is not None:
            stmt = stmt.where(tables.responses.c.integration == integration)
        return list(self.session.scalars(stmt))
