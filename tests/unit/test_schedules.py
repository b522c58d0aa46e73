"""Routing, schedules and SLA deadlines as a detractor goes through processing (time fixed by the test)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from npsloop.domain.rules import RuleError
from npsloop.domain.sla import CalendarError
from npsloop.ingest.rules_yaml import load_rules
from npsloop.services.casework import get_case
from npsloop.services.directory import set_duty, set_schedule
from npsloop.services.records import CaseFilter
from npsloop.services.routing import current_rules, load_routing
from tests.conftest import at, drain, ingest, madrid_schedule, seed_team

MADRID = ZoneInfo("Europe/Madrid")


def madrid_team(runtime, **schedule):
    seed_team(runtime)
    madrid_schedule(runtime, **schedule)


def only_case(runtime):
    with runtime.uow() as uow:
        [case] = uow.cases.search(CaseFilter(), limit=5, offset=0)[0]
    return get_case(uow=runtime.uow(), case_id=case.id)


def test_deadlines_are_in_business_time_and_stored_on_the_case(runtime):
    madrid_team(runtime)
    at(runtime, datetime(2026, 11, 20, 16, 50, tzinfo=MADRID))  # a Friday
    ingest(runtime, score=2)
    drain(runtime)
    case = only_case(runtime).case
    assert case.acknowledge_due_at == datetime(2026, 11, 23, 9, 5, tzinfo=MADRID)
    assert case.contact_due_at == datetime(2026, 11, 23, 12, 50, tzinfo=MADRID)
    assert case.close_due_at == datetime(2026, 11, 23, 16, 50, tzinfo=MADRID)  # one business day = 8 h


def test_a_priority_has_its_own_sla(runtime):
    madrid_team(runtime, sla={"urgent": {"acknowledge": "5m", "contact": "1h"}})
    load_routing(
        uow=runtime.uow(),
        rules=load_rules(
            "rules:\n  - name: very low\n    match: {score: 0-3}\n    team: Logistics\n    priority: urgent\n"
            "  - name: default\n    team: Logistics\n"
        ),
        now=runtime.clock(),
    )
    at(runtime, datetime(2026, 11, 23, 10, 0, tzinfo=MADRID))
    ingest(runtime, score=1)
    drain(runtime)
    case = only_case(runtime).case
    assert (case.priority, case.rule) == ("urgent", "very low")
    assert case.acknowledge_due_at == datetime(2026, 11, 23, 10, 5, tzinfo=MADRID)
    assert case.close_due_at == datetime(2026, 11, 24, 10, 0, tzinfo=MADRID)  # the default close, 1d


def test_outside_business_hours_alerts_wait_for_the_opening_and_the_timeline_says_so(runtime):
    madrid_team(runtime)
    at(runtime, datetime(2026, 12, 24, 20, 0, tzinfo=MADRID))  # Christmas Eve night; the 25th is a holiday
    ingest(runtime, score=2)
    drain(runtime)
    view = only_case(runtime)
    assert runtime.transports["sms"].sent == [] and runtime.transports["email"].sent == []
    opening = datetime(2026, 12, 28, 9, 0, tzinfo=MADRID)
    assert {n.next_attempt_at for n in view.notifications} == {opening}
    assert "queued until Mon 28 Dec 09:00" in next(e.note for e in view.events if e.kind == "after_hours")
    held = view.notifications[0].id
    assert runtime.send(held).status.value == "skipped"  # no countdown of days on the broker
    due_report = runtime.reconcile()
    assert due_report.notifications == 0  # not due yet
    at(runtime, datetime(2026, 12, 28, 9, 2, tzinfo=MADRID))
    assert runtime.reconcile().notifications == 3  # due: the reconciler hands them to the workers
    drain(runtime)
    assert len(runtime.transports["sms"].sent) == 1 and len(runtime.transports["email"].sent) == 2


def test_the_contact_policy_alerts_the_on_call_agent_at_once(runtime):
    madrid_team(runtime, after_hours="contact", after_hours_agent="Marta")
    at(runtime, datetime(2026, 11, 21, 11, 0, tzinfo=MADRID))  # Saturday
    ingest(runtime, score=2)
    drain(runtime)
    assert [m.to for m in runtime.transports["sms"].sent] == ["+34611222333"]
    assert [m.to for m in runtime.transports["email"].sent] == ["marta@example.es"]
    assert any("alerting Marta, on call" in (e.note or "") for e in only_case(runtime).events)


def test_off_duty_agents_are_not_alerted(runtime):
    seed_team(runtime)
    set_duty(uow=runtime.uow(), agent="Tom", off_until=runtime.clock() + timedelta(days=1))
    ingest(runtime, score=2)
    drain(runtime)
    assert [m.to for m in runtime.transports["email"].sent] == ["marta@example.es"]


def test_a_rule_that_opens_no_case_stores_and_counts_the_response(runtime):
    seed_team(runtime)
    load_routing(
        uow=runtime.uow(),
        rules=load_rules(
            "rules:\n  - name: test accounts\n    match: {attributes: {segment: test}}\n    open_case: false\n"
            "  - name: default\n    team: Logistics\n"
        ),
        now=runtime.clock(),
    )
    response_id = ingest(runtime, score=0, attributes={"segment": "test"})
    drain(runtime)
    with runtime.uow() as uow:
        response = uow.responses.get(response_id)
        assert response.status == "processed" and response.case_id is None


def test_loading_rules_naming_an_unknown_team_changes_nothing(runtime):
    seed_team(runtime)
    good = load_rules("rules:\n  - name: default\n    team: Logistics\n")
    load_routing(uow=runtime.uow(), rules=good, now=runtime.clock())
    bad = load_rules(
        "rules:\n  - name: vip\n    match: {score: 0}\n    team: Ghosts\n  - name: default\n    team: Logistics\n"
    )
    with pytest.raises(RuleError, match="line 2: rule 'vip': no team named 'Ghosts'"):
        load_routing(uow=runtime.uow(), rules=bad, now=runtime.clock())
    assert [r.name for r in current_rules(uow=runtime.uow())] == ["default"]


@pytest.mark.parametrize(
    "change",
    [
        {"timezone": "Mars/Base"},
        {"hours": "weekdays"},
        {"holiday_country": "XX"},
        {"after_hours": "contact"},
        {"sla": {"normal": {"acknowledge": "soon"}}},
        {"sla": {"normal": {"lunch": "1h"}}},
    ],
)
def test_a_bad_schedule_is_refused_whole(runtime, change):
    seed_team(runtime)
    with pytest.raises(CalendarError):
        set_schedule(uow=runtime.uow(), team="Logistics", now=runtime.clock(), **change)
    with runtime.uow() as uow:
        team = uow.directory.team_named("Logistics")
        assert team.timezone == "UTC" and team.sla == {} and team.after_hours == "queue"
