"""Twilio's callbacks. Each is verified with the SDK's RequestValidator against X-Twilio-Signature, over
the public URL Twilio called; a forged or unsigned one gets 403 and changes nothing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from npsloop.api.errors import ApiError, documented
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.services.delivery import record_delivery
from npsloop.services.replies import handle_agent_reply

router = APIRouter(prefix="/v1/twilio", tags=["twilio"], responses=documented(403, 503))


async def verified_form(request: Request, runtime: Runtime) -> dict[str, str]:
    token = runtime.settings.twilio_auth_token.get_secret_value()
    if not token:
        raise ApiError(403, "forbidden", "Twilio is not configured (NPSLOOP_TWILIO_AUTH_TOKEN)")
    form = {key: str(value) for key, value in (await request.form()).items()}
    url = runtime.settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(token).validate(url, form, signature):
        raise ApiError(403, "forbidden", "the request is not signed by Twilio")
    return form


@router.post(
    "/inbound",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}, **documented(409)},
)
async def inbound(request: Request, runtime: RuntimeDep) -> Response:
    """An agent's reply to an alert, by SMS or WhatsApp (From `whatsapp:+...`). The answer goes back as TwiML, so
    Twilio sends it to the agent on the same channel. A WhatsApp message delivered twice (the same MessageSid) is
    refused with 409 and changes nothing."""
    form = await verified_form(request, runtime)
    outcome = await run_in_threadpool(
        lambda: handle_agent_reply(
            uow=runtime.uow(),
            from_phone=form.get("From", ""),
            text=form.get("Body", ""),
            now=runtime.clock(),
            message_sid=form.get("MessageSid", ""),
        )
    )
    if outcome.code == "replayed":
        raise ApiError(409, "replayed", "this WhatsApp message was already handled")
    text = runtime.renderer.sms("reply", outcome.language, vars(outcome))
    twiml = MessagingResponse()
    twiml.message(text)
    return Response(str(twiml), media_type="application/xml")


@router.post("/status", status_code=204, response_class=Response)
async def status(request: Request, runtime: RuntimeDep) -> Response:
    """Delivery reports for the SMS we sent (the StatusCallback given when sending)."""
    form = await verified_form(request, runtime)
    await run_in_threadpool(
        lambda: record_delivery(
            uow=runtime.uow(),
            provider_id=form.get("MessageSid", ""),
            status=form.get("MessageStatus", "").lower(),
            error_code=form.get("ErrorCode") or None,
            now=runtime.clock(),
        )
    )
    return Response(status_code=204)
