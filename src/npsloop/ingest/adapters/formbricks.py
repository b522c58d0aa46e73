"""Formbricks: `responseCreated`, `responseUpdated` and `responseFinished` carry the response so far, its
answers keyed by question id; which question holds the NPS is set per integration. A partial response
without the score yet is acknowledged and skipped; the update that brings it is stored. Which of two events is
the newer is told by the response's `updatedAt` (not by `webhook-timestamp`, which is the time of the attempt:
a retry of an old event carries a new one); `webhook-id`, the same on every retry, makes a retry a no-op.

Signature: Standard Webhooks (https://www.standardwebhooks.com/), which Formbricks signs with:
`webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`,
keyed with the base64 part of the endpoint's `whsec_...` secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from npsloop.domain.numbers import is_decimal
from npsloop.ingest.adapters.base import (
    ConfigError,
    Fetch,
    Ignored,
    PayloadError,
    Request,
    SignatureError,
    ToolAdapter,
    check_common,
    json_body,
    matches_any,
    optional_object,
    require_object,
    response,
    score_of,
    text_or_none,
)

EVENTS = {"responseCreated", "responseUpdated", "responseFinished"}
TOLERANCE_SECONDS = 300


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError("a Formbricks secret is 'whsec_' followed by base64") from None


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


class Formbricks(ToolAdapter):
    def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return check_common(config, {"score_question", "comment_question"}, frozenset({"score_question"}))

    def check_secret(self, secret: str) -> None:
        _key(secret)

    def verify(self, request: Request, secrets: list[str], config: Mapping[str, Any], now: float) -> None:
        webhook_id = request.headers.get("webhook-id")
        stamp = request.headers.get("webhook-timestamp", "")
        given = request.headers.get("webhook-signature")
        if not webhook_id or not given:
            raise SignatureError("missing webhook-id or webhook-signature header")
        if not is_decimal(stamp) or len(stamp) > 12:
            raise SignatureError("webhook-timestamp is not a unix time")
        if abs(now - int(stamp)) > TOLERANCE_SECONDS:
            raise SignatureError(f"webhook-timestamp is outside the {TOLERANCE_SECONDS} s tolerance")
        expected = [sign(secret, webhook_id, int(stamp), request.body) for secret in secrets]
        # Several signatures may be sent, space-separated, while the sender rotates its secret.
        if not any(matches_any(candidate, expected) for candidate in given.split()):
            raise SignatureError("webhook-signature does not match the body")

    def parse(self, request: Request, config: Mapping[str, Any], fetch: Fetch) -> dict[str, Any] | Ignored:
        payload = require_object(json_body(request), "body")
        event = payload.get("event")
        if not isinstance(event, str) or event not in EVENTS:  # a list would raise TypeError
            return Ignored(f"Formbricks event {str(event)[:60]!r} is not a response")
        data = require_object(payload.get("data"), "data")
        answers = optional_object(data.get("data"), "data.data")
        question = str(config["score_question"])
        if answers.get(question) in (None, ""):
            if event != "responseFinished":
                return Ignored(f"partial response without an answer to {question!r} yet")
            raise PayloadError("score", f"the finished response has no answer to question {question!r}")
        comment_question = config.get("comment_question")
        contact = optional_object(data.get("contact"), "data.contact")
        attributes = optional_object(data.get("contactAttributes"), "data.contactAttributes")
        meta = optional_object(data.get("meta"), "data.meta")
        customer_id = contact.get("userId") or contact.get("id") or attributes.get("userId") or attributes.get("email")
        built = response(
            config,
            self.survey_type,
            response_id=data.get("id"),
            score=score_of(answers[question], f"the answer to {question!r}"),
            comment=text_or_none(answers.get(str(comment_question))) if comment_question else None,
            customer={
                "id": str(customer_id) if customer_id else f"anonymous:{data.get('id')}",
                "email": text_or_none(attributes.get("email")),
            },
            responded_at=data.get("createdAt"),
            attributes={"formbricks_survey_id": data.get("surveyId"), "source": meta.get("source") or None},
            language=text_or_none(data.get("language")) if data.get("language") != "default" else None,
        )
        if data.get("updatedAt") is not None:
            built["updated_at"] = data["updatedAt"]
        return built

    def delivery_id(self, request: Request) -> str | None:
        return request.headers.get("webhook-id") or None


ADAPTER = Formbricks()
