"""Which team follows a case up: the team that owns the touchpoint, else the default team."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from npsloop.domain.directory import Agent, Team
from npsloop.domain.notifications import Channel


def team_for(touchpoint: str | None, teams: Sequence[Team]) -> Team | None:
    wanted = (touchpoint or "").strip().casefold()
    if wanted:
        for team in teams:
            if any(wanted == owned.strip().casefold() for owned in team.touchpoints):
                return team
    return next((team for team in teams if team.is_default), None)


def recipients(agents: Sequence[Agent], at: datetime | None = None) -> list[tuple[Agent, Channel]]:
    """Every on-duty agent on every channel they can be reached on, in a stable order."""
    pairs: list[tuple[Agent, Channel]] = []
    for agent in sorted(agents, key=lambda a: a.id or 0):
        if agent.on_duty(at) if at is not None else agent.active:
            pairs.extend((agent, channel) for channel in agent.channels())
    return pairs
