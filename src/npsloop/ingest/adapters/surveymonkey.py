"""SurveyMonkey: the webhook only says that a response was completed (`response_completed`, with the
survey and respondent ids); the answers are read from SurveyMonkey's API with the integration's access
token (`GET /v3/surveys/{survey}/responses/{respondent}/details?simple=true`). Which question holds the
NPS, and which the comment, are set per integration.

Signature: `Sm-Signature: <base64 HMAC-SHA1 of the raw body>`, keyed with "<api key>&<api secret>" of the
SurveyMonkey app, which also sends its key in `Sm-Apikey` (https://api.surveymonkey.com/v3/docs#webhooks).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
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
    path_id,
    require_object,
    response,
    score_of,
    text_or_none,
)

DEFAULT_API = "https://api.surveymonkey.com"
ID = re.compile(r"[0-9]{1,20}")  # SurveyMonkey's survey and respondent ids are numbers


def sign(api_key: str, api_secret: str, body: bytes) -> str:
    key = f"{api_key}&{api_secret}".encode()
    return base64.b64encode(hmac.new(key, body, hashlib.sha1).digest()).decode()


def _answers(details: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for page in details.get("pages") or []:
        for question in page.get("questions") or [] if isinstance(page, dict) else []:
            if isinstance(question, dict):
                found[str(question.get("id"))] = [a for a in question.get("answers") or [] if isinstance(a, dict)]
    return found


class SurveyMonkey(ToolAdapter):
    def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        required = frozenset({"api_key", "access_token", "score_question"})
        return check_common(config, set(required) | {"comment_question", "api_base"}, required)

    def verify(self, request: Request, secrets: list[str], config: Mapping[str, Any], now: float) -> None:
        api_key = str(config.get("api_key", ""))
        self.check_header(request, "Sm-Signature", [sign(api_key, secret, request.body) for secret in secrets])

    def parse(self, request: Request, config: Mapping[str, Any], fetch: Fetch) -> dict[str, Any] | Ignored:
        payload = require_object(json_body(request), "body")
        if payload.get("event_type") != "response_completed":
            return Ignored(f"SurveyMonkey event {str(payload.get('event_type'))[:60]!r} is not a completed response")
        resources = require_object(payload.get("resources"), "resources")
        survey_id, respondent_id = (
            resources.get("survey_id"),
            resources.get("respondent_id") or payload.get("object_id"),
        )
        if not survey_id or not respondent_id:
            raise PayloadError("resources", "survey_id and respondent_id are required")
        survey = path_id(survey_id, "resources.survey_id", ID)
        respondent = path_id(respondent_id, "resources.respondent_id", ID)
        base = str(config.get("api_base") or DEFAULT_API).rstrip("/")
        url = f"{base}/v3/surveys/{survey}/responses/{respondent}/details?simple=true"
        details = require_object(fetch(url, {"Authorization": f"Bearer {config['access_token']}"}), "details")
        answers = _answers(details)
        question = str(config["score_question"])
        chosen = answers.get(question) or []
        if not chosen:
            raise PayloadError("score", f"the response has no answer to question {question}")
        first = chosen[0]
        score = score_of(first.get("simple_text", first.get("text")), f"the answer to question {question}")
        comment = None
        if config.get("comment_question"):
            texts = [a.get("text") or a.get("simple_text") for a in answers.get(str(config["comment_question"])) or []]
            comment = text_or_none(" ".join(t for t in texts if isinstance(t, str)))
        contact = optional_object(
            optional_object(details.get("metadata"), "metadata").get("contact"), "metadata.contact"
        )
        email = optional_object(contact.get("email"), "metadata.contact.email").get("value")
        custom = optional_object(details.get("custom_variables"), "custom_variables")
        customer_id = custom.get("customer_id") or email or details.get("recipient_id") or f"respondent:{respondent_id}"
        built = response(
            config,
            self.survey_type,
            response_id=details.get("id") or respondent_id,
            score=score,
            comment=comment,
            customer={"id": str(customer_id), "email": text_or_none(email)},
            responded_at=details.get("date_modified") or details.get("date_created") or payload.get("event_datetime"),
            attributes={
                **{k: v for k, v in custom.items() if isinstance(v, str | int | float) and k != "customer_id"},
                "surveymonkey_survey_id": str(survey_id),
            },
        )
        if details.get("date_modified"):
            # Two reads of an edited response may finish in either order; the later edit is the newer.
            built["updated_at"] = details["date_modified"]
        return built


ADAPTER = SurveyMonkey()
