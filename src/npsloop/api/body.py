"""Reading a request body safely: JSON only, parsed strictly, whether a route reads its body itself (the
signed webhooks) or FastAPI parses it into a model (StrictJsonRoute). Its size is bounded before routing,
for every route at once, by api/body_limit.py."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

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


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = strict_json.loads(await self.body())
            except strict_json.InvalidJson as error:
                # An HTTPException, so FastAPI passes it on rather than making it its generic 400.
                raise HTTPException(400, f"the body {error}") from None
        return self._json


class StrictJsonRoute(APIRoute):
    """For routers whose bodies FastAPI parses: the same strict parser as the webhooks, so a repeated key,
    NaN or nesting past strict_json.MAX_DEPTH is a 400 on every route, not only on ingest."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict
