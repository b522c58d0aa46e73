from datetime import UTC, datetime, timedelta

import pytest

from npsloop.domain.cases import TRANSITIONS, Action, Case, CaseStatus, EventKind, Outcome
from npsloop.domain.closure import DEFAULT_ACTIONS, Closure, ClosureRules, InvalidClosure, ReasonsRequired
from npsloop.domain.errors import InvalidTransition, OutcomeRequired

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def case_in(status: CaseStatus) -> Case:
    case = Case.open(customer_key="shop:c1", team_id=1, at=T0, response_ref="shop/r1")
    case.status = status.value
    return case


def test_a_new_case_is_open_and_its_timeline_starts_with_opened():
    case = Case.open(customer_key="shop:c1", team_id=1, at=T0, response_ref="shop/r1", touchpoint="delivery")
    assert case.status == "open"
    assert [e.kind for e in case.events] == ["opened"]
    assert case.events[0].data == {"response": "shop/r1"}


ALL_PAIRS = [(status, action) for status in CaseStatus for action in Action]


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p in TRANSITIONS])
def test_every_allowed_transition_moves_the_case_and_records_an_event(status, action):
    case = case_in(status)
    event = case.apply(action, actor="marta", at=T0 + timedelta(minutes=5), outcome=Outcome.RESOLVED)
    assert case.status == TRANSITIONS[(status, action)].value
    assert event.actor == "marta" and event.at == T0 + timedelta(minutes=5)
    assert event.data["from"] == status.value and event.data["to"] == case.status
    assert case.events[-1] is event


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p not in TRANSITIONS])
def test_every_forbidden_transition_is_refused_and_changes_nothing(status, action):
    case = case_in(status)
    before = len(case.events)
    with pytest.raises(InvalidTransition):
        case.apply(action, actor="marta", at=T0, outcome=Outcome.RESOLVED)
    assert case.status == status.value
    assert len(case.events) == before


def test_closing_needs_an_outcome():
    case = case_in(CaseStatus.CONTACTED)
    with pytest.raises(OutcomeRequired):
        case.apply(Action.CLOSE, actor="marta", at=T0)
    assert case.status == "contacted"


def test_the_loop_records_time_to_acknowledge_contact_and_close():
    case = case_in(CaseStatus.OPEN)
    case.apply(Action.ACKNOWLEDGE, actor="marta", at=T0 + timedelta(minutes=3))
    case.apply(Action.CONTACT, actor="marta", at=T0 + timedelta(hours=1))
    case.apply(Action.CLOSE, actor="marta", at=T0 + timedelta(hours=2), outcome=Outcome.RESOLVED, note="refunded")
    assert case.time_to_acknowledge == timedelta(minutes=3)
    assert case.time_to_contact == timedelta(hours=1)
    assert case.time_to_close == timedelta(hours=2)
    assert case.outcome == "resolved"
    assert [e.kind for e in case.events] == ["opened", "acknowledged", "contacted", "closed"]
    assert case.events[-1].note == "refunded"


def test_contacting_an_unacknowledged_case_counts_as_its_acknowledgement():
    case = case_in(CaseStatus.OPEN)
    case.apply(Action.CONTACT, actor="marta", at=T0 + timedelta(minutes=9))
    assert case.acknowledged_at == case.contacted_at == T0 + timedelta(minutes=9)


def test_reopening_clears_the_outcome_but_keeps_the_first_contact():
    case = case_in(CaseStatus.OPEN)
    case.apply(Action.CONTACT, actor="marta", at=T0 + timedelta(minutes=9))
    case.apply(Action.CLOSE, actor="marta", at=T0 + timedelta(minutes=20), outcome=Outcome.UNREACHABLE)
    case.apply(Action.REOPEN, actor="lead", at=T0 + timedelta(days=1), note="customer called back")
    assert case.status == "open" and case.outcome is None and case.closed_at is None
    assert case.contacted_at == T0 + timedelta(minutes=9)
    assert case.events[-1].kind == EventKind.REOPENED.value


def test_closing_records_the_checked_reasons_and_action_on_the_case_and_its_timeline():
    case = case_in(CaseStatus.CONTACTED)
    rules = ClosureRules.of(["billing", "delivery"], DEFAULT_ACTIONS, reasons_required=True)
    closure = Closure(("billing", "billing"), "refund", " refunded the double charge ")
    event = case.apply(Action.CLOSE, actor="ana", at=T0, outcome=Outcome.RESOLVED, closure=closure, rules=rules)
    assert (case.action_code, case.action_note, case.reasons_at) == ("refund", "refunded the double charge", T0)
    assert event.data == {
        "from": "contacted",
        "to": "closed",
        "outcome": "resolved",
        "reasons": ["billing"],
        "action_code": "refund",
        "action_note": "refunded the double charge",
    }


def test_a_closure_the_rules_refuse_leaves_the_case_open():
    case = case_in(CaseStatus.CONTACTED)
    rules = ClosureRules.of(["billing"], DEFAULT_ACTIONS, reasons_required=True)
    with pytest.raises(ReasonsRequired):
        case.apply(Action.CLOSE, actor="ana", at=T0, outcome=Outcome.RESOLVED, rules=rules)
    assert case.status == "contacted" and case.closed_at is None and len(case.events) == 1


def test_a_forbidden_move_is_named_before_a_missing_reason():
    rules = ClosureRules.of(["billing"], DEFAULT_ACTIONS, reasons_required=True)
    with pytest.raises(InvalidTransition):
        case_in(CaseStatus.CLOSED).apply(Action.CLOSE, actor="ana", at=T0, outcome=Outcome.RESOLVED, rules=rules)


def test_reasons_are_given_only_when_closing():
    with pytest.raises(InvalidClosure) as refused:
        case_in(CaseStatus.OPEN).apply(Action.ACKNOWLEDGE, actor="ana", at=T0, closure=Closure(("billing",)))
    assert refused.value.field == "reasons"
