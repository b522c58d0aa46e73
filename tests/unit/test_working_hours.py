"""When an alert may reach an agent: their own working hours (else the team's), in the team's zone and holidays,
unless they are on call. The boundaries, holidays, time zones and daylight-saving changes."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from npsloop.domain.directory import Agent, Team
from npsloop.domain.sla import BusinessCalendar, CalendarError, parse_hours
from npsloop.domain.working_hours import agent_calendar, alert_time, check_agent_hours, covers_after_hours

MADRID = ZoneInfo("Europe/Madrid")
BOGOTA = ZoneInfo("America/Bogota")
# Tuesday 8 December 2026 is a public holiday in Spain (la Inmaculada).
SPAIN = BusinessCalendar("Europe/Madrid", parse_hours("mon-fri 09:00-17:00"), frozenset({date(2026, 12, 8)}))


def agent(hours=None, on_call=False, agent_id=7):
    return Agent(name="Marta", team_id=1, phone="+34611222333", hours=hours, on_call=on_call, id=agent_id)


def when(hours, moment, calendar=SPAIN, on_call=False):
    someone = agent(hours, on_call)
    return alert_time(someone, agent_calendar(someone, calendar), moment)


def test_an_agent_without_hours_of_their_own_works_the_teams():
    assert agent_calendar(agent(), SPAIN) is SPAIN


def test_a_second_before_the_hours_the_alert_waits_for_the_opening_and_at_the_opening_it_goes():
    opening = datetime(2026, 12, 2, 9, 0, tzinfo=MADRID)
    assert when(None, opening - timedelta(seconds=1)) == opening
    assert when(None, opening) == opening


def test_the_last_second_of_the_hours_is_inside_and_the_closing_instant_is_outside():
    closing = datetime(2026, 12, 2, 17, 0, tzinfo=MADRID)
    assert when(None, closing - timedelta(seconds=1)) == closing - timedelta(seconds=1)
    assert when(None, closing) == datetime(2026, 12, 3, 9, 0, tzinfo=MADRID)


def test_friday_evening_waits_for_monday_morning():
    assert when(None, datetime(2026, 12, 4, 17, 30, tzinfo=MADRID)) == datetime(2026, 12, 7, 9, 0, tzinfo=MADRID)


def test_a_team_holiday_is_a_day_off_for_its_agents_too():
    monday_evening = datetime(2026, 12, 7, 18, 0, tzinfo=MADRID)
    assert when(None, monday_evening) == datetime(2026, 12, 9, 9, 0, tzinfo=MADRID)
    assert when("mon-sun 07:00-22:00", datetime(2026, 12, 8, 12, 0, tzinfo=MADRID)) == datetime(
        2026, 12, 9, 7, 0, tzinfo=MADRID
    )


def test_an_agent_whose_hours_differ_from_the_teams_is_alerted_in_their_own():
    afternoons = "mon-fri 13:00-17:00, sat 10:00-12:00"
    wednesday_10 = datetime(2026, 12, 2, 10, 0, tzinfo=MADRID)
    assert when(afternoons, wednesday_10) == datetime(2026, 12, 2, 13, 0, tzinfo=MADRID)
    assert when(afternoons, datetime(2026, 12, 2, 14, 0, tzinfo=MADRID)) == datetime(2026, 12, 2, 13, tzinfo=UTC)
    # Saturday morning: the team is closed, the agent works.
    saturday = datetime(2026, 12, 5, 10, 30, tzinfo=MADRID)
    assert when(afternoons, saturday) == saturday
    assert when(afternoons, datetime(2026, 12, 5, 12, 0, tzinfo=MADRID)) == datetime(2026, 12, 7, 13, tzinfo=MADRID)


def test_hours_are_read_in_the_teams_time_zone():
    bogota = BusinessCalendar("America/Bogota", parse_hours("mon-fri 08:00-17:00"))
    # 07:00 in Bogotá (UTC-5, no daylight saving) is 12:00 UTC.
    assert when("mon-fri 07:00-12:00", datetime(2026, 12, 2, 11, 59, tzinfo=UTC), bogota) == datetime(
        2026, 12, 2, 12, 0, tzinfo=UTC
    )
    assert when("mon-fri 07:00-12:00", datetime(2026, 12, 2, 12, 0, tzinfo=UTC), bogota) == datetime(
        2026, 12, 2, 12, 0, tzinfo=UTC
    )
    # Noon in Bogotá is 17:00 UTC, when a Madrid team would be long closed: the agent is off.
    assert when("mon-fri 07:00-12:00", datetime(2026, 12, 2, 17, 0, tzinfo=UTC), bogota) == datetime(
        2026, 12, 3, 7, 0, tzinfo=BOGOTA
    )


def test_nine_in_the_morning_stays_nine_across_the_spring_daylight_saving_change():
    # Sunday 28 March 2027 the clocks go forward in Madrid: 09:00 is 08:00 UTC on Friday, 07:00 UTC on Monday.
    friday_after_hours = datetime(2027, 3, 26, 13, 0, tzinfo=MADRID)
    monday = when("mon-fri 09:00-13:00", friday_after_hours, BusinessCalendar("Europe/Madrid", SPAIN.hours))
    assert monday == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert monday.astimezone(MADRID).hour == 9


def test_nine_in_the_morning_stays_nine_across_the_autumn_daylight_saving_change():
    # Sunday 25 October 2026 the clocks go back: Monday's 09:00 is 08:00 UTC.
    friday = datetime(2026, 10, 23, 14, 0, tzinfo=MADRID)
    assert when("mon-fri 09:00-13:00", friday) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_an_agent_on_call_is_alerted_at_night_and_on_holidays():
    night = datetime(2026, 12, 8, 3, 0, tzinfo=MADRID)
    assert when(None, night, on_call=True) == night
    assert when("mon-fri 09:00-13:00", night, on_call=True) == night


def test_the_after_hours_contact_covers_only_while_their_team_is_closed_and_only_under_the_contact_policy():
    contact = agent(agent_id=7)
    team = Team(name="Logistics", after_hours="contact", after_hours_agent_id=7, id=1)
    night = datetime(2026, 12, 2, 23, 0, tzinfo=MADRID)
    day = datetime(2026, 12, 2, 11, 0, tzinfo=MADRID)
    assert covers_after_hours(contact, team, SPAIN, night)
    assert not covers_after_hours(contact, team, SPAIN, day)
    assert not covers_after_hours(agent(agent_id=8), team, SPAIN, night)
    queueing = Team(name="Logistics", after_hours="queue", after_hours_agent_id=7, id=1)
    assert not covers_after_hours(contact, queueing, SPAIN, night)
    assert not covers_after_hours(contact, None, None, night)
    assert alert_time(contact, SPAIN, night, covering=True) == night


def test_a_naive_moment_is_refused():
    with pytest.raises(CalendarError, match="naive"):
        alert_time(agent(), SPAIN, datetime(2026, 12, 2, 9, 0))


def test_hours_are_stored_in_the_teams_spelling():
    assert check_agent_hours("Mon-Wed 9:00-13:00") == "mon 09:00-13:00, tue 09:00-13:00, wed 09:00-13:00"
    assert check_agent_hours("sat 22:00-24:00") == "sat 22:00-24:00"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "at least one day"),
        (" , ", "at least one day"),
        ("9 to 5", "cannot read"),
        ("<b>mon</b> 09:00-13:00", "cannot read"),
        ("mon-fri 13:00-09:00", "closes before it opens"),
        ("mon 09:00-13:00, mon 12:00-14:00", "overlap"),
        ("xyz 09:00-13:00", "unknown day"),
        ("mon 25:00-26:00", "not a time of day"),
    ],
)
def test_hours_that_cannot_be_read_are_refused_with_the_reason(text, words):
    with pytest.raises(CalendarError, match=words):
        check_agent_hours(text)


def test_hours_to_midnight_read_back_as_the_same_hours():
    # Stored as 23:59, the last minute of the day would be off hours after a save.
    stored = check_agent_hours("mon-sun 00:00-24:00")
    assert stored.endswith("sun 00:00-24:00") and parse_hours(stored) == parse_hours("mon-sun 00:00-24:00")
