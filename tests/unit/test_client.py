"""npsloop.client against the real app (and, for failures, a local server): signed sends, batches with a bad
item reported rather than raised, retries that re-sign and honour Retry-After, and no retry of a 4xx."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.client import Client, ClientError, Unavailable
from npsloop.ingest import signature
from tests.conftest import SECRET, payload
from tests.support.http_sink import http_sink


def test_send_and_send_many_through_the_real_api(runtime):
    http = TestClient(create_app(runtime))
    with Client("http://testserver", secret=SECRET, http=http) as npsloop:
        one = payload(response_id="one")
        assert npsloop.send(one)["status"] == "accepted"
        assert npsloop.send(one)["status"] == "duplicate"  # a retry after a lost answer stores nothing twice
        rows = [payload(response_id=f"b-{n}") for n in range(25)]
        rows[7] = payload(response_id="bad", score=12)
        report = npsloop.send_many(rows, batch_size=10)
    assert (report.accepted, report.duplicate, len(report.invalid)) == (24, 0, 1)
    assert report.invalid[0]["index"] == 7 and report.invalid[0]["errors"][0]["field"] == "score"
    with runtime.uow() as uow:
        assert uow.responses.by_key("shop", "b-24") is not None


def test_a_4xx_is_raised_with_the_field_errors_and_not_retried(runtime):
    http = TestClient(create_app(runtime))
    sleeps: list[float] = []
    with (
        Client("http://testserver", secret=SECRET, http=http, sleep=sleeps.append) as npsloop,
        pytest.raises(ClientError) as refused,
    ):
        npsloop.send(payload(score=-1))
    assert refused.value.status == 422 and refused.value.errors[0]["field"] == "score"
    assert sleeps == []
    with (
        Client("http://testserver", secret="wrong", http=TestClient(create_app(runtime))) as npsloop,
        pytest.raises(ClientError, match="401"),
    ):
        npsloop.send(payload())


def test_retries_re_sign_each_attempt_and_give_up_with_unavailable():
    sleeps: list[float] = []
    with http_sink() as server:
        server.statuses = [503, 502, 202]
        with Client(server.url, secret=SECRET, sleep=sleeps.append) as npsloop:
            assert npsloop.send(payload()) == {"ok": True}
        hits = server.posts()
        assert len(hits) == 3 and len(sleeps) == 2
        for hit in hits:
            assert signature.verify(
                hit.headers["npsloop-signature"], hit.body, {"s": [SECRET]}, now=time.time(), tolerance=300
            )
        server.statuses = [503]
        with (
            Client(server.url, secret=SECRET, sleep=sleeps.append, max_attempts=3) as npsloop,
            pytest.raises(Unavailable, match="after 3 attempts: HTTP 503"),
        ):
            npsloop.send(payload())
    with (
        Client("http://127.0.0.1:9", token="npl_x", sleep=sleeps.append, max_attempts=2) as npsloop,
        pytest.raises(Unavailable, match="ConnectError"),
    ):
        npsloop.send(payload())


def test_retry_after_is_honoured_and_backoff_is_capped():
    client = Client("http://x", token="npl_x", max_backoff_seconds=5)
    assert client._wait(1, "7") == 5.0 and client._wait(1, "3") == 3.0
    assert 0 <= client._wait(3, None) <= 2.0 and client._wait(30, None) <= 5.0
    with pytest.raises(ValueError):
        Client("http://x")


def test_a_batch_larger_than_the_burst_is_raised_at_once_not_retried(runtime):
    runtime.settings.ingest_burst = 10
    sleeps: list[float] = []
    http = TestClient(create_app(runtime))
    with (
        Client("http://testserver", secret=SECRET, http=http, sleep=sleeps.append) as npsloop,
        pytest.raises(ClientError) as refused,
    ):
        npsloop.send_many([payload() for _ in range(11)], batch_size=11)
    assert refused.value.status == 429 and sleeps == []
