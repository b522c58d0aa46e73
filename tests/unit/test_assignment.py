"""The first to acknowledge owns the case; a supervisor can hand it to someone else, who is told."""

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.cases import Action, Outcome
from npsloop.domain.errors import InvalidTransition, UnknownAgent
from npsloop.services.casework import act_on_case, assign_case, get_case
from tests.conftest import TOKEN, drain, ingest, seed_team

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def case_id(runtime):
    seed_team(runtime)
    ingest(runtime, score=2)
    drain(runtime)
    act_on_case(uow=runtime.uow(), case_id=1, action=Action.ACKNOWLEDGE, actor="Marta", now=runtime.clock())
    runtime.transports["sms"].sent.clear()
    runtime.transports["email"].sent.clear()
    return 1


def test_reassigning_moves_ownership_records_it_and_alerts_the_new_owner(runtime, case_id):
    view = assign_case(
        uow=runtime.uow(), case_id=case_id, agent="Tom", actor="lead", now=runtime.clock(), note="Marta is on leave"
    )
    assert view.assignee_name == "Tom" and len(runtime.dispatcher.notifications) == 1  # Tom has email only
    drain(runtime)
    [mail] = runtime.transports["email"].sent
    assert mail.to == "tom@example.com" and "Assigned to you" in mail.subject
    event = next(e for e in get_case(uow=runtime.uow(), case_id=case_id).events if e.kind == "assigned")
    assert (event.kind, event.actor, event.note) == ("assigned", "lead", "Marta is on leave")
    assert event.data == {"from": 1, "to": 2}


def test_reassigning_twice_alerts_each_time(runtime, case_id):
    queued = runtime.dispatcher.notifications
    assign_case(uow=runtime.uow(), case_id=case_id, agent="Tom", actor="lead", now=runtime.clock())
    assign_case(uow=runtime.uow(), case_id=case_id, agent="Marta", actor="lead", now=runtime.clock())
    second = queued[1:]
    assign_case(uow=runtime.uow(), case_id=case_id, agent="Tom", actor="lead", now=runtime.clock())
    third = queued[3:]
    assert len(second) == 2 and len(third) == 1 and len(set(queued)) == 4


def test_a_closed_case_or_an_unknown_agent_cannot_be_assigned(runtime, case_id):
    with pytest.raises(UnknownAgent):
        assign_case(uow=runtime.uow(), case_id=case_id, agent="Nobody", actor="lead", now=runtime.clock())
    act_on_case(
        uow=runtime.uow(),
        case_id=case_id,
        action=Action.CLOSE,
        actor="Marta",
        now=runtime.clock(),
        outcome=Outcome.RESOLVED,
    )
    with pytest.raises(InvalidTransition):
        assign_case(uow=runtime.uow(), case_id=case_id, agent="Tom", actor="lead", now=runtime.clock())


def test_assign_over_http(runtime, case_id):
    with TestClient(create_app(runtime)) as client:
        reply = client.post(f"/v1/cases/{case_id}/assign", json={"agent": "Tom", "actor": "lead"}, headers=AUTH)
        assert reply.status_code == 200 and reply.json()["assignee"] == "Tom"
        assert client.post(f"/v1/cases/{case_id}/assign", json={"agent": "Ghost"}, headers=AUTH).status_code == 422
        assert client.post("/v1/cases/999/assign", json={"agent": "Tom"}, headers=AUTH).status_code == 404
    assert len(runtime.dispatcher.notifications) == 1
