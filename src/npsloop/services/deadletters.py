"""What failed for good, in one list an operator can read and replay: notifications that exhausted their
attempts (dead) or were refused for good (failed), responses whose processing kept failing (quarantined),
and task messages that could not be run at all (undecodable, or about a row that is gone)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from npsloop.domain.cases import EventKind
from npsloop.domain.notifications import Notification, NotificationState
from npsloop.domain.responses import Response, ResponseStatus
from npsloop.services.ports import Dispatcher
from npsloop.store.repositories import QuarantinedTask
from npsloop.store.uow import UnitOfWork

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
        if response is None or response.status != ResponseStatus.RECEIVED.value:
            return False
        response.failures += 1
        response.last_error = error[:4000]
        quarantined = response.failures >= limit
        if quarantined:
            response.status = ResponseStatus.QUARANTINED.value
        uow.commit()
    if quarantined:
        log.error("response quarantined", extra={"response_id": response_id, "error": error[:200]})
    return quarantined


def list_dead_letters(*, uow: UnitOfWork, include_failed: bool = True) -> DeadLetters:
    states = [NotificationState.DEAD.value] + ([NotificationState.FAILED.value] if include_failed else [])
    with uow:
        return DeadLetters(
            notifications=uow.notifications.in_states(states),
            responses=uow.responses.quarantined(),
            tasks=uow.quarantine.held(),
        )


def retry_dead_letters(
    *, uow: UnitOfWork, dispatcher: Dispatcher, now: datetime, actor: str, include_failed: bool = False
) -> Replayed:
    """Gives every dead letter a fresh set of attempts. Permanent failures are left alone unless asked
    (`include_failed`), for they fail the same way until someone fixes the number or the address."""
    notification_ids, response_ids, tasks = [], [], []
    with uow:
        states = [NotificationState.DEAD.value] + ([NotificationState.FAILED.value] if include_failed else [])
        for notification in uow.notifications.in_states(states):
            notification.state = NotificationState.PENDING.value
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
            notification_ids.append(notification.id)
        for response in uow.responses.quarantined():
            response.status = ResponseStatus.RECEIVED.value
            response.failures = 0
            response_ids.append(response.id)
        for task in uow.quarantine.held():
            uow.quarantine.mark_retried(task.id, now)
            tasks.append(task)
        uow.commit()
    for notification_id in notification_ids:
        if notification_id is not None:
            dispatcher.send_notification(notification_id)
    for response_id in response_ids:
        if response_id is not None:
            dispatcher.process_response(response_id)
    replayed_tasks = sum(_replay_task(dispatcher, task) for task in tasks)
    return Replayed(len(notification_ids), len(response_ids), replayed_tasks)


def _replay_task(dispatcher: Dispatcher, task: QuarantinedTask) -> bool:
    """A task whose arguments are a valid id is sent again (the row may exist now); garbage stays garbage."""
    if task.task not in REPLAYABLE_TASKS:
        return False
    try:
        args = json.loads(task.payload)
        target = int(args[0]) if isinstance(args, list) and len(args) == 1 else None
    except (ValueError, TypeError):
        target = None
    if target is None:
        return False
    if task.task == "npsloop.process_response":
        dispatcher.process_response(target)
    else:
        dispatcher.send_notification(target)
    return True
