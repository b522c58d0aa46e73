"""Whom a recovery message may reach, how and when: the customer's channel (email, else WhatsApp or SMS with their
recorded consent), language, country and zones, and the first moment their country allows a service message."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import phonenumbers
from phonenumbers import timezone as phone_zones

from npsloop.domain.notifications import Channel
from npsloop.domain.recovery import DEFAULT_CONTACT_HOURS, next_contact, parse_contact_hours
from npsloop.domain.responses import Response
from npsloop.domain.sla import Interval
from npsloop.services.customer_time import customer_zones
from npsloop.services.schedules import country_holidays

log = logging.getLogger(__name__)
CONSENTED = ("yes", "true", "1", "si", "sí", "y")


@dataclass(frozen=True)
class RecoveryRules:
    """The installation's rules (settings), as the services read them."""

    quiet_days: int = 30
    link_days: int = 14
    opt_out_days: int = 730
    contact_hours: Mapping[str, Mapping[int, list[Interval]]] = field(
        default_factory=lambda: parse_contact_hours(DEFAULT_CONTACT_HOURS)
    )
    default_country: str = "CO"
    sms_consent: str = "sms_consent"  # the response attribute that records the customer's consent to SMS
    whatsapp_consent: str = "whatsapp_consent"  # ... and to WhatsApp
    whatsapp_languages: frozenset[str] = frozenset()  # those with an approved template: WhatsApp is possible
    links: bool = True  # a link secret is set: without one a message could not carry its question
    lease: timedelta = timedelta(minutes=10)  # a claim older than this was a sender that died


def contact_moment(latest: Response, rules: RecoveryRules, now: datetime) -> datetime:
    """The first moment from `now` the customer's country allows, in each of their zones."""
    country = customer_country(latest, rules)
    hours = rules.contact_hours.get(country) or rules.contact_hours[rules.default_country]
    zones = customer_zones(latest.customer_phone, latest.attributes) or country_zones(country)
    holidays: frozenset[date] = frozenset()
    try:
        holidays = country_holidays(country, now.year) | country_holidays(country, now.year + 1)
    except ValueError:
        log.warning("no holiday calendar for the customer's country", extra={"country": country})
    return next_contact(now, zones, hours, holidays)


def customer_country(latest: Response, rules: RecoveryRules) -> str:
    """The `country` attribute if the integration maps one, else the phone number's, else the default."""
    named = latest.attributes.get("country")
    if isinstance(named, str) and len(named.strip()) == 2 and named.strip().isalpha():
        return named.strip().upper()
    if latest.customer_phone:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(latest.customer_phone, None))
        except phonenumbers.NumberParseException:
            region = None
        if region and region != "ZZ":
            return str(region)
    return rules.default_country


def country_zones(country: str) -> list[str]:
    """A country's zones as its numbers have them (Colombia: America/Bogota)."""
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.FIXED_LINE)
    zones = [z for z in phone_zones.time_zones_for_number(example)] if example else []
    return [z for z in zones if z != "Etc/Unknown"] or ["UTC"]


def channel_for(latest: Response, rules: RecoveryRules) -> Channel | None:
    """Email when there is one; else WhatsApp, then SMS, each only with the customer's recorded consent (and
    WhatsApp only where a template of their language may start the conversation)."""
    if latest.customer_email:
        return Channel.EMAIL
    if not latest.customer_phone:
        return None
    if _consented(latest, rules.whatsapp_consent) and language_of(latest.language) in rules.whatsapp_languages:
        return Channel.WHATSAPP
    if _consented(latest, rules.sms_consent):
        return Channel.SMS
    return None


def _consented(latest: Response, attribute: str) -> bool:
    consent = latest.attributes.get(attribute)
    return consent is True or str(consent).strip().lower() in CONSENTED


def language_of(wanted: str | None) -> str:
    """The language a message goes in, as the renderer picks it: es or en."""
    base = (wanted or "en").split("-")[0].lower()
    return base if base in ("es", "en") else "en"


def latest_of(responses: list[Response]) -> Response | None:
    return max(responses, key=lambda r: (r.responded_at, r.id or 0)) if responses else None
