"""Reading a request body safely: JSON only, parsed strictly. Its size is bounded before routing, for every
route at once, by api/body_limit.py."""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi import Request

from npsloop.api.errors import ApiError


def require_json(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")


def parse_json(body: bytes) -> Any:
    """orjson is strict about UTF-8, surrogates, depth and infinities; a second pass refuses duplicated keys,
    which JSON parsers otherwise resolve silently (the last wins), so a signed body means one thing only."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {error}") from None
    if isinstance(data, dict | list):
        try:
            json.loads(body, object_pairs_hook=_refuse_duplicates)
        except DuplicateKey as error:
            raise ApiError(400, "invalid_json", f"the body repeats the key {error}") from None
    return data


class DuplicateKey(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(repr(key))
        seen[key] = value
    return seen


def require_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(
            422,
            "validation_failed",
            "the body must be a JSON object",
            errors=[{"field": "body", "message": "must be a JSON object"}],
        )
    return data
