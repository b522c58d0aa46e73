"""Managing who gets alerted: teams (with the touchpoints they own) and agents."""

from __future__ import annotations

from npsloop.domain.directory import Agent, Team
from npsloop.domain.errors import DuplicateName, UnknownTeam
from npsloop.store.uow import Conflict, UnitOfWork


def add_team(*, uow: UnitOfWork, name: str, touchpoints: list[str], is_default: bool = False) -> Team:
    with uow:
        if uow.directory.team_named(name) is not None:
            raise DuplicateName(f"a team named {name!r} exists")
        wanted = {t.strip().casefold() for t in touchpoints if t.strip()}
        for team in uow.directory.teams():
            taken = wanted & {t.casefold() for t in team.touchpoints}
            if taken:
                raise DuplicateName(f"touchpoint {sorted(taken)[0]!r} already belongs to team {team.name!r}")
            if is_default and team.is_default:
                team.is_default = False  # one default team: the newest default wins
        team = Team(name=name, touchpoints=sorted(wanted), is_default=is_default)
        uow.directory.add(team)
        _commit_unique(uow, f"a team named {name!r} exists")
        return team


def add_agent(
    *,
    uow: UnitOfWork,
    name: str,
    team: str,
    phone: str | None,
    email: str | None,
    language: str = "en",
) -> Agent:
    with uow:
        found = uow.directory.team_named(team)
        if found is None or found.id is None:
            raise UnknownTeam(f"no team named {team!r}")
        if uow.directory.agent_named(name) is not None:
            raise DuplicateName(f"an agent named {name!r} exists")
        agent = Agent(name=name, team_id=found.id, phone=phone, email=email, language=language)
        uow.directory.add(agent)
        _commit_unique(uow, f"an agent named {name!r} exists")
        return agent


def list_teams(*, uow: UnitOfWork) -> list[Team]:
    with uow:
        return list(uow.directory.teams())


def list_agents(*, uow: UnitOfWork) -> list[tuple[Agent, str]]:
    with uow:
        teams = {team.id: team.name for team in uow.directory.teams()}
        return [(agent, teams.get(agent.team_id, "?")) for agent in uow.directory.agents()]


def _commit_unique(uow: UnitOfWork, message: str) -> None:
    try:
        uow.commit()
    except Conflict:
        raise DuplicateName(message) from None
