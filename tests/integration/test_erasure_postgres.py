"""Erasure, subject access and retention on the real PostgreSQL and Redis: after DELETE /v1/customers/{id},
no table (every one the database has, read raw), no outbox file and no Redis key holds any of the customer's
values, and the reports give the same figures as before."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import redis
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from tests.conftest import TOKEN, ingest, seed_team
from tests.support.erasure import customer_with_traces, left_in_database, left_in_folder, left_in_redis
from tests.unit.test_erasure import reports

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def world(pg_runtime, redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    pg_runtime.settings.redis_url = redis_url
    pg_runtime.settings.intake_rejects_stream = f"test:rejects:{uuid.uuid4().hex[:8]}"
    yield pg_runtime, client
    client.delete(pg_runtime.settings.intake_rejects_stream)
    client.close()


def test_an_erased_customer_is_nowhere_in_postgres_the_outbox_or_redis_and_reports_do_not_move(world):
    rt, client = world
    seed_team(rt)
    ingest(rt, score=9)
    who = customer_with_traces(rt, rejects=client)
    stranger = {"response_id": "r-x", "score": "ten", "customer": {"id": "someone-else"}}
    client.xadd(rt.settings.intake_rejects_stream, {"response": json.dumps(stranger), "reason": "[]"})
    url = rt.settings.resolved_database_url
    assert left_in_database(url, who.values) and left_in_redis(client, who.values)
    assert left_in_folder(rt.settings.resolved_outbox_dir, who.values)
    before = reports(rt)

    with TestClient(create_app(rt)) as api:
        exported = api.get(f"/v1/customers/{who.id}/export", headers=AUTH).json()
        erased = api.delete(f"/v1/customers/{who.id}", headers=AUTH)

    assert erased.status_code == 200, erased.text
    assert erased.json()["erased"] == {
        "responses": 2,
        "cases": 1,
        "quarantined": 1,
        "outbox": erased.json()["erased"]["outbox"],
        "intake_rejects": 1,
    }
    assert len(exported["elsewhere"]["intake_rejects"]) == 1 and exported["recipients"]["agents"] == ["Marta", "Tom"]
    assert left_in_database(url, who.values) == []
    assert left_in_folder(rt.settings.resolved_outbox_dir, who.values) == []
    assert left_in_redis(client, who.values) == []
    assert client.xlen(rt.settings.intake_rejects_stream) == 1  # the stranger's reject is still there
    assert reports(rt) == before


def test_retention_on_postgres_and_redis_erases_only_what_is_older(world):
    rt, client = world
    seed_team(rt)
    now = rt.clock()
    old = (now - timedelta(days=400)).isoformat()
    ingest(rt, customer={"id": "c-old", "name": "Ana Vieja"}, score=10, responded_at=old)
    ingest(rt, customer={"id": "c-new", "name": "Ana Nueva"}, score=10)
    stream = rt.settings.intake_rejects_stream
    old_ms = int((now - timedelta(days=400)).timestamp() * 1000)
    client.xadd(stream, {"response": '{"customer": {"id": "c-old"}}'}, id=f"{old_ms}-0")
    client.xadd(stream, {"response": '{"customer": {"id": "c-new"}}'})
    rt.settings.retention_days = 365

    planned = rt.retention(dry_run=True)
    assert (planned.responses, planned.elsewhere["intake_rejects"]) == (1, 1)
    done = rt.retention()
    assert (done.responses, done.elsewhere["intake_rejects"]) == (1, 1)
    assert left_in_database(rt.settings.resolved_database_url, ("Ana Vieja",)) == []
    assert left_in_database(rt.settings.resolved_database_url, ("Ana Nueva",)) != []
    assert [fields["response"] for _, fields in client.xrange(stream)] == ['{"customer": {"id": "c-new"}}']
