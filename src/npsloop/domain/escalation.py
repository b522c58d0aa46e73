"""Escalation chains and reminders. A breached deadline walks the team's chain, one step after another,
each at its own delay in business time; a reminder reaches the assignee before a deadline. What is due is a
pure function of the case, the chain, the calendar and the time, so a sweep can run any number of times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from npsloop.domain.cases import Case, CaseStatus
from npsloop.domain.sla import BusinessCalendar, CalendarError, check_duration, parse_duration

TARGETS = ("team", "supervisors", "heads")
CHANNELS = ("sms", "email")  # a step's channels when it names none
STEP_CHANNELS = (*CHANNELS, "whatsapp")  # what a step may name
DEADLINES = ("acknowledge", "contact", "close")


@dataclass(frozen=True)
class Step:
    after: str  # business time after the breach, like "0m" or "15m"
    notify: str  # team | supervisors | heads | agent:NAME
    channels: tuple[str, ...] = CHANNELS

    def describe(self) -> str:
        return f"{self.after} {self.notify} {','.join(self.channels)}"


DEFAULT_CHAIN = (Step("0m", "team"), Step("30m", "supervisors"), Step("2h", "heads"))


@dataclass(frozen=True)
class Due:
    key: str  # what fires once per case: "acknowledge:2", "reminder:contact"
    deadline: str
    step: Step | None  # None for a reminder
    index: int
    at: datetime


def parse_step(text: str) -> Step:
    """'15m supervisors sms,email' or '0m team' or '1h agent:Marta email'."""
    parts = text.split()
    if len(parts) not in (2, 3):
        raise CalendarError(f"cannot read escalation step {text!r}: write like '15m supervisors sms,email'")
    after, notify = parts[0], parts[1]
    check_duration(after)
    if notify not in TARGETS and not (notify.startswith("agent:") and len(notify) > 6):
        raise CalendarError(f"step {text!r}: notify {', '.join(TARGETS)} or agent:NAME")
    channels = tuple(parts[2].split(",")) if len(parts) == 3 else CHANNELS
    if not channels or set(channels) - set(STEP_CHANNELS):
        raise CalendarError(f"step {text!r}: channels are sms, email and/or whatsapp")
    return Step(after=after, notify=notify, channels=channels)


def chain_from(raw: Sequence[dict[str, object]]) -> tuple[Step, ...]:
    if not raw:
        return DEFAULT_CHAIN
    steps = []
    for item in raw:
        channels = item.get("channels") or CHANNELS
        assert isinstance(channels, list | tuple)
        steps.append(Step(after=str(item["after"]), notify=str(item["notify"]), channels=tuple(map(str, channels))))
    return tuple(steps)


def due(
    case: Case,
    chain: Sequence[Step],
    calendar: BusinessCalendar,
    now: datetime,
    *,
    remind_before: timedelta,
) -> list[Due]:
    """Everything that should have fired by `now`; the caller fires what has not fired yet."""
    if case.status == CaseStatus.CLOSED:
        return []
    found: list[Due] = []
    for deadline, due_at, done in (
        ("acknowledge", case.acknowledge_due_at, case.acknowledged_at),
        ("contact", case.contact_due_at, case.contacted_at),
        ("close", case.close_due_at, case.closed_at),
    ):
        if due_at is None or done is not None:
            continue
        if case.assignee_id is not None and due_at - remind_before <= now < due_at:
            found.append(Due(f"reminder:{deadline}", deadline, None, 0, due_at - remind_before))
        for index, step in enumerate(chain, start=1):
            at = calendar.add(due_at, parse_duration(step.after, calendar))
            if at <= now:
                found.append(Due(f"{deadline}:{index}", deadline, step, index, at))
    return found
