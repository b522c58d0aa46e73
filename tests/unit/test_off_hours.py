"""The right to disconnect at the sending layer, by time travel: an alert of any kind to an agent outside their
working hours is held (pending, its timer in the database, the timeline saying until when) and sent once when
their hours begin; agents on call and the team's after-hours contact are alerted at night."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from npsloop.bootstrap import build_runtime
from npsloop.domain.cases import Action, Outcome
from npsloop.domain.closure import Closure
from npsloop.services.agent_hours import set_hours
from npsloop.services.agents import set_active
from npsloop.services.casework import act_on_case, assign_case, get_case
from npsloop.services.directory import add_agent
from npsloop.services.notifying import SendStatus
from npsloop.services.records import CaseFilter
from tests.conftest import FakeDispatcher, at, drain, ingest, madrid_schedule, seed_team

MADRID = ZoneInfo("Europe/Madrid")
WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=MADRID)
WEDNESDAY_13 = datetime(2026, 12, 2, 13, 0, tzinfo=MADRID)
THURSDAY_9 = datetime(2026, 12, 3, 9, 0, tzinfo=MADRID)
MARTA, TOM = "+34611222333", "tom@example.com"


def team(runtime, marta_hours=None, **schedule):
    """Logistics, weekdays 09:00-17:00 in Madrid: Marta by SMS (afternoons, unless told), Tom by email."""
    seed_team(runtime, agents=(("Marta", MARTA, None, "es"), ("Tom", None, TOM, "en")))
    madrid_schedule(runtime, **schedule)
    set_hours(uow=runtime.uow(), agent="Marta", hours=marta_hours or "mon-fri 13:00-17:00", now=runtime.clock())


def detractor_at(runtime, moment):
    at(runtime, moment)
    ingest(runtime, score=2)
    drain(runtime)
    with runtime.uow() as uow:
        [case] = uow.cases.search(CaseFilter(), limit=1, offset=0)[0]
    return case.id


def release_at(runtime, moment):
    at(runtime, moment)
    report = runtime.reconcile()
    drain(runtime)
    return report


def sms_to(runtime):
    return [m.to for m in runtime.transports["sms"].sent]


def alerts_of(runtime, case_id, agent_name):
    with runtime.uow() as uow:
        agent = uow.directory.agent_named(agent_name)
        return [n for n in uow.notifications.for_case(case_id) if n.agent_id == agent.id]


def events(runtime, case_id, kind):
    return [e for e in get_case(uow=runtime.uow(), case_id=case_id).events if e.kind == kind]


def test_an_alert_outside_the_agents_hours_is_held_and_goes_when_they_begin(runtime):
    team(runtime)
    case_id = detractor_at(runtime, WEDNESDAY_10)
    assert sms_to(runtime) == []  # Marta works afternoons
    assert [m.to for m in runtime.transports["email"].sent] == [TOM]  # Tom works the team's hours
    [held] = alerts_of(runtime, case_id, "Marta")
    assert held.state == "pending" and held.next_attempt_at == held.held_until == WEDNESDAY_13
    [event] = events(runtime, case_id, "alert_held")
    assert event.note == (
        "Marta is outside their working hours: this case_opened alert (sms) waits until Wed 02 Dec 13:00 CET"
    )
    assert datetime.fromisoformat(event.data["until"]) == WEDNESDAY_13 and event.data["notification"] == held.id

    assert release_at(runtime, WEDNESDAY_13 - timedelta(seconds=1)).released == 0
    assert sms_to(runtime) == []
    assert release_at(runtime, WEDNESDAY_13).released == 1  # the moment her hours begin, not a sweep later
    assert sms_to(runtime) == [MARTA]
    [sent] = alerts_of(runtime, case_id, "Marta")
    assert sent.state == "sent" and sent.sent_at == WEDNESDAY_13
    kinds = [e.kind for e in get_case(uow=runtime.uow(), case_id=case_id).events]
    assert kinds.index("alert_held") < max(i for i, k in enumerate(kinds) if k == "notified")


def test_a_held_alert_is_held_once_and_sent_once_however_many_workers_try(runtime):
    team(runtime)
    case_id = detractor_at(runtime, WEDNESDAY_10)
    [held] = alerts_of(runtime, case_id, "Marta")
    assert runtime.send(held.id).status is SendStatus.SKIPPED  # a redelivered task: not due, nothing recorded
    assert len(events(runtime, case_id, "alert_held")) == 1
    at(runtime, WEDNESDAY_13 + timedelta(minutes=5))
    runtime.reconcile()
    runtime.reconcile()  # both passes find it (held and overdue): two tasks, one claim
    drain(runtime)
    assert [runtime.send(held.id).status for _ in range(2)] == [SendStatus.SKIPPED] * 2
    release_at(runtime, WEDNESDAY_13 + timedelta(hours=1))
    assert sms_to(runtime) == [MARTA]
    assert len(events(runtime, case_id, "notified")) == 2  # Tom's email and Marta's SMS, each once


def test_a_held_alert_outlives_the_worker_that_held_it(runtime):
    team(runtime)
    detractor_at(runtime, WEDNESDAY_10)
    runtime.engine.dispose()  # the worker is gone; its timer is a row
    restarted = build_runtime(runtime.settings, dispatcher=FakeDispatcher())
    restarted.transports = runtime.transports
    try:
        assert release_at(restarted, WEDNESDAY_13).released == 1
        assert sms_to(restarted) == [MARTA]
    finally:
        restarted.engine.dispose()


def test_an_agent_on_call_is_alerted_at_night_and_the_others_at_their_next_hours(runtime):
    team(runtime, marta_hours="mon-fri 09:00-17:00")
    set_hours(uow=runtime.uow(), agent="Marta", hours=None, on_call=True, now=runtime.clock())
    case_id = detractor_at(runtime, datetime(2026, 12, 2, 23, 30, tzinfo=MADRID))
    assert sms_to(runtime) == [MARTA]
    assert runtime.transports["email"].sent == []
    [after_hours] = events(runtime, case_id, "after_hours")
    assert "queued until Thu 03 Dec 09:00" in after_hours.note and "alerting Marta now, on call" in after_hours.note
    assert release_at(runtime, THURSDAY_9).released == 1
    assert [m.to for m in runtime.transports["email"].sent] == [TOM]


def test_the_after_hours_contact_is_alerted_at_night_whatever_their_own_hours(runtime):
    team(runtime, marta_hours="mon-fri 09:00-12:00", after_hours="contact", after_hours_agent="Marta")
    case_id = detractor_at(runtime, datetime(2026, 12, 5, 11, 0, tzinfo=MADRID))  # Saturday
    assert sms_to(runtime) == [MARTA]
    assert events(runtime, case_id, "alert_held") == []


def test_an_assignment_outside_the_new_owners_hours_waits_for_them(runtime):
    team(runtime)
    case_id = detractor_at(runtime, WEDNESDAY_13)
    runtime.transports["sms"].sent.clear()
    at(runtime, datetime(2026, 12, 2, 18, 0, tzinfo=MADRID))
    assign_case(uow=runtime.uow(), case_id=case_id, agent="Marta", actor="Tom", now=runtime.clock())
    drain(runtime)
    assert sms_to(runtime) == []
    [_, assigned] = alerts_of(runtime, case_id, "Marta")
    assert assigned.kind == "assigned:1" and assigned.held_until == datetime(2026, 12, 3, 13, 0, tzinfo=MADRID)
    assert release_at(runtime, datetime(2026, 12, 3, 13, 0, tzinfo=MADRID)).released == 1
    assert sms_to(runtime) == [MARTA]


def test_reminders_and_escalations_are_held_like_every_alert(runtime):
    team(runtime, marta_hours="mon-fri 09:00-12:00", escalation=["0m team sms", "30m supervisors"])
    add_agent(uow=runtime.uow(), name="Sara", team="Logistics", phone="+34611222399", email=None, role="supervisor")
    set_hours(uow=runtime.uow(), agent="Sara", hours="mon-fri 09:00-10:30", now=runtime.clock())
    case_id = detractor_at(runtime, WEDNESDAY_10)
    assign_case(uow=runtime.uow(), case_id=case_id, agent="Marta", actor="Tom", now=runtime.clock())
    drain(runtime)
    runtime.transports["sms"].sent.clear()
    act_on_case(uow=runtime.uow(), case_id=case_id, action=Action.ACKNOWLEDGE, actor="Marta", now=runtime.clock())
    # The contact deadline is 14:00 (4 h); Marta's reminder comes at 13:50, after her hours: held till Thursday.
    at(runtime, datetime(2026, 12, 2, 13, 50, tzinfo=MADRID))
    assert runtime.sweep().reminders == 1
    drain(runtime)
    assert sms_to(runtime) == []
    [reminder] = [n for n in alerts_of(runtime, case_id, "Marta") if n.kind == "reminder:contact"]
    assert reminder.held_until == THURSDAY_9
    # Breached at 14:00: step 1 (the team) reaches Sara only on Thursday too; step 2, the supervisors, at 14:30.
    at(runtime, datetime(2026, 12, 2, 14, 31, tzinfo=MADRID))
    runtime.sweep()
    drain(runtime)
    at(runtime, datetime(2026, 12, 2, 15, 1, tzinfo=MADRID))
    runtime.sweep()
    drain(runtime)
    assert sms_to(runtime) == []
    held = [e.data["alert"] for e in events(runtime, case_id, "alert_held")]
    assert "reminder:contact" in held and "escalation:contact:2" in held
    assert release_at(runtime, THURSDAY_9).released >= 3
    sent = sorted(sms_to(runtime))
    assert sent.count(MARTA) == 2 and "+34611222399" in sent  # Marta's reminder and step 1; Sara's steps
    before = len(runtime.transports["sms"].sent)
    release_at(runtime, THURSDAY_9 + timedelta(minutes=5))
    assert len(runtime.transports["sms"].sent) == before  # nothing twice


def test_held_alerts_are_decided_again_when_the_agents_hours_or_duty_change(runtime):
    team(runtime)
    case_id = detractor_at(runtime, WEDNESDAY_10)
    # Later hours: still outside them, held again until the new start, and the timeline says so.
    at(runtime, datetime(2026, 12, 2, 10, 5, tzinfo=MADRID))
    set_hours(uow=runtime.uow(), agent="Marta", hours="mon-fri 14:00-17:00", now=runtime.clock())
    drain(runtime)
    [held] = alerts_of(runtime, case_id, "Marta")
    assert sms_to(runtime) == [] and held.held_until == datetime(2026, 12, 2, 14, 0, tzinfo=MADRID)
    assert [e.note[-9:] for e in events(runtime, case_id, "alert_held")] == ["13:00 CET", "14:00 CET"]
    # On call from now: the held alert goes at once, once.
    at(runtime, datetime(2026, 12, 2, 10, 10, tzinfo=MADRID))
    set_hours(uow=runtime.uow(), agent="Marta", hours=None, on_call=True, now=runtime.clock())
    drain(runtime)
    assert sms_to(runtime) == [MARTA]
    release_at(runtime, datetime(2026, 12, 2, 14, 0, tzinfo=MADRID))
    assert sms_to(runtime) == [MARTA]


def test_a_held_alert_whose_case_was_closed_while_it_waited_is_never_sent(runtime):
    """Tom closes the case in the morning; at 13:00 Marta must not be told to confirm and call the customer about a
    case that is no longer open. The row ends (failed, with the reason) so the reconciler stops finding it."""
    team(runtime)
    case_id = detractor_at(runtime, WEDNESDAY_10)
    at(runtime, datetime(2026, 12, 2, 11, 0, tzinfo=MADRID))
    for action in (Action.ACKNOWLEDGE, Action.CONTACT):
        act_on_case(uow=runtime.uow(), case_id=case_id, action=action, actor="Tom", now=runtime.clock())
    act_on_case(
        uow=runtime.uow(),
        case_id=case_id,
        action=Action.CLOSE,
        actor="Tom",
        now=runtime.clock(),
        outcome=Outcome.RESOLVED,
        closure=Closure(()),
    )
    release_at(runtime, WEDNESDAY_13)
    assert sms_to(runtime) == []
    [withdrawn] = alerts_of(runtime, case_id, "Marta")
    assert withdrawn.state == "failed" and "closed" in withdrawn.last_error
    [note] = [e.note for e in events(runtime, case_id, "notification_failed")]
    assert "Marta" in note and "closed" in note
    assert release_at(runtime, WEDNESDAY_13 + timedelta(minutes=5)).released == 0
    assert sms_to(runtime) == []


def test_a_held_alert_whose_agent_was_deactivated_while_it_waited_is_never_sent(runtime):
    """Marta leaves at 11:00; her held alert, with the customer's phone and comment, must not reach her at 13:00."""
    team(runtime)
    case_id = detractor_at(runtime, WEDNESDAY_10)
    at(runtime, datetime(2026, 12, 2, 11, 0, tzinfo=MADRID))
    set_active(uow=runtime.uow(), name="Marta", active=False, now=runtime.clock())
    release_at(runtime, WEDNESDAY_13)
    assert sms_to(runtime) == []
    [withdrawn] = alerts_of(runtime, case_id, "Marta")
    assert withdrawn.state == "failed" and "deactivated" in withdrawn.last_error
    assert release_at(runtime, WEDNESDAY_13 + timedelta(minutes=5)).released == 0
