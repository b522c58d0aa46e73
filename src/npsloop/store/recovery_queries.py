"""The recovery follow-ups counted by the database: one GROUP BY over period and team, each period a CASE over
instants (local midnights computed by the service), so the same statement runs on SQLite and PostgreSQL.
A follow-up counts in the period of the closure it follows (closed_at), whatever became of it since."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.recovery_stats import RecoveryCounts
from npsloop.store import tables


def _number(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    """How many rows of the group meet the condition (NULL counts as not)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def recovery_counts(
    session: Session, edges: Sequence[datetime], team_id: int | None
) -> dict[tuple[int, int | None], RecoveryCounts]:
    """Counts per (period index, team id) for closures in [edges[i], edges[i+1]); with `team_id`, only that
    team's follow-ups. Groups without follow-ups are absent."""
    r = tables.recovery_requests.c
    period = sa.case(*[(r.closed_at < end, index) for index, end in enumerate(edges[1:])], else_=-1)
    answered = r.answered_at.is_not(None)
    score = r.new_score
    stmt = (
        sa.select(
            period.label("period"),
            r.team_id,
            sa.func.count().label("requests"),
            _number(r.sent_at.is_not(None)).label("sent"),
            _number(answered).label("answered"),
            _number(answered & r.solved.is_(True)).label("confirmed"),
            _number(answered & r.solved.is_(False)).label("not_solved"),
            _number(answered & r.reopened.is_(True)).label("reopened"),
            _number(answered & score.between(0, 6)).label("new_detractors"),
            _number(answered & score.between(7, 8)).label("new_passives"),
            _number(answered & score.between(9, 10)).label("new_promoters"),
        )
        .where(r.closed_at >= edges[0], r.closed_at < edges[-1])
        .group_by(period, r.team_id)
    )
    if team_id is not None:
        stmt = stmt.where(r.team_id == team_id)
    return {
        (row.period, row.team_id): RecoveryCounts(
            requests=int(row.requests),
            sent=int(row.sent),
            answered=int(row.answered),
            confirmed=int(row.confirmed),
            not_solved=int(row.not_solved),
            reopened=int(row.reopened),
            new_detractors=int(row.new_detractors),
            new_passives=int(row.new_passives),
            new_promoters=int(row.new_promoters),
        )
        for row in session.execute(stmt)
    }
