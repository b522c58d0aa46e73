"""Every JSON body is read by the one strict parser, whether a route reads it itself (the signed webhooks) or
FastAPI parses it into a model: a repeated key, NaN or nesting past the limit is a 400 naming the body."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.ingest.strict_json import MAX_DEPTH
from tests.conftest import TOKEN, signed

HOSTILE = {
    "a repeated key": (b'{"name": "Billing", "name": "Sales"}', "repeats the key 'name'"),
    "NaN": (b'{"name": NaN}', "is not valid JSON"),
    "nested past the limit": (b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), "nested deeper than"),
    "nested past Python's stack": (b"[" * 5000 + b"]" * 5000, "is not valid JSON"),
}


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime), raise_server_exceptions=False) as test_client:
        yield test_client


def operations_with_a_body(client: TestClient) -> list[tuple[str, str]]:
    """Each documented operation that takes a JSON body, with a path that names a case where it needs one."""
    found = []
    for path, item in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method, operation in item.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                found.append((method.upper(), path.replace("{case_id}", "1").replace("{action}", "acknowledge")))
    return found


@pytest.mark.parametrize("name", list(HOSTILE))
def test_every_json_body_of_every_operation_is_parsed_strictly(client, name):
    raw, reason = HOSTILE[name]
    operations = operations_with_a_body(client)
    assert {"/v1/teams", "/v1/tokens", "/v1/cases/1/assign", "/v1/responses"} <= {path for _, path in operations}
    for method, path in operations:
        _, headers = signed(raw)  # the webhooks check the signature first, the others the token
        headers["Authorization"] = f"Bearer {TOKEN}"
        if path in ("/v1/responses", "/v1/responses:batch", "/v1/email/bounces"):
            del headers["Authorization"]
        reply = client.request(method, path, content=raw, headers=headers)
        assert reply.status_code == 400, (method, path, reply.text[:300])
        assert reply.json()["error"] == "invalid_json" and reason in reply.json()["errors"][0]["message"], reply.text
