"""The Redis stream intake on the real Redis and PostgreSQL: entries are stored once each, bad ones land on
the rejects stream with the reason, a dead consumer's entries are claimed, and a consumer SIGKILLed in the
middle of a batch loses nothing and stores nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from npsloop.ingest.stream_consumer import StreamIntake, intake_redis
from tests.conftest import SECRET_KEY, ingest, payload
from tests.support.models import MODEL_ENV

pytestmark = pytest.mark.usefixtures("redis_url")


@pytest.fixture
def streams(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    name = "test:intake:" + uuid.uuid4().hex[:8]
    yield client, name
    client.delete(name, name + ":rejects")
    client.close()


def intake_for(rt, client, stream, consumer, **settings):
    rt.settings = rt.settings.model_copy(
        update={
            "intake_stream": stream,
            "intake_rejects_stream": stream + ":rejects",
            "intake_integrations": "crm",
            **settings,
        }
    )
    intake = StreamIntake(client, rt.settings, rt.uow, rt.clock, consumer=consumer)
    intake.ensure_group()
    return intake


def drain_stream(intake: StreamIntake) -> None:
    while intake.step(block_ms=100):
        pass


def count(rt, integration: str) -> int:
    with rt.engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT count(*) FROM responses WHERE integration = :i"), {"i": integration}
        ).scalar_one()


def test_entries_are_stored_once_and_bad_ones_rejected_with_the_reason(pg_runtime, streams):
    client, stream = streams
    intake = intake_for(pg_runtime, client, stream, "c1")
    good = payload(response_id="crm-1")
    client.xadd(stream, {"response": json.dumps(good), "integration": "crm"})
    client.xadd(stream, {"response": json.dumps(good), "integration": "crm"})  # the producer retried
    client.xadd(stream, {"response": "{not json"})
    client.xadd(stream, {"response": json.dumps(payload(score=11))})
    client.xadd(stream, {"something": "else"})
    drain_stream(intake)
    assert count(pg_runtime, "crm") == 1
    assert len(pg_runtime.dispatcher.responses) == 1
    rejects = client.xrange(stream + ":rejects")
    reasons = [json.loads(fields["reason"]) for _, fields in rejects]
    assert reasons[0][0]["field"] == "response" and reasons[0][0]["message"].startswith("is not valid JSON")
    assert reasons[1] == [{"field": "score", "message": "Input should be less than or equal to 10"}]
    assert reasons[2] == [{"field": "response", "message": "the entry has no 'response' field"}]
    assert client.xpending(stream, "npsloop")["pending"] == 0
    assert client.xlen(stream) == 0  # what is done is deleted: the inbox does not grow


def test_a_huge_score_and_deep_nesting_are_rejected_alone_and_the_consumer_lives_on(pg_runtime, redis_url, streams):
    client, stream = streams
    intake = intake_for(pg_runtime, client, stream, "c1")
    intake.redis = intake_redis(pg_runtime.settings.model_copy(update={"redis_url": redis_url}))  # as `npsloop intake`
    client.xadd(stream, {"response": json.dumps(payload(response_id="huge"))[:-1] + ', "score": ' + "9" * 5000 + "}"})
    client.xadd(stream, {"response": "[" * 1000 + "]" * 1000})
    latin1 = json.dumps(payload(response_id="latin")).encode()[:-1] + b', "comment": "caf\xe9"}'
    redis.Redis.from_url(redis_url).xadd(stream, {b"response": latin1})
    client.xadd(stream, {"response": json.dumps(payload(response_id="valid")), "integration": "crm"})
    stop = threading.Event()
    consumer = threading.Thread(target=intake.run, args=(stop, 100), daemon=True)
    consumer.start()
    try:
        deadline = time.monotonic() + 30
        while (client.xlen(stream) or client.xpending(stream, "npsloop")["pending"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert consumer.is_alive()
        assert count(pg_runtime, "crm") == 1
        # Read by a strict UTF-8 client (as erasure reads it): the Latin-1 entry's bytes are kept as escapes.
        reasons = [json.loads(fields["reason"]) for _, fields in client.xrange(stream + ":rejects")]
        huge, deep, latin1 = reasons
        assert huge[0]["message"].startswith("is not valid JSON: number is infinity")
        assert deep == [{"field": "response", "message": "is nested deeper than 32 levels"}]
        assert latin1 == [{"field": "response", "message": "not valid UTF-8"}]
        assert client.xpending(stream, "npsloop")["pending"] == 0
        client.xadd(stream, {"response": json.dumps(payload(response_id="after")), "integration": "crm"})
        deadline = time.monotonic() + 30
        while count(pg_runtime, "crm") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert count(pg_runtime, "crm") == 2
    finally:
        stop.set()
        consumer.join(10)
        intake.redis.close()


def test_an_entry_naming_a_signed_integration_cannot_overwrite_its_response(pg_runtime, streams):
    client, stream = streams
    ingest(pg_runtime, integration="shop", response_id="order-7", score=9, comment="Great")
    # "shop" signs its webhooks (NPSLOOP_WEBHOOK_SECRETS); declaring it for the intake by mistake opens nothing.
    intake = intake_for(pg_runtime, client, stream, "c1", intake_integrations="crm,shop")
    client.xadd(stream, {"response": json.dumps(payload(response_id="order-7", score=2)), "integration": "shop"})
    client.xadd(stream, {"response": json.dumps(payload(response_id="order-8", score=2)), "integration": "shop"})
    drain_stream(intake)
    with pg_runtime.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT external_id, score, comment FROM responses WHERE integration = 'shop'")
        ).all()
    assert [tuple(row) for row in rows] == [("order-7", 9, "Great")]
    reasons = [json.loads(fields["reason"]) for _, fields in client.xrange(stream + ":rejects")]
    message = "'shop' is a signed integration: its responses come only through its own signed webhook"
    assert reasons == [[{"field": "integration", "message": message}]] * 2
    assert client.xpending(stream, "npsloop")["pending"] == 0


def test_a_dead_consumers_entries_are_claimed_and_a_poison_entry_is_rejected_by_count(pg_runtime, streams):
    client, stream = streams
    dead = intake_for(pg_runtime, client, stream, "dead", intake_claim_idle_seconds=0.05, intake_max_deliveries=3)
    for n in range(5):
        client.xadd(stream, {"response": json.dumps(payload(response_id=f"r-{n}")), "integration": "crm"})
    assert len(dead._read(">", 10, None)) == 5  # taken, never acknowledged: the consumer "died"
    time.sleep(0.1)
    alive = intake_for(pg_runtime, client, stream, "alive", intake_claim_idle_seconds=0.05, intake_max_deliveries=3)
    drain_stream(alive)
    assert count(pg_runtime, "crm") == 5
    assert client.xpending(stream, "npsloop")["pending"] == 0
    # An entry handed out more often than allowed (each time its consumer died holding it) is set aside.
    client.xadd(stream, {"response": json.dumps(payload(response_id="poison")), "integration": "crm"})
    for name in ("a", "b", "c"):
        dying = intake_for(pg_runtime, client, stream, name, intake_claim_idle_seconds=0.05, intake_max_deliveries=3)
        dying._claim(10)
        assert dying._read("0", 1, None) or dying._read(">", 1, None)  # taken; then the consumer died
        time.sleep(0.06)
    drain_stream(alive)
    reason = json.loads(client.xrange(stream + ":rejects")[-1][1]["reason"])
    assert reason[0]["message"].startswith("delivered 4 times")
    assert count(pg_runtime, "crm") == 5


def test_a_consumer_killed_mid_batch_loses_nothing_and_stores_nothing_twice(pg_url, redis_url, streams, tmp_path: Path):
    client, stream = streams
    valid, invalid = 2000, 40
    pipe = client.pipeline(transaction=False)
    for n in range(valid):
        pipe.xadd(stream, {"response": json.dumps(payload(response_id=f"k-{n}")), "integration": "kill"})
        if n % 50 == 0 and n // 50 < invalid:
            pipe.xadd(
                stream, {"response": json.dumps(payload(response_id=f"bad-{n}", score=-1)), "integration": "kill"}
            )
    pipe.execute()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NPSLOOP_")},
        **MODEL_ENV,
        "NPSLOOP_DATA_DIR": str(tmp_path),
        "NPSLOOP_DATABASE_URL": pg_url,
        "NPSLOOP_SECRET_KEY": SECRET_KEY,
        "NPSLOOP_REDIS_URL": redis_url,
        "NPSLOOP_INTAKE_STREAM": stream,
        "NPSLOOP_INTAKE_REJECTS_STREAM": stream + ":rejects",
        "NPSLOOP_INTAKE_BATCH": "200",
        "NPSLOOP_INTAKE_INTEGRATIONS": "kill",
        "NPSLOOP_INTAKE_CLAIM_IDLE_SECONDS": "1",
        "NPSLOOP_LOG_FORMAT": "json",
        "NPSLOOP_LOG_LEVEL": "WARNING",
    }
    engine = sa.create_engine(pg_url)

    def stored() -> int:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM responses WHERE integration = 'kill'")).scalar_one()

    def consumer(name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        return subprocess.Popen(
            [sys.executable, "-m", "npsloop.cli", "intake"], env=env, stdout=log, stderr=subprocess.STDOUT
        )

    first = consumer("first")
    try:
        deadline = time.monotonic() + 60
        while stored() < 300 and time.monotonic() < deadline:
            time.sleep(0.02)
        pending_at_kill = client.xpending(stream, "npsloop")["pending"]
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        at_kill = stored()
        assert 300 <= at_kill < valid, (at_kill, (tmp_path / "first.log").read_text()[-2000:])
        assert pending_at_kill > 0  # it died holding entries it had not acknowledged
        second = consumer("second")
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if stored() == valid and client.xpending(stream, "npsloop")["pending"] == 0:
                    break
                time.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)
        log = (tmp_path / "second.log").read_text()
        assert stored() == valid, log[-3000:]
        with engine.connect() as connection:
            distinct = connection.execute(
                sa.text("SELECT count(DISTINCT external_id) FROM responses WHERE integration = 'kill'")
            ).scalar_one()
        assert distinct == valid
        assert client.xpending(stream, "npsloop")["pending"] == 0
        assert client.xlen(stream) == 0
        assert client.xlen(stream + ":rejects") == invalid
        assert "claimed entries of a stopped consumer" in log
    finally:
        if first.poll() is None:
            first.kill()
        engine.dispose()
