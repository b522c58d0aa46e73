"""Repositories: a few intention-revealing queries each, in SQLAlchemy 2 select() style."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.orm import Session, selectinload

from npsloop.domain.cases import Case, CaseEvent, CaseStatus
from npsloop.domain.directory import Agent, Team
from npsloop.domain.errors import UnknownTeam
from npsloop.domain.notifications import Notification, NotificationState
from npsloop.domain.responses import Response, ResponseStatus
from npsloop.domain.scores import Category
from npsloop.domain.theme_tags import Polarity
from npsloop.services.records import CaseFilter, QuarantinedTask
from npsloop.store import tables
from npsloop.store.database import rows_changed
from npsloop.store.mapping import case_events

CATEGORY_SCORES = {Category.DETRACTOR: (0, 6), Category.PASSIVE: (7, 8), Category.PROMOTER: (9, 10)}


class ResponseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, response: Response) -> None:
        self.session.add(response)

    def get(self, response_id: int) -> Response | None:
        return self.session.get(Response, response_id)

    def by_key(self, integration: str, external_id: str, *, lock: bool = False) -> Response | None:
        """`lock` holds the row until the transaction ends (PostgreSQL; SQLite writers take turns anyway), so
        that two versions of one response arriving at once are compared one after the other."""
        stmt = sa.select(Response).where(
            tables.responses.c.integration == integration, tables.responses.c.external_id == external_id
        )
        return self.session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()

    def for_case(self, case_id: int) -> list[Response]:
        stmt = sa.select(Response).where(tables.responses.c.case_id == case_id).order_by(tables.responses.c.id)
        return list(self.session.scalars(stmt))

    def unprocessed_since(self, before: datetime, limit: int) -> list[int]:
        c = tables.responses.c
        stmt = (
            sa.select(c.id)
            .where(c.status == ResponseStatus.RECEIVED.value, c.received_at < before)
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def quarantined(self, limit: int = 500) -> list[Response]:
        c = tables.responses.c
        stmt = sa.select(Response).where(c.status == ResponseStatus.QUARANTINED.value).order_by(c.id).limit(limit)
        return list(self.session.scalars(stmt))

    def scores(self, integration: str | None = None) -> list[int]:
        stmt = sa.select(tables.responses.c.score)
        if integration is not None:
            stmt = stmt.where(tables.responses.c.integration == integration)
        return list(self.session.scalars(stmt))


def case_conditions(where: CaseFilter) -> list[sa.ColumnElement[bool]]:
    """A case filter as SQL: what the queue, the search and the case export select."""
    c = tables.cases.c
    conditions: list[sa.ColumnElement[bool]] = []
    if where.status:
        conditions.append(c.status == where.status)
    if where.team_id is not None:
        conditions.append(c.team_id == where.team_id)
    if where.team_ids is not None:
        conditions.append(c.team_id.in_(sorted(where.team_ids)))
    if where.agent_id is not None:
        conditions.append(c.assignee_id == where.agent_id)
    if where.touchpoint:
        conditions.append(c.touchpoint == where.touchpoint)
    if where.opened_from:
        conditions.append(c.opened_at >= where.opened_from)
    if where.opened_to:
        conditions.append(c.opened_at < where.opened_to)
    if where.category:
        low, high = CATEGORY_SCORES[where.category]
        r = tables.responses.c
        conditions.append(sa.exists().where(r.case_id == c.id, r.score >= low, r.score <= high))
    if where.theme:
        r, t = tables.responses.c, tables.response_themes.c
        conditions.append(
            sa.exists().where(
                r.case_id == c.id,
                t.response_id == r.id,
                t.theme == where.theme,
                t.polarity == Polarity.NEGATIVE.value,
            )
        )
    return conditions


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, case: Case) -> None:
        self.session.add(case)

    def get(self, case_id: int, *, with_events: bool = True) -> Case | None:
        """With its timeline by default; without, for readers that only need the case's own fields."""
        options = [selectinload(case_events())] if with_events else []
        return self.session.get(Case, case_id, options=options)

    def append_event(self, case_id: int, event: CaseEvent) -> None:
        """Adds to the timeline without loading it: the hot path's record of a sent alert."""
        self.session.execute(
            sa.insert(tables.case_events).values(
                case_id=case_id, kind=event.kind, actor=event.actor, at=event.at, note=event.note, data=event.data
            )
        )

    def open_for_customer(self, customer_key: str) -> Case | None:
        c = tables.cases.c
        stmt = sa.select(Case).where(c.customer_key == customer_key, c.status != CaseStatus.CLOSED.value)
        return self.session.scalars(stmt).one_or_none()

    def needing_attention(self, horizon: datetime, limit: int = 1000) -> list[Case]:
        """Live cases with a deadline before `horizon` that is not met yet."""
        c = tables.cases.c
        stmt = (
            sa.select(Case)
            .where(c.status != CaseStatus.CLOSED.value)
            .where(
                sa.or_(
                    sa.and_(c.acknowledged_at.is_(None), c.acknowledge_due_at <= horizon),
                    sa.and_(c.contacted_at.is_(None), c.contact_due_at <= horizon),
                    c.close_due_at <= horizon,
                )
            )
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def search(self, where: CaseFilter, *, limit: int, offset: int) -> tuple[list[Case], int]:
        c = tables.cases.c
        conditions = case_conditions(where)
        total = self.session.scalar(sa.select(sa.func.count()).select_from(tables.cases).where(*conditions))
        stmt = sa.select(Case).where(*conditions).order_by(c.opened_at.desc(), c.id.desc())
        return list(self.session.scalars(stmt.limit(limit).offset(offset))), int(total or 0)

    def queue(self, where: CaseFilter, *, limit: int) -> tuple[list[Case], int]:
        """Live cases, the most overdue first: ordered by the deadline of the next step still to do, the same
        step Case.next_deadline names; cases without a deadline come last, oldest first."""
        c = tables.cases.c
        conditions = [*case_conditions(where), c.status != CaseStatus.CLOSED.value]
        next_due = sa.case(
            (c.acknowledged_at.is_(None), c.acknowledge_due_at),
            (c.contacted_at.is_(None), c.contact_due_at),
            else_=c.close_due_at,
        )
        total = self.session.scalar(sa.select(sa.func.count()).select_from(tables.cases).where(*conditions))
        stmt = sa.select(Case).where(*conditions).order_by(next_due.is_(None), next_due, c.opened_at, c.id)
        return list(self.session.scalars(stmt.limit(limit))), int(total or 0)


class EscalationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, case_id: int, step: str, now: datetime) -> bool:
        """True for exactly one caller per (case, step), whatever runs concurrently."""
        try:
            with self.session.begin_nested():
                self.session.execute(sa.insert(tables.escalations).values(case_id=case_id, step=step, fired_at=now))
        except exc.IntegrityError:
            return False
        return True


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: Team | Agent) -> None:
        self.session.add(item)

    def teams(self) -> Sequence[Team]:
        return list(self.session.scalars(sa.select(Team).order_by(tables.teams.c.id)))

    def team(self, team_id: int) -> Team | None:
        return self.session.get(Team, team_id)

    def team_named(self, name: str) -> Team | None:
        return self.session.scalars(sa.select(Team).where(tables.teams.c.name == name)).one_or_none()

    def require_team(self, name: str) -> Team:
        """For the callers that name a team the user gave: one wording of the refusal everywhere."""
        team = self.team_named(name)
        if team is None:
            raise UnknownTeam(f"no team named {name!r}")
        return team

    def agents(self, team_id: int | None = None) -> list[Agent]:
        stmt = sa.select(Agent).order_by(tables.agents.c.id)
        if team_id is not None:
            stmt = stmt.where(tables.agents.c.team_id == team_id)
        return list(self.session.scalars(stmt))

    def agent(self, agent_id: int) -> Agent | None:
        return self.session.get(Agent, agent_id)

    def agent_by_phone(self, phone: str) -> Agent | None:
        """The active agent texting from this number: a deactivated agent's phone moves nothing."""
        a = tables.agents.c
        stmt = sa.select(Agent).where(a.phone == phone, a.active.is_(True)).order_by(a.id).limit(1)
        return self.session.scalars(stmt).first()

    def agent_named(self, name: str) -> Agent | None:
        return self.session.scalars(sa.select(Agent).where(tables.agents.c.name == name)).one_or_none()


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

    def find(self, case_id: int, agent_id: int, channel: str, kind: str) -> Notification | None:
        c = tables.notifications.c
        stmt = sa.select(Notification).where(
            c.case_id == case_id, c.agent_id == agent_id, c.channel == channel, c.kind == kind
        )
        return self.session.scalars(stmt).one_or_none()

    def pending_for_case(self, case_id: int) -> list[int]:
        c = tables.notifications.c
        stmt = sa.select(c.id).where(c.case_id == case_id, c.state == NotificationState.PENDING.value)
        return list(self.session.scalars(stmt.order_by(c.id)))

    def mark_sent(self, notification_id: int, *, provider_id: str, now: datetime) -> None:
        c = tables.notifications.c
        self.session.execute(
            sa.update(tables.notifications)
            .where(c.id == notification_id)
            .values(state=NotificationState.SENT.value, sent_at=now, provider_id=provider_id, last_error=None)
            .execution_options(synchronize_session=False)
        )

    def claim(self, notification_id: int, *, now: datetime) -> bool:
        """The at-most-once gate: only one caller can move a row from pending to sending."""
        c = tables.notifications.c
        result = self.session.execute(
            sa.update(tables.notifications)
            .where(c.id == notification_id, c.state == NotificationState.PENDING.value)
            .where(sa.or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
            .values(state=NotificationState.SENDING.value, claimed_at=now, attempts=c.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return rows_changed(result) == 1

    def by_provider_id(self, provider_id: str) -> Notification | None:
        c = tables.notifications.c
        return self.session.scalars(sa.select(Notification).where(c.provider_id == provider_id).limit(1)).first()

    def undelivered_since(self, before: datetime, limit: int = 500) -> list[Notification]:
        """Sent SMS whose provider has reported progress (so reports are on) but no delivery, since before."""
        c = tables.notifications.c
        stmt = (
            sa.select(Notification)
            .where(c.channel == "sms", c.state == NotificationState.SENT.value, c.sent_at < before)
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
        """The live case this agent was most recently sent an SMS about: what a bare "OK" refers to."""
        n, c = tables.notifications.c, tables.cases.c
        stmt = (
            sa.select(n.case_id)
            .join(tables.cases, c.id == n.case_id)
            .where(n.agent_id == agent_id, n.channel == "sms", n.state == NotificationState.SENT.value)
            .where(c.status != CaseStatus.CLOSED.value)
            .order_by(n.sent_at.desc(), n.id.desc())
            .limit(1)
        )
        return self.session.scalar(stmt)

    def sms_in_window(self, agent_id: int, since: datetime) -> int:
        """SMS an agent was sent (or is being sent) since `since`, and a digest waiting to go: what the hourly
        cap counts."""
        c = tables.notifications.c
        spent = sa.and_(
            c.state.in_([NotificationState.SENT.value, NotificationState.SENDING.value]), c.claimed_at >= since
        )
        queued_digest = sa.and_(c.state == NotificationState.PENDING.value, c.kind == "digest")
        stmt = sa.select(sa.func.count()).where(
            c.agent_id == agent_id, c.channel == "sms", sa.or_(spent, queued_digest)
        )
        return int(self.session.scalar(stmt) or 0)

    def lock_agent(self, agent_id: int) -> None:
        """Serializes cap decisions for one agent across workers (a no-op on SQLite, which locks the file)."""
        self.session.execute(sa.select(tables.agents.c.id).where(tables.agents.c.id == agent_id).with_for_update())

    def fold(self, notification_id: int) -> bool:
        c = tables.notifications.c
        result = self.session.execute(
            sa.update(tables.notifications)
            .where(c.id == notification_id, c.state == NotificationState.PENDING.value)
            .values(state=NotificationState.FOLDED.value)
            .execution_options(synchronize_session=False)
        )
        return rows_changed(result) == 1

    def undigested(self) -> dict[int, list[Notification]]:
        """Folded alerts not yet carried by a digest, by agent."""
        c = tables.notifications.c
        stmt = (
            sa.select(Notification)
            .where(c.state == NotificationState.FOLDED.value, c.digest_id.is_(None))
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
            .where(c.state == NotificationState.PENDING.value)
            .where(sa.func.coalesce(c.next_attempt_at, c.created_at) < before)
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def stale_sending(self, before: datetime, limit: int) -> list[Notification]:
        c = tables.notifications.c
        stmt = (
            sa.select(Notification)
            .where(c.state == NotificationState.SENDING.value, c.claimed_at < before)
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def in_states(self, states: Sequence[str], limit: int = 500) -> list[Notification]:
        c = tables.notifications.c
        stmt = sa.select(Notification).where(c.state.in_(states)).order_by(c.id).limit(limit)
        return list(self.session.scalars(stmt))


class QuarantineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, task: str, payload: str, error: str, attempts: int, now: datetime) -> None:
        self.session.execute(
            sa.insert(tables.quarantine).values(
                task=task, payload=payload[:65536], error=error[:4000], attempts=attempts, created_at=now
            )
        )

    def held(self, limit: int = 500) -> list[QuarantinedTask]:
        q = tables.quarantine.c
        stmt = sa.select(tables.quarantine).where(q.retried_at.is_(None)).order_by(q.id).limit(limit)
        return [QuarantinedTask(**row._mapping) for row in self.session.execute(stmt)]

    def mark_retried(self, quarantine_id: int, now: datetime) -> None:
        q = tables.quarantine.c
        self.session.execute(sa.update(tables.quarantine).where(q.id == quarantine_id).values(retried_at=now))
