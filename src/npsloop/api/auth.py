"""Bearer tokens for the case and directory API, compared in constant time."""

from __future__ import annotations

import hmac

from fastapi import Request

from npsloop.api.errors import ApiError


def require_token(request: Request) -> None:
    tokens: list[str] = request.app.state.runtime.settings.api_token_list()
    if not tokens:
        raise ApiError(401, "unauthorized", "no API tokens are configured (set NPSLOOP_API_TOKENS)")
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(token.encode(), presented.strip().encode())
    if not matched:
        raise ApiError(401, "unauthorized", "the token is not valid")
