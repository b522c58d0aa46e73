from datetime import timedelta

import pytest

from npsloop.ingest.schemas import ResponseIn
from npsloop.services.casework import get_case
from npsloop.services.ingest import delivery_key, forget_delivery_ids, ingest_response
from tests.conftest import drain, payload, seed_team
from tests.support.fake_uow import FakeWorld


@pytest.fixture
def world():
    """The use case alone, on the fake unit of work: no database to migrate."""
    return FakeWorld()


def post(rt, body, integration="shop", live=True):
    now = rt.clock()
    incoming = ResponseIn.model_validate(body).to_domain(integration=integration, received_at=now)
    return ingest_response(uow=rt.uow(), incoming=incoming, now=now, live=live)


def test_a_new_response_is_stored_then_enqueued(world):
    result = post(world, payload())
    assert result.created
    assert world.dispatcher.responses == [result.id]
    with world.uow() as uow:
        assert uow.responses.get(result.id).status == "received"


def test_the_same_response_twice_is_one_response_and_one_enqueue(world):
    body = payload()
    first, second = post(world, body), post(world, body)
    assert first.created and not second.created
    assert second.id == first.id and second.changed_fields == ()
    assert world.dispatcher.responses == [first.id]


def test_a_comment_sent_after_the_score_updates_the_response_and_shows_on_the_case_timeline(runtime):
    seed_team(runtime)
    body = payload(score=2, comment=None)
    first = post(runtime, body)
    drain(runtime)
    update = post(runtime, {**body, "comment": "it arrived broken"})
    assert update.changed_fields == ("comment",)
    drain(runtime)
    with runtime.uow() as uow:
        response = uow.responses.get(first.id)
        assert response.comment == "it arrived broken"
    view = get_case(uow=runtime.uow(), case_id=response.case_id)
    updated = [e for e in view.events if e.kind == "response_updated"]
    assert len(updated) == 1 and updated[0].data["changes"]["comment"] == [None, "it arrived broken"]
    assert len(runtime.transports["sms"].sent) == 1  # an update never alerts again


def test_a_passive_corrected_to_a_detractor_gets_its_case(runtime):
    seed_team(runtime)
    body = payload(score=8)
    post(runtime, body)
    drain(runtime)
    post(runtime, {**body, "score": 3})
    drain(runtime)
    with runtime.uow() as uow:
        response = uow.responses.by_key("shop", body["response_id"])
        assert response.case_id is not None and response.status == "processed"


def test_response_ids_are_unique_per_integration_not_globally(world):
    body = payload()
    assert post(world, body, integration="shop").created
    assert post(world, body, integration="crm").created


def test_a_historical_load_is_stored_for_reporting_and_alerts_nobody(runtime):
    seed_team(runtime)
    result = post(runtime, payload(score=0), live=False)
    assert runtime.dispatcher.responses == []
    with runtime.uow() as uow:
        response = uow.responses.get(result.id)
        assert response.status == "processed" and response.case_id is None


def test_a_broker_outage_does_not_lose_a_stored_response(world):
    class DownBroker:
        def publish(self, message):
            raise ConnectionError("broker down")

    world.dispatcher = DownBroker()
    result = post(world, payload())
    assert result.created
    with world.uow() as uow:
        assert uow.responses.get(result.id).status == "received"  # the reconciler will find it


def test_a_newer_delivery_without_the_comment_keeps_it_and_the_timeline_says_only_what_moved(runtime):
    seed_team(runtime)
    body = payload(score=2, comment="It arrived broken", version=1)
    first = post(runtime, body)
    drain(runtime)
    newer = post(runtime, {**body, "score": 1, "comment": None, "version": 2})
    assert newer.changed_fields == ("score",)
    with runtime.uow() as uow:
        response = uow.responses.get(first.id)
        assert (response.score, response.comment, response.version) == (1, "It arrived broken", 2)
    view = get_case(uow=runtime.uow(), case_id=response.case_id)
    assert [e.data["changes"] for e in view.events if e.kind == "response_updated"] == [{"score": [2, 1]}]


def test_a_stale_delivery_is_neither_stored_nor_enqueued(world):
    body = payload(score=2, comment="Late", version=3)
    first = post(world, body)
    stale = post(world, {**body, "score": 9, "version": 2})
    assert (stale.id, stale.outcome.value, stale.changed_fields) == (first.id, "stale", ())
    assert world.dispatcher.responses == [first.id]
    with world.uow() as uow:
        assert uow.responses.get(first.id).score == 2


def test_a_delivery_id_is_remembered_per_integration_until_it_is_forgotten(world):
    def deliver(body, integration="shop"):
        now = world.clock()
        incoming = ResponseIn.model_validate(body).to_domain(integration=integration, received_at=now)
        return ingest_response(uow=world.uow(), incoming=incoming, now=now, delivery_id="evt-1")

    body = payload(score=4)
    assert deliver(body).created
    assert deliver({**body, "score": 5}).outcome.value == "duplicate"
    assert deliver(body, integration="crm").created  # another integration's ids are its own
    later = world.clock() + timedelta(days=31)
    assert forget_delivery_ids(uow=world.uow(), now=later, keep=timedelta(days=30), batch=1) == 2
    assert deliver({**body, "score": 5}).outcome.value == "updated"


def test_an_odd_or_long_delivery_id_is_kept_by_its_digest():
    assert delivery_key("msg_2mQ8") == "msg_2mQ8"
    long = delivery_key("x" * 5000)
    assert long.startswith("sha256:") and len(long) == 71
    assert delivery_key("bad\nid") != "bad\nid" and delivery_key("bad\nid") == delivery_key("bad\nid")
