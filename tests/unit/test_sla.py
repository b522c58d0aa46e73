from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from npsloop.domain.sla import BusinessCalendar, CalendarError, format_hours, parse_duration, parse_hours

MADRID = ZoneInfo("Europe/Madrid")
BOGOTA = ZoneInfo("America/Bogota")
WEEKDAYS = parse_hours("mon-fri 09:00-17:00")


def madrid(holidays: frozenset[date] = frozenset()) -> BusinessCalendar:
    return BusinessCalendar("Europe/Madrid", WEEKDAYS, holidays)


def test_a_case_opened_friday_1650_with_15_minutes_breaches_monday_0905_not_friday_1705():
    friday = datetime(2026, 11, 20, 16, 50, tzinfo=MADRID)
    assert madrid().add(friday, timedelta(minutes=15)) == datetime(2026, 11, 23, 9, 5, tzinfo=MADRID)


def test_holidays_are_skipped():
    thursday = datetime(2026, 12, 24, 16, 55, tzinfo=MADRID)
    calendar = madrid(frozenset({date(2026, 12, 25)}))
    assert calendar.add(thursday, timedelta(minutes=15)) == datetime(2026, 12, 28, 9, 10, tzinfo=MADRID)


def test_daylight_saving_moves_the_utc_instant_not_the_local_hours():
    # Europe/Madrid springs forward on 2026-03-29: 09:05 local is 08:05 UTC before, 07:05 UTC after.
    before = madrid().add(datetime(2026, 3, 20, 16, 50, tzinfo=MADRID), timedelta(minutes=15))
    after = madrid().add(datetime(2026, 3, 27, 16, 50, tzinfo=MADRID), timedelta(minutes=15))
    assert before.astimezone(UTC).time() == time(8, 5)
    assert after.astimezone(UTC).time() == time(7, 5)
    assert before.astimezone(MADRID).time() == after.astimezone(MADRID).time() == time(9, 5)
    autumn = madrid().add(datetime(2026, 10, 23, 16, 50, tzinfo=MADRID), timedelta(minutes=15))
    assert autumn.astimezone(UTC).time() == time(8, 5)  # back to CET on 2026-10-25


def test_bogota_has_no_daylight_saving():
    calendar = BusinessCalendar("America/Bogota", WEEKDAYS)
    for month in (1, 4, 7, 10):
        opening = calendar.next_open(datetime(2026, month, 5, 3, 0, tzinfo=BOGOTA))
        assert opening.astimezone(UTC).time() == time(14, 0)


def test_business_days_are_the_calendars_day_not_24_hours():
    calendar = madrid()
    assert parse_duration("1d", calendar) == timedelta(hours=8)
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=MADRID)
    assert calendar.add(monday, parse_duration("1d", calendar)) == datetime(2026, 11, 24, 10, 0, tzinfo=MADRID)
    assert parse_duration("4h") == timedelta(hours=4) and parse_duration("1h30m") == timedelta(minutes=90)


@pytest.mark.parametrize("bad", ["", "soon", "5x", "-5m"])
def test_unreadable_durations_are_refused(bad):
    with pytest.raises(CalendarError):
        parse_duration(bad)


def test_hours_round_trip_and_refuse_nonsense():
    hours = parse_hours("mon-fri 09:00-13:00, mon-fri 14:00-18:00, sat 10:00-14:00")
    assert format_hours(hours).startswith("mon 09:00-13:00, mon 14:00-18:00, tue 09:00-13:00")
    for bad in ["mon-fri 9-17", "funday 09:00-17:00", "mon 17:00-09:00", "mon 09:00-12:00, mon 11:00-13:00"]:
        with pytest.raises(CalendarError):
            parse_hours(bad)
    with pytest.raises(CalendarError):
        BusinessCalendar("Mars/Olympus", WEEKDAYS)
    with pytest.raises(CalendarError):
        BusinessCalendar("Europe/Madrid", {})


def test_elapsed_business_time_ignores_nights_and_weekends():
    calendar = madrid()
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=MADRID)
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=MADRID)
    assert calendar.between(friday, monday) == timedelta(hours=2)
    assert calendar.between(monday, friday) == timedelta(0)


# Properties, over two years of instants, split shifts, holidays and both time zones.
CALENDARS = st.sampled_from(
    [
        madrid(frozenset({date(2026, 1, 6), date(2026, 12, 25), date(2027, 1, 1)})),
        BusinessCalendar("Europe/Madrid", parse_hours("mon-thu 08:00-14:00, mon-thu 15:00-19:00, fri 08:00-15:00")),
        BusinessCalendar(
            "America/Bogota", parse_hours("mon-fri 07:00-19:00, sat 08:00-12:00"), frozenset({date(2026, 7, 20)})
        ),
    ]
)
INSTANTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC))
DURATIONS = st.integers(min_value=0, max_value=5 * 24 * 60).map(lambda m: timedelta(minutes=m))


def inside_business_hours(calendar: BusinessCalendar, at: datetime) -> bool:
    local_day = at.astimezone(calendar.zone).date()
    return any(start <= at <= end for start, end in calendar.windows(local_day))


@settings(max_examples=300, deadline=None)
@given(CALENDARS, INSTANTS, DURATIONS)
def test_a_deadline_never_falls_outside_business_hours_or_on_a_holiday(calendar, start, duration):
    deadline = calendar.add(start, duration)
    assert deadline >= start
    assert deadline.astimezone(calendar.zone).date() not in calendar.holidays
    assert inside_business_hours(calendar, deadline)


@settings(max_examples=300, deadline=None)
@given(CALENDARS, INSTANTS, DURATIONS, DURATIONS)
def test_adding_business_time_is_monotone_and_additive(calendar, start, a, b):
    assert calendar.add(start, min(a, b)) <= calendar.add(start, max(a, b))
    assume(b > timedelta(0))
    assert calendar.add(calendar.add(start, a), b) == calendar.add(start, a + b)


@settings(max_examples=300, deadline=None)
@given(CALENDARS, INSTANTS, DURATIONS)
def test_the_business_time_between_start_and_deadline_is_the_duration(calendar, start, duration):
    assert calendar.between(start, calendar.add(start, duration)) == duration
