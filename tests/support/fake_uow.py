"""An in-memory unit of work for fast service tests: the same contract as the SQL one (services.unit_of_work),
without a database or migrations. It keeps what the use cases of intake and repair rely on: a transaction
that a rollback (or a block left without commit) undoes, the store's uniqueness rules as Conflict, the claim
gate, and the messages published after the commit only. tests/unit/test_fake_uow.py runs the same contract
against both, so a test that passes here means the same as one on SQLite.

Only the repositories those use cases need are here; a use case that needs another runs on SQLite."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from npsloop.domain.audit import TEAM_KINDS, AuditEntry, AuditFilter, Change
from npsloop.domain.cases import Case, CaseEvent, CaseStatus
from npsloop.domain.notifications import Notification, NotificationState
from npsloop.domain.responses import Response, ResponseStatus
from npsloop.services.ports import Dispatcher
from npsloop.services.records import QuarantinedTask
from npsloop.services.unit_of_work import Conflict
from npsloop.services.work_messages import Message, PendingMessages
from tests.conftest import FakeDispatcher


@dataclass
class Tables:
    """The rows, by id. Copied whole when a transaction starts, so a rollback is dropping the copy."""

    responses: dict[int, Response] = field(default_factory=dict)
    cases: dict[int, Case] = field(default_factory=dict)
    notifications: dict[int, Notification] = field(default_factory=dict)
    deliveries: dict[tuple[str, str], tuple[int, datetime]] = field(default_factory=dict)
    quarantine: dict[int, QuarantinedTask] = field(default_factory=dict)
    escalations: set[tuple[int, str]] = field(default_factory=set)
    audit: list[AuditEntry] = field(default_factory=list)


class FakeStore:
    """What a database is to the SQL unit of work: the committed rows and the id sequences."""

    def __init__(self) -> None:
        self.committed = Tables()
        self.ids = itertools.count(1)


class Responses:
    def __init__(self, rows: Tables, ids: itertools.count[int]) -> None:
        self.rows, self.ids = rows, ids
        self.new: list[Response] = []

    def add(self, response: Response) -> None:
        self.new.append(response)

    def insert_new(self, response: Response) -> int | None:
        key = (response.integration, response.external_id)
        if any((r.integration, r.external_id) == key for r in [*self.rows.responses.values(), *self.new]):
            return None
        response.id = next(self.ids)
        self.rows.responses[response.id] = response
        return response.id

    def get(self, response_id: int, *, lock: bool = False) -> Response | None:
        return self.rows.responses.get(response_id)

    def by_key(self, integration: str, external_id: str, *, lock: bool = False) -> Response | None:
        return next(
            (r for r in self.rows.responses.values() if (r.integration, r.external_id) == (integration, external_id)),
            None,
        )

    def claim_waiting(self, first: int | None, limit: int) -> list[Response]:
        waiting = [r for r in self.rows.responses.values() if r.status == ResponseStatus.RECEIVED]
        mine = [r for r in waiting if r.id == first]
        others = [r for r in waiting if r.id != first and r.failures == 0]
        others.sort(key=lambda r: (r.received_at, _id(r)))
        return (mine + others)[:limit]

    def for_case(self, case_id: int) -> list[Response]:
        return sorted((r for r in self.rows.responses.values() if r.case_id == case_id), key=_id)

    def unprocessed_since(self, before: datetime, limit: int) -> list[int]:
        found = [
            r.id
            for r in sorted(self.rows.responses.values(), key=_id)
            if r.status == ResponseStatus.RECEIVED and r.received_at < before and r.id is not None
        ]
        return found[:limit]

    def quarantined(self, limit: int = 500) -> list[Response]:
        found = [r for r in sorted(self.rows.responses.values(), key=_id) if r.status == ResponseStatus.QUARANTINED]
        return found[:limit]


class Cases:
    def __init__(self, rows: Tables) -> None:
        self.rows = rows
        self.new: list[Case] = []

    def add(self, case: Case) -> None:
        self.new.append(case)

    def get(self, case_id: int, *, with_events: bool = True) -> Case | None:
        return self.rows.cases.get(case_id)

    def append_event(self, case_id: int, event: CaseEvent) -> None:
        self.rows.cases[case_id].events.append(event)

    def open_for_customer(self, customer_key: str) -> Case | None:
        return next(
            (c for c in self.rows.cases.values() if c.customer_key == customer_key and c.status != CaseStatus.CLOSED),
            None,
        )


class Notifications:
    def __init__(self, rows: Tables) -> None:
        self.rows = rows
        self.added: list[Notification] = []  # published after the commit, as the SQL repository's

    def add(self, notification: Notification) -> None:
        self.added.append(notification)

    def get(self, notification_id: int) -> Notification | None:
        return self.rows.notifications.get(notification_id)

    def pending_for_case(self, case_id: int) -> list[int]:
        return [n.id for n in self._sorted() if n.case_id == case_id and n.state == NotificationState.PENDING]

    def claim(self, notification_id: int, *, now: datetime) -> bool:
        row = self.rows.notifications.get(notification_id)
        due = row is not None and (row.next_attempt_at is None or row.next_attempt_at <= now)
        if row is None or row.state != NotificationState.PENDING or not due:
            return False
        row.state, row.claimed_at, row.attempts = NotificationState.SENDING, now, row.attempts + 1
        return True

    def hold(self, notification_id: int, *, until: datetime, now: datetime) -> bool:
        row = self.rows.notifications.get(notification_id)
        due = row is not None and (row.next_attempt_at is None or row.next_attempt_at <= now)
        if row is None or row.state != NotificationState.PENDING or not due:
            return False
        row.next_attempt_at = row.held_until = until
        return True

    def held_due(self, now: datetime, limit: int) -> list[int]:
        found = [
            n
            for n in self._sorted()
            if n.state == NotificationState.PENDING
            and n.next_attempt_at is not None
            and n.next_attempt_at <= now
            and n.held_until == n.next_attempt_at
        ]
        found.sort(key=lambda n: (n.next_attempt_at, n.id))
        return [_id(n) for n in found][:limit]

    def release_held(self, agent_id: int, now: datetime) -> list[int]:
        found = [
            n
            for n in self._sorted()
            if n.agent_id == agent_id
            and n.state == NotificationState.PENDING
            and n.next_attempt_at is not None
            and n.next_attempt_at > now
            and n.held_until == n.next_attempt_at
        ]
        for n in found:
            n.next_attempt_at = n.held_until = now
        return [_id(n) for n in found]

    def pending_since(self, before: datetime, limit: int) -> list[int]:
        found = [
            n.id
            for n in self._sorted()
            if n.state == NotificationState.PENDING and (n.next_attempt_at or n.created_at) < before
        ]
        return found[:limit]

    def stale_sending(self, before: datetime, limit: int) -> list[Notification]:
        found = [
            n
            for n in self._sorted()
            if n.state == NotificationState.SENDING and n.claimed_at is not None and n.claimed_at < before
        ]
        return found[:limit]

    def in_states(self, states: Sequence[NotificationState], limit: int = 500) -> list[Notification]:
        return [n for n in self._sorted() if n.state in states][:limit]

    def recent_for_agent(self, agent_id: int, limit: int) -> list[Notification]:
        newest = sorted(self._sorted(), key=lambda n: (n.created_at, n.id or 0), reverse=True)
        return [n for n in newest if n.agent_id == agent_id][:limit]

    def _sorted(self) -> list[Notification]:
        return sorted(self.rows.notifications.values(), key=_id)


class DeliveryIds:
    def __init__(self, rows: Tables) -> None:
        self.rows = rows

    def response_for(self, integration: str, delivery_id: str) -> int | None:
        found = self.rows.deliveries.get((integration, delivery_id))
        return found[0] if found else None

    def remember(self, integration: str, delivery_id: str, response_id: int, now: datetime) -> bool:
        if (integration, delivery_id) in self.rows.deliveries:
            return False
        self.rows.deliveries[(integration, delivery_id)] = (response_id, now)
        return True

    def forget_before(self, cutoff: datetime, limit: int) -> int:
        old = [key for key, (_, at) in self.rows.deliveries.items() if at < cutoff][:limit]
        for key in old:
            del self.rows.deliveries[key]
        return len(old)


class Quarantine:
    def __init__(self, rows: Tables, ids: itertools.count[int]) -> None:
        self.rows, self.ids = rows, ids

    def add(self, *, task: str, payload: str, error: str, attempts: int, now: datetime) -> None:
        row_id = next(self.ids)
        self.rows.quarantine[row_id] = QuarantinedTask(row_id, task, payload, error, attempts, now, None)

    def held(self, limit: int = 500) -> list[QuarantinedTask]:
        return [t for _, t in sorted(self.rows.quarantine.items()) if t.retried_at is None][:limit]

    def mark_retried(self, quarantine_id: int, now: datetime) -> None:
        row = self.rows.quarantine[quarantine_id]
        self.rows.quarantine[quarantine_id] = QuarantinedTask(**{**row.__dict__, "retried_at": now})


class Escalations:
    def __init__(self, rows: Tables) -> None:
        self.rows = rows

    def claim(self, case_id: int, step: str, now: datetime) -> bool:
        if (case_id, step) in self.rows.escalations:
            return False
        self.rows.escalations.add((case_id, step))
        return True


class Untagged:
    """The tag repository's part the reconciler reads."""

    def __init__(self, rows: Tables) -> None:
        self.rows = rows

    def untagged_since(self, before: datetime, limit: int) -> list[int]:
        found = [
            r
            for r in self.rows.responses.values()
            if r.theme_state is None and r.comment is not None and r.status == ResponseStatus.PROCESSED
        ]
        return [r.id for r in sorted(found, key=lambda r: r.received_at) if r.received_at < before and r.id][:limit]


class Audit:
    """The audit trail: kept in the transaction's copy like every row, so a rollback drops what it recorded."""

    def __init__(self, rows: Tables, ids: itertools.count[int]) -> None:
        self.rows, self.ids = rows, ids

    def add(self, change: Change, *, actor: str, at: datetime) -> None:
        entry = AuditEntry(
            next(self.ids), at, actor, change.kind.value, change.action, change.name, change.entity_id,
            change.team_id, copy.deepcopy(change.before), copy.deepcopy(change.after),
        )  # fmt: skip
        self.rows.audit.append(entry)

    def page(self, where: AuditFilter, *, before: int | None, limit: int) -> list[AuditEntry]:
        found = [e for e in reversed(self.rows.audit) if _audited(e, where) and (before is None or e.id < before)]
        return found[:limit]

    def count(self, where: AuditFilter) -> int:
        return sum(1 for e in self.rows.audit if _audited(e, where))


def _audited(entry: AuditEntry, where: AuditFilter) -> bool:
    return (
        (where.actor is None or entry.actor == where.actor)
        and (where.kind is None or entry.kind == where.kind.value)
        and (where.team_id is None or entry.team_id == where.team_id)
        and (where.since is None or entry.at >= where.since)
        and (where.until is None or entry.at < where.until)
        and (not where.team_kinds_only or entry.kind in TEAM_KINDS)
    )


class FakeUnitOfWork:
    """Each `with` block works on a copy of the committed rows; commit() makes the copy the committed rows."""

    def __init__(self, store: FakeStore, dispatcher: Dispatcher) -> None:
        self.store = store
        self._dispatcher = dispatcher
        self._messages = PendingMessages(dispatcher)

    @property
    def scope(self) -> object:
        return self.store

    def __enter__(self) -> Self:
        self._messages = PendingMessages(self._dispatcher)
        self._begin()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._forget()
        self._messages.publish()

    def emit(self, message: Message) -> None:
        self._messages.emit(message)

    def flush(self) -> None:
        """Gives new rows their ids and checks the store's uniqueness rules, as an INSERT would."""
        for response in self.responses.new:
            if self.responses.by_key(response.integration, response.external_id) is not None:
                self.rollback()
                raise Conflict(f"responses: ({response.integration}, {response.external_id}) exists")
            response.id = next(self.store.ids)
            self._rows.responses[response.id] = response
        self.responses.new.clear()
        for case in self.cases.new:
            if self.cases.open_for_customer(case.customer_key) is not None and case.status != CaseStatus.CLOSED:
                self.rollback()
                raise Conflict(f"cases: an open case for {case.customer_key} exists")
            case.id = next(self.store.ids)
            self._rows.cases[case.id] = case
        self.cases.new.clear()
        for notification in self.notifications.added:
            if notification.id is not None:
                continue
            key = (notification.case_id, notification.agent_id, notification.channel, notification.kind)
            if any((n.case_id, n.agent_id, n.channel, n.kind) == key for n in self._rows.notifications.values()):
                self.rollback()
                raise Conflict(f"notifications: {key} exists")
            notification.id = next(self.store.ids)
            self._rows.notifications[notification.id] = notification

    def commit(self) -> None:
        self.flush()
        self.store.committed = copy.deepcopy(self._rows)
        self._messages.committed(n.id for n in self.notifications.added)
        self._forget()

    def rollback(self) -> None:
        self._forget()
        self._begin()

    def _begin(self) -> None:
        self._rows = copy.deepcopy(self.store.committed)
        self.responses = Responses(self._rows, self.store.ids)
        self.cases = Cases(self._rows)
        self.notifications = Notifications(self._rows)
        self.delivery_ids = DeliveryIds(self._rows)
        self.quarantine = Quarantine(self._rows, self.store.ids)
        self.escalations = Escalations(self._rows)
        self.tags = Untagged(self._rows)
        self.audit = Audit(self._rows, self.store.ids)

    def _forget(self) -> None:
        self._messages.forget()
        self.notifications.added.clear()


def _id(row: Any) -> int:
    return int(row.id or 0)


@dataclass
class FakeWorld:
    """What a service test needs in place of a runtime: units of work on one store, their queue, a clock."""

    store: FakeStore = field(default_factory=FakeStore)
    dispatcher: FakeDispatcher = field(default_factory=FakeDispatcher)
    now: datetime = datetime(2026, 12, 2, 9, tzinfo=UTC)

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store, self.dispatcher)

    def clock(self) -> datetime:
        return self.now
