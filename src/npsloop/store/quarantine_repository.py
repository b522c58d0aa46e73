"""Tasks that failed too often, held for an operator to look at and retry."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.services.records import QuarantinedTask
from npsloop.store import tables


class QuarantineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, task: str, payload: str, error: str, attempts: int, now: datetime) -> None:
        self.session.execute(
            sa.insert(tables.quarantine).values(
                task=task, payload=payload[:65536], error=error[:4000], attempts=attempts, created_at=now
            )
        )

    def held(self, limit: int = 500) -> list[QuarantinedTask]:
        q = tables.quarantine.c
        stmt = sa.select(tables.quarantine).where(q.retried_at.is_(None)).order_by(q.id).limit(limit)
        return [QuarantinedTask(**row._mapping) for row in self.session.execute(stmt)]

    def mark_retried(self, quarantine_id: int, now: datetime) -> None:
        q = tables.quarantine.c
        self.session.execute(sa.update(tables.quarantine).where(q.id == quarantine_id).values(retried_at=now))
