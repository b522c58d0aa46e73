"""Security headers on every answer, set in one place rather than by each route. Every answer is nosniff
and sends no Referer (a one-click link's URL is its credential). HTML pages also carry a
Content-Security-Policy: the dashboard uses no script and no inline style (its stylesheet is
/ui/dashboard.css), so the browser may run none and load nothing from elsewhere; no page may be framed
(clickjacking a one-click "close the case" button). Paths without a policy here (/docs, served by FastAPI
with its CDN scripts) are left as they are; NPSLOOP_ADMIN_TOKEN can close them."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERY_ANSWER = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
DASHBOARD_POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The one-click link pages (notify/templates/pages) are single emails' pages with inline style and no script.
LINK_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
POLICIES = (("/ui", DASHBOARD_POLICY), ("/v1/links/", LINK_PAGE_POLICY), ("/v1/recovery/", LINK_PAGE_POLICY))


def policy_for(path: str) -> str | None:
    for prefix, policy in POLICIES:
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return policy
    return None


class SecurityHeaders:
    """A pure ASGI middleware: it edits the start of the answer and leaves a streamed body untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = policy_for(scope["path"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERY_ANSWER.items():
                    headers.setdefault(name, value)
                if policy is not None:
                    headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, with_headers)
