"""Bearer tokens for the case and directory API, compared in constant time."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from npsloop.api.errors import ApiError

bearer = HTTPBearer(auto_error=False, description="an API token from NPSLOOP_API_TOKENS")


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    tokens: list[str] = request.app.state.runtime.settings.api_token_list()
    if not tokens:
        raise ApiError(401, "unauthorized", "no API tokens are configured (set NPSLOOP_API_TOKENS)")
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    presented = credentials.credentials
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(token.encode(), presented.strip().encode())
    if not matched:
        raise ApiError(401, "unauthorized", "the token is not valid")
