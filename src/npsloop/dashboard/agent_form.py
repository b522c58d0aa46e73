"""The admin section's agent forms: what they show of an agent, and what a submitted form asks of the services.
Each form is read by the models the API and the CLI read the same fields with (AgentIn, AgentHours), so a mistake
is said beside its field in the words the CLI prints; a phone typed in national form is read with the country
chosen beside it, by phonenumbers as ingest reads numbers, and then checked as E.164."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import phonenumbers
from pydantic import BaseModel, ValidationError

from npsloop.api.directory import AgentHours, AgentIn
from npsloop.dashboard.read_form import ReadForm
from npsloop.domain.directory import Agent
from npsloop.domain.notifications import Channel
from npsloop.ingest.schemas import field_errors
from npsloop.redaction import redact

# The countries a national number may be read in (the hint beside the phone); empty: international form only.
COUNTRIES = ("", "CO", "ES", "MX", "AR", "CL", "PE", "EC", "VE", "US", "GB", "FR", "DE", "IT", "PT", "BR")
CHANNELS = tuple(c.value for c in Channel)
SLOTS = ("channel_1", "channel_2", "channel_3")  # the channels in order of preference, a select each
LONGEST = {"name": 100, "team": 100, "phone": 30, "email": 254, "hours": 300, "off_until": 10}
LONGEST |= {"country": 2, "language": 2, "role": 10, "on_call": 2, **dict.fromkeys(SLOTS, 10)}


def masked(text: str | None) -> str:
    """A phone or email address as bulk views and logs show it (+34*******33, m***@example.es)."""
    return redact(text) if text else ""


def agent_values(agent: Agent, team: str) -> dict[str, str]:
    """The forms' fields as the agent stands."""
    order = list(agent.channel_order or [])
    values = {"name": agent.name, "team": team, "phone": agent.phone or "", "email": agent.email or ""}
    values |= {"language": agent.language, "role": agent.role, "country": "", "hours": agent.hours or ""}
    values |= {"on_call": "on" if agent.on_call else ""}
    values |= {slot: order[i] if i < len(order) else "" for i, slot in enumerate(SLOTS)}
    return values


def _read(form: Mapping[str, str], keys: tuple[str, ...]) -> ReadForm:
    read = ReadForm({key: str(form.get(key, "")).strip() for key in keys})
    for key, value in read.values.items():  # before any check, which would quote a long value back whole
        if len(value) > LONGEST[key]:
            read.errors[key] = f"at most {LONGEST[key]:,} characters"
            read.values[key] = value[: LONGEST[key]]  # shown back cut, as the input's maxlength would have cut it
    return read


def _validate(read: ReadForm, model: type[BaseModel], data: dict[str, Any]) -> BaseModel | None:
    if read.errors:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for problem in field_errors(error):
            read.errors.setdefault(problem["field"].split(".")[0], problem["message"])
        return None


def phone_in(text: str, country: str) -> str:
    """A number typed in national form, read in the hinted country, as E.164 (a valid number or not: the E.164
    check then says which); anything else as typed, for that check to judge."""
    if not text or text.startswith("+") or country not in COUNTRIES or not country:
        return text
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def read_agent_form(form: Mapping[str, str], *, name: str | None = None) -> ReadForm:
    """An agent to add (every field), or, given `name`, an agent's details to change (team, contact, language,
    role); AgentIn reads both."""
    keys: tuple[str, ...] = ("team", "phone", "country", "email", "language", "role")
    keys += ("name", *SLOTS, "hours", "on_call") if name is None else ()
    read = _read(form, keys)
    phone = phone_in(read.values["phone"], read.values["country"])
    data: dict[str, Any] = {"name": read.values.get("name", name), "team": read.values["team"]}
    data |= {"phone": phone or None, "email": read.values["email"] or None}
    data |= {"language": read.values["language"] or "en", "role": read.values["role"] or "agent"}
    if name is None:
        chosen = [read.values[slot] for slot in SLOTS if read.values[slot]]
        data |= {"channels": chosen or None, "hours": read.values["hours"] or None}
        data |= {"on_call": read.values["on_call"] == "on"}
    valid = _validate(read, AgentIn, data)
    if isinstance(valid, AgentIn):
        if name is None and not (valid.phone or valid.email):  # an edit: services.agents.edit_agent says so
            read.errors["phone"] = "give the agent a phone or an email, or they cannot be alerted"
        read.change = valid.model_dump(exclude={"name"} if name is not None else set())
        if name is not None:
            read.change = {k: read.change[k] for k in ("team", "phone", "email", "language", "role")}
    if "channels" in read.errors:
        said = read.errors.pop("channels")
        lacking = "phone" if said.endswith("a phone number") else "email" if said.endswith("email address") else ""
        if lacking not in read.errors:  # not when the address the channel needs was itself refused
            read.errors[SLOTS[0]] = said
    return read


def read_channels_form(form: Mapping[str, str]) -> ReadForm:
    """The channels in order of preference; none chosen: SMS and email at once. set_channels checks them."""
    read = _read(form, SLOTS)
    chosen = [read.values[slot] for slot in SLOTS if read.values[slot]]
    read.change = {"channels": chosen or None}
    return read


def read_hours_form(form: Mapping[str, str]) -> ReadForm:
    """The agent's own hours (empty: the team's) and whether they are on call, read as PUT .../hours reads them."""
    read = _read(form, ("hours", "on_call"))
    hours = read.values["hours"] or None
    valid = _validate(read, AgentHours, {"hours": hours, "on_call": read.values["on_call"] == "on"})
    if isinstance(valid, AgentHours):
        read.change = {"hours": valid.hours, "team_hours": valid.hours is None, "on_call": valid.on_call}
    return read


def read_duty_form(form: Mapping[str, str], today: date) -> ReadForm:
    """Off duty until a day (back on duty at its start, in the team's zone): a date after today."""
    read = _read(form, ("off_until",))
    text = read.values["off_until"]
    if read.errors:
        return read
    try:
        until = date.fromisoformat(text)
    except ValueError:
        read.errors["off_until"] = f"cannot read date {text[:40]!r}: write it like {today.isoformat()}"
        return read
    if until <= today:
        read.errors["off_until"] = f"give a day after today ({today.isoformat()})"
    read.change = {"until": until}
    return read
