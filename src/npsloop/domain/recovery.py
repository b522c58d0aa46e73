"""The recovery follow-up to a customer whose case was closed as resolved: whether to ask, how often, when the
customer's country allows a service message to reach them, and what their answer means.

Pure rules, no clock of their own and no I/O: the service hands in the present, the customer's zones and their
country's public holidays."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from npsloop.domain.errors import DomainError
from npsloop.domain.sla import BusinessCalendar, CalendarError, Interval, parse_hours

# When a service message may reach a customer, by country (ISO 3166 alpha-2), in the customer's own time; days not
# listed (Sundays here) and the country's public holidays are never. Colombia: Ley 2300 de 2023 (Monday to Friday
# 07:00-19:00, Saturday 08:00-15:00). Spain: weekdays 09:00-21:00, no weekends (the hours its telecoms law allows
# for calls to consumers), taken for messages too.
DEFAULT_CONTACT_HOURS: dict[str, str] = {
    "CO": "mon-fri 07:00-19:00, sat 08:00-15:00",
    "ES": "mon-fri 09:00-21:00",
}
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_COMMENT = 1000  # characters of the customer's optional comment
DETRACTOR_MAX = 6  # a new score of 0-6 is still a detractor's: the problem is not solved
ATTEMPTS = 8  # zones of one customer agreeing on an open moment: a few rounds at most (they differ by hours)


class RecoveryPolicy(StrEnum):
    """A team's choice: never ask, ask every customer whose case closed resolved, or only detractors whose
    response named one of the team's recovery themes."""

    OFF = "off"
    ASK = "ask"
    THEMES = "themes"


class RecoveryState(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its due time (the customer's contact window); due_at NULL: not planned yet
    SENT = "sent"  # the message went; the link waits for an answer until it expires
    ANSWERED = "answered"
    SKIPPED = "skipped"  # nothing sent: opted out, no address, asked within the quiet period (reason says which)
    FAILED = "failed"  # the channel refused it for good, or kept failing
    EXPIRED = "expired"  # the link expired unanswered


class Skip(StrEnum):
    """Why a request was not sent (recovery_requests.reason)."""

    OPTED_OUT = "opted_out"
    RECENT = "recent"  # another recovery message reached this customer within the quiet period
    NO_ADDRESS = "no_address"  # no email, and no phone with recorded consent
    LINKS_DISABLED = "links_disabled"  # no NPSLOOP_LINK_SECRET: a message without its link asks nothing
    ERASED = "erased"
    STALE = "stale"  # not sent within a week of the closure (the beat was down): too late to ask
    NO_WINDOW = "no_window"  # the customer's zones never share an hour their country allows: no moment to ask


class InvalidRecoverySetting(DomainError, ValueError):
    pass


class InvalidAnswer(DomainError, ValueError):
    pass


@dataclass(eq=False)
class RecoveryRequest:
    """One resolved closure the customer is asked about (recovery_requests)."""

    case_id: int
    customer_key: str
    closed_at: datetime
    created_at: datetime
    team_id: int | None = None
    state: RecoveryState = RecoveryState.SCHEDULED
    channel: str | None = None
    language: str | None = None
    due_at: datetime | None = None
    sent_at: datetime | None = None
    expires_at: datetime | None = None
    answered_at: datetime | None = None
    solved: bool | None = None
    new_score: int | None = None
    comment: str | None = None
    reopened: bool = False
    reason: str | None = None
    attempts: int = 0
    claimed_at: datetime | None = None
    erased_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class Answer:
    solved: bool
    new_score: int | None = None
    comment: str | None = None

    @property
    def reopens(self) -> bool:
        """A 'no', or a new score of a detractor, means the problem is not solved."""
        return not self.solved or (self.new_score is not None and self.new_score <= DETRACTOR_MAX)


# --- the team's setting -------------------------------------------------------------------------------------------


def check_setting(policy: str, themes: Iterable[str], known: Iterable[str]) -> tuple[RecoveryPolicy, list[str]]:
    """The team's setting as stored, or the message an admin reads (the same from the CLI and the API)."""
    try:
        chosen = RecoveryPolicy(policy)
    except ValueError:
        raise InvalidRecoverySetting(
            f"recovery must be one of {', '.join(p.value for p in RecoveryPolicy)}, not {policy[:40]!r}"
        ) from None
    listed = list(dict.fromkeys(t.strip() for t in themes if t.strip()))
    unknown = sorted(set(listed) - set(known))
    if unknown:
        raise InvalidRecoverySetting(f"unknown recovery theme(s): {', '.join(t[:40] for t in unknown[:5])}")
    if chosen is RecoveryPolicy.THEMES and not listed:
        raise InvalidRecoverySetting("recovery 'themes' needs at least one theme (e.g. --theme delivery)")
    if chosen is not RecoveryPolicy.THEMES and listed:
        raise InvalidRecoverySetting("recovery themes are only used with recovery 'themes'")
    return chosen, listed


def asks(policy: RecoveryPolicy, themes: Sequence[str], *, detractor: bool, case_themes: Iterable[str]) -> bool:
    """Whether a resolved closure of this team's case is followed up."""
    if policy is RecoveryPolicy.ASK:
        return True
    if policy is RecoveryPolicy.THEMES:
        return detractor and bool(set(themes) & set(case_themes))
    return False


def quiet(last_contacted: datetime | None, now: datetime, days: int) -> bool:
    """Whether a customer messaged at `last_contacted` is still within the quiet period at `now`."""
    return last_contacted is not None and now - last_contacted < timedelta(days=days)


# --- the customer's contact window --------------------------------------------------------------------------------


def parse_contact_hours(table: Mapping[str, str]) -> dict[str, dict[int, list[Interval]]]:
    """{"CO": "mon-fri 07:00-19:00, sat 08:00-15:00"} -> weekday intervals per country; refuses what it cannot read."""
    parsed: dict[str, dict[int, list[Interval]]] = {}
    for country, spec in table.items():
        code = country.strip().upper()
        if not COUNTRY.fullmatch(code):
            raise InvalidRecoverySetting(f"{country[:20]!r} is not a country code: use two letters, like CO or ES")
        try:
            hours = parse_hours(spec)
        except CalendarError as error:
            raise InvalidRecoverySetting(f"contact hours for {code}: {error}") from None
        if not any(hours.values()):
            raise InvalidRecoverySetting(f"contact hours for {code} allow no day at all")
        parsed[code] = hours
    return parsed


def next_contact(
    at: datetime, zones: Sequence[str], hours: Mapping[int, list[Interval]], holidays: frozenset[date]
) -> datetime:
    """`at` itself if every one of the customer's zones is inside the allowed hours (and not on a holiday), else the
    first moment that is. A number whose region spans several zones waits for all of them."""
    calendars = [BusinessCalendar(zone, hours, holidays) for zone in zones]
    moment = at
    for _ in range(ATTEMPTS):
        later = max(calendar.next_open(moment) for calendar in calendars)
        if later == moment:
            return moment
        moment = later
    raise CalendarError("the customer's zones never share an allowed hour")


# --- the answer ----------------------------------------------------------------------------------------------------


def read_answer(solved: str | None, score: str | None, comment: str | None) -> Answer:
    """The form as the customer sent it: 'yes' or 'no', an optional whole score 0-10, an optional comment."""
    if solved not in ("yes", "no"):
        raise InvalidAnswer("answer yes or no")
    new_score: int | None = None
    text = (score or "").strip()
    if text:
        if not text.isascii() or not text.isdigit() or len(text) > 2 or int(text) > 10:
            raise InvalidAnswer("the score is a whole number from 0 to 10")
        new_score = int(text)
    return Answer(solved == "yes", new_score, clean_comment(comment))


def clean_comment(comment: str | None) -> str | None:
    """Control characters out (a line break and a tab stay), whitespace trimmed; too long is refused, not cut."""
    if comment is None:
        return None
    if len(comment) > MAX_COMMENT:
        raise InvalidAnswer(f"the comment is longer than {MAX_COMMENT} characters")
    kept = "".join(ch for ch in comment if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    return kept.strip() or None
