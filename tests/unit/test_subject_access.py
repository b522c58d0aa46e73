"""Subject access: the export holds the customer's responses, cases, timeline, the agents alerted about them
and the endpoints their case went to; and nothing of anyone else."""

from __future__ import annotations

from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.services.erasure import erase_customer
from npsloop.services.subject_access import export_customer
from tests.conftest import TOKEN, ingest, seed_team
from tests.support.erasure import customer_with_traces

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_the_export_holds_responses_cases_timeline_and_everyone_it_went_to(runtime):
    seed_team(runtime)
    ingest(runtime, score=9, customer={"id": "someone-else", "name": "Otro Cliente"})
    who = customer_with_traces(runtime)
    found = export_customer(uow=runtime.uow(), customer_id=who.id, now=runtime.clock(), traces=runtime.traces())

    assert [r["score"] for r in found["responses"]] == [2, 4]
    first = found["responses"][0]
    assert first["customer"]["name"].startswith("Zelda") and first["attributes"]["plan"] == "gold"
    assert first["comment"].endswith(", and ran") and first["team"] == "Logistics"
    (case,) = found["cases"]
    assert case["id"] == who.case_id and case["team"] == "Logistics"
    kinds = [event["kind"] for event in case["timeline"]]
    assert kinds[0] == "opened" and "acknowledged" in kinds and "response_updated" in kinds
    assert {(a["agent"], a["channel"], a["state"]) for a in case["alerts"]} >= {("Marta", "sms", "sent")}
    assert found["recipients"]["agents"] == ["Marta", "Tom"]
    (delivery,) = [d for d in case["outbound"] if d["event"] == "opened"]
    assert (delivery["endpoint"], delivery["host"], delivery["status"]) == ("helpdesk", "helpdesk.example", "pending")
    assert "/hook" not in str(case["outbound"])  # the URL's path may be a credential
    assert found["recipients"]["endpoints"] == []  # the helpdesk refused it: nothing was received
    assert len(found["elsewhere"]["quarantine"]) == 1
    files = {f["file"].split(".", 1)[1]: f["content"] for f in found["elsewhere"]["outbox"]}
    assert set(files) == {"sms.txt", "eml"} and "Zelda" in files["sms.txt"]  # the rendered alerts, as sent
    assert "Otro Cliente" not in str(found)


def test_an_endpoint_that_took_the_case_is_named_among_the_recipients(runtime):
    from npsloop.notify.outbound import Outcome
    from npsloop.services.outbound import deliver_due

    seed_team(runtime)
    who = customer_with_traces(runtime)
    later = runtime.clock().replace(year=runtime.clock().year + 1)
    deliver_due(uow=runtime.uow(), now=later, public_url="https://x", post=lambda *a, **k: Outcome(True, 200))
    found = export_customer(uow=runtime.uow(), customer_id=who.id, now=later)
    assert found["recipients"]["endpoints"] == ["helpdesk"]


def test_after_an_erasure_the_id_names_nobody(runtime):
    seed_team(runtime)
    who = customer_with_traces(runtime)
    erase_customer(uow=runtime.uow(), customer_id=who.id, actor="dpo", now=runtime.clock(), traces=runtime.traces())
    found = export_customer(uow=runtime.uow(), customer_id=who.id, now=runtime.clock(), traces=runtime.traces())
    assert found["responses"] == found["cases"] == [] and found["elsewhere"] == {"quarantine": [], "outbox": []}


def test_the_api_exports_and_erases_for_an_admin_with_the_id_in_the_path(runtime):
    seed_team(runtime)
    ingest(runtime, customer={"id": "crm/42", "name": "Ana Gómez"})
    with TestClient(create_app(runtime)) as client:
        exported = client.get("/v1/customers/crm%2F42/export", headers=AUTH)
        assert exported.status_code == 200 and exported.json()["responses"][0]["customer"]["name"] == "Ana Gómez"
        erased = client.delete("/v1/customers/crm/42?integration=shop", headers=AUTH)
        assert erased.status_code == 200 and erased.json()["erased"]["responses"] == 1
        assert client.get("/v1/customers/crm/42/export", headers=AUTH).json()["responses"] == []
        blank = client.delete("/v1/customers/%20", headers=AUTH)
        assert blank.status_code == 422 and blank.json()["error"] == "InvalidCustomer"


def test_an_oversized_or_hostile_customer_id_is_a_422_or_names_nobody_and_changes_nothing(runtime):
    seed_team(runtime)
    ingest(runtime, customer={"id": "c-1", "name": "Ana Gómez"})
    with TestClient(create_app(runtime)) as client:
        for path in ("/v1/customers/" + "x" * 201, "/v1/customers/" + "x" * 201 + "/export"):
            answer = (
                client.delete(path, headers=AUTH) if not path.endswith("export") else client.get(path, headers=AUTH)
            )
            assert answer.status_code == 422 and answer.json()["errors"][0]["field"].endswith("customer_id")
        for hostile in ("%3Cscript%3Ealert(1)%3C%2Fscript%3E", "..%2F..%2Fc-1", "c-1%00"):
            exported = client.get(f"/v1/customers/{hostile}/export", headers=AUTH)
            assert exported.status_code in (200, 404, 422) and "Ana" not in exported.text
        assert (
            client.get("/v1/customers/c-1/export", headers=AUTH).json()["responses"][0]["customer"]["name"]
            == "Ana Gómez"
        )
