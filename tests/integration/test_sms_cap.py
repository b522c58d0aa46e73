"""The hourly SMS cap holds when many workers send for one agent at the same moment (real PostgreSQL)."""

from __future__ import annotations

import threading

from tests.conftest import ingest, process, seed_team


def test_concurrent_senders_never_exceed_the_cap(pg_runtime):
    pg_runtime.settings.sms_per_agent_per_hour = 5
    seed_team(pg_runtime, agents=(("Marta", "+34611222333", None, "en"),))
    pending: list[int] = []
    for i in range(16):
        ingest(pg_runtime, score=1, customer={"id": f"c{i}"})
    for response_id in list(pg_runtime.dispatcher.responses):
        pending += process(pg_runtime, response_id)
    assert len(pending) == 16
    barrier = threading.Barrier(8)

    def worker(ids: list[int]) -> None:
        barrier.wait()
        for notification_id in ids:
            pg_runtime.send(notification_id)

    threads = [threading.Thread(target=worker, args=(pending[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pg_runtime.transports["sms"].sent) == 5
    with pg_runtime.uow() as uow:
        assert len(uow.notifications.in_states(["folded"])) == 11
