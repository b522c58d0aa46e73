"""The services' Dispatcher port, on Celery."""

from __future__ import annotations

from npsloop.services.work_messages import Message, ProcessResponse, SendNotification
from npsloop.settings import Settings


class CeleryDispatcher:
    """Publishes by task name on a producer app built from the same settings as the process, so the API
    never needs to import the task modules (or their dependencies) to enqueue."""

    def __init__(self, settings: Settings) -> None:
        from npsloop.worker.app import create_app

        self.app = create_app(settings)
        self.queue = settings.queue

    def publish(self, message: Message) -> None:
        match message:
            case ProcessResponse(response_id):
                self.app.send_task("npsloop.process_response", args=[response_id], queue=self.queue)
            case SendNotification(notification_id):
                self.app.send_task("npsloop.send_notification", args=[notification_id], queue=self.queue)
