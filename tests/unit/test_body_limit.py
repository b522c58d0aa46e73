"""The one body limit: every route, before routing and authentication, by declared length and by bytes read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.api.body_limit import BodyLimit
from npsloop.bootstrap import build_runtime
from npsloop.store import migrate
from tests.conftest import TOKEN, FakeDispatcher, payload, seed_team, signed, sqlite_settings

# Routes that read their body before they know who is calling (FastAPI parses a declared body first).
READ_BEFORE_AUTH = [
    ("POST", "/v1/cases/1/acknowledge"),
    ("POST", "/v1/tokens"),
    ("POST", "/v1/teams"),
    ("POST", "/v1/agents"),
    ("PUT", "/v1/reports/targets"),
    ("POST", "/v1/responses"),
    ("POST", "/v1/email/bounces"),
    ("POST", "/v1/twilio/inbound"),
    ("POST", "/ui/login"),
]
# And one that answers (404, no such integration) before it reads: still refused by its declared length.
UNAUTHENTICATED = [*READ_BEFORE_AUTH, ("POST", "/v1/integrations/typeform/nobody")]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple]:
    """One migrated database for the module: every test here is refused before it could change anything."""
    settings = sqlite_settings(tmp_path_factory.mktemp("body_limit"), twilio_auth_token="t" * 32)
    migrate.upgrade(settings.resolved_database_url)
    rt = build_runtime(settings, dispatcher=FakeDispatcher())
    seed_team(rt)
    with TestClient(create_app(rt), raise_server_exceptions=False) as test_client:
        yield rt, test_client
    rt.engine.dispose()


@pytest.fixture
def client(world) -> TestClient:
    return world[1]


def chunks(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    """A body with no Content-Length (sent chunked), counting what the server pulled."""
    sent = 0
    while sent < total:
        sent += size
        yield b"x" * size


def is_problem(reply, status: int = 413) -> bool:
    body = reply.json()
    return reply.status_code == status and body["error"] == "too_large" and body["errors"][0]["field"] == "body"


@pytest.mark.parametrize(("method", "path"), UNAUTHENTICATED)
def test_a_body_declared_over_the_limit_gets_413_before_auth_on_every_route(client, method, path):
    reply = client.request(method, path, content=b"x" * (64 * 1024 + 1), headers={"Content-Type": media(path)})
    assert is_problem(reply), reply.text[:200]
    assert "65536 bytes" in reply.json()["message"]


def media(path: str) -> str:
    return "application/x-www-form-urlencoded" if path in ("/v1/twilio/inbound", "/ui/login") else "application/json"


@pytest.mark.parametrize(("method", "path"), READ_BEFORE_AUTH)
def test_a_chunked_body_is_cut_when_it_passes_the_limit(client, method, path):
    reply = client.request(method, path, content=chunks(1024 * 1024), headers={"Content-Type": media(path)})
    assert is_problem(reply), reply.text[:200]


def test_an_authenticated_request_is_limited_the_same(client):
    body = b'{"note": "' + b"x" * (64 * 1024) + b'"}'
    reply = client.post(
        "/v1/teams", content=body, headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    )
    assert is_problem(reply)


def test_the_batch_ingest_takes_up_to_its_own_larger_limit(client):
    raw, headers = signed({"responses": [payload(comment="x" * 1900) for _ in range(100)]})
    assert 64 * 1024 < len(raw) < 4 * 1024 * 1024
    assert client.post("/v1/responses:batch", content=raw, headers=headers).status_code == 200
    too_big, headers = signed({"responses": [payload(comment="x" * 1990) for _ in range(2200)]})
    assert len(too_big) > 4 * 1024 * 1024
    assert is_problem(client.post("/v1/responses:batch", content=too_big, headers=headers))


def test_a_body_within_the_limit_reaches_its_route(client):
    raw, headers = signed(payload())
    assert client.post("/v1/responses", content=raw, headers=headers).status_code == 202


def test_the_middleware_reads_no_more_than_the_limit_and_answers_once():
    """Straight at the ASGI interface: a route that keeps reading is stopped at the limit, and its own answer to
    the cut body is replaced by the 413."""
    pulled: list[int] = []
    sent: list[dict] = []

    async def greedy_route(scope, receive, send):
        try:
            while True:
                message = await receive()
                pulled.append(len(message["body"]))
        finally:
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"route"})

    async def receive():
        return {"type": "http.request", "body": b"x" * 1000, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/tokens", "headers": []}
    asyncio.run(BodyLimit(greedy_route, default=5000)(scope, receive, send))
    assert sum(pulled) <= 5000
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]


def test_the_route_limit_holds_behind_a_proxy_prefix():
    limit = BodyLimit(None, default=10, larger={"/v1/responses:batch": 100})  # type: ignore[arg-type]
    behind = {"type": "http", "path": "/nps/v1/responses:batch", "root_path": "/nps", "headers": []}
    assert limit.limit_for(behind) == 100
    assert limit.limit_for({"type": "http", "path": "/v1/tokens", "headers": []}) == 10


def test_every_operation_documents_the_413(client):
    document = client.app.openapi()
    assert all("413" in operation["responses"] for item in document["paths"].values() for operation in item.values())
