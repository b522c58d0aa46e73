"""The HTTP contract of ingest and cases, on real PostgreSQL: every status code the README promises."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from tests.conftest import TOKEN, payload, seed_team, signed

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(pg_runtime):
    with TestClient(create_app(pg_runtime), raise_server_exceptions=False) as test_client:
        yield test_client


def post(client, body, **kwargs):
    raw, headers = signed(body, **kwargs)
    return client.post("/v1/responses", content=raw, headers=headers)


def stored(pg_runtime):
    with pg_runtime.uow() as uow:
        return uow.responses.scores()


def test_a_signed_response_is_accepted_once_stored(client, pg_runtime):
    reply = post(client, payload(score=2))
    assert reply.status_code == 202
    assert reply.json()["status"] == "accepted" and isinstance(reply.json()["id"], int)
    assert stored(pg_runtime) == [2]
    assert pg_runtime.dispatcher.responses == [reply.json()["id"]]


def test_a_repeat_answers_200_with_the_same_id_and_stores_nothing_new(client, pg_runtime):
    body = payload()
    first, second = post(client, body), post(client, body)
    assert second.status_code == 200 and second.json() == {"id": first.json()["id"], "status": "duplicate"}
    assert len(stored(pg_runtime)) == 1


def test_a_repeat_with_a_new_comment_answers_200_updated(client):
    body = payload(comment=None)
    first = post(client, body)
    second = post(client, {**body, "comment": "late"})
    assert second.status_code == 200
    assert second.json() == {"id": first.json()["id"], "status": "updated", "changed": ["comment"]}


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing"),
        ({"NPSLoop-Signature": "t=1,v1=00"}, "tolerance"),
        ({"NPSLoop-Signature": "nonsense"}, "timestamp"),
    ],
)
def test_missing_malformed_or_stale_signatures_get_401(client, pg_runtime, headers, reason):
    reply = client.post(
        "/v1/responses", content=json.dumps(payload()), headers={"Content-Type": "application/json", **headers}
    )
    assert reply.status_code == 401 and reason in reply.json()["message"]
    assert stored(pg_runtime) == []


def test_a_signature_with_the_wrong_secret_gets_401(client, pg_runtime):
    assert post(client, payload(), secret="not-the-secret").status_code == 401
    assert stored(pg_runtime) == []


def test_a_signature_for_another_body_gets_401(client, pg_runtime):
    raw, headers = signed(payload(score=9))
    reply = client.post("/v1/responses", content=json.dumps(payload(score=0)), headers=headers)
    assert reply.status_code == 401 and stored(pg_runtime) == []


def test_a_replayed_request_older_than_five_minutes_gets_401(client, pg_runtime):
    reply = post(client, payload(), at=int(time.time()) - 301)
    assert reply.status_code == 401 and stored(pg_runtime) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"score": 11}, "score"),
        ({"score": "7"}, "score"),
        ({"score": 6.5}, "score"),
        ({"customer": {"name": "no id"}}, "customer.id"),
        ({"customer": {"id": "c1", "phone": "+1 234"}}, "customer.phone"),
        ({"responded_at": "2026-01-01T10:00:00"}, "responded_at"),
        ({"attributes": {"nested": {"a": 1}}}, "attributes.nested"),
    ],
)
def test_invalid_fields_get_422_with_a_message_per_field(client, pg_runtime, change, field):
    reply = post(client, payload(**change))
    assert reply.status_code == 422
    fields = {e["field"]: e["message"] for e in reply.json()["errors"]}
    assert field in fields and fields[field]
    assert stored(pg_runtime) == []


def test_a_json_array_body_gets_422(client):
    reply = post(client, b"[1, 2]")
    assert reply.status_code == 422 and reply.json()["errors"] == [
        {"field": "body", "message": "must be a JSON object"}
    ]


def test_malformed_json_gets_400(client):
    assert post(client, b'{"score": ').status_code == 400


def test_a_body_over_64_kib_gets_413_before_it_is_read(client, pg_runtime):
    reply = post(client, payload(comment="x" * (65 * 1024)))
    assert reply.status_code == 413 and stored(pg_runtime) == []


def test_a_non_json_content_type_gets_415(client):
    raw, headers = signed(payload())
    reply = client.post("/v1/responses", content=raw, headers={**headers, "Content-Type": "text/plain"})
    assert reply.status_code == 415


def test_a_batch_answers_per_item_and_stores_the_valid_ones(client, pg_runtime):
    good, repeat = payload(score=9), payload(score=1)
    body = {"responses": [good, {**payload(), "score": 12}, repeat, repeat]}
    raw, headers = signed(body)
    reply = client.post("/v1/responses:batch", content=raw, headers=headers)
    assert reply.status_code == 200
    answer = reply.json()
    assert [r["status"] for r in answer["results"]] == ["accepted", "invalid", "accepted", "duplicate"]
    assert answer["results"][1]["errors"][0]["field"] == "score"
    assert (answer["accepted"], answer["invalid"], answer["duplicate"]) == (2, 1, 1)
    assert sorted(stored(pg_runtime)) == [1, 9]


def test_a_batch_over_1000_items_gets_422(client):
    raw, headers = signed({"responses": [payload() for _ in range(1001)]})
    assert client.post("/v1/responses:batch", content=raw, headers=headers).status_code == 422


def test_a_database_outage_answers_503_with_retry_after_never_202(client, pg_runtime):
    import sqlalchemy as sa

    pg_runtime.engine = sa.create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    pg_runtime._sessions = None
    reply = post(client, payload())
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "5"


def test_case_endpoints_need_a_bearer_token(client):
    assert client.get("/v1/cases").status_code == 401
    assert client.get("/v1/cases", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/v1/cases", headers=AUTH).status_code == 200


def test_a_case_is_listed_read_and_moved_through_the_loop_over_http(client, pg_runtime):
    from tests.conftest import drain

    seed_team(pg_runtime)
    post(client, payload(score=1, touchpoint="delivery"))
    drain(pg_runtime)
    listing = client.get("/v1/cases", params={"status": "open", "team": "Logistics"}, headers=AUTH).json()
    assert listing["total"] == 1
    case_id = listing["items"][0]["id"]
    assert (
        client.post(f"/v1/cases/{case_id}/acknowledge", json={"actor": "Marta"}, headers=AUTH).json()["assignee"]
        == "Marta"
    )
    assert (
        client.post(f"/v1/cases/{case_id}/contact", json={"actor": "Marta", "note": "called"}, headers=AUTH).status_code
        == 200
    )
    missing = client.post(f"/v1/cases/{case_id}/close", json={"actor": "Marta"}, headers=AUTH)
    assert missing.status_code == 422
    closed = client.post(
        f"/v1/cases/{case_id}/close", json={"actor": "Marta", "outcome": "resolved"}, headers=AUTH
    ).json()
    assert closed["status"] == "closed" and closed["time_to_close_seconds"] >= 0
    assert [e["kind"] for e in closed["timeline"]][-3:] == ["acknowledged", "contacted", "closed"]
    again = client.post(f"/v1/cases/{case_id}/close", json={"outcome": "resolved"}, headers=AUTH)
    assert again.status_code == 409
    assert client.post(f"/v1/cases/{case_id}/reopen", headers=AUTH).json()["status"] == "open"
    assert client.get("/v1/cases/99999", headers=AUTH).status_code == 404
    assert client.post(f"/v1/cases/{case_id}/explode", headers=AUTH).status_code == 422
    assert client.get("/v1/cases", params={"limit": 0}, headers=AUTH).status_code == 422


def test_agents_and_teams_are_managed_over_http_with_validation(client):
    assert client.post("/v1/teams", json={"name": "Care", "default": True}, headers=AUTH).status_code == 201
    bad = client.post("/v1/agents", json={"name": "Ana", "team": "Care", "phone": "612"}, headers=AUTH)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"
    assert (
        client.post("/v1/agents", json={"name": "Ana", "team": "Nope", "email": "a@b.es"}, headers=AUTH).status_code
        == 422
    )
    ok = client.post(
        "/v1/agents", json={"name": "Ana", "team": "Care", "email": "a@b.es", "language": "es"}, headers=AUTH
    )
    assert ok.status_code == 201 and ok.json()["team"] == "Care"
    assert (
        client.post("/v1/agents", json={"name": "Ana", "team": "Care", "email": "a@b.es"}, headers=AUTH).status_code
        == 409
    )
    assert [a["name"] for a in client.get("/v1/agents", headers=AUTH).json()] == ["Ana"]


def test_the_openapi_document_describes_the_ingest_body(client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/responses"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "score" in body["properties"]
    assert body["properties"]["customer"]["$ref"] == "#/components/schemas/Customer"
    assert "Customer" in spec["components"]["schemas"]
    assert operation["parameters"][0]["name"] == "NPSLoop-Signature"
    assert "/v1/responses:batch" in spec["paths"]


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "database": "ok", "broker": "ok"}


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe{}",  # not UTF-8
        b'{"a":' * 2000 + b"1" + b"}" * 2000,  # nested past the parser's depth limit
        json.dumps(payload()).replace('"score": 3', '"score": 1e309').encode(),
        json.dumps(payload(comment="x")).replace('"x"', '"\\ud800"').encode(),  # a lone surrogate
    ],
)
def test_bodies_the_parser_cannot_read_get_400_and_store_nothing(client, pg_runtime, raw):
    assert post(client, raw).status_code == 400
    assert stored(pg_runtime) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"comment": "before\u0000after"}, "comment"),
        ({"customer": {"id": "c\u0000"}}, "customer.id"),
        ({"attributes": {"region": "Ma\u0000drid"}}, "attributes.region"),
    ],
)
def test_nul_characters_get_422_not_a_database_error(client, pg_runtime, change, field):
    reply = post(client, payload(**change))
    assert reply.status_code == 422
    assert field in {e["field"] for e in reply.json()["errors"]}
    assert stored(pg_runtime) == []


def test_a_nul_in_a_case_note_is_refused_as_input(client):
    reply = client.post("/v1/cases/1/acknowledge", json={"note": "a\u0000b"}, headers=AUTH)
    assert reply.status_code == 422


def test_a_query_value_the_database_cannot_store_is_a_4xx(client):
    assert client.get("/v1/cases", params={"touchpoint": "a\u0000b"}, headers=AUTH).status_code == 422
