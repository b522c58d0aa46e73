"""Hostile requests to the webhook: each gets its documented 4xx, and nothing is stored."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.ingest import signature
from tests.conftest import SECRET, payload, signed


@pytest.fixture
def client(pg_runtime):
    with TestClient(create_app(pg_runtime), raise_server_exceptions=False) as test_client:
        yield test_client


def nothing_stored(pg_runtime) -> bool:
    with pg_runtime.uow() as uow:
        return uow.responses.scores() == []


def send(client, raw: bytes, **sign):
    body, headers = signed(raw, **sign)
    return client.post("/v1/responses", content=body, headers=headers)


def test_a_captured_request_replayed_after_the_window_is_refused(client, pg_runtime):
    raw = json.dumps(payload()).encode()
    captured_at = int(time.time()) - 301
    header = signature.sign(raw, SECRET, captured_at)
    reply = client.post(
        "/v1/responses", content=raw, headers={"Content-Type": "application/json", signature.HEADER: header}
    )
    assert reply.status_code == 401 and nothing_stored(pg_runtime)


def test_a_request_replayed_inside_the_window_is_the_same_response_not_a_second_one(client, pg_runtime):
    raw = json.dumps(payload()).encode()
    header = signature.sign(raw, SECRET, int(time.time()))
    headers = {"Content-Type": "application/json", signature.HEADER: header}
    first, second = (client.post("/v1/responses", content=raw, headers=headers) for _ in range(2))
    assert (first.status_code, second.status_code) == (202, 200)
    with pg_runtime.uow() as uow:
        assert len(uow.responses.scores()) == 1


def test_a_signature_made_for_another_body_is_refused(client, pg_runtime):
    header = signature.sign(json.dumps(payload(score=10)).encode(), SECRET, int(time.time()))
    reply = client.post(
        "/v1/responses",
        content=json.dumps(payload(score=0)).encode(),
        headers={"Content-Type": "application/json", signature.HEADER: header},
    )
    assert reply.status_code == 401 and nothing_stored(pg_runtime)


HOSTILE = {
    "huge body": (json.dumps(payload(comment="x" * 200_000)).encode(), 413),
    "deeply nested": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, 413),
    "nested under the size limit": (b"[" * 20_000 + b"]" * 20_000, 400),
    # orjson reads up to 1,024 levels; the duplicate-key pass then recursed past Python's stack (a 500).
    "nested 990 deep": (b'{"a":' * 990 + b"1" + b"}" * 990, 400),
    "nested 1,024 deep": (b"[" * 1024 + b"]" * 1024, 400),
    "nested past the documented 32": (b'{"a":' * 33 + b"1" + b"}" * 33, 400),
    "invalid utf-8": (b'{"response_id": "\xc3\x28"}', 400),
    "nul byte in a string": (json.dumps(payload(comment="a\u0000b")).encode(), 422),
    "raw nul byte": (b'{"response_id": "a\x00b"}', 400),
    "score as a string": (json.dumps(payload(score="7")).encode(), 422),
    "float score": (json.dumps(payload(score=7.0)).encode(), 422),
    "negative score": (json.dumps(payload(score=-1)).encode(), 422),
    "1e309 score": (json.dumps(payload()).replace('"score": 3', '"score": 1e309').encode(), 400),
    "NaN score": (json.dumps(payload()).replace('"score": 3', '"score": NaN').encode(), 400),
    "huge integer score": (json.dumps(payload(score=10**40)).encode(), 422),
    "duplicated keys": (json.dumps(payload()).replace('"score": 3', '"score": 9, "score": 3').encode(), 400),
    "duplicated nested keys": (
        json.dumps(payload()).replace('"customer": {', '"customer": {"id": "a", ').encode(),
        400,
    ),
    "10,000 attributes": (json.dumps(payload(attributes={f"k{i}": i for i in range(10_000)})).encode(), 413),
    "60 attributes": (json.dumps(payload(attributes={f"k{i}": i for i in range(60)})).encode(), 422),
    "array body": (b"[]", 422),
    "string body": (b'"hello"', 422),
    "empty body": (b"", 400),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_each_hostile_body_gets_its_documented_answer_and_stores_nothing(client, pg_runtime, name):
    raw, status = HOSTILE[name]
    reply = send(client, raw)
    assert reply.status_code == status, reply.text[:300]
    assert reply.json()["error"] and reply.json()["message"]
    assert nothing_stored(pg_runtime)


def test_duplicated_keys_are_named(client):
    raw = json.dumps(payload()).replace('"score": 3', '"score": 9, "score": 3').encode()
    assert "'score'" in send(client, raw).json()["message"]


def test_an_unsigned_hostile_body_is_refused_before_it_is_parsed(client, pg_runtime):
    reply = client.post("/v1/responses", content=b'{"a":' * 1000, headers={"Content-Type": "application/json"})
    assert reply.status_code == 401 and nothing_stored(pg_runtime)
