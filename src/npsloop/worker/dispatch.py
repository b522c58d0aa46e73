"""The services' Dispatcher port, on Celery."""

from __future__ import annotations

from npsloop.services.work_messages import Message, ProcessResponse, SendNotification
from npsloop.settings import Settings
from npsloop.worker.process_gate import ProcessGate


class CeleryDispatcher:
    """Publishes by task name on a producer app built from the same settings as the process, so the API
    never needs to import the task modules (or their dependencies) to enqueue. On a Redis broker with batches
    on, a new response's task is coalesced with one already waiting (worker.process_gate)."""

    def __init__(self, settings: Settings) -> None:
        from npsloop.worker.app import create_app

        self.app = create_app(settings)
        self.queue = settings.queue
        broker = settings.resolved_broker_url
        coalesce = settings.process_batch > 1 and broker.startswith(("redis://", "rediss://"))
        self.gate = ProcessGate(broker, settings.queue) if coalesce else None

    def publish(self, message: Message) -> None:
        match message:
            case ProcessResponse(response_id, new):
                if new and self.gate is not None and not self.gate.close():
                    return  # a queued processing task will take it
                try:
                    self.app.send_task("npsloop.process_response", args=[response_id], queue=self.queue)
                except Exception:
                    if new and self.gate is not None:
                        self.gate.open()  # no task is coming: the next response must publish
                    raise
            case SendNotification(notification_id):
                self.app.send_task("npsloop.send_notification", args=[notification_id], queue=self.queue)
