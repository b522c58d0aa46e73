"""Teams and agents: by id, by name, and an agent by the phone they text from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.orm import Session

from npsloop.domain.directory import Agent, Team
from npsloop.domain.errors import UnknownAgent, UnknownTeam
from npsloop.store import tables

INBOUND_KEPT = timedelta(days=7)


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

    def require_agent(self, name: str) -> Agent:
        """As require_team, for an agent named by the user."""
        agent = self.agent_named(name)
        if agent is None:
            raise UnknownAgent(f"no agent named {name!r}")
        return agent

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

    def first_inbound(self, message_sid: str, now: datetime) -> bool:
        """True for the first delivery of an inbound message, whatever runs concurrently (the key says no to a
        replay); ids older than INBOUND_KEPT are forgotten on the way, as Twilio never repeats one that late."""
        t = tables.inbound_messages
        self.session.execute(sa.delete(t).where(t.c.received_at < now - INBOUND_KEPT))
        try:
            with self.session.begin_nested():
                self.session.execute(sa.insert(t).values(message_sid=message_sid, received_at=now))
        except exc.IntegrityError:
            return False
        return True

    def forget_inbound(self, message_sid: str) -> None:
        """A message taken by first_inbound but not handled: its next delivery is a first one again."""
        t = tables.inbound_messages
        self.session.execute(sa.delete(t).where(t.c.message_sid == message_sid))

    def agent_named(self, name: str) -> Agent | None:
        return self.session.scalars(sa.select(Agent).where(tables.agents.c.name == name)).one_or_none()
