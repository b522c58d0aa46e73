from datetime import UTC, datetime, time

import pytest

from npsloop.services.customer_time import customer_clock, customer_zones, parse_call_hours
from tests.conftest import drain, ingest, seed_team

HOURS = (time(9), time(21))


def test_the_customers_zone_comes_from_an_attribute_or_the_phone():
    assert customer_zones("+34911234567", {}) == ["Europe/Madrid"]
    assert customer_zones("+573001234567", {}) == ["America/Bogota"]
    assert customer_zones("+34600111222", {"timezone": "Atlantic/Canary"}) == ["Atlantic/Canary"]
    assert set(customer_zones("+34600111222", {"timezone": "Nowhere/Else"})) == {"Europe/Madrid", "Atlantic/Canary"}
    assert customer_zones(None, {}) == []


def test_a_customer_in_quiet_hours_is_called_from_the_next_opening():
    late = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # 23:30 in Madrid
    clock = customer_clock(["Europe/Madrid"], late, HOURS)
    assert clock.label == "23:30 (UTC+01:00)"
    assert clock.call_from.isoformat() == "2026-11-21T09:00:00+01:00"
    early = customer_clock(["America/Bogota"], datetime(2026, 11, 20, 12, 0, tzinfo=UTC), HOURS)  # 07:00 there
    assert early.call_from.isoformat() == "2026-11-20T09:00:00-05:00"
    assert customer_clock(["Europe/Madrid"], datetime(2026, 11, 20, 12, 0, tzinfo=UTC), HOURS).call_from is None


def test_a_number_spanning_two_offsets_shows_both_and_waits_for_the_later_morning():
    # A Spanish mobile at 08:30 UTC: 09:30 in Madrid (callable) but 08:30 in the Canaries (not yet).
    clock = customer_clock(["Atlantic/Canary", "Europe/Madrid"], datetime(2026, 11, 20, 8, 30, tzinfo=UTC), HOURS)
    assert clock.label == "09:30 (UTC+01:00) or 08:30 (UTC+00:00)"
    assert clock.call_from.astimezone(UTC).isoformat() == "2026-11-20T09:00:00+00:00"
    london = customer_zones("+447911123456", {})
    assert customer_clock(london, datetime(2026, 11, 20, 12, 0, tzinfo=UTC), HOURS).label == "12:00 (UTC+00:00)"


def test_call_hours_must_be_a_window():
    assert parse_call_hours("08:30-20:00") == (time(8, 30), time(20))
    assert parse_call_hours("00:00-24:00") == (time(0), time.max)
    with pytest.raises(ValueError):
        parse_call_hours("21:00-09:00")


def test_the_alert_says_when_the_customer_may_be_called_without_delaying_it(runtime):
    seed_team(runtime)
    late = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    runtime.clock = lambda: late
    ingest(runtime, score=2, customer={"id": "c1", "phone": "+34911234567"})
    drain(runtime)
    [sms] = runtime.transports["sms"].sent  # sent at once, quiet hours or not
    assert "Llamar después de sáb 09:00, su hora." in sms.text
    email = next(m for m in runtime.transports["email"].sent if m.to == "tom@example.com")
    assert "Customer's time: 23:30 (UTC+01:00), outside calling hours: call from Sat 09:00" in email.text
