"""The admin section's team form: what it shows of a team, and what a submitted form asks of
services.directory.set_schedule. Each field is read by the domain's own checks first (parse_hours, parse_step,
check_duration, the calendar, the holiday codes), so a mistake is said beside its field in the words the CLI
prints; set_schedule then checks the whole and saves it, or nothing. Kept free of FastAPI, like pages.py."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from npsloop.dashboard.read_form import ReadForm
from npsloop.domain.directory import Agent, Team
from npsloop.domain.errors import DomainError
from npsloop.domain.escalation import Step, parse_step
from npsloop.domain.rules import Priority
from npsloop.domain.sla import BusinessCalendar, check_duration, parse_hours
from npsloop.services.schedules import STEPS, country_holidays

PRIORITIES = tuple(p.value for p in Priority)
MAX_TOUCHPOINTS = 50
MAX_TOUCHPOINT = 100
MAX_LINES = 50  # holidays or escalation steps
# The longest value each field takes, in characters (the form's inputs say the same with maxlength).
LONGEST = {"touchpoints": 6000, "timezone": 64, "holiday_country": 10, "extra_holidays": 1000, "escalation": 3000}
LONGEST |= {"sla": 20, "line": 300}
_SPLIT = re.compile(r"[,\n]")


def sla_field(priority: str, step: str) -> str:
    return f"sla_{priority}_{step}"


def team_values(team: Team, agents: Sequence[Agent]) -> dict[str, str]:
    """The form's fields as the team stands."""
    contact = next((a.name for a in agents if a.id == team.after_hours_agent_id), "")
    values = {
        "touchpoints": ", ".join(team.touchpoints),
        "default": "on" if team.is_default else "",
        "timezone": team.timezone,
        "hours": team.hours,
        "holiday_country": team.holiday_country or "",
        "extra_holidays": "\n".join(team.extra_holidays),
        "after_hours": team.after_hours,
        "after_hours_contact": contact,
        "escalation": "\n".join(_describe(step) for step in team.escalation),
    }
    for priority in PRIORITIES:
        for step in STEPS:
            values[sla_field(priority, step)] = team.sla.get(priority, {}).get(step, "")
    return values


def _describe(raw: Mapping[str, Any]) -> str:
    channels = raw.get("channels") or ()
    return Step(str(raw.get("after")), str(raw.get("notify")), tuple(str(c) for c in channels)).describe()


def read_team_form(form: Mapping[str, str], year: int) -> ReadForm:
    keys = ["touchpoints", "default", "timezone", "hours", "holiday_country", "extra_holidays", "after_hours"]
    keys += ["after_hours_contact", "escalation", *(sla_field(p, s) for p in PRIORITIES for s in STEPS)]
    read = ReadForm({key: str(form.get(key, "")).replace("\r\n", "\n") for key in keys})
    values, errors, change = read.values, read.errors, read.change

    def check(key: str, work: Any) -> None:
        if key in errors:
            return
        try:
            work()
        except DomainError as error:
            errors[key] = str(error)

    for key, value in values.items():  # before any check, which would quote a long value back whole
        limit = LONGEST.get(key, LONGEST["sla"] if key.startswith("sla_") else LONGEST["line"])
        if len(value) > limit:
            errors[key] = f"at most {limit:,} characters"

    touchpoints = [t.strip() for t in _SPLIT.split(values["touchpoints"]) if t.strip()]
    if len(touchpoints) > MAX_TOUCHPOINTS or any(len(t) > MAX_TOUCHPOINT for t in touchpoints):
        errors["touchpoints"] = f"at most {MAX_TOUCHPOINTS} touchpoints of {MAX_TOUCHPOINT} characters each"
    change["touchpoints"], change["is_default"] = touchpoints, values["default"] == "on"
    hours = values["hours"].strip()
    check("hours", lambda: BusinessCalendar("UTC", parse_hours(hours)))  # read, and open on some day
    zone = values["timezone"].strip()
    check("timezone", lambda: BusinessCalendar(zone, parse_hours("mon 09:00-17:00")))
    country = values["holiday_country"].strip()
    if country:
        check("holiday_country", lambda: country_holidays(country.upper(), year))
    extra = [line.strip() for line in values["extra_holidays"].split("\n") if line.strip()]
    for line in extra[: MAX_LINES + 1]:
        if "extra_holidays" not in errors and not _is_date(line):
            errors["extra_holidays"] = f"cannot read date {line[:40]!r}: write one a line, like 2026-12-24"
            break
    steps = [line.strip() for line in values["escalation"].split("\n") if line.strip()]
    for number, line in enumerate(steps[: MAX_LINES + 1], start=1):
        if "escalation" in errors:
            break
        check("escalation", lambda line=line: parse_step(line))
        if "escalation" in errors:
            errors["escalation"] = f"line {number}: {errors['escalation']}"
    if len(extra) > MAX_LINES or len(steps) > MAX_LINES:
        errors.setdefault("extra_holidays" if len(extra) > MAX_LINES else "escalation", f"at most {MAX_LINES} lines")
    sla: dict[str, dict[str, str]] = {}
    for priority in PRIORITIES:
        for step in STEPS:
            key = sla_field(priority, step)
            text = values[key].strip()
            if text:
                check(key, lambda text=text: check_duration(text))
                sla.setdefault(priority, {})[step] = text
    change.update(
        timezone=zone,
        hours=hours,
        holiday_country=country,
        extra_holidays=extra,
        after_hours=values["after_hours"] or None,
        after_hours_agent=values["after_hours_contact"] or None,
        sla=sla,
        escalation=steps,
    )
    return read


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
