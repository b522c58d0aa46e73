"""Business time: a team's weekly hours in its own time zone, minus its holidays. SLA deadlines are pure
functions of (start, duration, calendar), so they can be proved with property tests and stored on the case.

Windows are computed day by day in local time and converted to UTC, so a daylight-saving change moves the
UTC instants of "09:00" and never the local business hours themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from npsloop.domain.errors import DomainError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HORIZON_DAYS = 400  # a calendar with no business hours in this long is a configuration error
_SPAN = re.compile(r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?)\s+(?P<open>\d{1,2}:\d{2})-(?P<close>\d{1,2}:\d{2})$")
_DURATION = re.compile(r"^\s*(?:(?P<d>\d+)d)?\s*(?:(?P<h>\d+)h)?\s*(?:(?P<m>\d+)m)?\s*$")

Interval = tuple[time, time]


class CalendarError(DomainError, ValueError):
    """A schedule, holiday calendar or duration that cannot be used."""


def parse_hours(spec: str) -> dict[int, list[Interval]]:
    """'mon-fri 09:00-17:00, sat 10:00-14:00' -> {0: [(9:00, 17:00)], ..., 5: [(10:00, 14:00)]}."""
    hours: dict[int, list[Interval]] = {}
    for part in (p.strip().lower() for p in spec.split(",")):
        if not part:
            continue
        found = _SPAN.match(part)
        if not found:
            raise CalendarError(f"cannot read business hours {part!r}: write like 'mon-fri 09:00-17:00'")
        first, _, last = found["days"].partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise CalendarError(f"unknown day in {part!r}: use {', '.join(DAYS)}")
        opens, closes = _clock(found["open"]), _clock(found["close"])
        if closes <= opens:
            raise CalendarError(f"{part!r} closes before it opens")
        start, end = DAYS.index(first), DAYS.index(last or first)
        for day in range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)]:
            hours.setdefault(day, []).append((opens, closes))
    for intervals in hours.values():
        intervals.sort()
        for (_, close), (opens, _) in zip(intervals, intervals[1:], strict=False):
            if opens < close:
                raise CalendarError("business hours overlap on one day")
    return hours


def format_hours(hours: Mapping[int, list[Interval]]) -> str:
    """What parse_hours reads back to the same hours (midnight at the end of a day is 24:00, not 23:59)."""
    return ", ".join(f"{DAYS[day]} {_hhmm(o)}-{_hhmm(c)}" for day in sorted(hours) for o, c in hours[day])


def _hhmm(at: time) -> str:
    return "24:00" if at == time.max else at.strftime("%H:%M")


def _clock(text: str) -> time:
    hour, minute = (int(x) for x in text.split(":"))
    if hour == 24 and minute == 0:
        return time.max
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise CalendarError(f"{text} is not a time of day")
    return time(hour, minute)


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str
    hours: Mapping[int, list[Interval]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except Exception as error:
            raise CalendarError(f"unknown time zone {self.timezone!r}") from error
        if not any(self.hours.values()):
            raise CalendarError("a calendar needs business hours on at least one day")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def day_length(self) -> timedelta:
        """What "one business day" means for this team: its longest day's hours."""
        return max(sum((_span(o, c) for o, c in spans), timedelta()) for spans in self.hours.values() if spans)

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of one local date, as aware UTC instants."""
        if day in self.holidays:
            return []
        zone = self.zone
        out = []
        for opens, closes in self.hours.get(day.weekday(), []):
            start = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
            end = (
                datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
                if closes == time.max
                else datetime.combine(day, closes, tzinfo=zone)
            ).astimezone(UTC)
            out.append((start, end))
        return out

    def _windows_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = at.astimezone(self.zone).date()
        for offset in range(HORIZON_DAYS):
            for start, end in self.windows(day + timedelta(days=offset)):
                if end > at:
                    yield start, end
        raise CalendarError(f"no business hours in the {HORIZON_DAYS} days after {at.isoformat()}")

    def is_open(self, at: datetime) -> bool:
        return any(start <= at < end for start, end in self.windows(at.astimezone(self.zone).date()))

    def next_open(self, at: datetime) -> datetime:
        """`at` itself during business hours, else the next opening."""
        start, _ = next(self._windows_from(_aware(at)))
        return max(start, _aware(at))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of business time after `start`."""
        if duration < timedelta(0):
            raise CalendarError("a duration of business time cannot be negative")
        remaining, at = duration, _aware(start)
        for opens, closes in self._windows_from(at):
            begin = max(opens, at)
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise AssertionError("unreachable: _windows_from raises when it runs out")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time elapsed from `start` to `end` (zero if end is not after start)."""
        start, end = _aware(start), _aware(end)
        total = timedelta()
        if end <= start:
            return total
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return total


def check_duration(text: str) -> None:
    """Checks the spelling of a duration that will be read later against a team's calendar."""
    found = _DURATION.match(text or "")
    if not found or not any(found.groupdict().values()):
        raise CalendarError(f"cannot read duration {text!r}: write like 15m, 4h, 1d or 1h30m")


def parse_duration(text: str, calendar: BusinessCalendar | None = None) -> timedelta:
    """'15m', '4h', '1d', '1h30m'. A day is the calendar's business day, not 24 hours."""
    found = _DURATION.match(text or "")
    if not found or not any(found.groupdict().values()):
        raise CalendarError(f"cannot read duration {text!r}: write like 15m, 4h, 1d or 1h30m")
    days = int(found["d"] or 0)
    if days and calendar is None:
        raise CalendarError("a duration in days needs the team's calendar")
    day = calendar.day_length if calendar else timedelta()
    return days * day + timedelta(hours=int(found["h"] or 0), minutes=int(found["m"] or 0))


def _span(opens: time, closes: time) -> timedelta:
    end = timedelta(days=1) if closes == time.max else timedelta(hours=closes.hour, minutes=closes.minute)
    return end - timedelta(hours=opens.hour, minutes=opens.minute)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise CalendarError("naive datetimes are ambiguous; pass an aware one")
    return at.astimezone(UTC)
