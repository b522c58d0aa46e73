"""Who can be alerted: teams, the touchpoints they own, and their agents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from npsloop.domain.notifications import Channel
from npsloop.domain.recovery import RecoveryPolicy


@dataclass(eq=False)
class Team:
    name: str
    touchpoints: list[str] = field(default_factory=list)
    is_default: bool = False
    timezone: str = "UTC"
    hours: str = "mon-sun 00:00-24:00"  # until a schedule is set, the team is always open
    holiday_country: str | None = None
    extra_holidays: list[str] = field(default_factory=list)
    after_hours: str = "queue"  # or "contact": alert after_hours_agent_id at once
    after_hours_agent_id: int | None = None
    sla: dict[str, dict[str, str]] = field(default_factory=dict)
    escalation: list[dict[str, object]] = field(default_factory=list)
    reasons_required: bool = False  # closing a case needs at least one reason theme
    recovery: RecoveryPolicy = RecoveryPolicy.OFF  # ask the customer, after a resolved closure, if it was solved
    recovery_themes: list[str] = field(default_factory=list)  # with "themes": only detractors naming one of these
    id: int | None = None


@dataclass(eq=False)
class Agent:
    name: str
    team_id: int
    phone: str | None = None
    email: str | None = None
    language: str = "en"
    active: bool = True
    off_duty_until: datetime | None = None
    role: str = "agent"  # agent | supervisor | head: who escalation steps reach
    id: int | None = None

    def on_duty(self, at: datetime) -> bool:
        return self.active and (self.off_duty_until is None or self.off_duty_until <= at)

    def channels(self) -> list[Channel]:
        found: list[Channel] = []
        if self.phone:
            found.append(Channel.SMS)
        if self.email:
            found.append(Channel.EMAIL)
        return found
