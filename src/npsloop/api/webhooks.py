"""Ingest: POST /v1/responses and POST /v1/responses:batch, signed like Stripe's webhooks."""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from npsloop.api.auth import principal_for
from npsloop.api.body import parse_json, require_json, require_object
from npsloop.api.errors import ApiError, FieldError, documented
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.domain.access import Permission
from npsloop.ingest import signature
from npsloop.ingest.schemas import BatchIn, ResponseIn, field_errors
from npsloop.ratelimit import OverBurst, retry_after_header
from npsloop.services.ingest import IngestResult, Outcome, ingest_payload

router = APIRouter(tags=["ingest"])
BATCH_PATH = "/v1/responses:batch"  # the one route whose body may exceed max_body_bytes

SIGNATURE_PARAM = {
    "name": signature.HEADER,
    "in": "header",
    "required": False,
    "description": (
        "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<raw body>'>; several v1 allowed. "
        "Without it, send Authorization: Bearer <token of the integration role>."
    ),
    "schema": {"type": "string"},
}


# The body is read raw (the signature covers its bytes), so FastAPI cannot document it from a parameter;
# the schemas are documented by hand, their nested models placed where OpenAPI references resolve.
COMPONENTS: dict[str, Any] = {}


def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    COMPONENTS.update(schema.pop("$defs", {}))
    COMPONENTS[model.__name__] = schema
    return {
        "parameters": [SIGNATURE_PARAM],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        },
    }


async def signed_json(request: Request, runtime: Runtime) -> tuple[str, dict[str, Any]]:
    """The integration a body comes from: named by its signing secret, or by an integration-role token for
    producers that cannot sign (the token's name is then the integration's). The body is bounded before
    routing (api/body_limit.py), so reading it whole here is safe."""
    body = await request.body()
    require_json(request)
    settings = runtime.settings
    authorization = request.headers.get("authorization", "")
    if signature.HEADER not in request.headers and authorization[:7].lower() == "bearer ":
        who = await principal_for(runtime, authorization[7:])
        if who is None:
            raise ApiError(401, "unauthorized", "the token is not valid, has expired or was revoked")
        who.require(Permission.PUSH_RESPONSES)
        return who.name, require_object(parse_json(body))
    try:
        integration = signature.verify(
            request.headers.get(signature.HEADER),
            body,
            settings.webhook_secret_map(),
            now=time.time(),
            tolerance=settings.signature_tolerance_seconds,
        )
    except signature.SignatureError as error:
        raise ApiError(401, "bad_signature", str(error)) from None
    return integration, require_object(parse_json(body))


async def within_rate(runtime: Runtime, integration: str, cost: int) -> None:
    """Counted per integration after the signature, so nobody can spend another integration's budget. A batch
    costs its size; one larger than the burst is refused without a Retry-After, as waiting would not help. The
    bucket may be a Redis round trip away: it is taken off the event loop, which other requests share."""
    if runtime.limiter is None:
        return
    settings = runtime.settings
    try:
        wait = await run_in_threadpool(
            runtime.limiter.take,
            f"ingest:{integration}",
            cost,
            per_minute=settings.ingest_rate_per_minute,
            burst=settings.ingest_burst,
        )
    except OverBurst as error:
        raise ApiError(
            429,
            "batch_over_burst",
            f"integration {integration!r} may send at most {error.burst} responses at once; split the batch",
            errors=[{"field": "responses", "message": str(error)}],
        ) from None
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"integration {integration!r} is over {settings.ingest_rate_per_minute} responses a minute",
            headers={"Retry-After": retry_after_header(wait)},
        )


def _ingest(runtime: Runtime, integration: str, payload: ResponseIn, delivery_id: str | None = None) -> IngestResult:
    return ingest_payload(
        uow=runtime.uow(),
        integration=integration,
        payload=payload,
        now=runtime.clock(),
        delivery_id=delivery_id,
    )


IDEMPOTENCY_PARAM = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any id of this delivery, the same on its retries: a second delivery with a key already seen (kept "
        "for NPSLOOP_DELIVERY_ID_RETENTION_DAYS) changes nothing and is answered 200 `duplicate`."
    ),
    "schema": {"type": "string"},
}
REPEAT = (
    "a repeat of a stored response_id: `updated` (a newer version changed the fields in `changed`), "
    "`duplicate` (the same version again, or a delivery id already seen) or `stale` (an older version than the "
    "one stored: a late retry or a replay). Neither `duplicate` nor `stale` changes anything. Which version is "
    "newer is told by `version` if both carry one, else `updated_at`, else `responded_at`; when they tie, a "
    "delivery that would take information away (a comment, a contact field, an attribute) is `stale`, and a "
    "missing comment or contact field never erases a stored one."
)


class IngestAnswer(BaseModel):
    id: int
    status: Literal["accepted", "updated", "duplicate", "stale"]
    changed: list[str] | None = None


class BatchItem(BaseModel):
    index: int
    status: Literal["accepted", "updated", "duplicate", "stale", "invalid"]
    id: int | None = None
    changed: list[str] | None = None
    errors: list[FieldError] | None = None


class BatchAnswer(BaseModel):
    results: list[BatchItem]
    accepted: int
    updated: int
    duplicate: int
    stale: int
    invalid: int


def stored_reply(result: IngestResult) -> JSONResponse:
    """202 for a response stored for the first time, 200 for a repeat (updated, duplicate or stale)."""
    return JSONResponse(_answer(result), status_code=202 if result.created else 200)


def _answer(result: IngestResult) -> dict[str, Any]:
    if result.outcome is Outcome.UPDATED:
        return {"id": result.id, "status": "updated", "changed": list(result.changed_fields)}
    return {"id": result.id, "status": result.outcome.value}


@router.post(
    "/v1/responses",
    status_code=202,
    openapi_extra={**openapi_body(ResponseIn), "parameters": [SIGNATURE_PARAM, IDEMPOTENCY_PARAM]},
    response_model=IngestAnswer,
    responses={
        200: {"model": IngestAnswer, "description": REPEAT},
        **documented(400, 401, 403, 413, 415, 422, 429, 503),
    },
)
async def post_response(request: Request, runtime: RuntimeDep) -> JSONResponse:
    integration, data = await signed_json(request, runtime)
    await within_rate(runtime, integration, 1)
    try:
        payload = ResponseIn.model_validate(data)
    except ValidationError as error:
        raise ApiError(
            422, "validation_failed", "the response has invalid fields", errors=field_errors(error)
        ) from None
    key = request.headers.get("idempotency-key") or None
    result = await run_in_threadpool(_ingest, runtime, integration, payload, key)
    return stored_reply(result)


@router.post(
    BATCH_PATH,
    openapi_extra=openapi_body(BatchIn),
    response_model=BatchAnswer,
    responses=documented(400, 401, 403, 413, 415, 422, 429, 503),
)
async def post_batch(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Each item is validated and stored on its own: one bad row never costs the other 999."""
    integration, data = await signed_json(request, runtime)
    try:
        batch = BatchIn.model_validate(data)
    except ValidationError as error:
        raise ApiError(422, "validation_failed", "the batch is malformed", errors=field_errors(error)) from None
    if len(batch.responses) > runtime.settings.max_batch_items:
        raise ApiError(422, "validation_failed", f"at most {runtime.settings.max_batch_items} responses a batch")
    await within_rate(runtime, integration, len(batch.responses))
    results: list[dict[str, Any]] = []
    for index, item in enumerate(batch.responses):
        try:
            payload = ResponseIn.model_validate(item)
        except ValidationError as error:
            results.append({"index": index, "status": "invalid", "errors": field_errors(error)})
            continue
        result = await run_in_threadpool(_ingest, runtime, integration, payload)
        results.append({"index": index, **_answer(result)})
    counts = {
        status: sum(1 for r in results if r["status"] == status)
        for status in ("accepted", "updated", "duplicate", "stale", "invalid")
    }
    return JSONResponse({"results": results, **counts})
