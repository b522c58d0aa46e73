"""POST /v1/responses against replays and late deliveries: a signed request captured and sent again inside the
signature's 300 s tolerance, or a producer's retry arriving after a newer version, changes nothing and is
answered 200 `stale` or `duplicate`."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.services.casework import get_case
from tests.conftest import drain, payload, seed_team, signed


@pytest.fixture
def world(runtime):
    seed_team(runtime)
    return runtime, TestClient(create_app(runtime))


def held(rt, response_id: str):
    with rt.uow() as uow:
        return uow.responses.by_key("shop", response_id)


def timeline(rt, response) -> list[str]:
    return [e.kind for e in get_case(uow=rt.uow(), case_id=response.case_id).events]


def test_an_older_signed_request_replayed_within_the_tolerance_changes_nothing(world):
    """The attack: capture the first signed request (a 9, no comment), let the corrected one through (a 2 with
    a comment), then send the capture again while its timestamp is still inside the 300 s window."""
    rt, client = world
    first = payload(score=9, comment=None)
    captured = signed(first, at=int(time.time()) - 200)
    assert client.post("/v1/responses", content=captured[0], headers=captured[1]).status_code == 202
    raw, headers = signed({**first, "score": 2, "comment": "Nobody called me back"})
    assert client.post("/v1/responses", content=raw, headers=headers).json()["status"] == "updated"
    drain(rt)
    before = timeline(rt, held(rt, first["response_id"]))
    replay = client.post("/v1/responses", content=captured[0], headers=captured[1])
    assert replay.status_code == 200 and replay.json()["status"] == "stale"
    drain(rt)
    response = held(rt, first["response_id"])
    assert (response.score, response.comment) == (2, "Nobody called me back")
    assert timeline(rt, response) == before


def test_updated_at_and_version_order_the_versions_whatever_their_contents(world):
    rt, client = world
    now = datetime.now(UTC)
    body = payload(score=2, comment="Late", updated_at=now.isoformat())
    older = {**body, "score": 10, "comment": "Great", "updated_at": (now - timedelta(minutes=1)).isoformat()}
    for item in (body, older):
        raw, headers = signed(item)
        answer = client.post("/v1/responses", content=raw, headers=headers)
    assert answer.status_code == 200 and answer.json()["status"] == "stale"
    counted = payload(score=2, version=5)
    for item, expected in (
        (counted, "accepted"),
        ({**counted, "score": 10, "version": 4}, "stale"),
        ({**counted, "score": 6, "version": 6}, "updated"),
    ):
        raw, headers = signed(item)
        assert client.post("/v1/responses", content=raw, headers=headers).json()["status"] == expected
    assert (held(rt, body["response_id"]).score, held(rt, counted["response_id"]).score) == (2, 6)


def test_a_version_time_far_ahead_is_refused_so_it_cannot_freeze_a_response(world):
    _, client = world
    raw, headers = signed(payload(updated_at="2999-01-01T00:00:00+00:00"))
    answer = client.post("/v1/responses", content=raw, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "updated_at", "message": "updated_at must lie between 1990-01-01 and one day from now"}
    ]


def test_a_retry_with_the_same_idempotency_key_is_a_duplicate_even_with_another_body(world):
    rt, client = world
    body = payload(score=3, comment=None)
    raw, headers = signed(body)
    first = client.post("/v1/responses", content=raw, headers={**headers, "Idempotency-Key": "order-77/try"})
    assert first.status_code == 202
    raw, headers = signed({**body, "comment": "Changed in between"})
    retry = client.post("/v1/responses", content=raw, headers={**headers, "Idempotency-Key": "order-77/try"})
    assert retry.status_code == 200 and retry.json() == {"id": first.json()["id"], "status": "duplicate"}
    assert held(rt, body["response_id"]).comment is None


def test_a_batch_counts_stale_items(world):
    _, client = world
    body = payload(score=2, version=2)
    raw, headers = signed({"responses": [body, {**body, "score": 9, "version": 1}]})
    answer = client.post("/v1/responses:batch", content=raw, headers=headers).json()
    assert [r["status"] for r in answer["results"]] == ["accepted", "stale"]
    assert (answer["accepted"], answer["stale"]) == (1, 1)


def test_the_openapi_document_tells_stale_and_duplicate_and_the_idempotency_key(world):
    _, client = world
    document = client.get("/openapi.json").json()
    route = document["paths"]["/v1/responses"]["post"]
    assert "stale" in route["responses"]["200"]["description"]
    assert "Idempotency-Key" in [p["name"] for p in route["parameters"]]
    answer = document["components"]["schemas"]["IngestAnswer"]["properties"]["status"]
    assert "stale" in answer["enum"]
    tools = document["paths"]["/v1/integrations/{kind}/{name}"]["post"]["responses"]["200"]
    assert "stale" in tools["description"]
    assert {"updated_at", "version"} <= set(document["components"]["schemas"]["ResponseIn"]["properties"])


def test_the_rate_limit_is_taken_off_the_event_loop_which_other_requests_share(world):
    """A Redis bucket is a network round trip: taken on the event loop, it would stall every other request."""
    import asyncio

    from npsloop.ratelimit import MemoryLimiter

    rt, client = world
    on_loop: list[bool] = []

    class Watching(MemoryLimiter):
        def take(self, key: str, cost: int, *, per_minute: int, burst: int) -> float | None:
            try:
                asyncio.get_running_loop()
                on_loop.append(True)
            except RuntimeError:
                on_loop.append(False)
            return super().take(key, cost, per_minute=per_minute, burst=burst)

    rt.limiter = Watching()
    raw, headers = signed(payload())
    assert client.post("/v1/responses", content=raw, headers=headers).status_code == 202
    raw, headers = signed({"responses": [payload(), payload()]})
    assert client.post("/v1/responses:batch", content=raw, headers=headers).status_code == 200
    assert on_loop == [False, False]
