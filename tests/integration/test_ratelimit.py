"""The ingest rate limit and the dashboard's login throttle hold across API processes because their buckets
live in the real Redis."""

from __future__ import annotations

import random
import uuid

import redis
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.bootstrap import build_runtime
from npsloop.domain.notifications import Channel
from tests.conftest import SECRET, FakeDispatcher, FakeTransport, payload, signed, sqlite_settings


def api_process(pg_url, redis_url, tmp_path, integration, *, per_minute=1, burst=5):
    settings = sqlite_settings(
        tmp_path,
        database_url=pg_url,
        broker_url=redis_url,
        webhook_secrets=f"{integration}:{SECRET}",
        ingest_rate_per_minute=per_minute,  # 1: refills one token a minute, no test is fast or slow enough to matter
        ingest_burst=burst,
    )
    runtime = build_runtime(settings, dispatcher=FakeDispatcher())
    runtime.transports = {Channel.SMS: FakeTransport(), Channel.EMAIL: FakeTransport()}
    return runtime


def test_two_api_processes_share_one_budget_per_integration(pg_runtime, pg_url, redis_url, tmp_path):
    integration = "limited-" + uuid.uuid4().hex[:6]
    first, second = (api_process(pg_url, redis_url, tmp_path, integration) for _ in range(2))
    with TestClient(create_app(first)) as a, TestClient(create_app(second)) as b:
        answers = []
        for i in range(7):
            raw, headers = signed(payload())
            answers.append((a if i % 2 else b).post("/v1/responses", content=raw, headers=headers))
    statuses = [r.status_code for r in answers]
    assert statuses[:5] == [202] * 5 and statuses[5:] == [429, 429]
    assert int(answers[5].headers["Retry-After"]) >= 1
    assert answers[5].json()["error"] == "rate_limited"
    with pg_runtime.uow() as uow:
        assert len(uow.responses.scores()) == 5  # a 429 stores nothing
    for runtime in (first, second):
        runtime.engine.dispose()


def test_a_batch_spends_one_token_per_response(pg_runtime, pg_url, redis_url, tmp_path):
    integration = "batch-" + uuid.uuid4().hex[:6]
    runtime = api_process(pg_url, redis_url, tmp_path, integration)
    with TestClient(create_app(runtime)) as client:
        raw, headers = signed({"responses": [payload() for _ in range(4)]})
        assert client.post("/v1/responses:batch", content=raw, headers=headers).status_code == 200
        raw, headers = signed({"responses": [payload() for _ in range(2)]})
        assert client.post("/v1/responses:batch", content=raw, headers=headers).status_code == 429
    runtime.engine.dispose()


def test_a_batch_larger_than_the_burst_is_refused_with_a_reason_and_no_retry_after(
    pg_runtime, pg_url, redis_url, tmp_path
):
    integration = "burst-" + uuid.uuid4().hex[:6]
    runtime = api_process(pg_url, redis_url, tmp_path, integration, per_minute=60, burst=10)
    with TestClient(create_app(runtime)) as client:
        answers = []
        for _ in range(3):  # the attack: 1,000-item batches against a burst of 10 (waiting would not help them)
            raw, headers = signed({"responses": [payload() for _ in range(1000)]})
            answers.append(client.post("/v1/responses:batch", content=raw, headers=headers))
        raw, headers = signed({"responses": [payload() for _ in range(10)]})
        within = client.post("/v1/responses:batch", content=raw, headers=headers)
    assert [a.status_code for a in answers] == [429, 429, 429]
    assert all("Retry-After" not in a.headers for a in answers)
    assert answers[0].json()["error"] == "batch_over_burst"
    assert "at most 10" in answers[0].json()["message"]
    assert within.status_code == 200  # the refusals spent nothing from the bucket
    with pg_runtime.uow() as uow:
        assert len(uow.responses.scores()) == 10
    runtime.engine.dispose()


def test_dashboard_login_attempts_share_one_budget_per_client_across_api_processes(
    pg_runtime, pg_url, redis_url, tmp_path
):
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    processes = [api_process(pg_url, redis_url, tmp_path, "unused") for _ in range(2)]
    for runtime in processes:
        runtime.settings.login_attempts_per_minute, runtime.settings.login_burst = 1, 3
    a, b = (TestClient(create_app(rt), follow_redirects=False, client=(address, 1)) for rt in processes)
    try:
        statuses = [(a if i % 2 else b).post("/ui/login", data={"token": "guess"}).status_code for i in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
    finally:
        redis.Redis.from_url(redis_url).delete(f"npsloop:login:{address}")
        for runtime in processes:
            runtime.engine.dispose()
