"""POST /v1/integrations/{kind}/{name}: survey tools' own webhooks, as the tools send them.

Answers: 202/200 stored (as /v1/responses: a tool's retry, known by its delivery id, or an older event
arriving late is 200 `duplicate` or `stale` and changes nothing), 200 `ignored` for the tool's other events
and test pings (so the tool stops retrying them), 401 for a bad signature, 404 for no such integration, 422
with the field and the reason when the payload cannot make a response, 503 when the tool's own API (read
back for tools whose webhook only names the response) or our database is down: the tool retries, nothing is
lost."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from npsloop.api.errors import ApiError, documented
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.api.webhooks import REPEAT, IngestAnswer, stored_reply, within_rate
from npsloop.bootstrap import Runtime
from npsloop.domain.integrations import Integration, UnknownIntegration
from npsloop.ingest.adapters.base import Ignored, PayloadError, SignatureError, UpstreamError
from npsloop.ingest.adapters.base import Request as ToolRequest
from npsloop.ingest.fetch import reader
from npsloop.ingest.schemas import field_errors
from npsloop.metrics import INTEGRATION_EVENTS
from npsloop.services import integrations as service
from npsloop.services.ingest import ingest_payload

router = APIRouter(tags=["integrations"])
PATH = "/v1/integrations/{kind}/{name}"


class ToolAnswer(BaseModel):
    status: Literal["updated", "duplicate", "stale", "ignored"]
    id: int | None = None
    changed: list[str] | None = None
    reason: str | None = None


async def _integration(runtime: Runtime, kind: str, name: str) -> Integration:
    try:
        return await run_in_threadpool(service.find, uow=runtime.uow(), kind=kind, name=name)
    except UnknownIntegration as error:
        raise ApiError(404, "not_found", str(error)) from None


@router.api_route(PATH, methods=["GET", "HEAD"], include_in_schema=False)
async def ping(kind: str, name: str, runtime: RuntimeDep) -> JSONResponse:
    """SurveyMonkey checks a subscription URL with HEAD, Qualtrics with GET: say it exists, nothing more."""
    await _integration(runtime, kind, name)
    return JSONResponse({"status": "ok"})


@router.post(
    PATH,
    status_code=202,
    response_model=IngestAnswer,
    responses={
        200: {"model": ToolAnswer, "description": f"{REPEAT} Or `ignored`: the tool's event is not a response."},
        **documented(401, 404, 413, 422, 429, 503),
    },
)
async def receive(kind: str, name: str, request: Request, runtime: RuntimeDep) -> JSONResponse:
    integration = await _integration(runtime, kind, name)
    body = await request.body()  # bounded before routing (api/body_limit.py)
    tool_request = ToolRequest(headers=request.headers, body=body, query=request.query_params)
    now = runtime.clock()
    try:
        service.verify(integration, tool_request, now)
    except SignatureError as error:
        INTEGRATION_EVENTS.labels(kind, "bad_signature").inc()
        raise ApiError(401, "bad_signature", str(error)) from None
    await within_rate(runtime, integration.name, 1)
    try:
        translated = await run_in_threadpool(service.translate, integration, tool_request, reader(runtime.egress), now)
    except PayloadError as error:
        INTEGRATION_EVENTS.labels(kind, "invalid").inc()
        raise ApiError(
            422,
            "validation_failed",
            "the payload cannot make a response",
            errors=[{"field": error.field, "message": error.message}],
        ) from None
    except ValidationError as error:
        INTEGRATION_EVENTS.labels(kind, "invalid").inc()
        raise ApiError(
            422, "validation_failed", "the response has invalid fields", errors=field_errors(error)
        ) from None
    except UpstreamError as error:
        INTEGRATION_EVENTS.labels(kind, "upstream_error").inc()
        if error.retry:
            raise ApiError(503, "upstream_unavailable", str(error), headers={"Retry-After": "30"}) from None
        raise ApiError(422, "upstream_refused", str(error)) from None
    if isinstance(translated, Ignored):
        INTEGRATION_EVENTS.labels(kind, "ignored").inc()
        return JSONResponse({"status": "ignored", "reason": translated.reason}, status_code=200)
    result = await run_in_threadpool(
        ingest_payload,
        uow=runtime.uow(),
        integration=integration.name,
        payload=translated,
        now=now,
        delivery_id=service.delivery_id(integration, tool_request),
    )
    INTEGRATION_EVENTS.labels(kind, "stored").inc()
    return stored_reply(result)
