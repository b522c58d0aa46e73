"""The operator's doors (/metrics, and the API's own description at /docs, /redoc and /openapi.json) behind
one bearer token when NPSLOOP_ADMIN_TOKEN is set: metrics name queues and volumes, and the schema maps every
route for whoever probes. Unset, they stay open, as suits the embedded mode on a laptop; Prometheus sends the
token with `authorization: {credentials: ...}` (or bearer_token in older versions)."""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from npsloop.api.errors import problem

ADMIN_PATHS = frozenset({"/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


class AdminGate:
    def __init__(self, app: ASGIApp, *, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in ADMIN_PATHS:
            given = Headers(scope=scope).get("authorization", "").encode()
            if not hmac.compare_digest(given, self.expected):
                refused = problem(
                    401,
                    "unauthorized",
                    "this path needs the admin token (NPSLOOP_ADMIN_TOKEN) as a bearer token",
                    errors=[{"field": "Authorization", "message": "Bearer <admin token>"}],
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)
