"""A worker's pulse, for orchestrators: a heartbeat file touched from the consumer's own event loop (so a
worker whose loop is stuck stops beating even if the process lives), and an optional /metrics port."""

from __future__ import annotations

from typing import Any

from celery import bootsteps
from celery.signals import worker_ready

from npsloop import health, metrics
from npsloop.settings import get_settings


class Heartbeat(bootsteps.StartStopStep):
    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.timer_ref: Any = None

    def start(self, parent: Any) -> None:
        settings = get_settings()
        path = settings.resolved_heartbeat_file
        health.beat(path)
        self.timer_ref = parent.timer.call_repeatedly(settings.worker_heartbeat_seconds, health.beat, (path,))

    def stop(self, parent: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None


@worker_ready.connect
def _serve_metrics(**_: Any) -> None:
    settings = get_settings()
    if settings.worker_metrics_port:
        metrics.serve(settings.worker_metrics_port, lambda: health.queue_depth(settings))
