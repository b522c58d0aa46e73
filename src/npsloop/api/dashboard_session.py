"""The dashboard's session: login keeps the API token in an HttpOnly, SameSite=Strict cookie, checked again on
every page, so a revoked token logs its holder out at the next click; forms carry a CSRF value derived from the
token (which a cross-site page cannot read), on top of SameSite. Also whom a login attempt counts against, and
where a login may send its user on."""

from __future__ import annotations

import hashlib
import ipaddress
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse

SESSION = "npsloop_session"


def csrf_for(token: str) -> str:
    return hashlib.sha256(b"npsloop-csrf:" + token.encode()).hexdigest()[:32]


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/login?next={quote(target)}", status_code=303)


def safe_next(value: str | None) -> str:
    """Only paths inside the dashboard: a login form must not become an open redirect."""
    if value and value.startswith("/ui/") and not value.startswith("//"):
        return value
    return "/ui/cases"


def client_key(request: Request) -> str:
    """Who is trying to log in: the client's address, an IPv6 one by its /64 (what one host is usually given,
    so that one guesser cannot take a fresh address for every try)."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
