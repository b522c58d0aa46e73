"""The recovery follow-up's rules: the team's setting, the quiet period, the customer's contact window, the answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from npsloop.domain.recovery import (
    DEFAULT_CONTACT_HOURS,
    MAX_COMMENT,
    InvalidAnswer,
    InvalidRecoverySetting,
    RecoveryPolicy,
    asks,
    check_setting,
    clean_comment,
    next_contact,
    parse_contact_hours,
    quiet,
    read_answer,
)

BOGOTA = ZoneInfo("America/Bogota")
COLOMBIA = parse_contact_hours(DEFAULT_CONTACT_HOURS)["CO"]
SPAIN = parse_contact_hours(DEFAULT_CONTACT_HOURS)["ES"]
THEMES = ("delivery", "billing", "staff")


def bogota(*args: int) -> datetime:
    return datetime(*args, tzinfo=BOGOTA)  # type: ignore[misc]


def test_a_team_that_asks_asks_about_every_resolved_closure():
    assert asks(RecoveryPolicy.ASK, [], detractor=False, case_themes=[])


def test_a_team_with_recovery_off_never_asks():
    assert not asks(RecoveryPolicy.OFF, [], detractor=True, case_themes=["delivery"])


def test_themes_asks_only_detractors_who_named_one_of_the_themes():
    assert asks(RecoveryPolicy.THEMES, ["delivery"], detractor=True, case_themes=["delivery", "staff"])
    assert not asks(RecoveryPolicy.THEMES, ["delivery"], detractor=True, case_themes=["billing"])
    assert not asks(RecoveryPolicy.THEMES, ["delivery"], detractor=False, case_themes=["delivery"])


def test_the_setting_is_checked_with_messages_an_admin_can_act_on():
    assert check_setting("themes", [" delivery", "delivery"], THEMES) == (RecoveryPolicy.THEMES, ["delivery"])
    assert check_setting("off", [], THEMES) == (RecoveryPolicy.OFF, [])
    with pytest.raises(InvalidRecoverySetting, match="one of off, ask, themes"):
        check_setting("sometimes", [], THEMES)
    with pytest.raises(InvalidRecoverySetting, match="unknown recovery theme"):
        check_setting("themes", ["<script>"], THEMES)
    with pytest.raises(InvalidRecoverySetting, match="at least one theme"):
        check_setting("themes", [], THEMES)
    with pytest.raises(InvalidRecoverySetting, match="only used with"):
        check_setting("ask", ["delivery"], THEMES)


def test_the_quiet_period_is_thirty_days_from_the_last_message():
    sent = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert quiet(sent, sent + timedelta(days=29, hours=23), 30)
    assert not quiet(sent, sent + timedelta(days=30), 30)
    assert not quiet(None, sent, 30)


def test_a_weekday_inside_colombian_hours_is_now():
    moment = bogota(2026, 12, 2, 10, 0)  # a Wednesday
    assert next_contact(moment, ["America/Bogota"], COLOMBIA, frozenset()) == moment


def test_a_colombian_sunday_waits_for_monday_seven():
    sunday = bogota(2026, 11, 29, 11, 30)
    assert next_contact(sunday, ["America/Bogota"], COLOMBIA, frozenset()) == bogota(2026, 11, 30, 7, 0)


def test_saturday_closes_at_three_and_the_next_moment_is_monday():
    late_saturday = bogota(2026, 11, 28, 15, 0)
    assert next_contact(late_saturday, ["America/Bogota"], COLOMBIA, frozenset()) == bogota(2026, 11, 30, 7, 0)
    assert next_contact(bogota(2026, 11, 28, 7, 59), ["America/Bogota"], COLOMBIA, frozenset()) == bogota(
        2026, 11, 28, 8, 0
    )


def test_after_seven_in_the_evening_waits_for_the_next_morning():
    assert next_contact(bogota(2026, 12, 2, 19, 0), ["America/Bogota"], COLOMBIA, frozenset()) == bogota(
        2026, 12, 3, 7, 0
    )


def test_a_public_holiday_is_skipped():
    holiday = date(2026, 12, 8)  # la Inmaculada Concepción, a Tuesday
    evening_before = bogota(2026, 12, 7, 20, 0)
    assert next_contact(evening_before, ["America/Bogota"], COLOMBIA, frozenset({holiday})) == bogota(2026, 12, 9, 7, 0)


def test_a_number_spanning_two_zones_waits_until_both_allow_it():
    """Spanish mobiles may be in Madrid or the Canaries: 09:00 in Madrid is 08:00 in the Canaries."""
    madrid_nine = datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    found = next_contact(madrid_nine, ["Europe/Madrid", "Atlantic/Canary"], SPAIN, frozenset())
    assert found == datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("Atlantic/Canary"))


def test_the_contact_table_refuses_what_it_cannot_read():
    with pytest.raises(InvalidRecoverySetting, match="country code"):
        parse_contact_hours({"Colombia": "mon-fri 07:00-19:00"})
    with pytest.raises(InvalidRecoverySetting, match="CO"):
        parse_contact_hours({"CO": "weekdays 7 to 7"})


def test_a_no_reopens_and_so_does_a_detractors_new_score():
    assert read_answer("no", "", None).reopens
    assert read_answer("yes", "4", None).reopens
    assert not read_answer("yes", "7", "ok").reopens
    assert not read_answer("yes", None, None).reopens


@pytest.mark.parametrize("score", ["11", "-1", "4.5", "٣", "1e1", "007", "ten", " 10x"])
def test_a_score_outside_zero_to_ten_is_refused(score):
    with pytest.raises(InvalidAnswer):
        read_answer("no", score, None)


@pytest.mark.parametrize("solved", [None, "", "YES", "maybe", "yes\x00"])
def test_only_yes_or_no_answers(solved):
    with pytest.raises(InvalidAnswer):
        read_answer(solved, "", None)


def test_a_comment_keeps_its_words_and_loses_control_characters():
    assert clean_comment("  <b>still broken</b>\x00\x07\n  ") == "<b>still broken</b>"
    assert clean_comment("línea 1\nlínea 2") == "línea 1\nlínea 2"
    assert clean_comment("   ") is None
    with pytest.raises(InvalidAnswer, match=str(MAX_COMMENT)):
        clean_comment("x" * (MAX_COMMENT + 1))
