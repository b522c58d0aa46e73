"""Email bounces that arrive after the SMTP server accepted the message (a mailbox that turned out not to
exist, a full inbox). A mail relay or provider posts them here, signed like every inbound webhook; the
alert then fails over to the agent's SMS."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from npsloop.api.errors import ApiError, documented
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.api.webhooks import openapi_body, signed_json
from npsloop.ingest.schemas import Text, field_errors
from npsloop.services.delivery import record_delivery

router = APIRouter(prefix="/v1/email", tags=["email"])


class BounceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: Annotated[Text, Field(min_length=3, max_length=300)]
    reason: Annotated[Text, Field(max_length=500)] | None = None


@router.post(
    "/bounces",
    status_code=204,
    response_class=Response,
    openapi_extra=openapi_body(BounceIn),
    responses=documented(400, 401, 413, 415, 422, 503),
)
async def bounce(request: Request, runtime: RuntimeDep) -> Response:
    _, data = await signed_json(request, runtime)
    try:
        body = BounceIn.model_validate(data)
    except ValidationError as error:
        raise ApiError(422, "validation_failed", "the bounce has invalid fields", errors=field_errors(error)) from None
    await run_in_threadpool(
        lambda: record_delivery(
            uow=runtime.uow(),
            provider_id=body.message_id,
            status="bounced",
            error_code=body.reason,
            now=runtime.clock(),
        )
    )
    return Response(status_code=204)
