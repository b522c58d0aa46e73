import pytest

from npsloop.services.casework import get_case
from npsloop.services.processing import ResponseNotFound, handle_response
from npsloop.services.records import CaseFilter
from tests.conftest import drain, ingest, seed_team


def cases_of(rt):
    with rt.uow() as uow:
        return uow.cases.search(CaseFilter(), limit=100, offset=0)[0]


def test_a_detractor_opens_a_case_with_one_notification_per_agent_and_channel(runtime):
    seed_team(runtime)
    ingest(runtime, score=4)
    drain(runtime)
    [case] = cases_of(runtime)
    view = get_case(uow=runtime.uow(), case_id=case.id)
    assert view.case.status == "open" and view.team_name == "Logistics"
    assert sorted((n.agent_id, n.channel, n.state) for n in view.notifications) == [
        (1, "email", "sent"),
        (1, "sms", "sent"),
        (2, "email", "sent"),
    ]
    assert len(runtime.transports["sms"].sent) == 1 and len(runtime.transports["email"].sent) == 2


@pytest.mark.parametrize("score", [7, 8, 9, 10])
def test_passives_and_promoters_are_stored_and_open_no_case(runtime, score):
    seed_team(runtime)
    response_id = ingest(runtime, score=score)
    drain(runtime)
    assert cases_of(runtime) == []
    with runtime.uow() as uow:
        response = uow.responses.get(response_id)
        assert response.status == "processed" and response.case_id is None


def test_a_second_detractor_from_the_same_customer_joins_the_open_case_without_alerting_again(runtime):
    seed_team(runtime)
    customer = {"id": "c-77", "name": "Ana", "phone": "+34600111222"}
    ingest(runtime, score=2, customer=customer)
    drain(runtime)
    ingest(runtime, score=5, customer=customer, comment="and again")
    drain(runtime)
    [case] = cases_of(runtime)
    view = get_case(uow=runtime.uow(), case_id=case.id)
    assert len(view.responses) == 2
    assert [e.kind for e in view.events].count("response_joined") == 1
    assert len(runtime.transports["sms"].sent) == 1


def test_the_same_customer_id_from_another_integration_is_another_customer(runtime):
    seed_team(runtime)
    ingest(runtime, integration="shop", score=2, customer={"id": "c-1"})
    ingest(runtime, integration="crm", score=2, customer={"id": "c-1"})
    drain(runtime)
    assert len(cases_of(runtime)) == 2


def test_processing_a_response_twice_opens_one_case_and_sends_each_alert_once(runtime):
    seed_team(runtime)
    response_id = ingest(runtime, score=1)
    drain(runtime)
    handle_response(uow=runtime.uow(), models=runtime.models, response_id=response_id, now=runtime.clock())
    assert runtime.dispatcher.notifications == []  # all sent: nothing queued again
    runtime.dispatcher.responses.append(response_id)
    drain(runtime)
    assert len(cases_of(runtime)) == 1
    assert len(runtime.transports["sms"].sent) == 1 and len(runtime.transports["email"].sent) == 2


def test_a_case_with_nobody_to_alert_says_so_on_its_timeline(runtime):
    ingest(runtime, score=0)
    drain(runtime)
    [case] = cases_of(runtime)
    view = get_case(uow=runtime.uow(), case_id=case.id)
    assert view.events[-1].kind == "unrouted"
    assert "no default team" in view.events[-1].note


def test_a_deleted_response_is_reported_not_crashed_on(runtime):
    with pytest.raises(ResponseNotFound):
        handle_response(uow=runtime.uow(), models=runtime.models, response_id=999, now=runtime.clock())


def load_rules_text(runtime, text):
    from npsloop.ingest.rules_yaml import load_rules
    from npsloop.services.routing import load_routing

    load_routing(uow=runtime.uow(), rules=load_rules(text), now=runtime.clock())


def test_a_theme_rule_sends_billing_complaints_to_billing(runtime):
    seed_team(runtime)
    seed_team(runtime, name="Billing", touchpoints=(), default=False, agents=(("Bea", None, "bea@example.es", "es"),))
    load_rules_text(
        runtime,
        "rules:\n  - name: billing\n    match: {themes: [billing]}\n    team: Billing\n    priority: high\n"
        "  - name: default\n    team: Logistics\n",
    )
    ingest(runtime, score=2, comment="Me cobraron dos veces la factura y nadie me devuelve la plata")
    ingest(runtime, score=2, comment="el pedido llego tarde")
    drain(runtime)
    routed = sorted((case.rule, case.priority) for case in cases_of(runtime))
    assert routed == [("billing", "high"), ("default", "normal")]


def test_a_risk_rule_makes_a_likely_complaint_urgent(runtime):
    from npsloop.domain.cases import Action, Outcome
    from npsloop.services.casework import act_on_case

    seed_team(runtime)
    load_rules_text(
        runtime,
        "rules:\n  - name: likely complaint\n    match: {risk: '>=0.7'}\n    team: Logistics\n    priority: urgent\n"
        "  - name: default\n    team: Logistics\n",
    )
    customer = {"id": "c-twice", "phone": "+34600111222"}
    ingest(runtime, score=0, customer=customer, comment=None)
    drain(runtime)
    [first] = cases_of(runtime)
    assert (first.rule, first.priority, first.risk_reasons) == ("default", "normal", ["score:0"])
    act_on_case(
        uow=runtime.uow(),
        case_id=first.id,
        action=Action.CLOSE,
        actor="Marta",
        now=runtime.clock(),
        outcome=Outcome.NOT_RESOLVED,
    )
    ingest(runtime, score=0, customer=customer, comment=None)
    drain(runtime)
    [second] = [case for case in cases_of(runtime) if case.id != first.id]
    assert (second.rule, second.priority) == ("likely complaint", "urgent")
    assert second.risk_reasons == ["score:0", "repeat_detractor", "unresolved_before:1"]
    assert second.risk > 0.8 > first.risk


def statuses(rt, response_ids):
    with rt.uow() as uow:
        return [uow.responses.get(response_id).status for response_id in response_ids]


def test_a_task_takes_the_responses_waiting_behind_its_own_in_one_transaction(runtime, monkeypatch):
    from npsloop.store.uow import SqlUnitOfWork

    seed_team(runtime)
    waiting = [ingest(runtime, score=score, customer={"id": f"c-{n}"}) for n, score in enumerate((9, 7, 2, 10))]
    commits = []
    real_commit = SqlUnitOfWork.commit

    def counted(self):
        commits.append(1)
        real_commit(self)

    monkeypatch.setattr(SqlUnitOfWork, "commit", counted)
    runtime.process(waiting[-1])  # the others' tasks are still in the queue
    assert statuses(runtime, waiting) == ["processed"] * 4
    assert len(commits) == 3  # the batch, then the detractor's alerts: one claim, one record
    [case] = cases_of(runtime)
    assert len(runtime.transports["sms"].sent) == 1 and len(runtime.transports["email"].sent) == 2
    monkeypatch.undo()
    for response_id in waiting[:-1]:  # their own tasks, run late, find nothing to do
        runtime.process(response_id)
    assert len(cases_of(runtime)) == 1 and len(runtime.transports["sms"].sent) == 1


def test_a_task_drains_every_waiting_response_in_batches_of_the_configured_size(runtime):
    runtime.settings.process_batch = 2
    seed_team(runtime)
    waiting = [ingest(runtime, score=9, customer={"id": f"c-{n}"}) for n in range(5)]
    runtime.process(waiting[0])
    assert statuses(runtime, waiting) == ["processed"] * 5


def test_with_batches_of_one_a_task_processes_its_own_response_only(runtime):
    runtime.settings.process_batch = 1
    seed_team(runtime)
    waiting = [ingest(runtime, score=9, customer={"id": f"c-{n}"}) for n in range(3)]
    runtime.process(waiting[1])
    assert statuses(runtime, waiting) == ["received", "processed", "received"]


def tagging_fails_for(monkeypatch, response_id, message):
    import npsloop.services.processing as processing

    real_tag = processing.tag_response

    def tag(*, response, **rest):
        if response.id == response_id:
            raise ValueError(message)
        return real_tag(response=response, **rest)

    monkeypatch.setattr(processing, "tag_response", tag)


def test_one_bad_response_in_a_batch_fails_alone_and_the_others_are_processed(runtime, monkeypatch):
    seed_team(runtime)
    waiting = [ingest(runtime, score=score, customer={"id": f"c-{n}"}) for n, score in enumerate((9, 3, 8))]
    tagging_fails_for(monkeypatch, waiting[0], "a comment the tagger chokes on")
    runtime.process(waiting[2])
    assert statuses(runtime, waiting) == ["received", "processed", "processed"]
    with runtime.uow() as uow:
        bad = uow.responses.get(waiting[0])
        assert bad.failures == 1 and "chokes" in bad.last_error
    assert len(cases_of(runtime)) == 1  # the detractor's case opened despite its neighbour
    with pytest.raises(ValueError, match="chokes"):  # its own task still sees its failure, and retries it
        runtime.process(waiting[0])


def test_a_response_whose_own_processing_fails_is_raised_to_its_task_after_the_others(runtime, monkeypatch):
    seed_team(runtime)
    waiting = [ingest(runtime, score=9, customer={"id": f"c-{n}"}) for n in range(3)]
    tagging_fails_for(monkeypatch, waiting[1], "broken")
    with pytest.raises(ValueError, match="broken"):
        runtime.process(waiting[1])
    assert statuses(runtime, waiting) == ["processed", "received", "processed"]
    with runtime.uow() as uow:
        assert uow.responses.get(waiting[1]).failures == 0  # its task counts it, as for a response alone


def test_a_conflict_in_a_batch_is_retried_alone_as_when_the_response_is_processed_alone(runtime, monkeypatch):
    from npsloop.services.unit_of_work import Conflict
    from npsloop.store.uow import SqlUnitOfWork

    seed_team(runtime)
    response_id = ingest(runtime, score=1)
    real_flush = SqlUnitOfWork.flush
    conflicts = iter([True])

    def flush(self):
        if next(conflicts, False):  # another worker opened this customer's case a moment before
            raise Conflict("ux_cases_open_customer")
        real_flush(self)

    monkeypatch.setattr(SqlUnitOfWork, "flush", flush)
    runtime.process(response_id)
    assert statuses(runtime, [response_id]) == ["processed"]
    assert len(cases_of(runtime)) == 1
    with runtime.uow() as uow:
        assert uow.responses.get(response_id).failures == 0
