"""The fake unit of work keeps the SQL one's contract: each behaviour below runs against both, so a service test
on the fake (fast: no database, no migrations) means what it would on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from npsloop.domain.cases import Case
from npsloop.domain.notifications import Notification
from npsloop.domain.responses import Response
from npsloop.services import directory
from npsloop.services.unit_of_work import Conflict, UnitOfWork
from npsloop.services.work_messages import ProcessResponse, SendNotification
from tests.conftest import FakeDispatcher
from tests.support.fake_uow import FakeStore, FakeUnitOfWork

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)


@pytest.fixture(params=["sql", "fake"])
def world(request: pytest.FixtureRequest) -> Iterator[tuple[Callable[[], UnitOfWork], FakeDispatcher, int]]:
    """A unit-of-work factory on either store, the dispatcher it publishes to, and an agent's id."""
    if request.param == "sql":
        runtime = request.getfixturevalue("runtime")
        directory.add_team(uow=runtime.uow(), name="Care", touchpoints=["web"])
        directory.add_agent(uow=runtime.uow(), name="Ana", team="Care", phone=None, email="a@x.es", language="es")
        with runtime.uow() as uow:
            agent_id = uow.directory.agent_named("Ana").id
        yield runtime.uow, runtime.dispatcher, agent_id
    else:
        store, dispatcher = FakeStore(), FakeDispatcher()
        yield lambda: FakeUnitOfWork(store, dispatcher), dispatcher, 7


def response(external_id: str = "r-1", **extra: Any) -> Response:
    fields: dict[str, Any] = {"score": 2, "customer_id": "c-1", "responded_at": NOW, "received_at": NOW}
    return Response(integration="shop", external_id=external_id, **{**fields, **extra})


def open_case(uow: UnitOfWork, customer: str = "c-1") -> Case:
    case = Case.open(customer_key=customer, team_id=None, at=NOW, response_ref="shop/r-1", touchpoint=None)
    uow.cases.add(case)
    uow.flush()
    return case


def test_a_committed_row_is_found_and_a_rolled_back_one_is_not(world):
    new_uow, _, _ = world
    with new_uow() as uow:
        kept = response("kept")
        uow.responses.add(kept)
        uow.commit()
        kept_id = kept.id  # a rollback expires what the SQL session loaded: read it while it is fresh
        uow.responses.add(response("dropped"))
        uow.flush()
        uow.rollback()
    with new_uow() as uow:
        assert uow.responses.get(kept_id).external_id == "kept"
        assert uow.responses.by_key("shop", "kept").id == kept_id
        assert uow.responses.by_key("shop", "dropped") is None
    with new_uow() as uow:
        uow.responses.add(response("never committed"))
        uow.flush()
    with new_uow() as uow:
        assert uow.responses.by_key("shop", "never committed") is None


def test_the_uniqueness_rules_are_conflicts(world):
    new_uow, _, _ = world
    with new_uow() as uow:
        uow.responses.add(response("r-1"))
        open_case(uow, "c-1")
        uow.commit()
    with new_uow() as uow, pytest.raises(Conflict):
        uow.responses.add(response("r-1"))
        uow.flush()
    with new_uow() as uow, pytest.raises(Conflict):
        open_case(uow, "c-1")  # one open case per customer
    with new_uow() as uow:
        assert uow.delivery_ids.remember("shop", "evt-1", 1, NOW) is True
        assert uow.delivery_ids.remember("shop", "evt-1", 1, NOW) is False
        assert uow.delivery_ids.response_for("shop", "evt-1") == 1
        uow.commit()
    with new_uow() as uow:
        assert uow.delivery_ids.forget_before(NOW + timedelta(seconds=1), 10) == 1
        assert uow.delivery_ids.response_for("shop", "evt-1") is None


def test_the_claim_gate_lets_one_caller_send_and_only_when_due(world):
    new_uow, _, agent_id = world
    with new_uow() as uow:
        case = open_case(uow)
        due = Notification(case_id=case.id, agent_id=agent_id, channel="email", kind="case_opened", created_at=NOW)
        later = Notification(
            case_id=case.id, agent_id=agent_id, channel="sms", kind="case_opened", created_at=NOW,
            next_attempt_at=NOW + timedelta(hours=2),
        )  # fmt: skip
        uow.notifications.add(due)
        uow.notifications.add(later)
        uow.commit()
    with new_uow() as uow:
        assert uow.notifications.claim(due.id, now=NOW) is True
        assert uow.notifications.claim(due.id, now=NOW) is False
        assert uow.notifications.claim(later.id, now=NOW) is False
        uow.commit()
    with new_uow() as uow:
        assert uow.notifications.pending_for_case(case.id) == [later.id]
        assert uow.notifications.stale_sending(NOW + timedelta(minutes=5), 10)[0].id == due.id
        assert uow.notifications.pending_since(NOW + timedelta(hours=3), 10) == [later.id]
        assert uow.notifications.pending_since(NOW + timedelta(hours=1), 10) == []


def test_messages_leave_after_the_commit_and_never_for_a_rollback(world):
    new_uow, dispatcher, agent_id = world
    with new_uow() as uow:
        case = open_case(uow)
        uow.commit()
    with new_uow() as uow:
        uow.notifications.add(
            Notification(case_id=case.id, agent_id=agent_id, channel="email", kind="assigned:1", created_at=NOW)
        )
        uow.emit(ProcessResponse(99))
        uow.rollback()
    assert dispatcher.notifications == [] and dispatcher.responses == []
    with new_uow() as uow:
        alert = Notification(case_id=case.id, agent_id=agent_id, channel="email", kind="assigned:2", created_at=NOW)
        uow.notifications.add(alert)
        uow.emit(ProcessResponse(99))
        uow.commit()
        assert dispatcher.notifications == []  # not before the block ends
    assert dispatcher.notifications == [alert.id] and dispatcher.responses == [99]
    assert SendNotification(alert.id) != SendNotification(alert.id + 1)


def test_waiting_work_is_found_by_age_as_the_reconciler_reads_it(world):
    new_uow, _, _ = world
    with new_uow() as uow:
        old = response("old", received_at=NOW - timedelta(minutes=10))
        fresh = response("fresh")
        uow.responses.add(old)
        uow.responses.add(fresh)
        uow.commit()
    with new_uow() as uow:
        assert uow.responses.unprocessed_since(NOW - timedelta(minutes=1), 10) == [old.id]
        assert uow.responses.unprocessed_since(NOW + timedelta(minutes=1), 1) == [old.id]


def test_a_claim_takes_its_own_response_first_then_the_oldest_waiting_never_a_failed_one(world):
    new_uow, _, _ = world
    with new_uow() as uow:
        old = response("old", received_at=NOW - timedelta(minutes=10))
        failed = response("failed", received_at=NOW - timedelta(minutes=20), failures=1)
        mine = response("mine")
        newer = response("newer", received_at=NOW + timedelta(seconds=1))
        for row in (old, failed, mine, newer):
            uow.responses.add(row)
        uow.commit()
    with new_uow() as uow:
        assert [r.external_id for r in uow.responses.claim_waiting(mine.id, 10)] == ["mine", "old", "newer"]
        assert [r.external_id for r in uow.responses.claim_waiting(mine.id, 2)] == ["mine", "old"]
        assert [r.external_id for r in uow.responses.claim_waiting(failed.id, 2)] == ["failed", "old"]


def test_the_audit_trail_is_kept_with_its_transaction_and_read_newest_first(world):
    from npsloop.domain.audit import AuditFilter, Change, EntityKind

    new_uow, _, _ = world
    mine = AuditFilter(actor="ana")
    with new_uow() as uow:
        for name in ("a", "b", "c"):
            uow.audit.add(Change(EntityKind.TEAM, "add", name, team_id=4, after={"n": name}), actor="ana", at=NOW)
        uow.commit()
        uow.audit.add(Change(EntityKind.TOKEN, "create", "dropped"), actor="ana", at=NOW)
        uow.rollback()
    with new_uow() as uow:
        newest = uow.audit.page(mine, before=None, limit=2)
        assert [(e.name, e.after) for e in newest] == [("c", {"n": "c"}), ("b", {"n": "b"})]
        assert [e.name for e in uow.audit.page(mine, before=newest[-1].id, limit=5)] == ["a"]
        assert uow.audit.count(mine) == 3 and uow.audit.count(AuditFilter(actor="ana", team_id=5)) == 0
        assert uow.audit.count(AuditFilter(actor="ana", kind=EntityKind.TOKEN)) == 0
        assert uow.audit.count(AuditFilter(actor="ana", since=NOW, until=NOW + timedelta(seconds=1))) == 3
        assert uow.audit.count(AuditFilter(actor="ana", team_kinds_only=True)) == 3
