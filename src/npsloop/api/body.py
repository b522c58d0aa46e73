"""Reading a request body safely: JSON only, parsed strictly. Its size is bounded before routing, for every
route at once, by api/body_limit.py."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from npsloop.api.errors import ApiError
from npsloop.ingest import strict_json


def require_json(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")


def parse_json(body: bytes) -> Any:
    """Strict JSON (ingest/strict_json.py): valid UTF-8, no NaN, no repeated key, at most MAX_DEPTH levels."""
    try:
        return strict_json.loads(body)
    except strict_json.InvalidJson as error:
        raise ApiError(
            400, "invalid_json", f"the body {error}", errors=[{"field": "body", "message": str(error)}]
        ) from None


def require_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(
            422,
            "validation_failed",
            "the body must be a JSON object",
            errors=[{"field": "body", "message": "must be a JSON object"}],
        )
    return data
