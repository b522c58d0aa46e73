"""Two sweeps at the same instant (two beats, a redelivered task) on real PostgreSQL fire each step once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from tests.conftest import ingest, seed_team


def test_concurrent_sweeps_fire_each_escalation_step_once(pg_runtime):
    seed_team(pg_runtime)
    opened = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    pg_runtime.clock = lambda: opened
    for i in range(10):
        ingest(pg_runtime, score=1, customer={"id": f"c{i}"})
    for response_id in list(pg_runtime.dispatcher.responses):
        pg_runtime.process(response_id)
    pg_runtime.dispatcher.notifications.clear()
    later = opened + timedelta(minutes=20)  # every case's acknowledgement is 5 minutes overdue
    pg_runtime.clock = lambda: later
    barrier = threading.Barrier(4)
    reports, errors = [], []

    def run() -> None:
        barrier.wait()
        try:
            reports.append(pg_runtime.sweep())
        except Exception as error:  # a losing sweep must step aside, not crash
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(reports) == 4
    assert sum(r.escalations for r in reports) == 10  # step 1 of 10 cases, once each
    with pg_runtime.uow() as uow:
        escalation_rows = [n for n in uow.notifications.in_states(["pending"]) if n.kind.startswith("escalation")]
    assert len(escalation_rows) == 10 * 3  # Marta sms+email, Tom email
    assert len(pg_runtime.dispatcher.notifications) == 30
