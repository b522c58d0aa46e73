"""Alerts: the at-most-once claim, the hourly SMS cap's count, folding into digests, and the rows the
reconciler and delivery reports look for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.cases import CaseStatus
from npsloop.domain.notifications import Channel, Notification, NotificationState
from npsloop.store import tables
from npsloop.store.database import rows_changed

PHONE_CHANNELS = (Channel.SMS, Channel.WHATSAPP)  # what an agent replies from, and what reports delivery late


_c = tables.notifications.c
# The two statements every alert runs, built once: their compiled form is cached and each call passes its values.
_CLAIM = (
    sa.update(tables.notifications)
    .where(_c.id == sa.bindparam("notification_id"), _c.state == NotificationState.PENDING)
    .where(sa.or_(_c.next_attempt_at.is_(None), _c.next_attempt_at <= sa.bindparam("now")))
    .values(state=NotificationState.SENDING, claimed_at=sa.bindparam("now"), attempts=_c.attempts + 1)
    .execution_options(synchronize_session=False)
)
_MARK_SENT = (
    sa.update(tables.notifications)
    .where(_c.id == sa.bindparam("notification_id"))
    .values(
        state=NotificationState.SENT,
        sent_at=sa.bindparam("now"),
        provider_id=sa.bindparam("provider"),
        last_error=None,
    )
    .execution_options(synchronize_session=False)
)


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.added: list[Notification] = []  # the unit of work publishes these after its commit

    def add(self, notification: Notification) -> None:
        self.session.add(notification)
        self.added.append(notification)

    def get(self, notification_id: int) -> Notification | None:
        return self.session.get(Notification, notification_id)

    def for_case(self, case_id: int) -> list[Notification]:
        c = tables.notifications.c
        return list(self.session.scalars(sa.select(Notification).where(c.case_id == case_id).order_by(c.id)))

    def find(self, case_id: int, agent_id: int, channel: Channel, kind: str) -> Notification | None:
        c = tables.notifications.c
        stmt = sa.select(Notification).where(
            c.case_id == case_id, c.agent_id == agent_id, c.channel == channel, c.kind == kind
        )
        return self.session.scalars(stmt).one_or_none()

    def pending_for_case(self, case_id: int) -> list[int]:
        c = tables.notifications.c
        stmt = sa.select(c.id).where(c.case_id == case_id, c.state == NotificationState.PENDING)
        return list(self.session.scalars(stmt.order_by(c.id)))

    def mark_sent(self, notification_id: int, *, provider_id: str, now: datetime) -> None:
        self.session.execute(_MARK_SENT, {"notification_id": notification_id, "now": now, "provider": provider_id})

    def claim(self, notification_id: int, *, now: datetime) -> bool:
        """The at-most-once gate: only one caller can move a row from pending to sending."""
        result = self.session.execute(_CLAIM, {"notification_id": notification_id, "now": now})
        return rows_changed(result) == 1

    def hold(self, notification_id: int, *, until: datetime, now: datetime) -> bool:
        """Holds a due pending alert until `until` (its agent's next working period); only one caller can."""
        c = tables.notifications.c
        result = self.session.execute(
            sa.update(tables.notifications)
            .where(c.id == notification_id, c.state == NotificationState.PENDING)
            .where(sa.or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
            .values(next_attempt_at=until, held_until=until)
            .execution_options(synchronize_session=False)
        )
        return rows_changed(result) == 1

    def held_due(self, now: datetime, limit: int) -> list[int]:
        """Held alerts whose agent's working period has begun (a retry since has another next_attempt_at)."""
        c = tables.notifications.c
        stmt = (
            sa.select(c.id)
            .where(c.state == NotificationState.PENDING, c.next_attempt_at <= now, c.held_until == c.next_attempt_at)
            .order_by(c.next_attempt_at, c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def release_held(self, agent_id: int, now: datetime) -> list[int]:
        """Makes an agent's held alerts due now (their hours or duty changed): the claim decides again."""
        c = tables.notifications.c
        held = sa.and_(c.agent_id == agent_id, c.state == NotificationState.PENDING, c.next_attempt_at > now)
        ids = list(self.session.scalars(sa.select(c.id).where(held, c.held_until == c.next_attempt_at).order_by(c.id)))
        if ids:
            self.session.execute(
                sa.update(tables.notifications)
                .where(c.id.in_(ids), c.state == NotificationState.PENDING)
                .values(next_attempt_at=now, held_until=now)
                .execution_options(synchronize_session=False)
            )
        return ids

    def by_provider_id(self, provider_id: str) -> Notification | None:
        c = tables.notifications.c
        return self.session.scalars(sa.select(Notification).where(c.provider_id == provider_id).limit(1)).first()

    def undelivered_since(self, before: datetime, limit: int = 500) -> list[Notification]:
        """Sent SMS and WhatsApp messages whose provider has reported progress (so reports are on) but no delivery,
        since before."""
        c = tables.notifications.c
        stmt = (
            sa.select(Notification)
            .where(c.channel.in_(PHONE_CHANNELS), c.state == NotificationState.SENT, c.sent_at < before)
            .where(c.delivery_status.in_(["accepted", "queued", "sending", "sent"]))
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def addressed_to(self, case_id: int, agent_id: int) -> bool:
        """Whether npsloop alerted this agent about this case (an escalation may reach beyond the team)."""
        n = tables.notifications.c
        stmt = sa.select(n.id).where(n.case_id == case_id, n.agent_id == agent_id).limit(1)
        return self.session.scalar(stmt) is not None

    def last_alerted_open_case(self, agent_id: int) -> int | None:
        """The live case this agent was most recently texted about (SMS or WhatsApp): what a bare "OK" refers to."""
        n, c = tables.notifications.c, tables.cases.c
        stmt = (
            sa.select(n.case_id)
            .join(tables.cases, c.id == n.case_id)
            .where(n.agent_id == agent_id, n.channel.in_(PHONE_CHANNELS), n.state == NotificationState.SENT)
            .where(c.status != CaseStatus.CLOSED)
            .order_by(n.sent_at.desc(), n.id.desc())
            .limit(1)
        )
        return self.session.scalar(stmt)

    def sms_in_window(self, agent_id: int, since: datetime) -> int:
        """SMS an agent was sent (or is being sent) since `since`, and a digest waiting to go: what the hourly
        cap counts."""
        c = tables.notifications.c
        spent = sa.and_(c.state.in_([NotificationState.SENT, NotificationState.SENDING]), c.claimed_at >= since)
        queued_digest = sa.and_(c.state == NotificationState.PENDING, c.kind == "digest")
        stmt = sa.select(sa.func.count()).where(
            c.agent_id == agent_id, c.channel == Channel.SMS, sa.or_(spent, queued_digest)
        )
        return int(self.session.scalar(stmt) or 0)

    def lock_agent(self, agent_id: int) -> None:
        """Serializes cap decisions for one agent across workers (a no-op on SQLite, which locks the file)."""
        self.session.execute(sa.select(tables.agents.c.id).where(tables.agents.c.id == agent_id).with_for_update())

    def fold(self, notification_id: int) -> bool:
        c = tables.notifications.c
        result = self.session.execute(
            sa.update(tables.notifications)
            .where(c.id == notification_id, c.state == NotificationState.PENDING)
            .values(state=NotificationState.FOLDED)
            .execution_options(synchronize_session=False)
        )
        return rows_changed(result) == 1

    def undigested(self) -> dict[int, list[Notification]]:
        """Folded alerts not yet carried by a digest, by agent."""
        c = tables.notifications.c
        stmt = (
            sa.select(Notification)
            .where(c.state == NotificationState.FOLDED, c.digest_id.is_(None))
            .order_by(c.agent_id, c.case_id)
        )
        grouped: dict[int, list[Notification]] = {}
        for notification in self.session.scalars(stmt):
            grouped.setdefault(notification.agent_id, []).append(notification)
        return grouped

    def carried_by(self, digest_id: int) -> list[Notification]:
        c = tables.notifications.c
        return list(self.session.scalars(sa.select(Notification).where(c.digest_id == digest_id).order_by(c.case_id)))

    def pending_since(self, before: datetime, limit: int) -> list[int]:
        """Pending rows whose attempt was due before `before`: their task should have run by now."""
        c = tables.notifications.c
        stmt = (
            sa.select(c.id)
            .where(c.state == NotificationState.PENDING)
            .where(sa.func.coalesce(c.next_attempt_at, c.created_at) < before)
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def stale_sending(self, before: datetime, limit: int) -> list[Notification]:
        c = tables.notifications.c
        stmt = (
            sa.select(Notification)
            .where(c.state == NotificationState.SENDING, c.claimed_at < before)
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def in_states(self, states: Sequence[NotificationState], limit: int = 500) -> list[Notification]:
        c = tables.notifications.c
        stmt = sa.select(Notification).where(c.state.in_(states)).order_by(c.id).limit(limit)
        return list(self.session.scalars(stmt))

    def recent_for_agent(self, agent_id: int, limit: int) -> list[Notification]:
        """The agent's latest alerts, newest first (an agent's page lists them with their outcome)."""
        c = tables.notifications.c
        newest = (c.created_at.desc(), c.id.desc())
        stmt = sa.select(Notification).where(c.agent_id == agent_id).order_by(*newest).limit(limit)
        return list(self.session.scalars(stmt))
