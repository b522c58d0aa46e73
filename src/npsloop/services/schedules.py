"""A team's business calendar and SLA durations, from what is stored on the team."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from npsloop.domain.directory import Team
from npsloop.domain.sla import BusinessCalendar, CalendarError, parse_duration, parse_hours

DEFAULT_SLA = {"acknowledge": "15m", "contact": "4h", "close": "1d"}
STEPS = ("acknowledge", "contact", "close")


@lru_cache(maxsize=256)
def country_holidays(code: str, year: int) -> frozenset[date]:
    """`holidays` by country code, with an optional subdivision: "ES", "ES-MD", "CO"."""
    country, _, subdivision = code.upper().partition("-")
    try:
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=[year - 1, year, year + 1])
    except (NotImplementedError, KeyError) as error:
        raise CalendarError(f"unknown holiday calendar {code!r}: use a country code like ES or ES-MD") from error
    return frozenset(found)


def calendar_for(team: Team, around: datetime) -> BusinessCalendar:
    days = {date.fromisoformat(d) for d in team.extra_holidays}
    if team.holiday_country:
        days |= country_holidays(team.holiday_country, around.year)
    return BusinessCalendar(team.timezone, parse_hours(team.hours), frozenset(days))


def sla_for(team: Team, priority: str, calendar: BusinessCalendar) -> dict[str, timedelta]:
    configured = {**DEFAULT_SLA, **team.sla.get("normal", {}), **team.sla.get(priority, {})}
    return {step: parse_duration(configured[step], calendar) for step in STEPS}


def validate_sla(team: Team, calendar: BusinessCalendar) -> None:
    for steps in team.sla.values():
        for step, text in steps.items():
            if step not in STEPS:
                raise CalendarError(f"unknown SLA step {step!r}: use {', '.join(STEPS)}")
            parse_duration(text, calendar)
