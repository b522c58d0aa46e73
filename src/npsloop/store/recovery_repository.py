"""Recovery requests and opt-outs: the once-per-closure row, the claim before sending, the quiet period and the
opt-out that holds even after the customer's data is erased."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from npsloop.domain.recovery import RecoveryRequest, RecoveryState, Skip
from npsloop.store import tables
from npsloop.store.database import rows_changed

OPT_OUT_DIGEST = "sha256:"
_INSERT: dict[str, Callable[[sa.Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def opt_out_digest(customer_key: str) -> str:
    """What an erased customer's opt-out is kept as: the customer is not named, and is still recognised."""
    return OPT_OUT_DIGEST + hashlib.sha256(customer_key.encode()).hexdigest()


class RecoveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, request: RecoveryRequest) -> None:
        self.session.add(request)

    def get(self, request_id: int, *, lock: bool = False) -> RecoveryRequest | None:
        if lock:
            query = sa.select(RecoveryRequest).where(tables.recovery_requests.c.id == request_id).with_for_update()
            return self.session.scalars(query).one_or_none()
        return self.session.get(RecoveryRequest, request_id)

    def for_closure(self, case_id: int, closed_at: datetime) -> RecoveryRequest | None:
        c = tables.recovery_requests.c
        query = sa.select(RecoveryRequest).where(c.case_id == case_id, c.closed_at == closed_at)
        return self.session.scalars(query).one_or_none()

    def for_case(self, case_id: int) -> list[RecoveryRequest]:
        c = tables.recovery_requests.c
        return list(self.session.scalars(sa.select(RecoveryRequest).where(c.case_id == case_id).order_by(c.id)))

    def contacted_since(self, customer_key: str, since: datetime, *, other_than: int) -> bool:
        """Whether another request reached this customer since `since`, or is planned to (the quiet period)."""
        c = tables.recovery_requests.c
        planned = sa.and_(c.state == RecoveryState.SCHEDULED, c.due_at.is_not(None))
        query = sa.select(c.id).where(
            c.customer_key == customer_key, c.id != other_than, sa.or_(planned, c.sent_at >= since)
        )
        return self.session.execute(query.limit(1)).first() is not None

    def unplanned(self, limit: int) -> list[int]:
        c = tables.recovery_requests.c
        query = sa.select(c.id).where(c.state == RecoveryState.SCHEDULED, c.due_at.is_(None)).order_by(c.id)
        return list(self.session.scalars(query.limit(limit)))

    def due(self, now: datetime, lease: timedelta, limit: int) -> list[int]:
        c = tables.recovery_requests.c
        query = (
            sa.select(c.id)
            .where(c.state == RecoveryState.SCHEDULED, c.due_at <= now)
            .where(sa.or_(c.claimed_at.is_(None), c.claimed_at < now - lease))
            .order_by(c.due_at, c.id)
        )
        return list(self.session.scalars(query.limit(limit)))

    def claim(self, request_id: int, *, now: datetime, lease: timedelta) -> bool:
        """The at-most-once gate: of two senders, only the one whose update changes the row sends."""
        c = tables.recovery_requests.c
        result = self.session.execute(
            sa.update(tables.recovery_requests)
            .where(c.id == request_id, c.state == RecoveryState.SCHEDULED, c.due_at <= now)
            .where(sa.or_(c.claimed_at.is_(None), c.claimed_at < now - lease))
            .values(claimed_at=now, attempts=c.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return rows_changed(result) == 1

    def expire(self, now: datetime) -> int:
        c = tables.recovery_requests.c
        result = self.session.execute(
            sa.update(tables.recovery_requests)
            .where(c.state == RecoveryState.SENT, c.expires_at <= now)
            .values(state=RecoveryState.EXPIRED)
            .execution_options(synchronize_session=False)
        )
        return rows_changed(result)

    def opted_out(self, customer_key: str) -> bool:
        c = tables.recovery_opt_outs.c
        keys = (customer_key, opt_out_digest(customer_key))
        return self.session.execute(sa.select(c.customer_key).where(c.customer_key.in_(keys))).first() is not None

    def opt_out(self, customer_key: str, *, now: datetime, via: str) -> bool:
        """Records the opt-out unless it is there already (the first one's date stays); True when recorded now."""
        if self.opted_out(customer_key):
            return False
        # Two clicks at once: the second finds the first's row and records nothing (no unique violation, no 500).
        insert = _INSERT[self.session.get_bind().dialect.name](tables.recovery_opt_outs)
        added = self.session.execute(
            insert.values(customer_key=customer_key, opted_out_at=now, via=via).on_conflict_do_nothing(
                index_elements=["customer_key"]
            )
        )
        if rows_changed(added) != 1:
            return False
        c = tables.recovery_requests.c
        self.session.execute(
            sa.update(tables.recovery_requests)
            .where(c.customer_key == customer_key, c.state == RecoveryState.SCHEDULED)
            .values(state=RecoveryState.SKIPPED, reason=Skip.OPTED_OUT)
            .execution_options(synchronize_session=False)
        )
        return True

    def erase(self, new_keys: Mapping[int, str], old_keys: Mapping[int, str], now: datetime) -> None:
        """The customer's cases (by id) were erased: their requests follow the case's pseudonym and lose the
        comment; what was still to be sent is not sent; an opt-out is kept as a digest of the old key."""
        c = tables.recovery_requests.c
        for case_id, key in new_keys.items():
            self.session.execute(
                sa.update(tables.recovery_requests)
                .where(c.case_id == case_id)
                .values(customer_key=key, comment=None, erased_at=sa.func.coalesce(c.erased_at, now))
                .execution_options(synchronize_session=False)
            )
            self.session.execute(
                sa.update(tables.recovery_requests)
                .where(c.case_id == case_id, c.state == RecoveryState.SCHEDULED)
                .values(state=RecoveryState.SKIPPED, reason=Skip.ERASED)
                .execution_options(synchronize_session=False)
            )
        o = tables.recovery_opt_outs.c
        for key in set(old_keys.values()):
            if key.startswith(OPT_OUT_DIGEST):
                continue
            digest = opt_out_digest(key)
            if self.session.execute(sa.select(o.customer_key).where(o.customer_key == digest)).first():
                self.session.execute(sa.delete(tables.recovery_opt_outs).where(o.customer_key == key))
            else:
                self.session.execute(
                    sa.update(tables.recovery_opt_outs).where(o.customer_key == key).values(customer_key=digest)
                )
