"""Coalesced processing on the real parts: two workers' batches never share a response (SKIP LOCKED on
PostgreSQL), a worker that meets a response another holds waits for it instead of processing it twice, and on
the real Redis a queued processing task stands for the new responses stored behind it."""

from __future__ import annotations

import threading
import uuid

import redis

from npsloop.services.processing import handle_response
from npsloop.services.records import CaseFilter
from npsloop.services.work_messages import ProcessResponse
from npsloop.settings import Settings
from npsloop.worker.dispatch import CeleryDispatcher
from tests.conftest import ingest, seed_team
from tests.support.services import forget_queue


def test_two_batches_claim_different_responses(pg_runtime):
    seed_team(pg_runtime)
    waiting = [ingest(pg_runtime, score=9, customer={"id": f"c-{n}"}) for n in range(5)]
    with pg_runtime.uow() as first, pg_runtime.uow() as second:
        mine = [r.id for r in first.responses.claim_waiting(waiting[0], 3)]
        theirs = [r.id for r in second.responses.claim_waiting(waiting[0], 10)]
    assert mine == waiting[:3]
    assert theirs == waiting[3:]  # the first batch's rows, its own included, are skipped, not waited for


def test_a_response_another_worker_holds_is_waited_for_and_processed_once(pg_runtime):
    seed_team(pg_runtime)
    response_id = ingest(pg_runtime, score=2)
    now = pg_runtime.clock()
    finished = threading.Event()

    def late_task() -> None:
        handle_response(uow=pg_runtime.uow(), models=pg_runtime.models, response_id=response_id, now=now)
        finished.set()

    late = threading.Thread(target=late_task)
    with pg_runtime.uow() as holder:
        held = [r.id for r in holder.responses.claim_waiting(response_id, 1)]  # another worker's batch has it
        assert held == [response_id]
        late.start()
        assert not finished.wait(1.0)  # blocked on the row, not processing it beside the holder
        holder.rollback()  # the holder gives it up (its worker died, say)
    late.join(30)
    assert finished.is_set()
    handle_response(uow=pg_runtime.uow(), models=pg_runtime.models, response_id=response_id, now=now)  # redelivered
    with pg_runtime.uow() as uow:
        cases, total = uow.cases.search(CaseFilter(), limit=10, offset=0)
        assert total == 1
        events = uow.cases.get(cases[0].id).events
    assert [event.kind for event in events].count("response_joined") == 0


def test_on_redis_one_queued_task_stands_for_the_new_responses_behind_it(redis_url):
    queue = "npsloop-test-" + uuid.uuid4().hex[:8]
    dispatcher = CeleryDispatcher(Settings(broker_url=redis_url, queue=queue))
    client = redis.Redis.from_url(redis_url)
    try:
        assert dispatcher.gate is not None
        for response_id in (1, 2, 3):
            dispatcher.publish(ProcessResponse(response_id, new=True))
        assert client.llen(queue) == 1  # the first one's task will take 2 and 3
        dispatcher.publish(ProcessResponse(4))  # a retry or a changed response always gets its own task
        assert client.llen(queue) == 2
        dispatcher.gate.open()  # what the task does before it claims
        dispatcher.publish(ProcessResponse(5, new=True))
        assert client.llen(queue) == 3
    finally:
        forget_queue(client, queue, f"npsloop:process-gate:{queue}")
