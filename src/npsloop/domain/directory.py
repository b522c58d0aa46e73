"""Who can be alerted: teams, the touchpoints they own, and their agents."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from npsloop.domain.errors import DomainError
from npsloop.domain.notifications import Channel
from npsloop.domain.recovery import RecoveryPolicy

# WhatsApp lets a business send free text only this long after the person's last message to it.
WHATSAPP_WINDOW = timedelta(hours=24)


class InvalidChannels(DomainError):
    field = "channels"


class NoContact(DomainError):
    """An agent with neither a phone nor an email address: nothing could reach them."""

    field = "phone"


def check_channel_order(order: list[str], *, phone: str | None, email: str | None) -> list[str]:
    """An agent's channels in order of preference: at least one, each once, each known and with its address
    (a phone for sms and whatsapp, an email address for email). The same check for every door."""
    known = [c.value for c in Channel]
    if not order:
        raise InvalidChannels("give at least one channel, or none at all for SMS and email at once")
    for name in order:
        if name not in known:
            raise InvalidChannels(f"{name!r} is not a channel; use {', '.join(known)}")
    if len(set(order)) != len(order):
        raise InvalidChannels("each channel may be listed once")
    for name in order:
        if not (email if name == Channel.EMAIL else phone):
            needs = "an email address" if name == Channel.EMAIL else "a phone number"
            raise InvalidChannels(f"{name} needs {needs}")
    return list(order)


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
    # The agent's channels in order of preference (stored in the `channels` column); None: SMS and email at once.
    channel_order: list[str] | None = None
    whatsapp_seen_at: datetime | None = None  # the agent's last WhatsApp message to npsloop: opens the window
    # Working hours in the team's zone and holidays, like "mon-fri 09:00-13:00" (None: the team's hours); an
    # alert outside them waits for the next working period unless the agent is on call (domain.working_hours).
    hours: str | None = None
    on_call: bool = False  # on call for the team's after-hours: alerted at any time
    id: int | None = None

    def on_duty(self, at: datetime) -> bool:
        return self.active and (self.off_duty_until is None or self.off_duty_until <= at)

    def channels(self, within: Collection[str] | None = None) -> list[Channel]:
        """The channels a new alert goes to at once (only those in `within`, when given): without a preference,
        every one the agent has an address for (SMS and email); with one, its first usable channel alone."""
        usable = [c for c in self.reachable_channels() if within is None or c in within]
        return usable[:1] if self.channel_order is not None else usable

    def reachable_channels(self) -> list[Channel]:
        """Every channel the agent has an address for, in their order of preference: what fail-over walks."""
        order = self.channel_order if self.channel_order is not None else [Channel.SMS, Channel.EMAIL]
        return [Channel(c) for c in order if c in Channel.__members__.values() and self.address(Channel(c))]

    def address(self, channel: Channel) -> str | None:
        """A phone number carries SMS and WhatsApp; an email address, email."""
        return self.email if channel == Channel.EMAIL else self.phone

    def whatsapp_window_open(self, now: datetime) -> bool:
        """Whether WhatsApp still accepts free text to the agent (their last message is under 24 hours old)."""
        return self.whatsapp_seen_at is not None and now - self.whatsapp_seen_at < WHATSAPP_WINDOW
