"""Task wrappers: decode the arguments, call one service, apply the retry policy. Nothing else.

What a task cannot do is never retried forever: an argument that is not an id is quarantined at once, a
row that is gone after a few tries, and a response whose processing keeps failing is quarantined by count.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from celery import Task

from npsloop.bootstrap import get_runtime
from npsloop.logs import log_context
from npsloop.services.deadletters import quarantine_task, record_processing_failure
from npsloop.services.notifying import NotificationNotFound, SendStatus
from npsloop.services.processing import ResponseNotFound
from npsloop.services.unit_of_work import StoreUnavailable
from npsloop.worker.app import app
from npsloop.worker.dispatch import CeleryDispatcher

log = logging.getLogger(__name__)
MISSING_ROW_ATTEMPTS = 3
T = TypeVar("T")
# Tasks are declared with max_retries=None because their own counts (in the database) decide when to stop:
# Celery's `retry(max_retries=None)` would otherwise fall back to its default of three.


def decode_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected an id, got {type(value).__name__}")
    number = int(value)
    if number <= 0:
        raise ValueError(f"expected a positive id, got {number}")
    return number


def _quarantine(task: Task[..., Any], args: list[Any], error: str) -> None:
    runtime = get_runtime()
    quarantine_task(
        uow=runtime.uow(),
        task=task.name,
        payload=json.dumps(args, default=repr),
        error=error,
        attempts=task.request.retries + 1,
        now=runtime.clock(),
    )


def _backoff(task: Task[..., Any]) -> float:
    return float(min(2 ** (task.request.retries or 0), 60))


def _on_row(task: Task[..., Any], raw_id: Any, call: Callable[[int], T], key: str) -> T | None:
    """The guard both tasks share: decode the id (garbage is quarantined at once), retry a missing row a few
    times (then quarantine it), and wait out a database outage. None means the work was quarantined."""
    runtime = get_runtime()
    try:
        row_id = decode_id(raw_id)
    except (ValueError, TypeError) as error:
        _quarantine(task, [raw_id], f"undecodable argument: {error}")
        return None
    try:
        with log_context(**{key: row_id}):
            return call(row_id)
    except (ResponseNotFound, NotificationNotFound) as error:
        if task.request.retries + 1 >= MISSING_ROW_ATTEMPTS:
            _quarantine(task, [row_id], str(error))
            return None
        raise task.retry(countdown=_backoff(task), max_retries=None) from None
    except StoreUnavailable as error:
        # The row keeps its state: if these retries run out, the reconciler finds it once the database is back.
        raise task.retry(
            exc=error, countdown=_backoff(task), max_retries=runtime.settings.max_process_attempts
        ) from None


@app.task(name="npsloop.process_response", bind=True, max_retries=None)
def process_response_task(self: Task[..., Any], response_id: Any) -> None:
    runtime = get_runtime()
    if isinstance(runtime.dispatcher, CeleryDispatcher) and runtime.dispatcher.gate is not None:
        runtime.dispatcher.gate.open()  # before the claim: see worker.process_gate

    def process(rid: int) -> None:
        try:
            runtime.process(rid)
        except (ResponseNotFound, StoreUnavailable):
            raise
        except Exception as error:
            limit = runtime.settings.max_process_attempts
            text = f"{type(error).__name__}: {error}"
            if record_processing_failure(
                uow=runtime.uow(), response_id=rid, error=text, now=runtime.clock(), limit=limit
            ):
                return
            raise self.retry(exc=error, countdown=_backoff(self), max_retries=limit) from None

    _on_row(self, response_id, process, "response_id")


@app.task(name="npsloop.send_notification", bind=True, max_retries=None)
def send_notification_task(self: Task[..., Any], notification_id: Any) -> str:
    runtime = get_runtime()
    result = _on_row(self, notification_id, runtime.send, "notification_id")
    if result is None:
        return "quarantined"
    if result.status is SendStatus.RETRY:
        # The countdown is capped well under the broker's visibility timeout; if this message is lost anyway,
        # the row's next_attempt_at is in the database and the reconciler sends it.
        raise self.retry(countdown=result.retry_in, max_retries=None)
    return result.status.value


@app.task(name="npsloop.reconcile")
def reconcile_task() -> dict[str, int]:
    report = get_runtime().reconcile()
    return {"responses": report.responses, "notifications": report.notifications, "reopened": report.reopened_sends}


@app.task(name="npsloop.send_digests")
def send_digests_task() -> int:
    return get_runtime().send_digests()


@app.task(name="npsloop.sweep")
def sweep_task() -> dict[str, int]:
    report = get_runtime().sweep()
    return {"escalations": report.escalations, "reminders": report.reminders}


@app.task(name="npsloop.recovery", expires=60)
def recovery_task() -> dict[str, int]:
    """Every minute: plan the recovery follow-ups of new resolved closures, send those due (held until the
    customer's contact window), expire unanswered links. Rows are claimed, so two beats send nothing twice."""
    done = get_runtime().run_recovery()
    return {"planned": done.planned, "sent": done.sent, "held": done.held, "skipped": done.skipped}


@app.task(name="npsloop.forget_delivery_ids", expires=3600)
def forget_delivery_ids_task() -> int:
    return get_runtime().forget_delivery_ids()


@app.task(name="npsloop.retention", expires=3600)
def retention_task() -> dict[str, Any]:
    return get_runtime().retention().as_dict()


@app.task(name="npsloop.deliver_outbound", expires=60)
def deliver_outbound_task() -> int:
    return get_runtime().deliver_outbound()


@app.task(name="npsloop.send_monthly_review", expires=3600)
def send_monthly_review_task() -> dict[str, Any]:
    """Daily: mails last month's review only on the month's first business days, once per supervisor (a row
    per month and supervisor is the rule, so a second beat or a retry sends nothing)."""
    from npsloop.domain.notifications import Channel
    from npsloop.services.review_email import send_monthly_review

    runtime = get_runtime()
    done = send_monthly_review(
        uow=runtime.uow(),
        transport=runtime.transports[Channel.EMAIL],
        renderer=runtime.renderer,
        now=runtime.clock(),
        default_zone=runtime.settings.report_timezone,
        public_url=runtime.settings.public_url,
    )
    return {"month": done.month, "sent": done.sent, "skipped": done.skipped}


@app.task(name="npsloop.train_tagger", expires=3600)
def train_tagger_task() -> dict[str, Any] | None:
    """Minutes of CPU at most, in this worker process, which then tags with the model it switched on."""
    from npsloop.services.training import train_when_due

    runtime = get_runtime()
    every = timedelta(days=runtime.settings.train_every_days)
    done = train_when_due(uow=runtime.uow(), models=runtime.models, now=runtime.clock(), every=every)
    if done is None:
        return None
    log.info(
        "tagger trained",
        extra={
            "model": done.model,
            "score_before": done.score_before,
            "score_after": done.score_after,
            "switched": done.switched,
            "labels": done.labels,
        },
    )
    return {"model": done.model, "switched": done.switched, "before": done.score_before, "after": done.score_after}


@app.task(name="npsloop.train_risk", expires=3600)
def train_risk_task() -> dict[str, Any] | None:
    """Seconds of CPU: a logistic regression on the closed cases, when the last one is old enough."""
    from npsloop.services.risk import train_risk_if_due

    runtime = get_runtime()
    every = timedelta(days=runtime.settings.train_every_days)
    done = train_risk_if_due(uow=runtime.uow(), now=runtime.clock(), every=every)
    if done is None:
        return None
    learned = done.evaluation.learned
    figures = {"model": done.name, "active": done.active, "auc": learned.auc if learned else None}
    log.info("risk model trained", extra=figures)
    return figures
