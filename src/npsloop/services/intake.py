"""One entry of the stream intake: the same JSON as POST /v1/responses, validated the same way, stored
through the same idempotent ingest. An entry seen twice (a consumer died after storing, before
acknowledging) is a duplicate, never a second response."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from npsloop.ingest.schemas import ResponseIn, field_errors
from npsloop.services.ingest import IngestResult, ingest_payload
from npsloop.services.ports import Dispatcher
from npsloop.store.uow import UnitOfWork

MAX_INTEGRATION = 64


@dataclass(frozen=True)
class Rejected:
    errors: list[dict[str, str]]


def take_entry(
    *, uow: UnitOfWork, dispatcher: Dispatcher, fields: dict[str, str], default_integration: str, now: datetime
) -> IngestResult | Rejected:
    """Raises StoreUnavailable when the database is down: the entry stays unacknowledged and is retried."""
    integration = fields.get("integration") or default_integration
    if len(integration) > MAX_INTEGRATION or not integration.strip():
        return Rejected([{"field": "integration", "message": f"at most {MAX_INTEGRATION} characters, not blank"}])
    raw = fields.get("response")
    if raw is None:
        return Rejected([{"field": "response", "message": "the entry has no 'response' field"}])
    try:
        data = json.loads(raw)
    except ValueError as error:
        return Rejected([{"field": "response", "message": f"not valid JSON ({error.msg})"}])
    if not isinstance(data, dict):
        return Rejected([{"field": "response", "message": "expected a JSON object"}])
    try:
        payload = ResponseIn.model_validate(data)
    except ValidationError as error:
        return Rejected(field_errors(error))
    return ingest_payload(uow=uow, dispatcher=dispatcher, integration=integration, payload=payload, now=now)
