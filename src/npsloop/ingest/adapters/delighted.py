"""Delighted: `survey_response.created` carries the score the moment it is chosen, `survey_response.updated`
the comment written minutes later; both name the same response id, so the second updates the first.
Which is the newer is told by the response's `updated_at` (the events may arrive in any order, and a
captured one can be sent again: the signature holds no time), and each event's `event_id`, kept on Delighted's
retries, makes a retry a no-op.

Signature: `X-Delighted-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the
account's API key (https://app.delighted.com/docs/api/webhooks).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from npsloop.ingest.adapters.base import (
    Fetch,
    Ignored,
    PayloadError,
    Request,
    ToolAdapter,
    check_common,
    json_body,
    require_object,
    response,
    score_of,
    text_or_none,
    unix_time,
)

HEADER = "X-Delighted-Webhook-Signature"
RESPONSE_EVENTS = {"survey_response.created", "survey_response.updated"}


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Delighted(ToolAdapter):
    survey_type = "relational"  # Delighted's NPS surveys ask about the relationship unless told otherwise

    def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return check_common(config, {"touchpoint_property"})

    def verify(self, request: Request, secrets: list[str], config: Mapping[str, Any], now: float) -> None:
        self.check_header(request, HEADER, [sign(secret, request.body) for secret in secrets])

    def parse(self, request: Request, config: Mapping[str, Any], fetch: Fetch) -> dict[str, Any] | Ignored:
        payload = require_object(json_body(request), "body")
        event = payload.get("event_type")
        if not isinstance(event, str) or event not in RESPONSE_EVENTS:  # a list would raise TypeError
            return Ignored(f"Delighted event {str(event)[:60]!r} is not a survey response")
        data = require_object(payload.get("event_data"), "event_data")
        if data.get("survey_type", "nps") != "nps":
            return Ignored(f"Delighted survey type {str(data.get('survey_type'))[:30]!r} is not NPS")
        if data.get("score") is None:
            raise PayloadError("score", "event_data.score is missing")
        person = require_object(data.get("person") or {}, "event_data.person")
        properties = data.get("person_properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        built = response(
            config,
            self.survey_type,
            response_id=data.get("id"),
            score=score_of(data["score"], "event_data.score"),
            comment=text_or_none(data.get("comment")),
            customer={
                "id": str(person["id"]) if person.get("id") is not None else person.get("email"),
                "name": text_or_none(person.get("name")),
                "email": text_or_none(person.get("email")),
                "phone": text_or_none(person.get("phone_number")),
            },
            responded_at=unix_time(data.get("created_at"), "event_data.created_at"),
            attributes={k: v for k, v in properties.items() if isinstance(v, str | int | float)},
        )
        if data.get("updated_at") is not None:
            built["updated_at"] = unix_time(data["updated_at"], "event_data.updated_at")
        touchpoint_property = config.get("touchpoint_property")
        if touchpoint_property and isinstance(properties.get(touchpoint_property), str):
            built["touchpoint"] = properties[touchpoint_property]
        return built

    def delivery_id(self, request: Request) -> str | None:
        return self.body_field(request, "event_id")


ADAPTER = Delighted()
