"""The audit trail's rows: one INSERT per change, in the changing transaction, and pages read newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.audit import TEAM_KINDS, AuditEntry, AuditFilter, Change
from npsloop.store import tables


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, change: Change, *, actor: str, at: datetime) -> None:
        self.session.execute(
            sa.insert(tables.audit_log).values(
                at=at,
                actor=actor,
                entity_kind=change.kind.value,
                action=change.action,
                entity_name=change.name,
                entity_id=change.entity_id,
                team_id=change.team_id,
                before=change.before,
                after=change.after,
            )
        )

    def page(self, where: AuditFilter, *, before: int | None, limit: int) -> list[AuditEntry]:
        """Newest first; `before`: only entries older than that id (the last of the previous page)."""
        c = tables.audit_log.c
        stmt = sa.select(tables.audit_log).where(*_conditions(where)).order_by(c.id.desc()).limit(limit)
        if before is not None:
            stmt = stmt.where(c.id < before)
        return [_entry(row._mapping) for row in self.session.execute(stmt)]

    def count(self, where: AuditFilter) -> int:
        stmt = sa.select(sa.func.count()).select_from(tables.audit_log).where(*_conditions(where))
        return int(self.session.scalar(stmt) or 0)


def _conditions(where: AuditFilter) -> list[sa.ColumnElement[bool]]:
    c = tables.audit_log.c
    found: list[sa.ColumnElement[bool]] = []
    if where.actor is not None:
        found.append(c.actor == where.actor)
    if where.kind is not None:
        found.append(c.entity_kind == where.kind.value)
    if where.team_id is not None:
        found.append(c.team_id == where.team_id)
    if where.since is not None:
        found.append(c.at >= where.since)
    if where.until is not None:
        found.append(c.at < where.until)
    if where.team_kinds_only:
        found.append(c.entity_kind.in_(sorted(kind.value for kind in TEAM_KINDS)))
    return found


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        kind=row["entity_kind"],
        action=row["action"],
        name=row["entity_name"],
        entity_id=row["entity_id"],
        team_id=row["team_id"],
        before=row["before"],
        after=row["after"],
    )
