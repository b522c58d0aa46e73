"""The unit of work: every session carries the outbound fan-out, however many session factories came and went
before it (a test run builds hundreds; a long-lived process may rebuild its runtime); and the work a transaction
creates is published after its commit, never before, never for a rollback, and a broker error loses nothing
that is committed."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from npsloop.domain.notifications import Notification
from npsloop.services.unit_of_work import Conflict
from npsloop.services.work_messages import Message, ProcessResponse, SendNotification
from npsloop.store.outbound_repository import fan_out
from npsloop.store.uow import SqlUnitOfWork, session_factory
from tests.conftest import drain, ingest, seed_team


def test_every_session_fans_out_even_after_earlier_factories_were_collected():
    engine = sa.create_engine("sqlite://")
    missing = []
    for attempt in range(60):
        factory = session_factory(engine)
        with factory() as session:
            if fan_out not in list(session.dispatch.after_flush):
                missing.append(attempt)
        del factory
        gc.collect()  # frees the factory's class, so the next one may be put at the same address
    assert missing == []


class Witness:
    """A dispatcher that looks, at the moment of each publish, at what another connection can see."""

    def __init__(self, engine: sa.Engine, fail_first: bool = False) -> None:
        self.engine = engine
        self.fail_first = fail_first
        self.seen: list[tuple[Message, bool]] = []

    def publish(self, message: Message) -> None:
        if self.fail_first:
            self.fail_first = False
            raise ConnectionError("broker down")
        if isinstance(message, SendNotification):
            query, key = "SELECT count(*) FROM notifications WHERE id = :id", message.notification_id
        else:
            query, key = "SELECT count(*) FROM responses WHERE id = :id", message.response_id
        with self.engine.connect() as connection:
            found = connection.execute(sa.text(query), {"id": key}).scalar()
        self.seen.append((message, found == 1))


def _alert(uow: SqlUnitOfWork, case_id: int, agent_id: int, kind: str) -> Notification:
    notification = Notification(
        case_id=case_id, agent_id=agent_id, channel="email", kind=kind, created_at=datetime.now(UTC)
    )
    uow.notifications.add(notification)
    return notification


@pytest.fixture
def opened(runtime):
    """A case with its alerts sent, so the queue starts empty."""
    seed_team(runtime)
    ingest(runtime, score=1)
    drain(runtime)
    with runtime.uow() as uow:
        return uow.cases.get(1).id, uow.directory.agent_named("Marta").id


def test_a_new_alert_is_published_after_the_commit_that_stores_it_never_before(runtime, opened):
    case_id, agent_id = opened
    witness = Witness(runtime.engine)
    with SqlUnitOfWork(session_factory(runtime.engine), witness) as uow:
        notification = _alert(uow, case_id, agent_id, "assigned:9")
        uow.emit(ProcessResponse(1))
        uow.flush()
        assert witness.seen == []  # flushed, not committed: nothing leaves yet
        uow.commit()
        assert witness.seen == []  # published when the block ends, after the session is released
    assert witness.seen == [(ProcessResponse(1), True), (SendNotification(notification.id), True)]


def test_nothing_is_published_for_a_rollback_an_exception_or_a_block_that_never_commits(runtime, opened):
    case_id, agent_id = opened
    witness = Witness(runtime.engine)
    uow = SqlUnitOfWork(session_factory(runtime.engine), witness)
    with uow:
        _alert(uow, case_id, agent_id, "assigned:10")
        uow.emit(ProcessResponse(1))
        uow.rollback()
    with pytest.raises(RuntimeError), uow:
        _alert(uow, case_id, agent_id, "assigned:11")
        uow.flush()
        raise RuntimeError("the use case failed half way")
    with uow:
        _alert(uow, case_id, agent_id, "assigned:12")
    assert witness.seen == []
    with runtime.engine.connect() as connection:
        kinds = connection.execute(sa.text("SELECT kind FROM notifications WHERE kind LIKE 'assigned:%'")).scalars()
        assert list(kinds) == []


def test_a_conflict_drops_the_messages_of_the_refused_transaction_only(runtime, opened):
    case_id, agent_id = opened
    witness = Witness(runtime.engine)
    uow = SqlUnitOfWork(session_factory(runtime.engine), witness)
    with uow:
        kept = _alert(uow, case_id, agent_id, "assigned:13")
        uow.commit()
        kept_id = kept.id
        _alert(uow, case_id, agent_id, "assigned:13")  # the same (case, agent, channel, kind): refused
        with pytest.raises(Conflict):
            uow.commit()
    assert witness.seen == [(SendNotification(kept_id), True)]


def test_a_broker_error_is_logged_and_the_rest_is_still_published(runtime, opened, caplog):
    case_id, agent_id = opened
    witness = Witness(runtime.engine, fail_first=True)
    with SqlUnitOfWork(session_factory(runtime.engine), witness) as uow:
        first = _alert(uow, case_id, agent_id, "assigned:14")
        second = _alert(uow, case_id, agent_id, "assigned:15")
        uow.flush()
        uow.emit(SendNotification(first.id))  # added and emitted (as a replay would): published once
        uow.commit()
    assert witness.seen == [(SendNotification(second.id), True)]  # the first publish met the broker down
    assert "enqueue failed; the reconciler will retry" in caplog.text
