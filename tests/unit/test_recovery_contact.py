"""Whom, how and when a recovery message may reach: the customer's country, zones, channel and window."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from npsloop.domain.notifications import Channel
from npsloop.domain.responses import Response
from npsloop.services.recovery_contact import (
    RecoveryRules,
    channel_for,
    contact_moment,
    country_zones,
    customer_country,
    language_of,
)

RULES = RecoveryRules(whatsapp_languages=frozenset({"es"}))


def answer(phone: str | None = None, email: str | None = None, language: str | None = "es", **attributes) -> Response:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return Response(
        integration="shop",
        external_id="r1",
        score=3,
        customer_id="c1",
        responded_at=at,
        received_at=at,
        customer_phone=phone,
        customer_email=email,
        language=language,
        attributes=attributes,
    )


def test_the_country_comes_from_the_attribute_then_the_phone_then_the_default():
    assert customer_country(answer("+573001234567", country="es"), RULES) == "ES"
    assert customer_country(answer("+34600111222"), RULES) == "ES"
    assert customer_country(answer("+573001234567"), RULES) == "CO"
    assert customer_country(answer(None, country="<script>"), RULES) == "CO"
    assert customer_country(answer("not a number"), RULES) == "CO"


def test_a_country_has_the_zones_of_its_numbers():
    assert country_zones("CO") == ["America/Bogota"]
    assert country_zones("ZZ") == ["UTC"]


def test_a_mexican_customer_follows_the_default_hours_in_their_own_zone_and_holidays():
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    found = contact_moment(answer("+525512345678"), RULES, sunday)
    assert found.astimezone(ZoneInfo("America/Mexico_City")).strftime("%a %H:%M") == "Mon 07:00"


def test_a_spanish_mobile_waits_until_the_canaries_are_open_too():
    eight_utc = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 09:00 in Madrid, 08:00 in the Canaries
    assert contact_moment(answer("+34600111222"), RULES, eight_utc) == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_email_first_then_whatsapp_then_sms_each_only_with_consent():
    assert channel_for(answer("+573001234567", "a@b.co"), RULES) == Channel.EMAIL
    both = answer("+573001234567", whatsapp_consent="yes", sms_consent=True)
    assert channel_for(both, RULES) == Channel.WHATSAPP
    assert channel_for(answer("+573001234567", language="en", whatsapp_consent="yes", sms_consent="1"), RULES) == (
        Channel.SMS
    )
    assert channel_for(answer("+573001234567", sms_consent="no"), RULES) is None
    assert channel_for(answer(None, sms_consent="yes"), RULES) is None


def test_the_language_is_spanish_or_english():
    assert [language_of(x) for x in ("es-CO", "EN", "pt-BR", None)] == ["es", "en", "en", "en"]
