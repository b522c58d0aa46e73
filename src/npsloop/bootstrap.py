"""Wires the real adapters once per process. Tests wire their own; nothing here runs at import time."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from npsloop.domain.notifications import Channel, RetryPolicy
from npsloop.domain.recovery import parse_contact_hours
from npsloop.egress.client import Egress
from npsloop.ingest.stream_rejects import IntakeRejects
from npsloop.link_tokens import make_token
from npsloop.notify.base import Transport
from npsloop.notify.email import SmtpEmail
from npsloop.notify.outbound import Outcome, post
from npsloop.notify.outbox import Outbox
from npsloop.notify.outbox_files import OutboxFiles
from npsloop.notify.render import Renderer
from npsloop.notify.sms import TwilioSms
from npsloop.notify.whatsapp import TwilioWhatsApp
from npsloop.ratelimit import Limiter, MemoryLimiter, RedisLimiter
from npsloop.recovery_links import LinkKind, make_link_token
from npsloop.secret_key import load_keyring
from npsloop.services.delivery import fail_over_undelivered
from npsloop.services.digests import send_digests
from npsloop.services.erasure import Trace
from npsloop.services.ingest import forget_delivery_ids
from npsloop.services.notifying import Sending, SendResult, SendStatus, send_notifications
from npsloop.services.outbound import deliver_due
from npsloop.services.ports import Clock, Dispatcher, utcnow
from npsloop.services.processing import handle_waiting
from npsloop.services.reconcile import ReconcileReport, reconcile
from npsloop.services.recovery import RecoveryRun, RecoverySending, run_recovery
from npsloop.services.recovery_contact import RecoveryRules
from npsloop.services.retention import RetentionReport, run_retention
from npsloop.services.sweep import SweepReport, sweep
from npsloop.services.tagging import Models
from npsloop.services.unit_of_work import UnitOfWork
from npsloop.services.work_messages import KeepAlerts, ProcessResponse, SendNotification, publish_quietly
from npsloop.settings import Settings, get_settings
from npsloop.store.database import make_engine
from npsloop.store.mapping import start_mappers
from npsloop.store.uow import SqlUnitOfWork, session_factory

log = logging.getLogger(__name__)
MAX_BATCHES = 20  # a task drains at most this many batches, then queues its successor


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    transports: dict[Channel, Transport]
    renderer: Renderer
    dispatcher: Dispatcher
    policy: RetryPolicy
    egress: Egress
    limiter: Limiter | None = None
    # Dashboard login attempts per client: always on, whatever the ingest limit (memory unless Redis is set).
    login_limiter: Limiter = field(default_factory=MemoryLimiter)
    clock: Clock = field(default=utcnow)
    _sessions: Callable[[], Session] | None = None

    def uow(self, dispatcher: Dispatcher | None = None) -> UnitOfWork:
        """A unit of work publishing through this process's dispatcher (or, for one use, through `dispatcher`)."""
        if self._sessions is None:
            self._sessions = session_factory(self.engine)
        return SqlUnitOfWork(self._sessions, dispatcher or self.dispatcher)

    # The three background use cases, wired to this process's adapters: what tasks, the CLI and
    # benchmarks call.

    @cached_property
    def models(self) -> Models:
        """The comment models of this process (the default one is loaded at its first use, then shared)."""
        return Models(self.settings.resolved_model_cache_dir)

    def process(self, response_id: int) -> None:
        """Processes a response, with the others waiting for a worker when there are (in batches of
        `process_batch`, until none waits), then sends the alerts of the cases it opened from this same task,
        right after each commit and through the same claim-before-send: one hop fewer between a detractor and
        the agent's phone. An alert that must wait (a transient failure, an unexpected error) goes to the queue
        for the send task; one this worker dies before sending is queued again by a redelivered task or found by
        the reconciler."""
        kept = KeepAlerts(self.dispatcher)
        first: int | None = response_id
        for _ in range(MAX_BATCHES):
            claimed = handle_waiting(
                uow=self.uow(kept),
                models=self.models,
                response_id=first,
                now=self.clock(),
                limit=self.settings.process_batch,
                failure_limit=self.settings.max_process_attempts,
            )
            self._send_kept(kept)
            if claimed < self.settings.process_batch or self.settings.process_batch == 1:
                return
            first = None
        # Still more waiting: another task goes on with them, so this one hands its worker back.
        publish_quietly(self.dispatcher, ProcessResponse(response_id))

    def _send_kept(self, kept: KeepAlerts) -> None:
        alerts, kept.alerts = kept.alerts, []
        if not alerts:
            return
        results: list[SendResult] | None = None
        try:
            results = self.send_many(alerts)
        except Exception:
            log.warning(
                "sending from the processing task failed; queued for the send task",
                extra={"notification_ids": alerts},
                exc_info=True,
            )
        for position, notification_id in enumerate(alerts):
            if results is None or results[position].status is SendStatus.RETRY:
                publish_quietly(self.dispatcher, SendNotification(notification_id))

    def send(self, notification_id: int) -> SendResult:
        [result] = self.send_many([notification_id])
        return result

    def send_many(self, notification_ids: list[int]) -> list[SendResult]:
        return send_notifications(uow=self.uow(), sending=self.sending(), notification_ids=notification_ids)

    def sending(self) -> Sending:
        return Sending(
            transports=self.transports,
            renderer=self.renderer,
            policy=self.policy,
            public_url=self.settings.public_url,
            sms_cap=self.settings.sms_per_agent_per_hour,
            link=self.link if self.settings.link_secret.get_secret_value() else None,
            call_hours=self.settings.customer_call_hours,
            clock=self.clock,
        )

    def link(self, case_id: int, agent_id: int, action: str) -> str:
        """A one-click link, valid for link_ttl_hours, that acts on one case as one agent."""
        expires = int(self.clock().timestamp()) + 3600 * self.settings.link_ttl_hours
        token = make_token(
            self.settings.link_secret.get_secret_value(), {"c": case_id, "a": agent_id, "x": action}, expires
        )
        return f"{self.settings.public_url.rstrip('/')}/v1/links/{token}"

    def sweep(self) -> SweepReport:
        report = sweep(
            uow=self.uow(),
            now=self.clock(),
            remind_before=timedelta(minutes=self.settings.remind_before_minutes),
        )
        timeout = timedelta(minutes=self.settings.sms_delivery_timeout_minutes)
        fail_over_undelivered(uow=self.uow(), now=self.clock(), timeout=timeout)
        return report

    def send_digests(self) -> int:
        return send_digests(uow=self.uow(), now=self.clock(), cap=self.settings.sms_per_agent_per_hour)

    def deliver_outbound(self) -> int:
        return deliver_due(
            uow=self.uow(), now=self.clock(), public_url=self.settings.public_url, post=self.post_outbound
        )

    def post_outbound(self, url: str, body: dict[str, Any], **signing: Any) -> Outcome:
        """A case event's POST to Slack or a webhook, through this process's egress client."""
        return post(url, body, egress=self.egress, **signing)

    def forget_delivery_ids(self) -> int:
        keep = timedelta(days=self.settings.delivery_id_retention_days)
        return forget_delivery_ids(uow=self.uow(), now=self.clock(), keep=keep)

    def reconcile(self) -> ReconcileReport:
        return reconcile(
            uow=self.uow(),
            now=self.clock(),
            stuck_after=timedelta(seconds=self.settings.reconcile_after_seconds),
            max_attempts=self.policy.max_attempts,
        )

    def recovery_rules(self) -> RecoveryRules:
        settings = self.settings
        return RecoveryRules(
            quiet_days=settings.recovery_quiet_days,
            link_days=settings.recovery_link_days,
            opt_out_days=settings.recovery_opt_out_days,
            contact_hours=parse_contact_hours(settings.recovery_contact_hours),
            default_country=settings.recovery_default_country,
            sms_consent=settings.recovery_sms_consent,
            whatsapp_consent=settings.recovery_whatsapp_consent,
            whatsapp_languages=frozenset(settings.recovery_whatsapp_templates if self.recovery_whatsapp else ()),
            links=bool(settings.link_secret.get_secret_value()),
        )

    @cached_property
    def recovery_whatsapp(self) -> Transport | None:
        """WhatsApp to customers: the same sender as agents' alerts, with the recovery message's own templates."""
        templates = self.settings.recovery_whatsapp_templates
        return build_whatsapp(self.settings, templates, status=False) if templates else None

    def run_recovery(self) -> RecoveryRun:
        """The beat's recovery job: plan new follow-ups, send the due ones, expire unanswered links."""
        secret = self.settings.link_secret.get_secret_value()
        transports = dict(self.transports)
        if self.recovery_whatsapp is not None:
            transports[Channel.WHATSAPP] = self.recovery_whatsapp
        sending = RecoverySending(
            transports=transports,
            renderer=self.renderer,
            policy=self.policy,
            public_url=self.settings.public_url,
            token=lambda rid, kind, expires: make_link_token(secret, rid, LinkKind(kind), int(expires.timestamp())),
        )
        return run_recovery(uow=self.uow(), rules=self.recovery_rules(), sending=sending, now=self.clock())

    def traces(self) -> list[Trace]:
        """Where personal data sits outside the database, for erasure, subject access and retention."""
        found: list[Trace] = [OutboxFiles(self.settings.resolved_outbox_dir)]
        url = self.settings.limiter_redis_url
        if url:
            found.append(IntakeRejects.connect(url, self.settings.intake_rejects_stream))
        return found

    def retention(self, *, dry_run: bool = False) -> RetentionReport:
        return run_retention(
            uow=self.uow(),
            now=self.clock(),
            days=self.settings.retention_days,
            batch=self.settings.retention_batch,
            traces=self.traces(),
            keep_attributes=self.settings.kept_attributes,
            dry_run=dry_run,
        )


def build_transports(settings: Settings) -> dict[Channel, Transport]:
    outbox = Outbox(
        settings.resolved_outbox_dir,
        sender=settings.email_from,
        console=sys.stdout if settings.console_notifications else None,
    )
    transports: dict[Channel, Transport] = {Channel.SMS: outbox, Channel.EMAIL: outbox}
    if settings.twilio_account_sid:
        transports[Channel.SMS] = TwilioSms(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get_secret_value(),
            sender=settings.twilio_from,
            api_base=settings.twilio_api_base or None,
            timeout=settings.twilio_timeout_seconds,
            status_callback=_status_callback(settings),
        )
    transports[Channel.WHATSAPP] = build_whatsapp(settings) or outbox
    smtp_url = settings.smtp_url.get_secret_value()
    if smtp_url:
        transports[Channel.EMAIL] = SmtpEmail(
            smtp_url, sender=settings.email_from, timeout=settings.smtp_timeout_seconds
        )
    return transports


def build_whatsapp(
    settings: Settings, templates: Mapping[str, str] | None = None, *, status: bool = True
) -> Transport | None:
    """Twilio's WhatsApp sender when there is one (same account as SMS); None: the outbox stands in. `templates`:
    the Content templates by language (the alerts' unless given); `status`: ask for status callbacks."""
    if not (settings.twilio_account_sid and settings.twilio_whatsapp_from):
        return None
    return TwilioWhatsApp(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token.get_secret_value(),
        sender=settings.twilio_whatsapp_from,
        templates=settings.whatsapp_templates if templates is None else templates,
        api_base=settings.twilio_api_base or None,
        timeout=settings.twilio_timeout_seconds,
        status_callback=_status_callback(settings) if status else None,
    )


def _status_callback(settings: Settings) -> str | None:
    """Delivery reports are asked for only where Twilio can reach us and sign for us: an https public URL."""
    public = settings.public_url
    return public.rstrip("/") + "/v1/twilio/status" if public.startswith("https://") else None


def build_runtime(settings: Settings | None = None, dispatcher: Dispatcher | None = None) -> Runtime:
    settings = settings or get_settings()
    start_mappers()
    if dispatcher is None:
        from npsloop.worker.dispatch import CeleryDispatcher

        dispatcher = CeleryDispatcher(settings)
    return Runtime(
        settings=settings,
        # Refuses to start without the key to the stored secrets (NPSLOOP_SECRET_KEY), before it serves.
        engine=make_engine(settings.resolved_database_url, keyring=load_keyring(settings)),
        transports=build_transports(settings),
        renderer=Renderer(),
        dispatcher=dispatcher,
        policy=RetryPolicy(
            max_attempts=settings.max_send_attempts,
            base_seconds=settings.retry_base_seconds,
            cap_seconds=settings.retry_cap_seconds,
        ),
        egress=Egress.from_settings(settings),
        limiter=build_limiter(settings),
        login_limiter=build_login_limiter(settings),
    )


def build_limiter(settings: Settings) -> Limiter | None:
    if settings.ingest_rate_per_minute == 0:
        return None
    url = settings.limiter_redis_url
    return RedisLimiter(url) if url else MemoryLimiter()


def build_login_limiter(settings: Settings) -> Limiter:
    """Shared by every API process through Redis when there is one, so a guesser cannot spread over them."""
    url = settings.limiter_redis_url
    return RedisLimiter(url, prefix="npsloop:login:") if url else MemoryLimiter()


@lru_cache(maxsize=1)
def get_runtime() -> Runtime:
    return build_runtime()


# A forked worker child must not share its parent's database connections or HTTP sessions.
os.register_at_fork(after_in_child=get_runtime.cache_clear)
