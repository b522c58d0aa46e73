"""What failed for good, in one list an operator can read and replay: notifications that exhausted their
attempts (dead) or were refused for good (failed), responses whose processing kept failing (quarantined),
and task messages that could not be run at all (undecodable, or about a row that is gone)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from npsloop.domain.access import Permission, Principal
from npsloop.domain.audit import Change, EntityKind
from npsloop.domain.cases import EventKind
from npsloop.domain.errors import DomainError
from npsloop.domain.notifications import Notification, NotificationState
from npsloop.domain.responses import Response, ResponseStatus
from npsloop.services.audit import record
from npsloop.services.records import QuarantinedTask
from npsloop.services.unit_of_work import UnitOfWork
from npsloop.services.work_messages import Message, ProcessResponse, SendNotification

log = logging.getLogger(__name__)
REPLAYABLE_TASKS = {"npsloop.process_response", "npsloop.send_notification"}


@dataclass(frozen=True)
class DeadLetters:
    notifications: list[Notification]
    responses: list[Response]
    tasks: list[QuarantinedTask]

    @property
    def total(self) -> int:
        return len(self.notifications) + len(self.responses) + len(self.tasks)


@dataclass(frozen=True)
class Reach:
    """Which dead letters a viewer may list and retry: the notifications of cases of `teams` (None: every team),
    and, when `untied`, the responses and task messages no team owns yet (an admin's)."""

    teams: frozenset[int] | None = None
    untied: bool = True


EVERYTHING = Reach()


class UnknownDeadLetter(DomainError, LookupError):
    """No such dead letter within the caller's reach: another team's reads the same as none at all."""


def reach_of(viewer: Principal) -> Reach:
    """An admin reaches every dead letter; a supervisor the notifications of their teams' cases (every team's for
    a supervisor not bound to an agent entry, as with the routing preview); an agent none."""
    viewer.require(Permission.RETRY_DEAD_LETTERS)
    if viewer.can(Permission.MANAGE_TOKENS):
        return EVERYTHING
    return Reach(teams=viewer.team_ids or None, untied=False)


@dataclass(frozen=True)
class Replayed:
    notifications: int
    responses: int
    tasks: int


def quarantine_task(*, uow: UnitOfWork, task: str, payload: str, error: str, attempts: int, now: datetime) -> None:
    with uow:
        uow.quarantine.add(task=task, payload=payload, error=error, attempts=attempts, now=now)
        uow.commit()
    log.error("task quarantined", extra={"task": task, "error": error[:200], "attempts": attempts})


def record_processing_failure(*, uow: UnitOfWork, response_id: int, error: str, now: datetime, limit: int) -> bool:
    """Counts a failed processing attempt; at the limit the response is quarantined (the reconciler stops
    re-enqueueing it) rather than retried forever. Returns whether it was quarantined."""
    with uow:
        response = uow.responses.get(response_id)
        if response is None or response.status != ResponseStatus.RECEIVED:
            return False
        response.failures += 1
        response.last_error = error[:4000]
        quarantined = response.failures >= limit
        if quarantined:
            response.status = ResponseStatus.QUARANTINED
        uow.commit()
    if quarantined:
        log.error("response quarantined", extra={"response_id": response_id, "error": error[:200]})
    return quarantined


def list_dead_letters(*, uow: UnitOfWork, include_failed: bool = True, reach: Reach = EVERYTHING) -> DeadLetters:
    states = [NotificationState.DEAD] + ([NotificationState.FAILED] if include_failed else [])
    with uow:
        return DeadLetters(
            notifications=_reached(uow, uow.notifications.in_states(states), reach),
            responses=uow.responses.quarantined() if reach.untied else [],
            tasks=uow.quarantine.held() if reach.untied else [],
        )


def _reached(uow: UnitOfWork, found: list[Notification], reach: Reach) -> list[Notification]:
    if reach.teams is None:
        return found
    teams: dict[int, int | None] = {}
    for notification in found:
        if notification.case_id not in teams:
            case = uow.cases.get(notification.case_id, with_events=False)
            teams[notification.case_id] = case.team_id if case is not None else None
    return [n for n in found if teams[n.case_id] in reach.teams]


def retry_dead_letters(
    *,
    uow: UnitOfWork,
    now: datetime,
    actor: str,
    include_failed: bool = False,
    reach: Reach = EVERYTHING,
    notification_id: int | None = None,
) -> Replayed:
    """Gives every dead letter within `reach` a fresh set of attempts, or only the notification `notification_id`
    (raising UnknownDeadLetter when it is not a dead letter the reach holds). Permanent failures are left alone
    unless asked (`include_failed`, or the one notification named), for they fail the same way until someone
    fixes the number or the address."""
    notifications = responses = replayed_tasks = 0
    with uow:
        states = [NotificationState.DEAD] + ([NotificationState.FAILED] if include_failed else [])
        if notification_id is not None:
            states = [NotificationState.DEAD, NotificationState.FAILED]
        chosen = _reached(uow, uow.notifications.in_states(states), reach)
        if notification_id is not None:
            chosen = [n for n in chosen if n.id == notification_id]
            if not chosen:
                raise UnknownDeadLetter(f"no dead letter {notification_id}")
            reach = Reach(teams=reach.teams, untied=False)  # the one notification, nothing besides
        for notification in chosen:
            notification.state = NotificationState.PENDING
            notification.attempts = 0
            notification.next_attempt_at = None
            case = uow.cases.get(notification.case_id)
            if case is not None:
                case.record(
                    EventKind.NOTIFICATION_REPLAYED,
                    at=now,
                    actor=actor,
                    data={"notification": notification.id, "channel": notification.channel},
                )
            if notification.id is not None:
                uow.emit(SendNotification(notification.id))
            notifications += 1
        for response in uow.responses.quarantined() if reach.untied else []:
            response.status = ResponseStatus.RECEIVED
            response.failures = 0
            if response.id is not None:
                uow.emit(ProcessResponse(response.id))
            responses += 1
        for task in uow.quarantine.held() if reach.untied else []:
            uow.quarantine.mark_retried(task.id, now)
            message = _replayed(task)
            if message is not None:
                uow.emit(message)
                replayed_tasks += 1
        if notifications or responses or replayed_tasks:
            counts = {"notifications": notifications, "responses": responses, "tasks": replayed_tasks}
            change = Change(EntityKind.DEAD_LETTERS, "retry", "dead letters", after=counts)
            record(uow, change, actor=actor, now=now)
        uow.commit()
    return Replayed(notifications, responses, replayed_tasks)


def _replayed(task: QuarantinedTask) -> Message | None:
    """A task whose arguments are a valid id is sent again (the row may exist now); garbage stays garbage."""
    if task.task not in REPLAYABLE_TASKS:
        return None
    try:
        args = json.loads(task.payload)
        target = int(args[0]) if isinstance(args, list) and len(args) == 1 else None
    except (ValueError, TypeError):
        target = None
    if target is None:
        return None
    return ProcessResponse(target) if task.task == "npsloop.process_response" else SendNotification(target)
