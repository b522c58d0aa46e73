from npsloop.ingest.schemas import ResponseIn
from npsloop.services.casework import get_case
from npsloop.services.ingest import ingest_response
from tests.conftest import drain, payload, seed_team


def post(rt, body, integration="shop", live=True):
    now = rt.clock()
    incoming = ResponseIn.model_validate(body).to_domain(integration=integration, received_at=now)
    return ingest_response(uow=rt.uow(), dispatcher=rt.dispatcher, incoming=incoming, now=now, live=live)


def test_a_new_response_is_stored_then_enqueued(runtime):
    result = post(runtime, payload())
    assert result.created
    assert runtime.dispatcher.responses == [result.id]
    with runtime.uow() as uow:
        assert uow.responses.get(result.id).status == "received"


def test_the_same_response_twice_is_one_response_and_one_enqueue(runtime):
    body = payload()
    first, second = post(runtime, body), post(runtime, body)
    assert first.created and not second.created
    assert second.id == first.id and second.changed_fields == ()
    assert runtime.dispatcher.responses == [first.id]


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


def test_response_ids_are_unique_per_integration_not_globally(runtime):
    body = payload()
    assert post(runtime, body, integration="shop").created
    assert post(runtime, body, integration="crm").created


def test_a_historical_load_is_stored_for_reporting_and_alerts_nobody(runtime):
    seed_team(runtime)
    result = post(runtime, payload(score=0), live=False)
    assert runtime.dispatcher.responses == []
    with runtime.uow() as uow:
        response = uow.responses.get(result.id)
        assert response.status == "processed" and response.case_id is None


def test_a_broker_outage_does_not_lose_a_stored_response(runtime):
    class DownBroker:
        def process_response(self, response_id):
            raise ConnectionError("broker down")

        def send_notification(self, notification_id):
            raise ConnectionError("broker down")

    runtime.dispatcher = DownBroker()
    result = post(runtime, payload())
    assert result.created
    with runtime.uow() as uow:
        assert uow.responses.get(result.id).status == "received"  # the reconciler will find it
