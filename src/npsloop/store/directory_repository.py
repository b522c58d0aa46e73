"""Teams and agents: by id, by name, and an agent by the phone they text from."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.directory import Agent, Team
from npsloop.domain.errors import UnknownTeam
from npsloop.store import tables


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: Team | Agent) -> None:
        self.session.add(item)

    def teams(self) -> Sequence[Team]:
        return list(self.session.scalars(sa.select(Team).order_by(tables.teams.c.id)))

    def team(self, team_id: int) -> Team | None:
        return self.session.get(Team, team_id)

    def team_named(self, name: str) -> Team | None:
        return self.session.scalars(sa.select(Team).where(tables.teams.c.name == name)).one_or_none()

    def require_team(self, name: str) -> Team:
        """For the callers that name a team the user gave: one wording of the refusal everywhere."""
        team = self.team_named(name)
        if team is None:
            raise UnknownTeam(f"no team named {name!r}")
        return team

    def agents(self, team_id: int | None = None) -> list[Agent]:
        stmt = sa.select(Agent).order_by(tables.agents.c.id)
        if team_id is not None:
            stmt = stmt.where(tables.agents.c.team_id == team_id)
        return list(self.session.scalars(stmt))

    def agent(self, agent_id: int) -> Agent | None:
        return self.session.get(Agent, agent_id)

    def agent_by_phone(self, phone: str) -> Agent | None:
        """The active agent texting from this number: a deactivated agent's phone moves nothing."""
        a = tables.agents.c
        stmt = sa.select(Agent).where(a.phone == phone, a.active.is_(True)).order_by(a.id).limit(1)
        return self.session.scalars(stmt).first()

    def agent_named(self, name: str) -> Agent | None:
        return self.session.scalars(sa.select(Agent).where(tables.agents.c.name == name)).one_or_none()
