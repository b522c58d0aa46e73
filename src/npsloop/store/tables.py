"""The schema, declared once; Alembic migrations are checked against it by a test."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from npsloop.domain.cases import CaseStatus, EventKind, Outcome
from npsloop.domain.notifications import Channel, NotificationState
from npsloop.domain.outbound import DeliveryStatus
from npsloop.domain.recovery import RecoveryPolicy, RecoveryState
from npsloop.domain.responses import ResponseStatus
from npsloop.domain.rules import Priority
from npsloop.domain.theme_tags import TagState
from npsloop.store.encrypted import CredentialSettings, EncryptedText

E = TypeVar("E", bound=StrEnum)

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no offset, and comparisons must not depend on it."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class StrEnumColumn(sa.TypeDecorator[E], Generic[E]):
    """Stores an enum member as its text (the text rows already hold, so no migration) and reads the member back:
    the domain's fields are typed, and the conversion happens here once rather than at every use. A text that is
    not a member is refused on the way in, as it would be by the domain."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum_cls: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_cls(value)


teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("touchpoints", sa.JSON, nullable=False),
    sa.Column("is_default", sa.Boolean, nullable=False, default=False),
    # The team's clock: business hours in its own zone, minus holidays (a country from the `holidays`
    # package, e.g. "ES-MD", plus dates added by hand).
    sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
    sa.Column("hours", sa.String(300), nullable=False, server_default="mon-sun 00:00-24:00"),
    sa.Column("holiday_country", sa.String(10)),
    sa.Column("extra_holidays", sa.JSON, nullable=False, server_default="[]"),
    # Outside business hours: "queue" holds alerts for the next opening, "contact" alerts the after-hours agent.
    sa.Column("after_hours", sa.String(10), nullable=False, server_default="queue"),
    sa.Column("after_hours_agent_id", sa.Integer),
    # Per priority: {"urgent": {"acknowledge": "5m", "contact": "1h", "close": "4h"}, ...}; defaults otherwise.
    sa.Column("sla", sa.JSON, nullable=False, server_default="{}"),
    # [{"after": "0m", "notify": "team", "channels": ["sms", "email"]}, {"after": "15m", "notify": "supervisors"}]
    sa.Column("escalation", sa.JSON, nullable=False, server_default="[]"),
    # Whether an agent of this team must name at least one reason theme to close a case.
    sa.Column("reasons_required", sa.Boolean, nullable=False, server_default=sa.false()),
    # Whether a customer whose case closed resolved is asked if it was solved (domain.recovery.RecoveryPolicy):
    # "off", "ask", or "themes" (only detractors whose response named one of recovery_themes).
    sa.Column("recovery", StrEnumColumn(RecoveryPolicy, 10), nullable=False, server_default="off"),
    sa.Column("recovery_themes", sa.JSON, nullable=False, server_default="[]"),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("team_id", sa.ForeignKey("teams.id"), nullable=False, index=True),
    sa.Column("phone", sa.String(20)),
    sa.Column("email", sa.String(254)),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("off_duty_until", UTCDateTime),
    sa.Column("role", sa.String(12), nullable=False, server_default="agent"),  # agent | supervisor | head
    # Channels in order of preference, like ["whatsapp", "sms"]; NULL: SMS and email at once.
    sa.Column("channels", sa.JSON),
    sa.Column("whatsapp_seen_at", UTCDateTime),  # the agent's last inbound WhatsApp message (the 24-hour window)
    # Working hours in the team's zone and holidays (NULL: the team's); on call: alerted outside them too.
    sa.Column("hours", sa.String(300)),
    sa.Column("on_call", sa.Boolean, nullable=False, server_default=sa.false()),
)

# Inbound WhatsApp messages already handled, by Twilio's MessageSid: a replayed webhook is refused (kept 7 days).
inbound_messages = sa.Table(
    "inbound_messages",
    metadata,
    sa.Column("message_sid", sa.String(64), primary_key=True),
    sa.Column("received_at", UTCDateTime, nullable=False, index=True),
)

responses = sa.Table(
    "responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("integration", sa.String(100), nullable=False),
    sa.Column("external_id", sa.String(200), nullable=False),
    sa.Column("score", sa.SmallInteger, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("survey_type", sa.String(20), nullable=False),
    sa.Column("touchpoint", sa.String(100)),
    sa.Column("customer_id", sa.String(200), nullable=False),
    sa.Column("customer_name", sa.String(200)),
    sa.Column("customer_email", sa.String(254)),
    sa.Column("customer_phone", sa.String(20)),
    sa.Column("responded_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("language", sa.String(35)),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("status", StrEnumColumn(ResponseStatus, 20), nullable=False),
    sa.Column("processed_at", UTCDateTime),
    sa.Column("case_id", sa.ForeignKey("cases.id"), index=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    # The team the response counts towards in reports, decided by routing when it is processed.
    sa.Column("team_id", sa.ForeignKey("teams.id")),
    # Which version of the response the row holds, by the sender's own clock or counter (when it gives one),
    # so that an older delivery arriving late never replaces it.
    sa.Column("version", sa.BigInteger),
    sa.Column("version_at", UTCDateTime),
    # Set when the customer's personal fields were erased (on request, or by retention); the score, dates and
    # team stay, so reports keep their figures, and a late re-delivery of the response changes nothing.
    sa.Column("erased_at", UTCDateTime),
    # The comment's themes (rows in response_themes): NULL while not yet tagged (new, or its comment changed),
    # else what the tagger made of it (domain.theme_tags.TagState) and which model did.
    sa.Column("theme_state", StrEnumColumn(TagState, 10)),
    sa.Column("tagged_at", UTCDateTime),
    sa.Column("tagged_by", sa.String(80)),
    sa.UniqueConstraint("integration", "external_id", name="uq_responses_integration_external_id"),
    # A customer's earlier answers: whether a new detractor is a repeat one (its case's risk).
    sa.Index("ix_responses_customer", "integration", "customer_id", "responded_at"),
    sa.Index("ix_responses_status_received_at", "status", "received_at"),
    sa.Index("ix_responses_responded_at", "responded_at"),
    sa.Index(
        "ix_responses_unerased",
        "responded_at",
        postgresql_where=sa.text("erased_at IS NULL"),
        sqlite_where=sa.text("erased_at IS NULL"),
    ),
    # What the reconciler looks for: commented responses not yet tagged (few, so the index stays small).
    sa.Index(
        "ix_responses_untagged",
        "received_at",
        postgresql_where=sa.text("theme_state IS NULL AND comment IS NOT NULL"),
        sqlite_where=sa.text("theme_state IS NULL AND comment IS NOT NULL"),
    ),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_key", sa.String(310), nullable=False),
    sa.Column("team_id", sa.ForeignKey("teams.id"), index=True),
    sa.Column("touchpoint", sa.String(100)),
    sa.Column("status", StrEnumColumn(CaseStatus, 20), nullable=False),
    sa.Column("outcome", StrEnumColumn(Outcome, 20)),
    sa.Column("assignee_id", sa.ForeignKey("agents.id"), index=True),
    sa.Column("opened_at", UTCDateTime, nullable=False, index=True),
    sa.Column("acknowledged_at", UTCDateTime),
    sa.Column("contacted_at", UTCDateTime),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("priority", StrEnumColumn(Priority, 10), nullable=False, server_default="normal"),
    sa.Column("rule", sa.String(100)),
    sa.Column("acknowledge_due_at", UTCDateTime),
    sa.Column("contact_due_at", UTCDateTime),
    sa.Column("close_due_at", UTCDateTime),
    sa.Column("erased_at", UTCDateTime),  # as for responses: the customer's traces in the case are gone
    # What the agent said at closure: the action taken (a code from NPSLOOP_CLOSURE_ACTIONS and a short note),
    # and when the reasons (rows in case_reasons) were recorded.
    sa.Column("action_code", sa.String(40)),
    sa.Column("action_note", sa.String(500)),
    sa.Column("reasons_at", UTCDateTime),
    # The risk (0-1) that the case ends badly, as assessed when it opened; why (short reasons) and by which model.
    sa.Column("risk", sa.Float),
    sa.Column("risk_reasons", sa.JSON),
    sa.Column("risk_model", sa.String(80)),
    sa.Index(
        "ix_cases_unerased",
        "closed_at",
        postgresql_where=sa.text("erased_at IS NULL"),
        sqlite_where=sa.text("erased_at IS NULL"),
    ),
    # One open case per customer is a database rule, not a check-then-insert race.
    sa.Index(
        "uq_cases_open_customer",
        "customer_key",
        unique=True,
        postgresql_where=sa.text("status <> 'closed'"),
        sqlite_where=sa.text("status <> 'closed'"),
    ),
    # A customer's earlier cases: how many ended unresolved (a new case's risk).
    sa.Index("ix_cases_customer", "customer_key", "closed_at"),
)

case_events = sa.Table(
    "case_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("kind", StrEnumColumn(EventKind, 40), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("data", sa.JSON),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("channel", StrEnumColumn(Channel, 10), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("state", StrEnumColumn(NotificationState, 10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("claimed_at", UTCDateTime),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("provider_id", sa.String(100)),
    sa.Column("last_error", sa.Text),
    # Set with next_attempt_at when an alert waits for its agent's working hours (or the team's opening): while
    # the two are equal the row is held, and the reconciler releases it the moment it is due.
    sa.Column("held_until", UTCDateTime),
    sa.Column("digest_id", sa.ForeignKey("notifications.id"), index=True),
    # What the provider later reported (Twilio status callbacks): queued, sent, delivered, undelivered, failed.
    sa.Column("delivery_status", sa.String(12)),
    sa.Column("delivered_at", UTCDateTime),
    sa.UniqueConstraint("case_id", "agent_id", "channel", "kind", name="uq_notifications_once"),
    sa.Index("ix_notifications_state_next_attempt_at", "state", "next_attempt_at"),
    sa.Index("ix_notifications_provider_id", "provider_id"),
)

# Work that could not be done: task messages that cannot be decoded, refer to rows that are gone, or keep
# failing. Kept with the error so an operator can see it (`npsloop dead-letters list`) and replay it.
quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("task", sa.String(100), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("retried_at", UTCDateTime),
)

routing_rules = sa.Table(
    "routing_rules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("match", sa.JSON, nullable=False),
    sa.Column("team_id", sa.ForeignKey("teams.id")),
    sa.Column("priority", StrEnumColumn(Priority, 10), nullable=False),
    sa.Column("open_case", sa.Boolean, nullable=False),
    sa.Column("loaded_at", UTCDateTime, nullable=False),
)

# One row per escalation step or reminder that has fired: the unique key is what makes the sweep safe to
# run twice at once (two beats, a retried task) — the second insert fails and that runner does nothing.
escalations = sa.Table(
    "escalations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("step", sa.String(40), nullable=False),
    sa.Column("fired_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("case_id", "step", name="uq_escalations_once"),
)

# API tokens: the secret is shown once at creation; only its SHA-256 is stored (the secret is 256 random
# bits, so a slow hash would add nothing but latency to every request).
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("role", sa.String(12), nullable=False),
    sa.Column("agent_id", sa.ForeignKey("agents.id")),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("last_used_at", UTCDateTime),
)

# A yearly NPS target, for one team or (team_id NULL) for the whole company.
nps_targets = sa.Table(
    "nps_targets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("team_id", sa.ForeignKey("teams.id")),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("nps", sa.Float, nullable=False),
    sa.Column("set_by", sa.String(100), nullable=False),
    sa.Column("set_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("team_id", "year", name="uq_nps_targets_team_year"),
    # NULLs are distinct in a unique constraint, so the company-wide target needs its own rule.
    sa.Index(
        "uq_nps_targets_company_year",
        "year",
        unique=True,
        postgresql_where=sa.text("team_id IS NULL"),
        sqlite_where=sa.text("team_id IS NULL"),
    ),
)

# One row, bumped in the same transaction as any change to teams or routing rules, so that a worker can keep
# what it read of them and know, with one indexed read a response, when it must read them again.
routing_version = sa.Table(
    "routing_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

# Survey tools and producers that push responses. The secret is kept encrypted, not hashed: a tool's
# signature is an HMAC over the body, and checking one needs the key itself. So are the credentials among
# the settings (the tool's API token); a dump of the database alone reveals none of them.
integrations = sa.Table(
    "integrations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("secret", EncryptedText, nullable=False),
    sa.Column("previous_secret", EncryptedText),
    sa.Column("previous_valid_until", UTCDateTime),
    sa.Column("config", CredentialSettings, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("rotated_at", UTCDateTime),
)

# Where case events go out to: a Slack incoming webhook, or a signed webhook of a helpdesk or CRM. The URL is
# encrypted with the secret: a Slack webhook URL is itself the credential, and so are many helpdesks' URLs.
outbound_endpoints = sa.Table(
    "outbound_endpoints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("url", EncryptedText, nullable=False),
    sa.Column("secret", EncryptedText),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# One row per endpoint and case event, written in the transaction that records the event (so none is missed
# and none is sent twice), then sent and retried from here; it is also the delivery log.
outbound_deliveries = sa.Table(
    "outbound_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("endpoint_id", sa.ForeignKey("outbound_endpoints.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event_id", sa.ForeignKey("case_events.id"), nullable=False),
    sa.Column("case_id", sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("event_kind", sa.String(40), nullable=False),
    sa.Column("status", StrEnumColumn(DeliveryStatus, 12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("claimed_until", UTCDateTime),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime),
    sa.UniqueConstraint("endpoint_id", "event_id", name="uq_outbound_deliveries_once"),
    sa.Index("ix_outbound_deliveries_due", "status", "next_attempt_at"),
)

# Delivery ids a sender gave (Formbricks' webhook-id, Delighted's and Typeform's event_id, an Idempotency-Key),
# remembered for a while so that a retried delivery is answered as a duplicate and changes nothing. The unique
# key is the rule: of two copies racing, one insert fails.
ingest_deliveries = sa.Table(
    "ingest_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("integration", sa.String(100), nullable=False),
    sa.Column("delivery_id", sa.String(200), nullable=False),
    sa.Column("response_id", sa.ForeignKey("responses.id", ondelete="CASCADE"), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("integration", "delivery_id", name="uq_ingest_deliveries_once"),
    sa.Index("ix_ingest_deliveries_received_at", "received_at"),
)

# The reason taxonomy, in its order, when one has been loaded; with none stored the default in the code applies
# (domain/theme_defaults.py), so a fresh install reads it and a new release's better wording reaches it.
themes = sa.Table(
    "themes",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False, unique=True),
    sa.Column("name_es", sa.String(100), nullable=False),
    sa.Column("name_en", sa.String(100), nullable=False),
    sa.Column("description_es", sa.String(400), nullable=False),
    sa.Column("description_en", sa.String(400), nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False),
)

# One row, bumped in the transaction that changes the taxonomy: what was tagged under an older version is what
# must be tagged again.
themes_version = sa.Table(
    "themes_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("changed_at", UTCDateTime),
)

# The themes of each response's comment, one row a theme: what cases, filters, reports and routing read.
response_themes = sa.Table(
    "response_themes",
    metadata,
    sa.Column("response_id", sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme", sa.String(40), primary_key=True),
    sa.Column("polarity", sa.String(10), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Index("ix_response_themes_theme", "theme", "polarity"),
)

# The reason themes an agent confirmed or corrected when closing a case: the labels the tagger learns from.
case_reasons = sa.Table(
    "case_reasons",
    metadata,
    sa.Column("case_id", sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme", sa.String(40), primary_key=True),
)

# Tagger models fitted on this installation's labels (`npsloop themes train`), every version kept with the
# held-out scores that decided it; at most one is active (a partial unique index), and with none the default
# model (fitted on the shipped seed) tags. `data` is tagging/model_file.py's pickle-free format.
tagger_models = sa.Table(
    "tagger_models",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("trained_on", sa.Integer, nullable=False),  # installation labels fitted (the held-out ones apart)
    sa.Column("score_before", sa.Float, nullable=False),  # held-out macro-F1 of the model active when trained
    sa.Column("score_after", sa.Float, nullable=False),  # held-out macro-F1 of this one
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Index(
        "uq_tagger_models_active",
        "active",
        unique=True,
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    ),
)

# Learned risk models: a logistic regression is its coefficients, kept as JSON (never a pickle). At most one is
# active (a partial unique index), and new cases are scored by it.
risk_models = sa.Table(
    "risk_models",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("trained_on", sa.Integer, nullable=False),
    sa.Column("auc", sa.Float),  # on the held-out newest cases, learned from the older ones
    sa.Column("rule_auc", sa.Float),  # the rule's, on the same cases
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("model", sa.JSON, nullable=False),
    sa.Index(
        "uq_risk_models_active",
        "active",
        unique=True,
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    ),
)

# The monthly review emailed to each supervisor: one row per month and recipient, written (and committed) before
# the email goes, so a second beat, a retried task or tomorrow's run finds it and sends nothing twice.
review_emails = sa.Table(
    "review_emails",
    metadata,
    sa.Column("month", sa.String(7), primary_key=True),  # "2026-11"
    sa.Column("agent_id", sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("claimed_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("error", sa.String(300)),  # why the mail server refused it for good
)

# The recovery follow-up: one row per resolved closure that a team's setting asks about, from the scheduled message
# (held until the customer's contact window opens) to the customer's answer. The unique key makes the decision
# once per closure, whoever closes and however often the task runs.
recovery_requests = sa.Table(
    "recovery_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("team_id", sa.ForeignKey("teams.id")),
    sa.Column("customer_key", sa.String(310), nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=False),  # the closure it follows: reports count by it
    sa.Column("channel", sa.String(10)),
    sa.Column("language", sa.String(16)),
    sa.Column("state", StrEnumColumn(RecoveryState, 12), nullable=False),
    sa.Column("due_at", UTCDateTime),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("answered_at", UTCDateTime),
    sa.Column("solved", sa.Boolean),
    sa.Column("new_score", sa.SmallInteger),
    sa.Column("comment", sa.Text),
    sa.Column("reopened", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Why nothing went (skipped, failed): a short code, never personal data.
    sa.Column("reason", sa.String(40)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    # Whose claim is sending it now (as notifications: only the claimer sends), and when the customer's
    # personal data in the row (the comment) was erased.
    sa.Column("claimed_at", UTCDateTime),
    sa.Column("erased_at", UTCDateTime),
    sa.UniqueConstraint("case_id", "closed_at", name="uq_recovery_requests_case_id"),
    sa.Index("ix_recovery_requests_due", "state", "due_at"),
    sa.Index("ix_recovery_requests_customer", "customer_key", "created_at"),
)

# Customers who asked never to receive a recovery message again, by the link in one; honoured from that moment.
recovery_opt_outs = sa.Table(
    "recovery_opt_outs",
    metadata,
    sa.Column("customer_key", sa.String(310), primary_key=True),
    sa.Column("opted_out_at", UTCDateTime, nullable=False),
    sa.Column("via", sa.String(20), nullable=False),
)

# The audit trail of administrative changes (domain.audit): written by the service that makes a change, in its
# transaction. Before and after are JSON with secrets replaced by a marker; no foreign key, so a record outlives
# the team, agent or token it names.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("actor", sa.String(200), nullable=False, index=True),
    sa.Column("entity_kind", sa.String(20), nullable=False, index=True),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("entity_name", sa.String(200), nullable=False),
    sa.Column("entity_id", sa.Integer),
    sa.Column("team_id", sa.Integer, index=True),
    sa.Column("before", sa.JSON),
    sa.Column("after", sa.JSON),
)
