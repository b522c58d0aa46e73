"""The one settings object. Every knob is an NPSLOOP_* environment variable; defaults run embedded."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_INTEGRATION = "default"
MIN_TOKEN_LENGTH = 32
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")


class Settings(BaseSettings):
    # A refused value is not echoed: it may be a secret.
    model_config = SettingsConfigDict(env_prefix="NPSLOOP_", extra="ignore", hide_input_in_errors=True)

    data_dir: Path = Path("var")
    database_url: str = ""  # empty: a SQLite file in data_dir
    broker_url: str = ""  # empty: a filesystem broker in data_dir (needs no server)
    queue: str = "npsloop"

    # "secret" or "integration:secret", comma separated; one integration may list several (rotation).
    webhook_secrets: SecretStr = SecretStr("")
    signature_tolerance_seconds: int = 300
    # Every request body, checked before routing (api/body_limit.py); the batch ingest takes the larger one.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_batch_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_batch_items: int = 1000
    # Senders' delivery ids (Formbricks webhook-id, Delighted/Typeform event_id, Idempotency-Key) are remembered
    # this long, so a retry is a no-op; far longer than tools retry (days). An hourly job forgets older ones.
    delivery_id_retention_days: int = Field(default=30, ge=1, le=3650)
    # Per integration, shared by all API processes through Redis (memory in the embedded mode); 0 turns it off.
    ingest_rate_per_minute: int = Field(default=6000, ge=0)
    ingest_burst: int = Field(default=1000, ge=1)
    redis_url: str = ""  # for the rate limiter; empty: the broker's Redis, if the broker is Redis
    # Redis stream intake for producers inside the network (`npsloop intake`): entries are XADDed with a
    # `response` field holding the same JSON as POST /v1/responses (and optionally `integration`).
    intake_stream: str = "npsloop:intake"
    intake_group: str = "npsloop"
    intake_rejects_stream: str = "npsloop:intake:rejects"
    intake_rejects_maxlen: int = Field(default=100_000, ge=100)
    intake_integration: str = "intake"  # the integration an entry counts under when it names none
    # Other integrations an entry may name, comma separated. Never a signed one (a survey tool, or a name in
    # NPSLOOP_WEBHOOK_SECRETS): an entry naming one is rejected, so the stream cannot overwrite its responses.
    intake_integrations: str = ""
    intake_batch: int = Field(default=100, ge=1, le=10000)
    # An entry a consumer took and has not acknowledged for this long is claimed by another (XAUTOCLAIM).
    intake_claim_idle_seconds: float = Field(default=60.0, gt=0)
    # Delivered this many times without being stored (a crash it causes, not bad data): rejected with the count.
    # At least 2: an entry that was in a batch whose consumer died is delivered again, alone, and must not be
    # set aside for what a neighbour did.
    intake_max_deliveries: int = Field(default=10, ge=2)
    # SMS alerts one agent may receive an hour; beyond it cases are folded into one digest SMS.
    sms_per_agent_per_hour: int = Field(default=20, ge=1)
    # How long (wall time) before a contact or close deadline the assignee is reminded.
    remind_before_minutes: int = Field(default=15, ge=1)
    # When customers may be called, in their own time; alerts outside it say when to call instead.
    customer_call_hours: str = "09:00-21:00"
    sweep_every_seconds: float = Field(default=60.0, gt=0)
    # How often case events due to Slack and outbound webhooks are sent (and failed ones retried).
    outbound_every_seconds: float = Field(default=5.0, gt=0)
    # Every outbound HTTP call (survey tools' read-back, webhooks, Slack): its overall deadline, the most of
    # an answer it reads, and how many one process makes at once (the rest: 503 for a read-back, a wait for
    # a sender). Comma-separated networks and host names outbound calls may reach although they are
    # loopback, private, link-local or plain http (e.g. "10.1.2.0/24,helpdesk.internal"); empty: none.
    egress_deadline_seconds: float = Field(default=10.0, gt=0, le=300)
    egress_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    egress_concurrency: int = Field(default=8, ge=1, le=1000)
    egress_allow: str = ""
    # Encrypts the secrets the database keeps (integration secrets, survey tools' API tokens, outbound URLs
    # and signing secrets): Fernet keys, comma separated, newest first (the first encrypts, all decrypt, so a
    # rotation puts the new key first and `npsloop secrets rotate-key` re-encrypts). Empty: with the embedded
    # SQLite database a key file is made in data_dir (0600); with PostgreSQL the processes refuse to start.
    secret_key: SecretStr = SecretStr("")
    # Bearer tokens for the case and agent API, comma separated.
    api_tokens: SecretStr = SecretStr("")
    public_url: str = "http://127.0.0.1:8000"
    # Signs the one-click links in alert emails; empty: the emails carry no links.
    link_secret: SecretStr = SecretStr("")
    link_ttl_hours: int = Field(default=72, ge=1)
    # The recovery follow-up (a team's `recovery` setting): at most one message per customer in this many days;
    # its answer link lasts recovery_link_days, its opt-out link recovery_opt_out_days. Messages reach a customer
    # only within their country's hours, a JSON object of country code -> "mon-fri 07:00-19:00, sat 08:00-15:00"
    # (days not listed and the country's public holidays: never); a country not listed follows the default
    # country's hours in the customer's own zone. SMS goes only where the response's recovery_sms_consent attribute
    # records consent ("yes", "true", "1"), and only to a customer with no email.
    recovery_quiet_days: int = Field(default=30, ge=1, le=365)
    recovery_link_days: int = Field(default=14, ge=1, le=90)
    recovery_opt_out_days: int = Field(default=730, ge=30, le=3650)
    recovery_contact_hours: dict[str, str] = Field(default_factory=lambda: default_contact_hours())
    recovery_default_country: str = "CO"
    recovery_sms_consent: str = "sms_consent"
    # WhatsApp for a customer without email whose response records consent in recovery_whatsapp_consent: the
    # approved Content template of their language ({{1}}: the answer link), sent from NPSLOOP_TWILIO_WHATSAPP_FROM.
    # Without a template for the language, such a customer gets the SMS instead (with SMS consent).
    recovery_whatsapp_consent: str = "whatsapp_consent"
    recovery_whatsapp_templates: dict[str, str] = Field(default_factory=dict)
    recovery_every_seconds: float = Field(default=60.0, gt=0)
    # The zone company-wide reports count their days, months and years in (a team's report uses the team's).
    report_timezone: str = "UTC"
    # A grouped NPS report shows at most this many groups (the most answered), the rest summed as "other";
    # a report's groups x periods may not exceed report_max_cells (a 422 says what to narrow).
    report_max_groups: int = Field(default=20, ge=1, le=1000)
    report_max_cells: int = Field(default=10_000, ge=100)
    # The action codes an agent picks from when closing a case (comma separated, snake_case keys; reports and
    # the monthly review count them, so renaming one splits its history).
    closure_actions: str = "refund,replacement,callback,explanation,process_fix"
    # Dashboard login attempts per client address (a token bucket, in Redis when there is one): a 429 beyond.
    login_attempts_per_minute: int = Field(default=10, ge=1)
    login_burst: int = Field(default=5, ge=1)
    # When set, /metrics, /docs, /redoc and /openapi.json need "Authorization: Bearer <this>" (Prometheus's
    # bearer_token); empty: served openly, as suits the embedded mode on a laptop.
    admin_token: SecretStr = SecretStr("")

    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_from: str = ""
    twilio_api_base: str = ""  # empty: Twilio itself
    twilio_timeout_seconds: float = 10.0
    # The WhatsApp sender (like +573001234567 or whatsapp:+57...); empty: WhatsApp alerts go to the outbox.
    twilio_whatsapp_from: str = ""
    # The approved Content template per agent language, JSON like {"es": "HX...", "en": "HX..."}: what carries an
    # alert outside the agent's 24-hour window (variables in services/whatsapp_alert.py).
    whatsapp_templates: dict[str, str] = Field(default_factory=dict)
    # An SMS not reported delivered within this long falls back to email (needs status callbacks, which are
    # requested when NPSLOOP_PUBLIC_URL is https, as Twilio must reach it).
    sms_delivery_timeout_minutes: int = Field(default=10, ge=1)
    smtp_url: SecretStr = SecretStr("")  # empty: emails go to the outbox folder
    smtp_timeout_seconds: float = 10.0
    email_from: str = "npsloop <npsloop@localhost>"
    outbox_dir: Path | None = None
    console_notifications: bool = True

    max_send_attempts: int = Field(default=6, ge=1)
    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_cap_seconds: float = Field(default=240.0, gt=0)
    max_process_attempts: int = Field(default=8, ge=1)
    # responses a processing task takes at once when others wait for a worker; 1: one task, one response
    process_batch: int = Field(default=50, ge=1, le=1000)
    reconcile_after_seconds: int = Field(default=60, ge=1)
    reconcile_every_seconds: float = Field(default=30.0, gt=0)

    # Prometheus: every process on a host writes its samples here, and /metrics sums them (empty: data dir).
    metrics_dir: Path | None = None
    # A worker serves /metrics itself on this port (0: off), for orchestrators that scrape each pod.
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    # Touched by a live worker's event loop; `npsloop worker-health` reads its age (empty: in the data dir).
    worker_heartbeat_file: Path | None = None
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0)
    # Where the default comment model is kept once fitted (seconds of CPU saved per process; empty: data dir).
    model_cache_dir: Path | None = None
    # The tagger is trained on the agents' closure reasons when the last training is this many days old (a beat
    # job checks each night; it switches the new model on only if it scores better on held-out labels); 0: off.
    train_every_days: int = Field(default=7, ge=0, le=365)

    # Retention: responses and closed cases older than this many days lose their customer's personal data each
    # night (the same erasure as `npsloop customers erase`), in transactions of retention_batch rows; 0: off.
    retention_days: int = Field(default=0, ge=0, le=36500)
    retention_batch: int = Field(default=500, ge=1, le=10000)
    # Attributes that are segments rather than personal data (e.g. "plan,region"), comma separated: an erasure
    # keeps them, so reports grouped by them keep their figures. Every other attribute is erased.
    erasure_keep_attributes: str = ""

    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: str = "INFO"

    @field_validator("customer_call_hours")
    @classmethod
    def _call_hours(cls, value: str) -> str:
        from npsloop.services.customer_time import parse_call_hours

        parse_call_hours(value)
        return value

    @field_validator("whatsapp_templates", "recovery_whatsapp_templates")
    @classmethod
    def _content_sids(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        name = f"NPSLOOP_{(info.field_name or '').upper()}"
        for language, sid in value.items():
            if language not in ("en", "es"):
                raise ValueError(f"{name}: {language!r} is not a language of the messages (en, es)")
            if not CONTENT_SID.fullmatch(sid):
                raise ValueError(f"{name}[{language}] is not a Content SID (HX and 32 hex digits)")
        return value

    @field_validator("recovery_contact_hours")
    @classmethod
    def _contact_hours(cls, value: dict[str, str]) -> dict[str, str]:
        from npsloop.domain.recovery import parse_contact_hours

        parse_contact_hours(value)  # raises with the country and what cannot be read
        return {country.strip().upper(): spec for country, spec in value.items()}

    @field_validator("recovery_default_country")
    @classmethod
    def _default_country(cls, value: str, info: ValidationInfo) -> str:
        code = value.strip().upper()
        if code not in info.data.get("recovery_contact_hours", {}):
            raise ValueError("NPSLOOP_RECOVERY_DEFAULT_COUNTRY must be a country of NPSLOOP_RECOVERY_CONTACT_HOURS")
        return code

    @field_validator("report_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like Europe/Madrid") from error
        return value

    @field_validator("api_tokens", "admin_token")
    @classmethod
    def _long_tokens(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        """A bootstrap token is an admin's password to the whole API: a short one can be guessed."""
        name = f"NPSLOOP_{(info.field_name or '').upper()}"
        for token in listed(value.get_secret_value()):
            if len(token) < MIN_TOKEN_LENGTH:
                raise ValueError(
                    f"every token in {name} must be at least {MIN_TOKEN_LENGTH} characters "
                    "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
        return value

    @field_validator("closure_actions")
    @classmethod
    def _action_codes(cls, value: str) -> str:
        from npsloop.domain.themes import KEY, MAX_KEY

        for code in listed(value):
            if len(code) > MAX_KEY or not KEY.fullmatch(code):
                raise ValueError(
                    f"each action code must be snake_case (like process_fix), at most {MAX_KEY} characters"
                )
        return value

    @field_validator("egress_allow")
    @classmethod
    def _egress_allow(cls, value: str) -> str:
        from npsloop.egress.policy import Policy

        Policy.parse(value)  # raises on an entry that is neither a network nor a host name
        return value

    @field_validator("queue")
    @classmethod
    def _queue_is_a_name(cls, value: str) -> str:
        if not value or any(ch.isspace() for ch in value):
            raise ValueError("queue must be a non-empty name without spaces")
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'npsloop.db').resolve()}"

    @property
    def embedded_database(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def secret_key_file(self) -> Path:
        """Where the embedded mode keeps the key it made, when NPSLOOP_SECRET_KEY is empty."""
        return (self.data_dir / "secret.key").resolve()

    @property
    def resolved_broker_url(self) -> str:
        return self.broker_url or "filesystem://"

    @property
    def limiter_redis_url(self) -> str | None:
        if self.redis_url:
            return self.redis_url
        broker = self.resolved_broker_url
        return broker if broker.startswith(("redis://", "rediss://")) else None

    @property
    def resolved_metrics_dir(self) -> Path:
        return (self.metrics_dir or self.data_dir / "metrics").resolve()

    @property
    def resolved_heartbeat_file(self) -> Path:
        return (self.worker_heartbeat_file or self.data_dir / "worker.heartbeat").resolve()

    @property
    def resolved_model_cache_dir(self) -> Path:
        return (self.model_cache_dir or self.data_dir / "models").resolve()

    @property
    def broker_folder(self) -> Path:
        return (self.data_dir / "broker").resolve()

    @property
    def resolved_outbox_dir(self) -> Path:
        return (self.outbox_dir or self.data_dir / "outbox").resolve()

    def webhook_secret_map(self) -> dict[str, list[str]]:
        secrets: dict[str, list[str]] = {}
        for item in self.webhook_secrets.get_secret_value().split(","):
            item = item.strip()
            if not item:
                continue
            integration, sep, secret = item.partition(":")
            if not sep:
                integration, secret = DEFAULT_INTEGRATION, item
            secrets.setdefault(integration.strip(), []).append(secret.strip())
        return secrets

    @property
    def kept_attributes(self) -> frozenset[str]:
        return frozenset(listed(self.erasure_keep_attributes))

    def intake_integration_names(self) -> list[str]:
        return listed(self.intake_integrations)

    def closure_action_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(listed(self.closure_actions)))

    def api_token_list(self) -> list[str]:
        return listed(self.api_tokens.get_secret_value())


def default_contact_hours() -> dict[str, str]:
    from npsloop.domain.recovery import DEFAULT_CONTACT_HOURS

    return dict(DEFAULT_CONTACT_HOURS)


def listed(text: str) -> list[str]:
    """The items of a comma-separated setting, trimmed, blanks dropped ("a, b,," is a and b)."""
    return [item.strip() for item in text.split(",") if item.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
