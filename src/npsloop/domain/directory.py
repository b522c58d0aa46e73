"""Who can be alerted: teams, the touchpoints they own, and their agents."""

from __future__ import annotations

from dataclasses import dataclass, field

from npsloop.domain.notifications import Channel


@dataclass(eq=False)
class Team:
    name: str
    touchpoints: list[str] = field(default_factory=list)
    is_default: bool = False
    id: int | None = None


@dataclass(eq=False)
class Agent:
    name: str
    team_id: int
    phone: str | None = None
    email: str | None = None
    language: str = "en"
    active: bool = True
    id: int | None = None

    def channels(self) -> list[Channel]:
        found: list[Channel] = []
        if self.phone:
            found.append(Channel.SMS)
        if self.email:
            found.append(Channel.EMAIL)
        return found
