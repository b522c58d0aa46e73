"""One entry of the stream intake: the same JSON as POST /v1/responses, validated the same way, stored
through the same idempotent ingest. An entry seen twice (a consumer died after storing, before
acknowledging) is a duplicate, never a second response.

An entry is not signed: anyone who can XADD to the stream is trusted to be a producer inside the network,
not to speak for a survey tool. So an entry counts only under an intake integration the operator declared,
never under a signed one (a survey tool in the integrations table, or a name in NPSLOOP_WEBHOOK_SECRETS),
whose response ids it could otherwise overwrite or take first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from npsloop.ingest import strict_json
from npsloop.ingest.schemas import ResponseIn, field_errors
from npsloop.services.ingest import IngestResult, ingest_payload
from npsloop.services.unit_of_work import UnitOfWork

MAX_INTEGRATION = 64


@dataclass(frozen=True)
class Rejected:
    errors: list[dict[str, str]]


@dataclass(frozen=True)
class IntakeIntegrations:
    """Which integrations an entry may name: `default` when it names none, any of `declared`, none of
    `signed` (declaring a signed one by mistake does not open it)."""

    default: str
    declared: frozenset[str]
    signed: frozenset[str]

    def refusal(self, name: str) -> str | None:
        if name in self.signed:
            return f"'{name}' is a signed integration: its responses come only through its own signed webhook"
        if name not in self.declared:
            return f"'{name}' is not an intake integration (the operator declares them in NPSLOOP_INTAKE_INTEGRATIONS)"
        return None


def intake_integrations(
    *, uow: UnitOfWork, default: str, declared: Iterable[str], signed_by_secret: Iterable[str]
) -> IntakeIntegrations:
    """Read for every batch, so a survey tool added while the intake runs is closed to it from the next one.
    Raises StoreUnavailable when the database is down."""
    with uow:
        tools = uow.integrations.names()
    return IntakeIntegrations(
        default=default, declared=frozenset({default, *declared}), signed=frozenset({*tools, *signed_by_secret})
    )


def take_entry(
    *, uow: UnitOfWork, fields: dict[str, str], integrations: IntakeIntegrations, now: datetime
) -> IngestResult | Rejected:
    """Raises StoreUnavailable when the database is down: the entry stays unacknowledged and is retried."""
    undecodable = _undecodable(fields)
    if undecodable:
        return undecodable
    integration = fields.get("integration") or integrations.default
    if len(integration) > MAX_INTEGRATION or not integration.strip():
        return Rejected([{"field": "integration", "message": f"at most {MAX_INTEGRATION} characters, not blank"}])
    refusal = integrations.refusal(integration)
    if refusal:
        return Rejected([{"field": "integration", "message": refusal}])
    raw = fields.get("response")
    if raw is None:
        return Rejected([{"field": "response", "message": "the entry has no 'response' field"}])
    data = _parse(raw)
    if isinstance(data, Rejected):
        return data
    if not isinstance(data, dict):
        return Rejected([{"field": "response", "message": "expected a JSON object"}])
    try:
        payload = ResponseIn.model_validate(data)
    except ValidationError as error:
        return Rejected(field_errors(error))
    return ingest_payload(uow=uow, integration=integration, payload=payload, now=now)


def _undecodable(fields: dict[str, str]) -> Rejected | None:
    """The intake reads Redis with surrogateescape (ingest/stream_consumer.py), so that bytes that are not UTF-8 (a
    producer writing Latin-1) fail their own entry here rather than the read of a whole batch."""
    for name, value in fields.items():
        try:
            name.encode(), value.encode()
        except UnicodeEncodeError:
            field = name if name.isprintable() and name.isascii() else "entry"
            return Rejected([{"field": field, "message": "not valid UTF-8"}])
    return None


def _parse(raw: str) -> object:
    """The JSON of an entry, read by the one strict parser every door uses (depth, repeated keys, numbers),
    or why it is none."""
    try:
        return strict_json.loads(raw.encode("utf-8"))
    except strict_json.InvalidJson as error:
        return Rejected([{"field": "response", "message": str(error)}])
