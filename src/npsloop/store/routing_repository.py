"""Stored routing rules, in order. The rule text is kept in its plain form and parsed again on read, so the
database holds exactly what `npsloop routing show` prints."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.rules import Rule, parse_rule
from npsloop.store import tables


class RoutingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def rules(self) -> list[Rule]:
        r, t = tables.routing_rules.c, tables.teams.c
        stmt = (
            sa.select(r.position, r.name, r.match, r.priority, r.open_case, t.name.label("team"))
            .select_from(tables.routing_rules.outerjoin(tables.teams, r.team_id == t.id))
            .order_by(r.position)
        )
        return [
            parse_rule(
                {
                    "name": row.name,
                    "match": row.match,
                    "team": row.team,
                    "priority": row.priority,
                    "open_case": row.open_case,
                },
                None,
                row.position,
            )
            for row in self.session.execute(stmt)
        ]

    def version(self) -> int:
        return int(
            self.session.scalar(sa.select(tables.routing_version.c.version).where(tables.routing_version.c.id == 1))
            or 0
        )

    def bump_version(self) -> None:
        """In the transaction that changes teams or rules, so readers of the version never miss the change."""
        v = tables.routing_version.c
        self.session.execute(sa.update(tables.routing_version).where(v.id == 1).values(version=v.version + 1))

    def replace(self, rules: list[tuple[Rule, int | None]], now: datetime) -> None:
        self.session.execute(sa.delete(tables.routing_rules))
        for position, (rule, team_id) in enumerate(rules, start=1):
            self.session.execute(
                sa.insert(tables.routing_rules).values(
                    position=position,
                    name=rule.name,
                    match=rule.match.to_dict(),
                    team_id=team_id,
                    priority=rule.priority,
                    open_case=rule.open_case,
                    loaded_at=now,
                )
            )
