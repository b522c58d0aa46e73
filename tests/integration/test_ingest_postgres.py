"""Replays and retries racing on PostgreSQL: copies of one delivery sent at once are stored once (the unique
delivery id decides), and versions of one response arriving at once leave the newest (its row is locked
while a version is compared with it)."""

from __future__ import annotations

import random
import threading
from collections import Counter

import sqlalchemy as sa

from npsloop.ingest.schemas import ResponseIn
from npsloop.services.casework import get_case
from npsloop.services.ingest import IngestResult, ingest_response
from tests.conftest import drain, payload, seed_team


def deliver(rt, body: dict, delivery_id: str | None) -> IngestResult:
    now = rt.clock()
    incoming = ResponseIn.model_validate(body).to_domain(integration="shop", received_at=now)
    return ingest_response(uow=rt.uow(), incoming=incoming, now=now, delivery_id=delivery_id)


def at_once(work: list) -> list:
    """Runs each callable in its own thread, all released together; returns their results."""
    gate = threading.Barrier(len(work))
    results: list = [None] * len(work)

    def run(index: int) -> None:
        gate.wait()
        results[index] = work[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_copies_of_one_delivery_racing_change_the_response_once(pg_runtime):
    rt = pg_runtime
    seed_team(rt)
    body = payload(score=2, comment=None)
    first = deliver(rt, body, "evt-created")
    drain(rt)
    update = {**body, "comment": "Nobody called me back"}
    outcomes = at_once([lambda: deliver(rt, update, "evt-updated") for _ in range(8)])
    assert Counter(result.outcome.value for result in outcomes) == {"updated": 1, "duplicate": 7}
    assert {result.id for result in outcomes} == {first.id}
    with rt.uow() as uow:
        case_id = uow.responses.get(first.id).case_id
    events = [e.kind for e in get_case(uow=rt.uow(), case_id=case_id).events]
    assert events.count("response_updated") == 1
    with rt.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT delivery_id FROM ingest_deliveries ORDER BY id")).scalars().all()
    assert rows == ["evt-created", "evt-updated"]


def test_copies_of_a_first_delivery_racing_store_one_response(pg_runtime):
    rt = pg_runtime
    body = payload(score=7)
    outcomes = at_once([lambda: deliver(rt, body, "evt-1") for _ in range(8)])
    assert Counter(result.outcome.value for result in outcomes) == {"accepted": 1, "duplicate": 7}
    assert len({result.id for result in outcomes}) == 1
    assert rt.dispatcher.responses == [outcomes[0].id]


def test_versions_racing_leave_the_newest_whatever_order_they_commit_in(pg_runtime):
    rt = pg_runtime
    body = payload(score=0, comment="v0", version=0)
    first = deliver(rt, body, None)
    versions = list(range(1, 11))
    random.shuffle(versions)
    at_once(
        [lambda v=v: deliver(rt, {**body, "score": v, "comment": f"v{v}", "version": v}, f"evt-{v}") for v in versions]
    )
    with rt.uow() as uow:
        response = uow.responses.get(first.id)
        assert (response.score, response.comment, response.version) == (10, "v10", 10)
