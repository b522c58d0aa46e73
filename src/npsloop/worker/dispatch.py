"""The services' Dispatcher port, on Celery."""

from __future__ import annotations

from npsloop.settings import Settings


class CeleryDispatcher:
    def __init__(self, settings: Settings) -> None:
        self.queue = settings.queue

    def process_response(self, response_id: int) -> None:
        from npsloop.worker.app import app

        app.send_task("npsloop.process_response", args=[response_id], queue=self.queue)

    def send_notification(self, notification_id: int) -> None:
        from npsloop.worker.app import app

        app.send_task("npsloop.send_notification", args=[notification_id], queue=self.queue)
