"""A Celery consumer that keeps what it cannot run. Celery's own drops (and logs) a message it cannot
decode or route; this one first writes it to the quarantine table, so `npsloop dead-letters list` shows it
and nothing vanishes into a log line."""

from __future__ import annotations

import logging
from typing import Any

from celery.worker.consumer import Consumer

log = logging.getLogger(__name__)


def _keep(task: str, body: Any, error: object) -> None:
    from npsloop.bootstrap import get_runtime
    from npsloop.services.deadletters import quarantine_task

    payload = body.decode("utf-8", "replace") if isinstance(body, bytes) else repr(body)
    try:
        runtime = get_runtime()
        quarantine_task(
            uow=runtime.uow(),
            task=task,
            payload=payload,
            error=str(error) or type(error).__name__,
            attempts=1,
            now=runtime.clock(),
        )
    except Exception:
        log.exception("could not quarantine a bad message", extra={"task": task})


class QuarantiningConsumer(Consumer):
    def on_decode_error(self, message: Any, exc: Exception) -> None:
        _keep("(undecodable message)", message.body, exc)
        super().on_decode_error(message, exc)

    def on_unknown_message(self, body: Any, message: Any) -> None:
        _keep("(unknown message format)", message.body, "not a task message")
        super().on_unknown_message(body, message)

    def on_unknown_task(self, body: Any, message: Any, exc: Exception) -> None:
        _keep(message.headers.get("task", "(unknown task)"), message.body, exc)
        super().on_unknown_task(body, message, exc)

    def on_invalid_task(self, body: Any, message: Any, exc: Exception) -> None:
        _keep(message.headers.get("task", "(invalid task)"), message.body, exc)
        super().on_invalid_task(body, message, exc)
