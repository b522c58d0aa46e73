"""Erasure (GDPR art. 17, Colombia's Ley 1581): none of the customer's values survive anywhere npsloop keeps
them, reports keep their figures, the timeline keeps its shape and says who erased and when, and doing it twice
is harmless."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.cases import CaseEvent, EventKind
from npsloop.domain.erasure import ERASED, Subject, erase_case, erase_response, is_pseudonym
from npsloop.domain.responses import Response
from npsloop.services.erasure import erase_customer
from tests.conftest import TOKEN, drain, ingest, payload, seed_team
from tests.support.erasure import customer_with_traces, left_in_database, left_in_folder

AUTH = {"Authorization": f"Bearer {TOKEN}"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def reports(rt) -> dict:
    with TestClient(create_app(rt)) as client:
        nps = client.get("/v1/reports/nps?period=month&group_by=team", headers=AUTH)
        loop = client.get("/v1/reports/loop", headers=AUTH)
    assert nps.status_code == loop.status_code == 200, (nps.text, loop.text)
    return {"nps": nps.json(), "loop": loop.json()}


def timeline(rt, case_id):
    with rt.uow() as uow:
        return [(e.kind, e.actor) for e in uow.cases.get(case_id).events]


def test_no_value_of_an_erased_customer_is_left_in_any_table_or_the_outbox_and_reports_do_not_move(runtime):
    seed_team(runtime)
    ingest(runtime, score=9)  # someone else, who must keep everything
    who = customer_with_traces(runtime)
    assert left_in_database(runtime.settings.resolved_database_url, who.values)  # the traces are really there
    assert left_in_folder(runtime.settings.resolved_outbox_dir, who.values)
    before, shape = reports(runtime), timeline(runtime, who.case_id)

    done = erase_customer(
        uow=runtime.uow(), customer_id=who.id, actor="dpo@example.com", now=runtime.clock(), traces=runtime.traces()
    )

    assert left_in_database(runtime.settings.resolved_database_url, who.values) == []
    # Nor in the bytes of the SQLite file and its write-ahead log, while the process still holds them open.
    assert left_in_folder(runtime.settings.data_dir, who.values) == []
    assert done.responses == 2 and done.cases == 1 and done.quarantined == 1 and done.elsewhere["outbox"] >= 2
    assert reports(runtime) == before
    assert timeline(runtime, who.case_id) == [*shape, ("erased", "dpo@example.com")]


def test_the_erasure_event_says_who_and_when_but_not_what(runtime):
    seed_team(runtime)
    who = customer_with_traces(runtime)
    erase_customer(uow=runtime.uow(), customer_id=who.id, actor="dpo", now=T0)
    with runtime.uow() as uow:
        case = uow.cases.get(who.case_id)
        erased = [e for e in case.events if e.kind == EventKind.ERASED.value]
        responses = uow.responses.for_case(who.case_id)
    assert [(e.actor, e.at, e.note, e.data) for e in erased] == [("dpo", T0, None, {"reason": "request"})]
    assert case.erased_at == T0 and is_pseudonym(responses[0].customer_id)
    assert case.customer_key == f"shop:{responses[0].customer_id}"  # the case still belongs to its responses
    assert {r.score for r in responses} == {2, 4} and responses[0].attributes == {}
    assert [e.note for e in case.events if e.actor == "Marta"] == [ERASED]


def test_erasing_twice_is_harmless_and_changes_nothing_more(runtime):
    seed_team(runtime)
    who = customer_with_traces(runtime)
    erase_customer(uow=runtime.uow(), customer_id=who.id, actor="dpo", now=runtime.clock())
    shape = timeline(runtime, who.case_id)
    again = erase_customer(uow=runtime.uow(), customer_id=who.id, actor="dpo", now=runtime.clock())
    assert (again.responses, again.cases, again.quarantined) == (0, 0, 0)
    assert timeline(runtime, who.case_id) == shape


def test_an_erasure_limited_to_one_integration_leaves_the_same_id_of_another_alone(runtime):
    seed_team(runtime)
    customer = {"id": "c-shared", "name": "Ana Gómez", "email": "ana@example.es"}
    ingest(runtime, "shop", customer=customer)
    ingest(runtime, "crm", customer=customer)
    done = erase_customer(uow=runtime.uow(), customer_id="c-shared", integration="crm", actor="dpo", now=T0)
    assert done.responses == 1
    with runtime.uow() as uow:
        assert [r.integration for r in uow.customers.responses_of("c-shared", None)] == ["shop"]


def test_kept_attributes_stay_so_reports_grouped_by_them_keep_their_figures(runtime):
    seed_team(runtime)
    ingest(runtime, customer={"id": "c-9"}, attributes={"plan": "gold", "order": "ORD-1", "spent": 120})
    erase_customer(uow=runtime.uow(), customer_id="c-9", actor="dpo", now=T0, keep_attributes=frozenset({"plan"}))
    with runtime.uow() as uow:
        assert uow.responses.get(1).attributes == {"plan": "gold"}


def test_a_survey_tool_resending_an_erased_answer_does_not_bring_the_customer_back(runtime):
    seed_team(runtime)
    body = payload(response_id="r-again", customer={"id": "c-7", "name": "Ana Gómez", "email": "ana@example.es"})
    ingest(runtime, **body)
    drain(runtime)
    erase_customer(uow=runtime.uow(), customer_id="c-7", actor="dpo", now=T0)
    ingest(runtime, **{**body, "comment": "and again"})
    with runtime.uow() as uow:
        response = uow.responses.by_key("shop", "r-again")
    assert response.customer_name is None and response.customer_email is None and response.comment is None


def test_a_new_answer_after_an_erasure_opens_a_case_of_its_own(runtime):
    seed_team(runtime)
    ingest(runtime, customer={"id": "c-5", "name": "Ana Gómez"})
    drain(runtime)
    erase_customer(uow=runtime.uow(), customer_id="c-5", actor="dpo", now=T0)
    ingest(runtime, customer={"id": "c-5", "name": "Ana Gómez"})
    drain(runtime)  # the erased case is still open, under its pseudonym: no clash with the customer's new one
    with runtime.uow() as uow:
        (fresh,) = uow.customers.responses_of("c-5", None)
        assert fresh.case_id == 2 and uow.cases.get(1).status == "open"


def test_a_case_left_under_the_customers_key_by_a_race_is_found_by_the_next_erasure(runtime):
    seed_team(runtime)
    ingest(runtime, customer={"id": "c-8", "name": "Ana Gómez"})
    drain(runtime)
    with runtime.uow() as uow:  # as if a worker opened the case from a read made before an erasure committed
        uow.responses.get(1).customer_id = "erased:0123"
        uow.commit()
    done = erase_customer(uow=runtime.uow(), customer_id="c-8", actor="dpo", now=T0)
    with runtime.uow() as uow:
        case = uow.cases.get(1)
    assert done.cases == 1 and is_pseudonym(case.customer_key.removeprefix("shop:")) and case.erased_at == T0


# The domain's rules, without a database ------------------------------------------------------------------


def response(**overrides) -> Response:
    values = dict(
        integration="shop",
        external_id="r1",
        score=3,
        customer_id="c-1",
        customer_name="Ana Gómez",
        customer_email="ana.gomez@example.es",
        customer_phone="+34600111222",
        comment="Llegó roto",
        attributes={"order": "ORD-77", "plan": "gold"},
        responded_at=T0,
        received_at=T0,
    )
    return Response(**{**values, **overrides})


def test_a_subject_finds_its_values_raw_and_escaped_inside_json_but_not_short_ones():
    subject = Subject.of("c-1", "shop", [response()])
    assert subject.mentions('{"name": "Ana G\\u00f3mez"}') and subject.mentions("call +34600111222")
    assert not subject.mentions("c-1 is too short to be searched in free text")
    assert subject.scrub("mail ana.gomez@example.es now") == f"mail {ERASED} now"
    # A comment is scrubbed from the customer's own texts, but alone it identifies nobody elsewhere.
    assert not subject.mentions("someone else also wrote: Llegó roto") and subject.scrub("Llegó roto") == ERASED


def test_an_intake_entry_is_the_customers_by_its_id_and_integration():
    subject = Subject("c-1", "shop")
    assert subject.owns_entry("shop", {"customer": {"id": "c-1"}})
    assert subject.owns_entry(None, {"customer": {"id": "c-1"}})  # the intake's default integration
    assert not subject.owns_entry("crm", {"customer": {"id": "c-1"}})
    assert not subject.owns_entry("shop", {"customer": {"id": "c-2"}}) and not subject.owns_entry("shop", [1])


def test_an_erased_response_keeps_what_reports_count():
    kept = response()
    erase_response(kept, "erased:abc", keep_attributes=frozenset({"plan"}), now=T0)
    assert (kept.score, kept.responded_at, kept.integration, kept.external_id) == (3, T0, "shop", "r1")
    assert (kept.customer_id, kept.customer_name, kept.customer_email, kept.customer_phone) == (
        "erased:abc",
        None,
        None,
        None,
    )
    assert kept.comment is None and kept.attributes == {"plan": "gold"} and kept.erased_at == T0


def test_an_erased_case_loses_quoted_values_in_system_notes_and_updated_fields_keep_only_their_names():
    from npsloop.domain.cases import Case

    case = Case.open(customer_key="shop:c-1", team_id=1, at=T0, response_ref="shop/r1")
    case.events.append(CaseEvent("after_hours", "system", T0, note="alerting Marta about Ana Gómez"))
    changes = {"comment": ["Llegó roto", "Llegó tarde"], "score": [3, 2]}
    case.events.append(CaseEvent("response_updated", "system", T0, data={"response": "shop/r1", "changes": changes}))
    erase_case(case, Subject.of("c-1", "shop", [response()]), "shop:erased:abc", actor="dpo", reason="request", now=T0)
    assert case.events[1].note == f"alerting Marta about {ERASED}"
    assert case.events[2].data == {"response": "shop/r1", "changes": {"comment": [ERASED, ERASED], "score": [3, 2]}}
    assert case.customer_key == "shop:erased:abc" and case.events[-1].kind == "erased"


def test_an_erased_case_still_shows_in_the_api_and_the_dashboard_without_the_customer(runtime):
    from tests.unit.test_dashboard import client_for

    seed_team(runtime)
    who = customer_with_traces(runtime)
    erase_customer(uow=runtime.uow(), customer_id=who.id, actor="dpo", now=T0)
    client = client_for(runtime)
    for answer in (client.get(f"/v1/cases/{who.case_id}", headers=AUTH), client.get(f"/ui/cases/{who.case_id}")):
        assert answer.status_code == 200 and "erased" in answer.text
        assert not any(value in answer.text for value in who.values)


def test_an_erased_case_loses_the_agents_action_note_but_keeps_its_reasons_and_code():
    from npsloop.domain.cases import Action, Case, Outcome
    from npsloop.domain.closure import Closure

    case = Case.open(customer_key="shop:c-1", team_id=1, at=T0, response_ref="shop/r1")
    closure = Closure(("billing",), "refund", "refunded Ana's second charge")
    case.apply(Action.CLOSE, actor="Marta", at=T0, outcome=Outcome.RESOLVED, closure=closure)
    erase_case(case, Subject.of("c-1", "shop", [response()]), "shop:erased:abc", actor="dpo", reason="request", now=T0)
    assert case.action_note == ERASED and case.action_code == "refund"
    closed = case.events[1].data
    assert (closed["action_note"], closed["reasons"], closed["action_code"]) == (ERASED, ["billing"], "refund")
