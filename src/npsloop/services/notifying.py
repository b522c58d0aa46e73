"""Sending notifications: claim them (pending -> sending) in their own committed transaction, call the
providers, record the results. A crash between claim and record is the only window in which a message can
be sent twice; the reconciler reopens such rows after a delay and the timeline marks the resend. New cases'
alerts go together (one claim for all, one record a case, so the window holds one case's alerts at most); a retry
or a fail-over goes alone."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from itertools import groupby

from npsloop.domain.cases import SYSTEM_ACTOR, Case, CaseEvent, EventKind
from npsloop.domain.directory import Agent, Team
from npsloop.domain.notifications import AlertEvent, Channel, Notification, NotificationState, RetryPolicy
from npsloop.domain.responses import Response
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.theme_tags import negative_themes
from npsloop.logs import add_to_context
from npsloop.metrics import ALERT_LATENCY, NOTIFICATIONS
from npsloop.notify.base import (
    OutboundMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
    Transport,
)
from npsloop.notify.render import Renderer
from npsloop.redaction import redact
from npsloop.services.digests import digest_themes, fold_if_over_cap
from npsloop.services.failover import about, record_failure_and_fail_over
from npsloop.services.messages import compose
from npsloop.services.off_hours import TeamCalendars, hold_outside_hours, withdraw_if_stale
from npsloop.services.ports import utcnow
from npsloop.services.unit_of_work import StoreUnavailable, UnitOfWork

log = logging.getLogger(__name__)


class SendStatus(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # not pending or not due: someone else has it, or it is done
    RETRY = "retry"
    FAILED = "failed"
    DEAD = "dead"
    FOLDED = "folded"  # over the SMS cap: the next digest carries it
    HELD = "held"  # outside the agent's working hours: the reconciler sends it when their next period begins


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    retry_in: float | None = None
    detail: str | None = None


class NotificationNotFound(LookupError):
    pass


ALERT_THEMES = 3
RECORD_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


@dataclass(frozen=True)
class Sending:
    """How this process sends alerts: its channels, its words, its retry policy and the rules of its settings."""

    transports: Mapping[Channel, Transport]
    renderer: Renderer
    policy: RetryPolicy
    public_url: str
    sms_cap: int | None = None
    link: Callable[[int, int, str], str] | None = None
    call_hours: str = "09:00-21:00"
    pause: Callable[[float], None] = time.sleep
    # Read again after each provider call: a batch's last alert may be answered seconds after its claim (a slow
    # provider before it), and a retry's backoff counts from its failure, not from the claim.
    clock: Callable[[], datetime] = utcnow


@dataclass(frozen=True)
class _Claimed:
    """An alert this caller owns (pending -> sending is committed) and the message it sends."""

    notification: Notification
    agent: Agent
    message: OutboundMessage
    first_received: datetime | None
    carried: tuple[Notification, ...]  # a digest's folded alerts, read with the claim for the record too


def send_notifications(*, uow: UnitOfWork, sending: Sending, notification_ids: Sequence[int]) -> list[SendResult]:
    """Alerts, usually new cases' (their agents, each on their channels), in one claim transaction whatever their
    number, and one record transaction a case: each case, its responses and its team are read once, not once an alert.
    Each alert keeps its own outcome (a provider's failure is recorded and failed over alert by alert); an
    unexpected error while calling one provider does not stop the others, and is raised once they are recorded.
    The results come in the order of `notification_ids`."""
    results: dict[int, SendResult] = {}
    claimed = _claim(uow, sending, notification_ids, sending.clock(), results)
    unexpected: Exception | None = None
    for _, of_case in groupby(sorted(claimed, key=_case_of), _case_of):
        error = _send_case(uow, sending, list(of_case), results)
        unexpected = unexpected or error
    if unexpected is not None:
        raise unexpected
    return [results[notification_id] for notification_id in notification_ids]


def _case_of(item: _Claimed) -> int:
    return item.notification.case_id


def _send_case(
    uow: UnitOfWork, sending: Sending, claimed: list[_Claimed], results: dict[int, SendResult]
) -> Exception | None:
    """One case's alerts, recorded together as soon as their providers have answered: a worker killed mid-batch
    can resend only the alerts of the case it was on, not every alert the batch had sent before it. Returns an
    unexpected error, for the caller to raise once every case is recorded."""
    delivered: list[tuple[_Claimed, str]] = []
    unexpected: Exception | None = None
    for item in claimed:
        notification_id = _id(item.notification)
        try:
            receipt = sending.transports[item.notification.channel].send(item.message)
        except TransientDeliveryError as error:
            outcome = _record_transient(uow, notification_id, sending.policy, sending.clock(), error)
            _count(item.notification.channel, results, notification_id, outcome)
        except PermanentDeliveryError as error:
            outcome = _record_failure(uow, notification_id, NotificationState.FAILED, sending.clock(), str(error))
            _count(item.notification.channel, results, notification_id, outcome)
        except Exception as error:  # the row stays `sending`: the reconciler resends it, marked as a resend
            unexpected = unexpected or error
        else:
            delivered.append((item, receipt.provider_id))
    _record_sent(uow, delivered, sending.clock(), sending.pause)
    for item, provider_id in delivered:
        _observe_sent(item)
        sent = SendResult(SendStatus.SENT, detail=provider_id)
        _count(item.notification.channel, results, _id(item.notification), sent)
    return unexpected


def _id(notification: Notification) -> int:
    assert notification.id is not None
    return notification.id


def _claim(
    uow: UnitOfWork, sending: Sending, notification_ids: Sequence[int], now: datetime, results: dict[int, SendResult]
) -> list[_Claimed]:
    """Claims what is due and composes its messages in one transaction: one commit before the providers are called.
    What is not claimed gets its result here (held for the agent's working hours, folded, skipped, or told when to
    come back)."""
    claimed: list[_Claimed] = []
    with uow:
        rows = [_load(uow, notification_id) for notification_id in notification_ids]
        about_case = _CaseReader(uow)
        calendars = TeamCalendars(uow, now)
        for row in rows:
            notification_id = _id(row)
            agent_of, team_of_case = partial(about_case.agent, row.agent_id), partial(about_case.team, row.case_id)
            if withdraw_if_stale(uow, row, agent_of, partial(about_case.only_case, row.case_id), now):
                _count(row.channel, results, notification_id, SendResult(SendStatus.SKIPPED))
                continue
            if hold_outside_hours(uow, row, agent_of, team_of_case, calendars, now):
                _count(row.channel, results, notification_id, SendResult(SendStatus.HELD))
                continue
            if sending.sms_cap is not None and fold_if_over_cap(uow, row, now=now, cap=sending.sms_cap):
                _count(row.channel, results, notification_id, SendResult(SendStatus.FOLDED))
                continue
            if not uow.notifications.claim(notification_id, now=now):
                _count(row.channel, results, notification_id, _unclaimed(row, now, sending.policy))
                continue
            agent = about_case.agent(row.agent_id)
            case, responses, team, owner = about_case.case(row.case_id)
            # Only a digest stands for other alerts.
            folded = _digest_carries(uow, row) if row.alert.event == AlertEvent.DIGEST else []
            carried = [n.case_id for n in folded]
            add_to_context(case_id=case.id, response_id=responses[0].id if responses else None)
            message = compose(
                row,
                case,
                agent,
                responses,
                sending.renderer,
                sending.public_url,
                carried=carried,
                timezone=team.timezone if team else "UTC",
                assignee=owner.name if owner else None,
                link=sending.link,
                now=now,
                call_hours=sending.call_hours,
                themes=about_case.themes(row, case, agent, carried),
            )
            first = min((r.received_at for r in responses), default=None)
            claimed.append(_Claimed(row, agent, message, first, tuple(folded)))
        uow.commit()
    return claimed


def _digest_carries(uow: UnitOfWork, digest: Notification) -> list[Notification]:
    """The folded alerts point at the digest SMS; the same digest failed over to another channel (email, or the
    agent's next channel) carries them too."""
    sms = (
        digest
        if digest.channel == Channel.SMS
        else uow.notifications.find(digest.case_id, digest.agent_id, Channel.SMS, digest.kind)
    )
    return uow.notifications.carried_by(sms.id) if sms is not None and sms.id is not None else []


def _load(uow: UnitOfWork, notification_id: int) -> Notification:
    row = uow.notifications.get(notification_id)
    if row is None:
        raise NotificationNotFound(f"notification {notification_id} does not exist")
    return row


def _unclaimed(row: Notification, now: datetime, policy: RetryPolicy) -> SendResult:
    if row.state == NotificationState.PENDING and row.next_attempt_at and row.next_attempt_at > now:
        wait = (row.next_attempt_at - now).total_seconds()
        if wait <= policy.cap_seconds:
            # A timer that fired a little early: come back when the attempt is due, not never.
            return SendResult(SendStatus.RETRY, retry_in=wait + 0.05)
        # Held for hours (until a team opens): no long countdown on the broker; the reconciler enqueues it once
        # it is due.
    return SendResult(SendStatus.SKIPPED)


class _CaseReader:
    """What the alerts of one claim need, read once however many alerts share a case or an agent."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._agents: dict[int, Agent] = {}
        self._cases: dict[int, tuple[Case, list[Response], Team | None, Agent | None]] = {}
        self._themes: dict[tuple[int, str], tuple[str, ...]] = {}

    def agent(self, agent_id: int) -> Agent:
        """Foreign keys guarantee the agent."""
        if agent_id not in self._agents:
            agent = self._uow.directory.agent(agent_id)
            assert agent is not None
            self._agents[agent_id] = agent
        return self._agents[agent_id]

    def team(self, case_id: int) -> Team | None:
        return self.case(case_id)[2]

    def only_case(self, case_id: int) -> Case:
        return self.case(case_id)[0]

    def case(self, case_id: int) -> tuple[Case, list[Response], Team | None, Agent | None]:
        if case_id not in self._cases:
            uow = self._uow
            case = uow.cases.get(case_id, with_events=False)
            assert case is not None
            team = uow.directory.team(case.team_id) if case.team_id is not None else None
            owner = self.agent(case.assignee_id) if case.assignee_id is not None else None
            self._cases[case_id] = (case, uow.responses.for_case(case_id), team, owner)
        return self._cases[case_id]

    def themes(self, notification: Notification, case: Case, agent: Agent, carried: list[int]) -> tuple[str, ...]:
        """Every alert says why the customer is unhappy (the two-segment SMS budget drops themes before anything
        else); a digest, what the cases it carries complain of together."""
        if notification.alert.event == AlertEvent.DIGEST:
            per_case = [self._case_themes(case_id, agent.language) for case_id in carried]
            return digest_themes(per_case, ALERT_THEMES)
        return self._case_themes(case.id, agent.language) if case.id is not None else ()

    def _case_themes(self, case_id: int, language: str) -> tuple[str, ...]:
        key = (case_id, language)
        if key not in self._themes:
            self._themes[key] = theme_names(self._uow, case_id, language)
        return self._themes[key]


def _count(channel: Channel, results: dict[int, SendResult], notification_id: int, result: SendResult) -> None:
    NOTIFICATIONS.labels(channel, result.status.value).inc()
    results[notification_id] = result


def _observe_sent(item: _Claimed) -> None:
    notification = item.notification
    if notification.alert.event == AlertEvent.CASE_OPENED and item.first_received is not None:
        # Wall clock, not the injected one: this is how long the real detractor waited for the alert.
        waited = time.time() - item.first_received.timestamp()
        ALERT_LATENCY.labels(notification.channel).observe(max(0.0, waited))
    log.info(
        "notification sent",
        extra={
            "notification_id": notification.id,
            "case_id": notification.case_id,
            "channel": notification.channel,
            "to": redact(item.message.to),
        },
    )


def _record_sent(
    uow: UnitOfWork,
    delivered: Sequence[tuple[_Claimed, str]],
    now: datetime,
    pause: Callable[[float], None],
) -> None:
    """The providers have the messages: losing that fact would make the reconciler send them again, so the
    record is retried here through a short database outage instead of handing the task back to the queue.
    One transaction for all of them: each row's new state and the timeline's entry."""
    if not delivered:
        return
    for delay in (*RECORD_RETRY_DELAYS, None):
        try:
            with uow:
                for item, provider_id in delivered:
                    notification, agent = item.notification, item.agent
                    uow.notifications.mark_sent(_id(notification), provider_id=provider_id, now=now)
                    uow.cases.append_event(notification.case_id, _notified(notification, agent, now))
                    for folded in item.carried:
                        if folded.case_id != notification.case_id:
                            event = _notified(folded, agent, now, digest=notification.id)
                            uow.cases.append_event(folded.case_id, event)
                uow.commit()
                return
        except StoreUnavailable:
            if delay is None:
                log.critical(
                    "sent but could not record it; the reconciler may send it again",
                    extra={
                        "notification_ids": [item.notification.id for item, _ in delivered],
                        "provider_ids": [provider_id for _, provider_id in delivered],
                    },
                )
                raise
            pause(delay)


def _notified(notification: Notification, agent: Agent, now: datetime, digest: int | None = None) -> CaseEvent:
    data = about(notification, agent) if digest is None else {**about(notification, agent), "digest": digest}
    return CaseEvent(kind=EventKind.NOTIFIED, actor=SYSTEM_ACTOR, at=now, data=data)


def _record_transient(
    uow: UnitOfWork, notification_id: int, policy: RetryPolicy, now: datetime, error: TransientDeliveryError
) -> SendResult:
    with uow:
        notification = uow.notifications.get(notification_id)
        assert notification is not None
        if policy.exhausted(notification.attempts):
            uow.rollback()
            return _record_failure(uow, notification_id, NotificationState.DEAD, now, f"gave up: {error}")
        delay = policy.delay(notification.attempts, retry_after=error.retry_after)
        notification.state = NotificationState.PENDING
        notification.next_attempt_at = now + timedelta(seconds=delay)
        notification.last_error = str(error)
        uow.commit()
    log.warning(
        "notification will be retried",
        extra={"notification_id": notification_id, "retry_in": round(delay, 1), "error": str(error)},
    )
    return SendResult(SendStatus.RETRY, retry_in=delay, detail=str(error))


def _record_failure(
    uow: UnitOfWork, notification_id: int, state: NotificationState, now: datetime, reason: str
) -> SendResult:
    """Records why, and fails over: the agent's other channel must carry the alert."""
    with uow:
        notification, case, agent = load_notification(uow, notification_id)
        notification.state = state
        notification.last_error = reason
        record_failure_and_fail_over(uow, notification, case, agent, now, reason)
        uow.commit()
    log.error("notification failed", extra={"notification_id": notification_id, "state": state, "error": reason})
    return SendResult(SendStatus(state), detail=reason)


def theme_names(uow: UnitOfWork, case_id: int, language: str) -> tuple[str, ...]:
    """What the customer complains about, named in the agent's language by the taxonomy in force (a theme it no
    longer holds keeps its key), most confident first and at most ALERT_THEMES: an alert names the main reasons,
    the case page lists them all."""
    keys = negative_themes(uow.tags.of_case(case_id))[:ALERT_THEMES]
    if not keys:
        return ()
    names = {theme.key: theme.name for theme in uow.themes.stored() or DEFAULT_TAXONOMY.themes}
    return tuple(names[key].in_language(language) if key in names else key for key in keys)


def load_notification(uow: UnitOfWork, notification_id: int) -> tuple[Notification, Case, Agent]:
    """The case and agent are guaranteed by foreign keys; only the notification itself can be gone."""
    notification = uow.notifications.get(notification_id)
    if notification is None:
        raise NotificationNotFound(f"notification {notification_id} does not exist")
    case = uow.cases.get(notification.case_id)
    agent = uow.directory.agent(notification.agent_id)
    assert case is not None and agent is not None
    return notification, case, agent
