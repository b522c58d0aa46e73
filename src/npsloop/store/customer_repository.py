"""Everything held about one customer, and what retention has still to erase: the queries of erasure,
subject access and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from npsloop.domain.cases import Case, CaseStatus
from npsloop.domain.erasure import ERASED
from npsloop.domain.notifications import Notification
from npsloop.domain.outbound import Endpoint
from npsloop.domain.responses import Response
from npsloop.services.records import QuarantinedTask
from npsloop.store import tables
from npsloop.store.mapping import case_events

r, c, q = tables.responses.c, tables.cases.c, tables.quarantine.c
d, n, a = tables.outbound_deliveries.c, tables.notifications.c, tables.agents.c


class CustomerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def responses_of(self, customer_id: str, integration: str | None) -> list[Response]:
        stmt = sa.select(Response).where(r.customer_id == customer_id)
        if integration is not None:
            stmt = stmt.where(r.integration == integration)
        return list(self.session.scalars(stmt.order_by(r.id)))

    def cases_under_key(self, customer_id: str, integration: str | None) -> list[int]:
        """Cases whose key names the customer, in the integration given or in any that sent responses."""
        known = [integration] if integration is not None else self.session.scalars(sa.select(r.integration).distinct())
        keys = [f"{name}:{customer_id}" for name in known]
        return list(self.session.scalars(sa.select(c.id).where(c.customer_key.in_(keys)))) if keys else []

    def responses_of_cases(self, case_ids: list[int]) -> list[Response]:
        stmt = sa.select(Response).where(r.case_id.in_(case_ids)).order_by(r.id)
        return list(self.session.scalars(stmt)) if case_ids else []

    def cases(self, case_ids: list[int]) -> list[Case]:
        if not case_ids:
            return []
        stmt = sa.select(Case).where(c.id.in_(case_ids)).options(selectinload(case_events()))
        return list(self.session.scalars(stmt.order_by(c.id)))

    def alerts(self, case_ids: list[int]) -> list[tuple[Notification, str]]:
        """The case's notifications with the name of the agent each went to."""
        if not case_ids:
            return []
        stmt = (
            sa.select(Notification, a.name)
            .join(tables.agents, a.id == n.agent_id)
            .where(n.case_id.in_(case_ids))
            .order_by(n.id)
        )
        return [(row[0], row[1]) for row in self.session.execute(stmt)]

    def deliveries(self, case_ids: list[int]) -> list[tuple[Endpoint, dict[str, Any]]]:
        """The outbound deliveries of the cases, with the endpoint each went (or was to go) to."""
        if not case_ids:
            return []
        stmt = (
            sa.select(Endpoint, d.case_id, d.event_kind, d.status, d.attempts, d.created_at, d.delivered_at)
            .join(tables.outbound_deliveries, d.endpoint_id == tables.outbound_endpoints.c.id)
            .where(d.case_id.in_(case_ids))
            .order_by(d.id)
        )
        return [(row[0], dict(row._mapping)) for row in self.session.execute(stmt)]

    def erase_delivery_errors(self, case_ids: list[int]) -> None:
        """An endpoint's error answer may echo the body it was sent, in any encoding: it goes whole."""
        if case_ids:
            self.session.execute(
                sa.update(tables.outbound_deliveries)
                .where(d.case_id.in_(case_ids), d.last_error.is_not(None), d.last_error != ERASED)
                .values(last_error=ERASED)
            )

    def quarantine_page(self, after_id: int, limit: int, before: datetime | None = None) -> list[QuarantinedTask]:
        stmt = sa.select(tables.quarantine).where(q.id > after_id, q.payload != ERASED)
        if before is not None:
            stmt = stmt.where(q.created_at < before)
        return [QuarantinedTask(**row._mapping) for row in self.session.execute(stmt.order_by(q.id).limit(limit))]

    def rewrite_quarantined(self, quarantine_id: int, *, payload: str, error: str) -> None:
        self.session.execute(
            sa.update(tables.quarantine).where(q.id == quarantine_id).values(payload=payload, error=error)
        )

    def drop_old_page_versions(self) -> None:
        """SQLite's write-ahead log keeps every page as it was written since the last checkpoint, an erased
        customer's values among them: after an erasure commits, checkpoint and truncate it (from a connection
        of its own: a checkpoint cannot pass the session's open transaction). PostgreSQL's dead row versions
        are left to VACUUM (see docs/security.md)."""
        engine = self.session.get_bind()
        if engine.dialect.name != "sqlite":
            return
        raw = engine.raw_connection() if isinstance(engine, sa.Engine) else engine.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()

    # Retention -----------------------------------------------------------------------------------------------

    def _closed_before(self, cutoff: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(c.erased_at.is_(None), c.status == CaseStatus.CLOSED, c.closed_at < cutoff)

    def _loose_before(self, cutoff: datetime) -> sa.ColumnElement[bool]:
        """Responses that no case holds; a case's responses go with their case, once it is closed long enough."""
        return sa.and_(r.erased_at.is_(None), r.responded_at < cutoff, r.case_id.is_(None))

    def closed_cases_before(self, cutoff: datetime, limit: int) -> list[Case]:
        ids = self.session.scalars(sa.select(c.id).where(self._closed_before(cutoff)).order_by(c.id).limit(limit))
        return self.cases(list(ids))

    def loose_responses_before(self, cutoff: datetime, limit: int) -> list[Response]:
        stmt = sa.select(Response).where(self._loose_before(cutoff)).order_by(r.id).limit(limit)
        return list(self.session.scalars(stmt))

    def retention_counts(self, cutoff: datetime) -> dict[str, int]:
        closed = sa.select(c.id).where(self._closed_before(cutoff)).scalar_subquery()
        count = sa.func.count()

        def one(stmt: Any) -> int:
            return int(self.session.scalar(stmt) or 0)

        return {
            "cases": one(sa.select(count).where(self._closed_before(cutoff))),
            "case_responses": one(sa.select(count).where(r.case_id.in_(closed), r.erased_at.is_(None))),
            "responses": one(sa.select(count).where(self._loose_before(cutoff))),
            "quarantined": one(sa.select(count).where(q.created_at < cutoff, q.payload != ERASED)),
        }
