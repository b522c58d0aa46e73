"""The Celery app. Its configuration is a promise evaluated on first use, so importing this module (as
`celery -A npsloop.worker.app` does) reads no settings and opens no connection."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging

from npsloop.settings import Settings, get_settings
from npsloop.worker.broker import TRANSPORT
from npsloop.worker.broker import transport_options as transport_options_in
from npsloop.worker.health import Heartbeat

TASKS = "npsloop.worker.tasks"
RETENTION_HOUR = 3
REVIEW_HOUR = 11  # UTC: morning in the Americas, midday in Europe; the day is checked in the report zone
TRAINING_HOUR = 4


def celery_config(settings: Settings) -> dict[str, Any]:
    broker = settings.resolved_broker_url
    transport: str | None = None
    transport_options: dict[str, Any] = {"visibility_timeout": 3600}
    if broker.startswith("filesystem"):
        # kombu's own filesystem transport can hand the worker a half-written message (see broker.py).
        transport, transport_options = TRANSPORT, transport_options_in(settings.broker_folder)
    return {
        "broker_url": broker,
        "broker_transport": transport,
        "broker_transport_options": transport_options,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": settings.queue,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
        # A task is acknowledged only when done, and redelivered if its worker dies mid-way.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # An HTTP request never waits long on a broker outage: the response is stored, the reconciler
        # re-enqueues it.
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2},
        "worker_hijack_root_logger": False,
        "worker_consumer": "npsloop.worker.consumer:QuarantiningConsumer",
        "beat_schedule": {
            "reconcile": {"task": "npsloop.reconcile", "schedule": settings.reconcile_every_seconds},
            "digests": {"task": "npsloop.send_digests", "schedule": 60.0},
            "sweep": {"task": "npsloop.sweep", "schedule": settings.sweep_every_seconds},
            "outbound": {"task": "npsloop.deliver_outbound", "schedule": settings.outbound_every_seconds},
            "delivery_ids": {"task": "npsloop.forget_delivery_ids", "schedule": 3600.0},
            "recovery": {"task": "npsloop.recovery", "schedule": settings.recovery_every_seconds},
            "monthly_review": {"task": "npsloop.send_monthly_review", "schedule": crontab(hour=REVIEW_HOUR, minute=23)},
            **retention_schedule(settings),
            **training_schedule(settings),
        },
        "imports": [TASKS],
    }


def retention_schedule(settings: Settings) -> dict[str, Any]:
    """Nightly, at a quiet hour (UTC), and only when NPSLOOP_RETENTION_DAYS is set."""
    if not settings.retention_days:
        return {}
    return {"retention": {"task": "npsloop.retention", "schedule": crontab(hour=RETENTION_HOUR, minute=17)}}


def training_schedule(settings: Settings) -> dict[str, Any]:
    """Nightly, after retention: the task trains only when the last training is NPSLOOP_TRAIN_EVERY_DAYS old (a
    date in the database, so a beat restarted every day still trains every week); 0: off."""
    if not settings.train_every_days:
        return {}
    return {
        "training": {"task": "npsloop.train_tagger", "schedule": crontab(hour=TRAINING_HOUR, minute=41)},
        # The risk model keeps the same pace, on its own stored date.
        "risk_training": {"task": "npsloop.train_risk", "schedule": crontab(hour=TRAINING_HOUR, minute=53)},
    }


def create_app(settings: Settings | None = None) -> Celery:
    """With no settings, the configuration is read from the environment when first needed."""
    celery = Celery("npsloop", set_as_current=False)
    celery.add_defaults(lambda: celery_config(settings or get_settings()))
    return celery


app = create_app()
app.steps["consumer"].add(Heartbeat)


@setup_logging.connect
def _keep_our_logging(**_: Any) -> None:
    """Celery would replace our structured logging with its own; configuring it here keeps ours."""
    from npsloop.logs import configure_logging

    configure_logging(get_settings())
