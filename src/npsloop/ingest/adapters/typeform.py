"""Typeform: one `form_response` event per submitted form. The score is the answer to an `nps` or
`opinion_scale` field (which one is configurable, by the field's ref or id; by default the first such field),
the comment a `long_text` answer, the customer a hidden field (or the email answer). The version of a
response is its `submitted_at` (its responded_at); `event_id`, the same on Typeform's retries, makes a retry a
no-op.

Signature: `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`, keyed with the webhook's secret
(https://www.typeform.com/developers/webhooks/secure-your-webhooks/).
"""

from __future__ import annotations

import base64
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
    optional_object,
    require_object,
    response,
    score_of,
    text_or_none,
)

HEADER = "Typeform-Signature"
SCORE_TYPES = ("nps", "opinion_scale")
CUSTOMER_HIDDEN = ("customer_id", "user_id", "email")


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _field_names(answer: dict[str, Any]) -> set[str]:
    field = optional_object(answer.get("field"), "form_response.answers.field")
    return {str(field.get("ref")), str(field.get("id"))} - {"None"}


def _field_type(answer: dict[str, Any]) -> str | None:
    field = answer.get("field")
    return field.get("type") if isinstance(field, dict) else None


class Typeform(ToolAdapter):
    def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return check_common(config, {"score_field", "comment_field", "customer_hidden_field"})

    def verify(self, request: Request, secrets: list[str], config: Mapping[str, Any], now: float) -> None:
        self.check_header(request, HEADER, [sign(secret, request.body) for secret in secrets])

    def parse(self, request: Request, config: Mapping[str, Any], fetch: Fetch) -> dict[str, Any] | Ignored:
        payload = require_object(json_body(request), "body")
        if payload.get("event_type") != "form_response":
            return Ignored(f"Typeform event {str(payload.get('event_type'))[:60]!r} is not a form response")
        form = require_object(payload.get("form_response"), "form_response")
        answers = [a for a in form.get("answers") or [] if isinstance(a, dict)]
        score_answer = self._pick(answers, config.get("score_field"), SCORE_TYPES)
        if score_answer is None:
            wanted = (
                f"field {config['score_field']!r}" if config.get("score_field") else "an nps or opinion_scale field"
            )
            raise PayloadError("score", f"the form response has no answer to {wanted}")
        comment_answer = self._pick(answers, config.get("comment_field"), ("long_text",))
        hidden = optional_object(form.get("hidden"), "form_response.hidden")
        email = next((a.get("email") for a in answers if a.get("type") == "email"), None)
        customer_id = self._customer(hidden, config.get("customer_hidden_field")) or email or form.get("token")
        return response(
            config,
            self.survey_type,
            response_id=form.get("token"),
            score=score_of(score_answer.get("number"), "the score answer's number"),
            comment=text_or_none(comment_answer.get("text")) if comment_answer else None,
            customer={"id": customer_id, "email": text_or_none(email or hidden.get("email"))},
            responded_at=form.get("submitted_at"),
            attributes={
                **{k: v for k, v in hidden.items() if isinstance(v, str | int | float) and k != "email"},
                "typeform_form_id": form.get("form_id"),
            },
        )

    def delivery_id(self, request: Request) -> str | None:
        return self.body_field(request, "event_id")

    @staticmethod
    def _pick(answers: list[dict[str, Any]], named: Any, types: tuple[str, ...]) -> dict[str, Any] | None:
        if named:
            return next((a for a in answers if str(named) in _field_names(a)), None)
        return next((a for a in answers if _field_type(a) in types), None)

    @staticmethod
    def _customer(hidden: dict[str, Any], named: Any) -> str | None:
        for key in [named] if named else CUSTOMER_HIDDEN:
            value = hidden.get(key)
            if isinstance(value, str | int) and str(value).strip():
                return str(value).strip()
        return None


ADAPTER = Typeform()
