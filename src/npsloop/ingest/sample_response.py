"""A sample response pasted into the dashboard to try the routing rules on: the JSON that /v1/responses takes,
with what routing never reads (response_id, customer, responded_at) filled in when left out. It is read as
strictly as a webhook body and validated by the same schema, so a sample the API would refuse is refused here
with the same words. Nothing is stored: the result is a domain Response nobody saves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from npsloop.domain.errors import DomainError
from npsloop.domain.responses import Response
from npsloop.ingest.schemas import ResponseIn, field_errors
from npsloop.ingest.strict_json import InvalidJson, loads

MAX_SAMPLE = 20_000  # characters: a real response with a long comment is a few thousand
PREVIEW = "preview"  # the integration and customer a sample is taken to come from when it names none
MAX_INTEGRATION = 100


class SampleError(DomainError):
    """The sample cannot be tried: said of the sample, to be shown beside its field."""


def read_sample(text: str, now: datetime) -> Response:
    if len(text) > MAX_SAMPLE:
        raise SampleError(f"the sample is longer than {MAX_SAMPLE:,} characters ({len(text):,})")
    if not text.strip():
        raise SampleError('paste a response as JSON, for example {"score": 3, "touchpoint": "delivery"}')
    try:
        data: Any = loads(text.encode("utf-8", "surrogatepass"))
    except InvalidJson as error:
        raise SampleError(f"the sample {error}") from None
    if not isinstance(data, dict):
        raise SampleError("the sample must be a JSON object, as /v1/responses takes")
    integration = data.pop("integration", PREVIEW)
    if not isinstance(integration, str) or not 0 < len(integration.strip()) <= MAX_INTEGRATION:
        raise SampleError(f"integration: the name of an integration, at most {MAX_INTEGRATION} characters")
    data.setdefault("response_id", PREVIEW)
    data.setdefault("customer", {"id": PREVIEW})
    data.setdefault("responded_at", now.isoformat())
    try:
        sample = ResponseIn.model_validate(data)
    except ValidationError as error:
        raise SampleError("; ".join(f"{e['field']}: {e['message']}" for e in field_errors(error))) from None
    return sample.to_domain(integration=integration.strip(), received_at=now)
