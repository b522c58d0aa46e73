"""Qualtrics: an event subscription to `surveyengine.completedResponse.<survey>` posts a form-encoded
notice (Topic, Status, SurveyID, ResponseID, CompletedDate, BrandID); the answers are read from the
Qualtrics API with the integration's token (`GET /API/v3/surveys/{survey}/responses/{response}`). The NPS
question is set by its id (e.g. QID1); the comment by its text entry (e.g. QID2_TEXT).

Verification: we found no documented HMAC that Qualtrics puts on event-subscription requests, so the
publication URL carries the integration's secret as `?key=...` (Qualtrics posts to the URL as registered),
compared in constant time; nothing in the notice is trusted but the two ids, and the response itself is
read from the tenant's own API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from npsloop.ingest.adapters.base import (
    Fetch,
    Ignored,
    PayloadError,
    Request,
    SignatureError,
    ToolAdapter,
    check_common,
    matches_any,
    path_id,
    require_object,
    response,
    score_of,
    text_or_none,
)

TOPIC = "surveyengine.completedResponse."
# Qualtrics ids: a type prefix and letters and digits (SV_1M1h6aZyDdy3D1P, R_3nNpc5AHRqJ6yyv).
SURVEY_ID = re.compile(r"SV_[A-Za-z0-9]{1,40}")
RESPONSE_ID = re.compile(r"R_[A-Za-z0-9]{1,40}")


def notice(request: Request) -> dict[str, str]:
    try:
        fields = parse_qs(request.body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise PayloadError("body", "not form-encoded text") from None
    return {key: values[0] for key, values in fields.items() if values}


class Qualtrics(ToolAdapter):
    def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        required = frozenset({"api_base", "api_token", "score_question"})
        return check_common(config, set(required) | {"comment_question"}, required)

    def verify(self, request: Request, secrets: list[str], config: Mapping[str, Any], now: float) -> None:
        given = request.query.get("key")
        if not given:
            raise SignatureError("missing key= in the publication URL")
        if not matches_any(given, secrets):
            raise SignatureError("the key in the publication URL is not this integration's")

    def parse(self, request: Request, config: Mapping[str, Any], fetch: Fetch) -> dict[str, Any] | Ignored:
        fields = notice(request)
        topic = fields.get("Topic", "")
        if not topic.startswith(TOPIC):
            return Ignored(f"Qualtrics topic {topic[:80]!r} is not a completed response")
        survey_id, response_id = fields.get("SurveyID"), fields.get("ResponseID")
        if not survey_id or not response_id:
            raise PayloadError("body", "SurveyID and ResponseID are required")
        survey = path_id(survey_id, "SurveyID", SURVEY_ID)
        response_path = path_id(response_id, "ResponseID", RESPONSE_ID)
        base = str(config["api_base"]).rstrip("/")
        url = f"{base}/API/v3/surveys/{survey}/responses/{response_path}"
        result = require_object(
            require_object(fetch(url, {"X-API-TOKEN": str(config["api_token"])}), "reply").get("result"), "result"
        )
        values = require_object(result.get("values") or {}, "result.values")
        question = str(config["score_question"])
        if values.get(question) in (None, ""):
            raise PayloadError("score", f"the response has no answer to {question}")
        comment = text_or_none(values.get(str(config["comment_question"]))) if config.get("comment_question") else None
        email = text_or_none(values.get("recipientEmail"))
        external = text_or_none(values.get("externalDataReference"))
        name = " ".join(
            p for p in (values.get("recipientFirstName"), values.get("recipientLastName")) if isinstance(p, str) and p
        )
        return response(
            config,
            self.survey_type,
            response_id=result.get("responseId") or response_id,
            score=score_of(values[question], f"the answer to {question}"),
            comment=comment,
            customer={"id": external or email or f"response:{response_id}", "email": email, "name": name or None},
            responded_at=values.get("recordedDate") or values.get("endDate") or fields.get("CompletedDate"),
            attributes={"qualtrics_survey_id": survey_id},
            language=text_or_none(values.get("userLanguage")),
        )


ADAPTER = Qualtrics()
