"""Held alerts on real PostgreSQL: workers racing to hold an alert record the hold once, and workers racing to
send it when the agent's hours begin send it once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from npsloop.services.agent_hours import set_hours
from npsloop.services.casework import get_case
from npsloop.services.notifying import SendStatus
from npsloop.services.processing import handle_response
from npsloop.services.records import CaseFilter
from tests.conftest import ingest, madrid_schedule, seed_team

MADRID = ZoneInfo("Europe/Madrid")
WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=MADRID)
WEDNESDAY_13 = datetime(2026, 12, 2, 13, 0, tzinfo=MADRID)


def race(count: int, work: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_racing_workers_hold_an_alert_once_and_send_it_once_when_the_hours_begin(pg_runtime):
    seed_team(pg_runtime, agents=(("Marta", "+34611222333", None, "es"),))
    madrid_schedule(pg_runtime)
    set_hours(uow=pg_runtime.uow(), agent="Marta", hours="mon-fri 13:00-17:00", now=pg_runtime.clock())
    pg_runtime.clock = lambda: WEDNESDAY_10
    ingest(pg_runtime, score=2)
    for response_id in list(pg_runtime.dispatcher.responses):
        handle_response(uow=pg_runtime.uow(), models=pg_runtime.models, response_id=response_id, now=WEDNESDAY_10)
    [alert] = pg_runtime.dispatcher.notifications
    statuses = race(6, lambda: pg_runtime.send(alert).status)
    assert sorted(statuses) == [SendStatus.HELD] + [SendStatus.SKIPPED] * 5
    with pg_runtime.uow() as uow:
        [case] = uow.cases.search(CaseFilter(), limit=1, offset=0)[0]
        row = uow.notifications.get(alert)
        assert row.state == "pending" and row.next_attempt_at == row.held_until == WEDNESDAY_13
    held = [e for e in get_case(uow=pg_runtime.uow(), case_id=case.id).events if e.kind == "alert_held"]
    assert len(held) == 1

    pg_runtime.clock = lambda: WEDNESDAY_13
    pg_runtime.dispatcher.notifications.clear()
    assert pg_runtime.reconcile().released == 1
    assert pg_runtime.dispatcher.notifications == [alert]
    statuses = race(6, lambda: pg_runtime.send(alert).status)
    assert sorted(statuses) == [SendStatus.SENT] + [SendStatus.SKIPPED] * 5
    assert [m.to for m in pg_runtime.transports["sms"].sent] == ["+34611222333"]
    assert pg_runtime.reconcile().released == 0


def test_an_agent_put_on_call_gets_the_alerts_held_for_them_at_once(pg_runtime):
    seed_team(pg_runtime, agents=(("Marta", "+34611222333", None, "es"),))
    madrid_schedule(pg_runtime)
    set_hours(uow=pg_runtime.uow(), agent="Marta", hours="mon-fri 13:00-17:00", now=pg_runtime.clock())
    pg_runtime.clock = lambda: WEDNESDAY_10
    for customer in ("c1", "c2"):
        ingest(pg_runtime, score=2, customer={"id": customer})
    for response_id in list(pg_runtime.dispatcher.responses):
        pg_runtime.process(response_id)
    assert pg_runtime.transports["sms"].sent == []
    pg_runtime.dispatcher.notifications.clear()
    set_hours(uow=pg_runtime.uow(), agent="Marta", hours=None, on_call=True, now=WEDNESDAY_10)
    released = list(pg_runtime.dispatcher.notifications)
    assert len(released) == 2
    assert [pg_runtime.send(n).status for n in released * 2] == [SendStatus.SENT] * 2 + [SendStatus.SKIPPED] * 2
    assert len(pg_runtime.transports["sms"].sent) == 2
