"""Cases: the open case of a customer, the deadlines the sweep watches, the queue and the search, and the
case filter as SQL (case_conditions) that the case export shares."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from npsloop.domain.cases import Case, CaseEvent, CaseStatus
from npsloop.domain.scores import Category
from npsloop.domain.theme_tags import Polarity
from npsloop.services.records import CaseFilter
from npsloop.store import tables
from npsloop.store.mapping import case_events

CATEGORY_SCORES = {Category.DETRACTOR: (0, 6), Category.PASSIVE: (7, 8), Category.PROMOTER: (9, 10)}


def case_conditions(where: CaseFilter) -> list[sa.ColumnElement[bool]]:
    """A case filter as SQL: what the queue, the search and the case export select."""
    c = tables.cases.c
    conditions: list[sa.ColumnElement[bool]] = []
    if where.status:
        conditions.append(c.status == where.status)
    if where.team_id is not None:
        conditions.append(c.team_id == where.team_id)
    if where.team_ids is not None:
        conditions.append(c.team_id.in_(sorted(where.team_ids)))
    if where.agent_id is not None:
        conditions.append(c.assignee_id == where.agent_id)
    if where.touchpoint:
        conditions.append(c.touchpoint == where.touchpoint)
    if where.opened_from:
        conditions.append(c.opened_at >= where.opened_from)
    if where.opened_to:
        conditions.append(c.opened_at < where.opened_to)
    if where.category:
        low, high = CATEGORY_SCORES[where.category]
        r = tables.responses.c
        conditions.append(sa.exists().where(r.case_id == c.id, r.score >= low, r.score <= high))
    if where.theme:
        r, t = tables.responses.c, tables.response_themes.c
        conditions.append(
            sa.exists().where(
                r.case_id == c.id,
                t.response_id == r.id,
                t.theme == where.theme,
                t.polarity == Polarity.NEGATIVE.value,
            )
        )
    return conditions


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, case: Case) -> None:
        self.session.add(case)

    def get(self, case_id: int, *, with_events: bool = True) -> Case | None:
        """With its timeline by default; without, for readers that only need the case's own fields."""
        options = [selectinload(case_events())] if with_events else []
        return self.session.get(Case, case_id, options=options)

    def append_event(self, case_id: int, event: CaseEvent) -> None:
        """Adds to the timeline without loading it: the hot path's record of a sent alert."""
        self.session.execute(
            sa.insert(tables.case_events).values(
                case_id=case_id, kind=event.kind, actor=event.actor, at=event.at, note=event.note, data=event.data
            )
        )

    def open_for_customer(self, customer_key: str) -> Case | None:
        c = tables.cases.c
        stmt = sa.select(Case).where(c.customer_key == customer_key, c.status != CaseStatus.CLOSED)
        return self.session.scalars(stmt).one_or_none()

    def needing_attention(self, horizon: datetime, limit: int = 1000) -> list[Case]:
        """Live cases with a deadline before `horizon` that is not met yet."""
        c = tables.cases.c
        stmt = (
            sa.select(Case)
            .where(c.status != CaseStatus.CLOSED)
            .where(
                sa.or_(
                    sa.and_(c.acknowledged_at.is_(None), c.acknowledge_due_at <= horizon),
                    sa.and_(c.contacted_at.is_(None), c.contact_due_at <= horizon),
                    c.close_due_at <= horizon,
                )
            )
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def search(self, where: CaseFilter, *, limit: int, offset: int) -> tuple[list[Case], int]:
        c = tables.cases.c
        conditions = case_conditions(where)
        total = self.session.scalar(sa.select(sa.func.count()).select_from(tables.cases).where(*conditions))
        stmt = sa.select(Case).where(*conditions).order_by(c.opened_at.desc(), c.id.desc())
        return list(self.session.scalars(stmt.limit(limit).offset(offset))), int(total or 0)

    def queue(self, where: CaseFilter, *, limit: int) -> tuple[list[Case], int]:
        """Live cases, the most overdue first: ordered by the deadline of the next step still to do, the same
        step Case.next_deadline names; cases without a deadline come last, oldest first."""
        c = tables.cases.c
        conditions = [*case_conditions(where), c.status != CaseStatus.CLOSED]
        next_due = sa.case(
            (c.acknowledged_at.is_(None), c.acknowledge_due_at),
            (c.contacted_at.is_(None), c.contact_due_at),
            else_=c.close_due_at,
        )
        total = self.session.scalar(sa.select(sa.func.count()).select_from(tables.cases).where(*conditions))
        stmt = sa.select(Case).where(*conditions).order_by(next_due.is_(None), next_due, c.opened_at, c.id)
        return list(self.session.scalars(stmt.limit(limit))), int(total or 0)
