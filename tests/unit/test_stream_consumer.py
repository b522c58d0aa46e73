"""The stream intake's consumer, on fakeredis and SQLite: one entry's failure is that entry's alone, a store
outage rejects nothing, and an entry that kills its consumer is rejected by its own delivery count while
the valid entries read with it are stored (the same on the real servers: tests/integration)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import fakeredis
import pytest
import sqlalchemy as sa

from npsloop.ingest import stream_consumer as stream_module
from npsloop.ingest.stream_consumer import StreamIntake
from npsloop.services.unit_of_work import StoreUnavailable
from tests.conftest import payload

STREAM = "in"


@pytest.fixture
def server() -> fakeredis.FakeServer:
    return fakeredis.FakeServer()


@pytest.fixture
def client(server: fakeredis.FakeServer) -> Iterator[fakeredis.FakeRedis]:
    # As intake_redis makes it: bytes that are not UTF-8 are read, not raised.
    redis = fakeredis.FakeRedis(server=server, decode_responses=True, encoding_errors="surrogateescape")
    yield redis
    redis.close()


def consumer(rt: Any, client: fakeredis.FakeRedis, name: str = "c1", **settings: Any) -> StreamIntake:
    rt.settings = rt.settings.model_copy(
        update={"intake_stream": STREAM, "intake_rejects_stream": STREAM + ":rejects", "intake_integrations": "crm"}
        | settings
    )
    intake = StreamIntake(client, rt.settings, rt.uow, rt.clock, consumer=name)
    intake.ensure_group()
    return intake


def drain(intake: StreamIntake) -> None:
    while intake.step(block_ms=1):
        pass


def stored(rt: Any) -> list[str]:
    with rt.engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT external_id FROM responses ORDER BY id")).scalars())


def rejects(client: fakeredis.FakeRedis) -> list[list[dict[str, str]]]:
    return [json.loads(fields["reason"]) for _, fields in client.xrange(STREAM + ":rejects")]


def add(client: fakeredis.FakeRedis, response: str, integration: str = "crm") -> str:
    return str(client.xadd(STREAM, {"response": response, "integration": integration}))


def test_a_huge_score_and_deep_nesting_are_rejected_alone_and_the_valid_entry_is_stored(runtime, client):
    intake = consumer(runtime, client)
    add(client, json.dumps(payload(response_id="huge"))[:-1] + ', "score": ' + "9" * 5000 + "}")
    add(client, "[" * 1000 + "]" * 1000)
    add(client, json.dumps(payload(response_id="valid")))
    assert intake.step(block_ms=1) == 3  # one batch, and the consumer is still there to take the next
    assert stored(runtime) == ["valid"]
    huge, deep = rejects(client)
    assert huge[0]["field"] == "response" and huge[0]["message"].startswith("is not valid JSON: number is infinity")
    assert deep == [{"field": "response", "message": "is nested deeper than 32 levels"}]
    assert client.xpending(STREAM, "npsloop")["pending"] == 0
    assert client.xlen(STREAM) == 0
    add(client, json.dumps(payload(response_id="next")))
    drain(intake)
    assert stored(runtime) == ["valid", "next"]


def test_an_entry_that_is_not_utf8_is_rejected_alone_and_kept_readable(runtime, server, client):
    intake = consumer(runtime, client)
    raw = fakeredis.FakeRedis(server=server)
    raw.xadd(STREAM, {b"response": json.dumps(payload(response_id="latin")).encode()[:-1] + b', "x": "caf\xe9"}'})
    add(client, json.dumps(payload(response_id="valid")))
    drain(intake)
    assert stored(runtime) == ["valid"]
    assert rejects(client) == [[{"field": "response", "message": "not valid UTF-8"}]]
    kept = raw.xrange(STREAM + ":rejects")
    assert kept[0][1][b"response"].decode("utf-8").endswith('"x": "caf\\udce9"}')  # readable by a strict reader
    assert client.xpending(STREAM, "npsloop")["pending"] == 0


def test_any_failure_of_one_entry_is_rejected_with_its_class_and_the_rest_stored(runtime, client, monkeypatch):
    real = stream_module.take_entry

    def take_entry(**kwargs: Any) -> Any:
        if "boom" in kwargs["fields"]["response"]:
            raise RuntimeError("could not store the response after three attempts: Ana Gómez")
        return real(**kwargs)

    monkeypatch.setattr(stream_module, "take_entry", take_entry)
    intake = consumer(runtime, client)
    add(client, json.dumps(payload(response_id="boom")))
    add(client, json.dumps(payload(response_id="fine")))
    drain(intake)
    assert stored(runtime) == ["fine"]
    assert rejects(client) == [[{"field": "entry", "message": "could not be stored (RuntimeError)"}]]
    assert client.xpending(STREAM, "npsloop")["pending"] == 0


def test_a_long_store_outage_holds_the_batch_and_rejects_nothing(runtime, client, monkeypatch):
    intake = consumer(runtime, client, intake_max_deliveries=2)
    for n in range(3):
        add(client, json.dumps(payload(response_id=f"r-{n}")))
    real = runtime.uow
    down = {"passes": 0}

    def uow() -> Any:
        if down["passes"] < 20:
            raise StoreUnavailable("database is down")
        return real()

    intake.uow_factory = uow
    for _ in range(20):
        with pytest.raises(StoreUnavailable):
            intake.step(block_ms=1)
        down["passes"] += 1
    drain(intake)
    assert stored(runtime) == ["r-0", "r-1", "r-2"]
    assert rejects(client) == []
    assert client.xpending(STREAM, "npsloop")["pending"] == 0


class Killed(BaseException):
    """What a consumer process sees of a SIGKILL or an out-of-memory kill: nothing it could catch."""


def test_an_entry_that_kills_its_consumer_is_rejected_by_its_own_count_and_its_neighbours_stored(
    runtime, client, monkeypatch
):
    real = stream_module.take_entry

    def take_entry(**kwargs: Any) -> Any:
        if "poison" in kwargs["fields"]["response"]:
            raise Killed
        return real(**kwargs)

    monkeypatch.setattr(stream_module, "take_entry", take_entry)
    for name in ("a", "b", "poison", "c", "d"):
        add(client, json.dumps(payload(response_id=name)))
    for life in range(10):
        intake = consumer(runtime, client, f"life-{life}", intake_claim_idle_seconds=0.001, intake_max_deliveries=3)
        try:
            drain(intake)
        except Killed:
            # The consumer is gone; its entries are claimable once idle longer than intake_claim_idle_seconds,
            # which a fast next life may not yet see: it then drains nothing and the next life claims them.
            time.sleep(0.005)
        if client.xpending(STREAM, "npsloop")["pending"] == 0:
            break
    assert sorted(stored(runtime)) == ["a", "b", "c", "d"]
    assert rejects(client) == [[{"field": "entry", "message": "delivered 4 times without being stored"}]]
    assert client.xpending(STREAM, "npsloop")["pending"] == 0
