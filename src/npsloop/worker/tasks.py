"""Task wrappers: decode the arguments, call one service, apply the retry policy. Nothing else."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from sqlalchemy.exc import DBAPIError

from npsloop.bootstrap import get_runtime
from npsloop.services.notifying import SendStatus
from npsloop.services.processing import ResponseNotFound
from npsloop.worker.app import app

log = logging.getLogger(__name__)


def _database_backoff(task: Task) -> float:
    return float(min(2 ** (task.request.retries or 0), 60))


@app.task(name="npsloop.process_response", bind=True)
def process_response_task(self: Task, response_id: Any) -> None:
    runtime = get_runtime()
    try:
        pending = runtime.process(int(response_id))
    except ResponseNotFound:
        log.error("response to process does not exist; dropping the task", extra={"response_id": response_id})
        return
    except DBAPIError as error:
        # Left as "received": if the retries run out, the reconciler finds it again once the database is back.
        raise self.retry(
            exc=error, countdown=_database_backoff(self), max_retries=runtime.settings.max_process_attempts
        ) from None
    for notification_id in pending:
        runtime.dispatcher.send_notification(notification_id)


@app.task(name="npsloop.send_notification", bind=True)
def send_notification_task(self: Task, notification_id: Any) -> str:
    runtime = get_runtime()
    try:
        result = runtime.send(int(notification_id))
    except DBAPIError as error:
        raise self.retry(
            exc=error, countdown=_database_backoff(self), max_retries=runtime.settings.max_process_attempts
        ) from None
    if result.status is SendStatus.RETRY:
        # The countdown is capped well under the broker's visibility timeout; if this message is lost anyway,
        # the row's next_attempt_at is in the database and the reconciler sends it.
        raise self.retry(countdown=result.retry_in, max_retries=None)
    return result.status.value


@app.task(name="npsloop.reconcile")
def reconcile_task() -> dict[str, int]:
    report = get_runtime().reconcile()
    return {"responses": report.responses, "notifications": report.notifications, "reopened": report.reopened_sends}
