"""Time-travel tests of the sweep: reminders, breaches in business time, each step once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from npsloop.domain.cases import Action, Outcome
from npsloop.domain.escalation import parse_step
from npsloop.domain.sla import CalendarError
from npsloop.services import directory
from npsloop.services.casework import act_on_case, get_case
from npsloop.services.records import CaseFilter
from tests.conftest import at, drain, ingest, madrid_schedule, seed_team

MADRID = ZoneInfo("Europe/Madrid")
FRIDAY_1650 = datetime(2026, 11, 20, 16, 50, tzinfo=MADRID)


@pytest.fixture
def madrid(runtime):
    seed_team(
        runtime, agents=(("Marta", "+34611222333", "marta@example.es", "es"), ("Tom", None, "tom@example.com", "en"))
    )
    directory.add_agent(
        uow=runtime.uow(), name="Sara", team="Logistics", phone="+34611222399", email=None, role="supervisor"
    )
    directory.add_agent(
        uow=runtime.uow(), name="Hugo", team="Logistics", phone=None, email="hugo@example.es", role="head"
    )
    madrid_schedule(runtime, escalation=["0m team sms", "30m supervisors", "2h heads email"])
    at(runtime, FRIDAY_1650)
    ingest(runtime, score=2)
    drain(runtime)
    with runtime.uow() as uow:
        [case] = uow.cases.search(CaseFilter(), limit=1, offset=0)[0]
    runtime.transports["sms"].sent.clear()
    runtime.transports["email"].sent.clear()
    return case.id


def sweep_at(runtime, moment):
    at(runtime, moment)
    report = runtime.sweep()
    drain(runtime)
    return report


def kinds(runtime, case_id):
    return [e.kind for e in get_case(uow=runtime.uow(), case_id=case_id).events]


def test_friday_1650_with_15_minutes_breaches_monday_0905_not_friday_1705(runtime, madrid):
    assert sweep_at(runtime, datetime(2026, 11, 20, 17, 6, tzinfo=MADRID)).escalations == 0
    assert sweep_at(runtime, datetime(2026, 11, 23, 9, 4, tzinfo=MADRID)).escalations == 0
    assert sweep_at(runtime, datetime(2026, 11, 23, 9, 5, tzinfo=MADRID)).escalations == 1
    texts = [m.text for m in runtime.transports["sms"].sent]
    assert sorted(m.to for m in runtime.transports["sms"].sent) == ["+34611222333", "+34611222399"]  # the team
    assert runtime.transports["email"].sent == []  # step 1 goes by SMS only
    assert "ESCALADO" in texts[0] and "vie 17:00" not in texts[0] and "lun 09:05" in texts[0]


def test_each_step_fires_at_its_business_time_delay_and_once(runtime, madrid):
    monday = datetime(2026, 11, 23, 9, 5, tzinfo=MADRID)
    assert sweep_at(runtime, monday).escalations == 1
    assert sweep_at(runtime, monday + timedelta(minutes=1)).escalations == 0  # step 1 does not fire again
    assert sweep_at(runtime, monday + timedelta(minutes=30)).escalations == 1  # supervisors
    assert [m.to for m in runtime.transports["sms"].sent][-1] == "+34611222399"
    assert sweep_at(runtime, monday + timedelta(hours=2)).escalations == 1  # heads, by email
    assert runtime.transports["email"].sent[-1].to == "hugo@example.es"
    assert runtime.transports["email"].sent[-1].subject.startswith(f"[npsloop #{madrid}] ESCALATED: acknowledge")
    assert sweep_at(runtime, monday + timedelta(hours=2, minutes=30)).escalations == 0
    # Nobody acknowledged, so the contact deadline (Monday 12:50) is breached too: its own chain starts.
    assert sweep_at(runtime, monday + timedelta(hours=5)).escalations == 2
    events = get_case(uow=runtime.uow(), case_id=madrid).events
    fired = [(e.data["deadline"], e.data["step"]) for e in events if e.kind == "escalated"]
    assert fired == [("acknowledge", 1), ("acknowledge", 2), ("acknowledge", 3), ("contact", 1), ("contact", 2)]


def test_acknowledging_stops_the_acknowledgement_chain(runtime, madrid):
    monday = datetime(2026, 11, 23, 9, 5, tzinfo=MADRID)
    sweep_at(runtime, monday)
    act_on_case(uow=runtime.uow(), case_id=madrid, action=Action.ACKNOWLEDGE, actor="Marta", now=runtime.clock())
    assert sweep_at(runtime, monday + timedelta(minutes=40)).escalations == 0  # no supervisors step
    assert kinds(runtime, madrid).count("escalated") == 1


def test_the_assignee_is_reminded_before_the_contact_deadline(runtime, madrid):
    act_on_case(uow=runtime.uow(), case_id=madrid, action=Action.ACKNOWLEDGE, actor="Marta", now=runtime.clock())
    contact_due = get_case(uow=runtime.uow(), case_id=madrid).case.contact_due_at
    assert sweep_at(runtime, contact_due - timedelta(minutes=20)).reminders == 0
    assert sweep_at(runtime, contact_due - timedelta(minutes=10)).reminders == 1
    assert sweep_at(runtime, contact_due - timedelta(minutes=5)).reminders == 0  # once
    reminder = runtime.transports["sms"].sent[-1]
    assert reminder.to == "+34611222333" and "recordatorio" in reminder.text


def test_a_closed_case_stops_everything(runtime, madrid):
    act_on_case(
        uow=runtime.uow(),
        case_id=madrid,
        action=Action.CLOSE,
        actor="Marta",
        now=runtime.clock(),
        outcome=Outcome.RESOLVED,
    )
    assert sweep_at(runtime, datetime(2026, 11, 30, 12, 0, tzinfo=MADRID)).escalations == 0
    assert runtime.transports["sms"].sent == [] and runtime.transports["email"].sent == []


@pytest.mark.parametrize("bad", ["soon team", "15m everyone", "15m team pigeon", "15m", "0m agent:"])
def test_bad_escalation_steps_are_refused(bad):
    with pytest.raises(CalendarError):
        parse_step(bad)
