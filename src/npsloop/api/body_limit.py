"""One limit on every request body, applied before routing, authentication or parsing: a body that declares
more than its route may take is answered 413 before a byte of it is read, and one that streams more
(chunked, or lying about its length) is cut as soon as it passes the limit. So no route, and no framework
code in front of it, ever buffers more than the limit: a 150 MB body to any route costs at most the limit.

The limit is `max_body_bytes` (64 KiB) everywhere, the ingest webhooks included; a route that needs more is
named in `larger` (the batch ingest's 4 MiB). A pure ASGI middleware, so it sees the raw byte stream rather
than a request object that may already have buffered it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from npsloop.api.errors import problem

DIGITS = re.compile(rb"[0-9]{1,19}")


class BodyTooLarge(Exception):
    """Raised from `receive` once the body passes its limit: the route stops reading, whatever it does next."""


@dataclass
class _Cut:
    limit: int
    received: int = 0
    exceeded: bool = False
    started: bool = False


class BodyLimit:
    def __init__(self, app: ASGIApp, *, default: int, larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.larger = dict(larger or {})

    def limit_for(self, scope: Scope) -> int:
        """By the route's own path: behind a proxy's prefix (root_path) the batch is still the batch."""
        path, root = scope["path"], scope.get("root_path", "")
        return self.larger.get(path.removeprefix(root) if root else path, self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cut = _Cut(self.limit_for(scope))
        declared = declared_length(scope)
        if declared is not None and declared > cut.limit:
            await too_large(cut.limit, scope, receive, send)
            return

        async def counted() -> Message:
            if cut.exceeded:
                raise BodyTooLarge(f"the body is larger than {cut.limit} bytes")
            message = await receive()
            if message["type"] == "http.request":
                cut.received += len(message.get("body", b""))
                if cut.received > cut.limit:
                    cut.exceeded = True
                    raise BodyTooLarge(f"the body is larger than {cut.limit} bytes")
            return message

        async def answered(message: Message) -> None:
            # Once the body is cut, the route's own answer to it (FastAPI turns a failed read into a 400) is
            # dropped: the caller hears the one true reason, 413.
            if cut.exceeded:
                return
            cut.started = cut.started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, answered)
        except Exception:
            if not cut.exceeded:
                raise
        if cut.exceeded and not cut.started:
            await too_large(cut.limit, scope, receive, send)


def declared_length(scope: Scope) -> int | None:
    """The Content-Length, if it is one plain decimal number (the server has already framed the body by it;
    anything else is left to the byte count)."""
    values = [value for name, value in scope["headers"] if name.lower() == b"content-length"]
    if len(values) != 1 or not DIGITS.fullmatch(values[0].strip()):
        return None
    return int(values[0])


async def too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    """The problem answer, closing the connection: the rest of the body is never read."""
    response = problem(
        413,
        "too_large",
        f"the body is larger than {limit} bytes",
        errors=[{"field": "body", "message": f"at most {limit} bytes"}],
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)
