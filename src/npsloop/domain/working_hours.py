"""The right to disconnect (Colombia's Ley 2191 of 2022; most EU collective agreements): an agent is alerted
only within their own working hours, unless they are on call. Their hours are a business calendar like the
team's (domain.sla), in the team's time zone and with the team's holidays; an agent without hours of their own
works the team's. An alert that comes outside them is held until the start of the agent's next working period.
"""

from __future__ import annotations

from datetime import UTC, datetime

from npsloop.domain.directory import Agent, Team
from npsloop.domain.sla import BusinessCalendar, CalendarError, format_hours, parse_hours


def agent_calendar(agent: Agent, team_calendar: BusinessCalendar) -> BusinessCalendar:
    """The agent's working hours: their own weekly hours (else the team's) in the team's zone, minus its holidays."""
    if agent.hours is None:
        return team_calendar
    return BusinessCalendar(team_calendar.timezone, parse_hours(agent.hours), team_calendar.holidays)


def check_agent_hours(text: str) -> str:
    """An agent's hours as they are stored (the team's spelling, normalised), or CalendarError."""
    hours = parse_hours(text)
    if not any(hours.values()):
        raise CalendarError("give working hours on at least one day, or leave them unset for the team's hours")
    return format_hours(hours)


def covers_after_hours(agent: Agent, team: Team | None, team_calendar: BusinessCalendar | None, at: datetime) -> bool:
    """Whether `agent` is the after-hours contact of `team` (its policy "contact") while the team is closed: the
    team has named them to be alerted then, so they are on call for it."""
    return (
        team is not None
        and team_calendar is not None
        and team.after_hours == "contact"
        and agent.id is not None
        and team.after_hours_agent_id == agent.id
        and not team_calendar.is_open(at)
    )


def alert_time(agent: Agent, hours: BusinessCalendar, at: datetime, *, covering: bool = False) -> datetime:
    """When an alert to `agent` may go out: `at` itself within their working hours or while they are on call
    (`agent.on_call`, or `covering` the team's after-hours), else the start of their next working period."""
    if at.tzinfo is None:
        raise CalendarError("naive datetimes are ambiguous; pass an aware one")
    at = at.astimezone(UTC)
    if agent.on_call or covering:
        return at
    return hours.next_open(at)
