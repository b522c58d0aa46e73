from datetime import UTC, datetime, timedelta

import pytest

from npsloop.domain.cases import Action, Outcome
from npsloop.domain.closure import DEFAULT_ACTIONS, Closure, InvalidClosure, ReasonsRequired
from npsloop.domain.errors import CaseNotFound, InvalidTransition
from npsloop.domain.scores import Category
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.theme_tags import Polarity, ThemeTag
from npsloop.ingest.themes_yaml import dump_themes
from npsloop.services import directory
from npsloop.services.casework import act_on_case, get_case, list_cases
from npsloop.services.records import CaseFilter
from npsloop.services.themes import load_themes
from tests.conftest import drain, ingest, seed_team


def open_case(rt, **overrides):
    response_id = ingest(rt, **overrides)
    drain(rt)
    with rt.uow() as uow:
        return uow.responses.get(response_id).case_id


def test_the_first_agent_to_acknowledge_owns_the_case(runtime):
    seed_team(runtime)
    case_id = open_case(runtime, score=2)
    view = act_on_case(
        uow=runtime.uow(), case_id=case_id, action=Action.ACKNOWLEDGE, actor="Marta", now=runtime.clock()
    )
    assert view.case.status == "acknowledged" and view.assignee_name == "Marta"


def test_the_full_loop_is_persisted_with_its_audit_trail(runtime):
    seed_team(runtime)
    case_id = open_case(runtime, score=2)
    t0 = datetime.now(UTC)
    act_on_case(uow=runtime.uow(), case_id=case_id, action=Action.ACKNOWLEDGE, actor="Marta", now=t0)
    act_on_case(
        uow=runtime.uow(),
        case_id=case_id,
        action=Action.CONTACT,
        actor="Marta",
        now=t0 + timedelta(hours=1),
        note="called, apologised",
    )
    act_on_case(
        uow=runtime.uow(),
        case_id=case_id,
        action=Action.CLOSE,
        actor="Marta",
        now=t0 + timedelta(hours=2),
        outcome=Outcome.RESOLVED,
    )
    view = get_case(uow=runtime.uow(), case_id=case_id)
    assert view.case.status == "closed" and view.case.outcome == "resolved"
    kinds = [(e.kind, e.actor) for e in view.events if e.kind in ("acknowledged", "contacted", "closed")]
    assert kinds == [("acknowledged", "Marta"), ("contacted", "Marta"), ("closed", "Marta")]
    assert view.case.time_to_close > view.case.time_to_contact > timedelta(0)


def test_a_forbidden_move_is_refused_and_nothing_is_written(runtime):
    seed_team(runtime)
    case_id = open_case(runtime, score=2)
    with pytest.raises(InvalidTransition):
        act_on_case(uow=runtime.uow(), case_id=case_id, action=Action.REOPEN, actor="x", now=runtime.clock())
    assert get_case(uow=runtime.uow(), case_id=case_id).case.status == "open"


def test_a_closed_case_lets_the_customers_next_detractor_open_a_new_case(runtime):
    seed_team(runtime)
    customer = {"id": "c-9", "phone": "+34600111222"}
    first = open_case(runtime, score=2, customer=customer)
    act_on_case(
        uow=runtime.uow(), case_id=first, action=Action.CLOSE, actor="x", now=runtime.clock(), outcome=Outcome.RESOLVED
    )
    second = open_case(runtime, score=1, customer=customer)
    assert second != first


def test_unknown_case(runtime):
    with pytest.raises(CaseNotFound):
        get_case(uow=runtime.uow(), case_id=404)


def test_cases_are_filtered_and_paginated(runtime):
    seed_team(runtime)
    seed_team(runtime, name="Store", touchpoints=("checkout",), default=False, agents=())
    ids = [open_case(runtime, score=s, touchpoint=t) for s, t in [(1, "delivery"), (2, "checkout"), (3, "delivery")]]
    act_on_case(uow=runtime.uow(), case_id=ids[0], action=Action.ACKNOWLEDGE, actor="Marta", now=runtime.clock())

    def search(**where):
        views, total = list_cases(uow=runtime.uow(), where=CaseFilter(**where), limit=10, offset=0)
        return sorted(v.case.id for v in views), total

    assert search() == (sorted(ids), 3)
    assert search(status="acknowledged") == ([ids[0]], 1)
    assert search(touchpoint="checkout") == ([ids[1]], 1)
    assert search(agent_id=1) == ([ids[0]], 1)
    assert search(category=Category.DETRACTOR)[1] == 3
    assert search(category=Category.PROMOTER) == ([], 0)
    assert search(opened_from=datetime.now(UTC) + timedelta(hours=1)) == ([], 0)
    page, total = list_cases(uow=runtime.uow(), where=CaseFilter(), limit=2, offset=2)
    assert total == 3 and len(page) == 1


def tag_case(rt, case_id, *tags):
    with rt.uow() as uow:
        for response in uow.responses.for_case(case_id):
            uow.tags.replace(
                response.id, [ThemeTag(theme, Polarity(polarity), confidence) for theme, polarity, confidence in tags]
            )
        uow.commit()


def test_cases_are_found_by_a_theme_their_customer_complains_of_and_carry_their_themes(runtime):
    seed_team(runtime)
    billing, praised, untagged = (open_case(runtime, score=2) for _ in range(3))
    tag_case(runtime, billing, ("billing", "negative", 0.9), ("delivery", "positive", 0.6))
    tag_case(runtime, praised, ("billing", "positive", 0.8), ("delivery", "negative", 0.7))
    tag_case(runtime, untagged)

    def search(**where):
        views, total = list_cases(uow=runtime.uow(), where=CaseFilter(**where), limit=10, offset=0)
        return {v.case.id: v.themes for v in views}, total

    found, total = search(theme="billing")
    assert total == 1 and list(found) == [billing]  # praise of billing is not a billing complaint
    assert [tag.theme for tag in found[billing]] == ["billing", "delivery"]
    assert list(search(theme="delivery")[0]) == [praised]
    assert search(theme="price") == ({}, 0)
    assert search(theme="billing", status="closed") == ({}, 0)
    assert search()[0][untagged] == ()
    assert [tag.theme for tag in get_case(uow=runtime.uow(), case_id=praised).themes] == ["billing", "delivery"]


def close(rt, case_id, closure=None, actor="Marta"):
    return act_on_case(
        uow=rt.uow(),
        case_id=case_id,
        action=Action.CLOSE,
        actor=actor,
        now=rt.clock(),
        outcome=Outcome.RESOLVED,
        closure=closure,
        actions=DEFAULT_ACTIONS,
    )


def test_closing_stores_the_reasons_and_action_and_the_timeline_says_them(runtime):
    seed_team(runtime)
    case_id = open_case(runtime, score=2)
    view = close(runtime, case_id, Closure(("billing", "wait_time"), "refund", "refunded the second charge"))
    assert view.reasons == ("billing", "wait_time")
    assert (view.case.action_code, view.case.action_note) == ("refund", "refunded the second charge")
    assert view.case.reasons_at == view.case.closed_at
    closed = view.events[-1]
    assert closed.kind == "closed" and closed.data["reasons"] == ["billing", "wait_time"]
    assert closed.data["action_code"] == "refund"


def test_closing_again_after_a_reopen_keeps_only_the_last_reasons(runtime):
    seed_team(runtime)
    case_id = open_case(runtime, score=2)
    close(runtime, case_id, Closure(("billing",), "refund"))
    act_on_case(uow=runtime.uow(), case_id=case_id, action=Action.REOPEN, actor="Marta", now=runtime.clock())
    view = close(runtime, case_id, Closure(("delivery",)))
    assert view.reasons == ("delivery",) and view.case.action_code is None


def test_a_team_that_requires_reasons_refuses_a_closure_without_them_and_nothing_is_written(runtime):
    seed_team(runtime)
    directory.require_reasons(uow=runtime.uow(), team="Logistics", required=True)
    case_id = open_case(runtime, score=2)
    with pytest.raises(ReasonsRequired):
        close(runtime, case_id, Closure(action_code="callback"))
    view = get_case(uow=runtime.uow(), case_id=case_id)
    assert view.case.status == "open" and view.reasons == () and view.case.action_code is None
    assert close(runtime, case_id, Closure(("delivery",))).case.status == "closed"


def test_a_retired_theme_or_an_unknown_action_code_is_refused(runtime):
    seed_team(runtime)
    retired = dump_themes(DEFAULT_TAXONOMY).replace("key: price\n", "key: price\n  retired: true\n")
    load_themes(uow=runtime.uow(), text=retired, now=runtime.clock())
    case_id = open_case(runtime, score=2)
    with pytest.raises(InvalidClosure) as refused:
        close(runtime, case_id, Closure(("price",)))
    assert refused.value.field == "reasons"
    with pytest.raises(InvalidClosure) as refused:
        close(runtime, case_id, Closure(("billing",), "voucher"))
    assert refused.value.field == "action_code"
    assert get_case(uow=runtime.uow(), case_id=case_id).case.status == "open"


def test_a_theme_in_two_responses_of_a_case_is_listed_once_with_its_most_confident_tag(runtime):
    seed_team(runtime)
    customer = {"id": "c-twice", "name": "Ana"}
    first = ingest(runtime, score=2, customer=customer)
    drain(runtime)
    second = ingest(runtime, score=3, customer=customer)
    drain(runtime)
    with runtime.uow() as uow:
        case_id = uow.responses.get(first).case_id
        assert uow.responses.get(second).case_id == case_id
        uow.tags.replace(
            first, [ThemeTag("billing", Polarity.NEGATIVE, 0.6), ThemeTag("price", Polarity.NEGATIVE, 0.9)]
        )
        uow.tags.replace(second, [ThemeTag("billing", Polarity.POSITIVE, 0.7)])
        uow.commit()
    expected = (ThemeTag("price", Polarity.NEGATIVE, 0.9), ThemeTag("billing", Polarity.POSITIVE, 0.7))
    [listed], _ = list_cases(uow=runtime.uow(), where=CaseFilter(), limit=10, offset=0)
    assert listed.themes == expected == get_case(uow=runtime.uow(), case_id=case_id).themes
