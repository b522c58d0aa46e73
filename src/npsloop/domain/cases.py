"""The follow-up of one detractor, as a state machine whose every move is an event in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from npsloop.domain.closure import Closure, ClosureRules, InvalidClosure
from npsloop.domain.errors import InvalidTransition, OutcomeRequired
from npsloop.domain.rules import Priority


class CaseStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CONTACTED = "contacted"
    CLOSED = "closed"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    NOT_RESOLVED = "not_resolved"
    UNREACHABLE = "unreachable"


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    CONTACT = "contact"
    CLOSE = "close"
    REOPEN = "reopen"


# Contacting the customer implies the case was seen, so it may skip the acknowledgement step; a case may be
# closed from any live state (a supervisor closing an abusive response), and only a closed case reopens.
TRANSITIONS: dict[tuple[CaseStatus, Action], CaseStatus] = {
    (CaseStatus.OPEN, Action.ACKNOWLEDGE): CaseStatus.ACKNOWLEDGED,
    (CaseStatus.OPEN, Action.CONTACT): CaseStatus.CONTACTED,
    (CaseStatus.OPEN, Action.CLOSE): CaseStatus.CLOSED,
    (CaseStatus.ACKNOWLEDGED, Action.CONTACT): CaseStatus.CONTACTED,
    (CaseStatus.ACKNOWLEDGED, Action.CLOSE): CaseStatus.CLOSED,
    (CaseStatus.CONTACTED, Action.CLOSE): CaseStatus.CLOSED,
    (CaseStatus.CLOSED, Action.REOPEN): CaseStatus.OPEN,
}

PAST_TENSE = {
    Action.ACKNOWLEDGE: "acknowledged",
    Action.CONTACT: "contacted",
    Action.CLOSE: "closed",
    Action.REOPEN: "reopened",
}


class EventKind(StrEnum):
    OPENED = "opened"
    RESPONSE_JOINED = "response_joined"
    RESPONSE_UPDATED = "response_updated"
    ACKNOWLEDGED = "acknowledged"
    CONTACTED = "contacted"
    CLOSED = "closed"
    REOPENED = "reopened"
    UNROUTED = "unrouted"
    AFTER_HOURS = "after_hours"
    ASSIGNED = "assigned"
    DELIVERED = "delivered"
    READ = "read"  # the agent opened the alert (a WhatsApp read receipt)
    ESCALATED = "escalated"
    REMINDED = "reminded"
    NOTIFIED = "notified"
    NOTIFICATION_FAILED = "notification_failed"
    NOTIFICATION_RESENT = "notification_resent"
    FAILOVER = "failover"
    NOTIFICATION_REPLAYED = "notification_replayed"
    FOLDED = "folded"
    ALERT_HELD = "alert_held"  # outside the agent's working hours: the alert waits for their next working period
    RISK_CHANGED = "risk_changed"  # a late comment moved the case's risk to another band
    ERASED = "erased"  # the customer's personal data was erased: by whom and when, never what
    RECOVERY_SENT = "recovery_sent"  # the customer was asked whether the resolved problem is solved
    RECOVERY_FAILED = "recovery_failed"  # that message could not be delivered
    RECOVERY_ANSWERED = "recovery_answered"  # their answer: solved or not, a new score, a comment (the note)


SYSTEM_ACTOR = "system"


@dataclass(eq=False)
class CaseEvent:
    kind: EventKind
    actor: str
    at: datetime
    note: str | None = None
    data: dict[str, Any] | None = None


@dataclass(eq=False)
class Case:
    """One open case per customer at a time; later detractor answers from that customer join it."""

    customer_key: str
    team_id: int | None
    opened_at: datetime
    touchpoint: str | None = None
    priority: Priority = Priority.NORMAL
    rule: str | None = None
    acknowledge_due_at: datetime | None = None
    contact_due_at: datetime | None = None
    close_due_at: datetime | None = None
    erased_at: datetime | None = None
    status: CaseStatus = CaseStatus.OPEN
    outcome: Outcome | None = None
    assignee_id: int | None = None
    acknowledged_at: datetime | None = None
    contacted_at: datetime | None = None
    closed_at: datetime | None = None
    action_code: str | None = None
    action_note: str | None = None
    reasons_at: datetime | None = None
    risk: float | None = None  # 0-1: that it ends badly (domain.risk), assessed when it opened
    risk_reasons: list[str] | None = None
    risk_model: str | None = None
    events: list[CaseEvent] = field(default_factory=list)
    id: int | None = None

    @classmethod
    def open(
        cls,
        *,
        customer_key: str,
        team_id: int | None,
        at: datetime,
        response_ref: str,
        touchpoint: str | None = None,
    ) -> Case:
        case = cls(customer_key=customer_key, team_id=team_id, opened_at=at, touchpoint=touchpoint)
        case.record(EventKind.OPENED, at=at, data={"response": response_ref})
        return case

    def record(
        self,
        kind: EventKind,
        *,
        at: datetime,
        actor: str = SYSTEM_ACTOR,
        note: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> CaseEvent:
        event = CaseEvent(kind=kind, actor=actor, at=at, note=note, data=data)
        self.events.append(event)
        return event

    def apply(
        self,
        action: Action,
        *,
        actor: str,
        at: datetime,
        note: str | None = None,
        outcome: Outcome | None = None,
        closure: Closure | None = None,
        rules: ClosureRules | None = None,
    ) -> CaseEvent:
        """Moves the case, or raises without changing it. Closing records the closure (the reasons and the
        action), checked against `rules` when given: every door that closes passes the same rules."""
        current = self.status
        target = TRANSITIONS.get((current, action))
        if target is None:
            raise InvalidTransition(current, PAST_TENSE[action])
        if action is Action.CLOSE and outcome is None:
            raise OutcomeRequired("closing a case needs an outcome: resolved, not_resolved or unreachable")
        if action is not Action.CLOSE and closure is not None and not closure.empty:
            raise InvalidClosure("reasons", "reasons and the action taken are given when closing a case")
        if action is Action.CLOSE:
            closure = rules.check(closure or Closure()) if rules is not None else closure or Closure()
            self.action_code, self.action_note = closure.action_code, closure.action_note
            self.reasons_at = at if closure.reasons else None
        if target in (CaseStatus.ACKNOWLEDGED, CaseStatus.CONTACTED) and self.acknowledged_at is None:
            self.acknowledged_at = at
        if target is CaseStatus.CONTACTED and self.contacted_at is None:
            self.contacted_at = at
        if target is CaseStatus.CLOSED:
            self.closed_at, self.outcome = at, outcome
        if target is CaseStatus.OPEN:
            self.closed_at, self.outcome = None, None
        self.status = target
        data: dict[str, Any] = {"from": current, "to": target}
        if outcome is not None:
            data["outcome"] = outcome
        if action is Action.CLOSE and closure is not None:
            data.update(closure.to_data())
        return self.record(EventKind(PAST_TENSE[action]), at=at, actor=actor, note=note, data=data)

    def assign(self, agent_id: int, *, actor: str, at: datetime, note: str | None = None) -> CaseEvent:
        """A supervisor hands the case to someone else; a closed case must be reopened first."""
        if self.status == CaseStatus.CLOSED:
            raise InvalidTransition(self.status, "reassigned")
        previous, self.assignee_id = self.assignee_id, agent_id
        return self.record(EventKind.ASSIGNED, at=at, actor=actor, note=note, data={"from": previous, "to": agent_id})

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return None if self.acknowledged_at is None else self.acknowledged_at - self.opened_at

    @property
    def time_to_contact(self) -> timedelta | None:
        return None if self.contacted_at is None else self.contacted_at - self.opened_at

    @property
    def time_to_close(self) -> timedelta | None:
        return None if self.closed_at is None else self.closed_at - self.opened_at

    def next_deadline(self) -> tuple[str, datetime] | None:
        """The first step still to do and when it is due: what a queue sorts and counts down by."""
        if self.status == CaseStatus.CLOSED:
            return None
        for step, done, due in (
            ("acknowledge", self.acknowledged_at, self.acknowledge_due_at),
            ("contact", self.contacted_at, self.contact_due_at),
            ("close", self.closed_at, self.close_due_at),
        ):
            if done is None:
                return (step, due) if due is not None else None
        return None

    def breached(self, now: datetime) -> list[str]:
        """The steps whose deadline has passed without them being done."""
        if self.status == CaseStatus.CLOSED:
            return []
        return [
            step
            for step, done, due in (
                ("acknowledge", self.acknowledged_at, self.acknowledge_due_at),
                ("contact", self.contacted_at, self.contact_due_at),
                ("close", self.closed_at, self.close_due_at),
            )
            if done is None and due is not None and due <= now
        ]
