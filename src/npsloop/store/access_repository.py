"""API tokens and NPS targets: the rows that decide who may ask, and what the answer is measured against."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.access import ApiToken
from npsloop.store import tables
from npsloop.store.database import rows_changed

_TOUCH_EVERY = timedelta(minutes=1)


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token: ApiToken) -> None:
        self.session.add(token)

    def by_hash(self, token_hash: str) -> ApiToken | None:
        c = tables.api_tokens.c
        return self.session.scalars(sa.select(ApiToken).where(c.token_hash == token_hash)).one_or_none()

    def named(self, name: str) -> ApiToken | None:
        c = tables.api_tokens.c
        return self.session.scalars(sa.select(ApiToken).where(c.name == name)).one_or_none()

    def all(self) -> list[ApiToken]:
        return list(self.session.scalars(sa.select(ApiToken).order_by(tables.api_tokens.c.id)))

    def touch(self, token: ApiToken, now: datetime) -> bool:
        """At most one write a minute per token: last-used is for audits, not worth a write per request. The
        row just read decides whether to write at all; the WHERE keeps concurrent requests to one write.
        True when there is something to commit."""
        if token.last_used_at is not None and token.last_used_at >= now - _TOUCH_EVERY:
            return False
        c = tables.api_tokens.c
        stale = sa.or_(c.last_used_at.is_(None), c.last_used_at < now - _TOUCH_EVERY)
        self.session.execute(sa.update(tables.api_tokens).where(c.id == token.id, stale).values(last_used_at=now))
        return True


class TargetRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, team_id: int | None, year: int) -> float | None:
        c = tables.nps_targets.c
        team = c.team_id.is_(None) if team_id is None else c.team_id == team_id
        return self.session.scalar(sa.select(c.nps).where(team, c.year == year))

    def put(self, *, team_id: int | None, year: int, nps: float, set_by: str, now: datetime) -> None:
        c = tables.nps_targets.c
        team = c.team_id.is_(None) if team_id is None else c.team_id == team_id
        changed = self.session.execute(
            sa.update(tables.nps_targets).where(team, c.year == year).values(nps=nps, set_by=set_by, set_at=now)
        )
        if rows_changed(changed) == 0:
            self.session.execute(
                sa.insert(tables.nps_targets).values(team_id=team_id, year=year, nps=nps, set_by=set_by, set_at=now)
            )

    def all(self) -> list[dict[str, object]]:
        t, teams = tables.nps_targets.c, tables.teams.c
        stmt = (
            sa.select(t.year, t.nps, t.set_by, t.set_at, teams.name.label("team"))
            .select_from(tables.nps_targets.outerjoin(tables.teams, teams.id == t.team_id))
            .order_by(t.year, teams.name)
        )
        return [dict(row._mapping) for row in self.session.execute(stmt)]
