"""The customer's own clock, so an agent alerted at 23:00 does not call someone who is asleep. The zone
comes from a `timezone` attribute if the survey tool sent one, else from the phone number's region; a
number whose region spans several offsets (Spanish mobiles: mainland and Canaries) shows each, and the
customer is callable only once every one of them is inside calling hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_zones


@dataclass(frozen=True)
class CustomerClock:
    label: str  # "23:30 (UTC+01:00)" or "23:30 (UTC+01:00) or 22:30 (UTC+00:00)"
    call_from: datetime | None  # None when the customer may be called now
    zone: str  # the zone call_from is expressed in


def customer_zones(phone: str | None, attributes: dict[str, object]) -> list[str]:
    named = attributes.get("timezone")
    if isinstance(named, str):
        try:
            ZoneInfo(named)
            return [named]
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if not phone:
        return []
    try:
        zones = phone_zones.time_zones_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return []
    return [z for z in zones if z != "Etc/Unknown"]


def customer_clock(zones: list[str], now: datetime, call_hours: tuple[time, time]) -> CustomerClock | None:
    if not zones:
        return None
    by_offset: dict[timedelta | None, datetime] = {}
    for zone in zones:
        local = now.astimezone(ZoneInfo(zone))
        by_offset.setdefault(local.utcoffset(), local)
    locals_ = sorted(by_offset.values(), key=lambda d: d.utcoffset() or timedelta(), reverse=True)
    label = " or ".join(f"{d.strftime('%H:%M')} (UTC{d.strftime('%z')[:3]}:{d.strftime('%z')[3:]})" for d in locals_)
    opens, closes = call_hours
    waits = []
    for local in locals_:
        if opens <= local.time() < closes:
            continue
        day = local.date() if local.time() < opens else local.date() + timedelta(days=1)
        waits.append(datetime.combine(day, opens, tzinfo=local.tzinfo))
    if not waits:
        return CustomerClock(label, None, str(locals_[0].tzinfo))
    latest = max(waits, key=lambda d: d.astimezone(ZoneInfo("UTC")))
    return CustomerClock(label, latest, str(latest.tzinfo))


def parse_call_hours(text: str) -> tuple[time, time]:
    """'09:00-21:00'; '00:00-24:00' means any time."""
    start, _, end = text.partition("-")
    opens = time.fromisoformat(start.strip())
    closes = time.max if end.strip() == "24:00" else time.fromisoformat(end.strip())
    if closes <= opens:
        raise ValueError("customer call hours must open before they close, like 09:00-21:00")
    return opens, closes
