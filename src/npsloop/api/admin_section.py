"""What every page of the dashboard's admin section (/ui/admin) shares: who may open it, the guard on its forms
(session, CSRF value, permission) and its own links. What its forms' handlers share is in admin_forms."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from npsloop.api.dashboard_pages import Page, current_page
from npsloop.api.dashboard_session import csrf_for, to_login
from npsloop.bootstrap import Runtime
from npsloop.domain.access import Permission
from npsloop.link_tokens import same

ROUTING = "/ui/admin/routing"
TEAMS = "/ui/admin/teams"
AGENTS = "/ui/admin/agents"
INTEGRATIONS = "/ui/admin/integrations"
ENDPOINTS = "/ui/admin/endpoints"
TOKENS = "/ui/admin/tokens"
DEAD_LETTERS = "/ui/admin/dead-letters"


async def viewer(request: Request, runtime: Runtime, permission: Permission) -> tuple[Page, Response | None]:
    """The page, and the answer instead of it for a visitor without a session (the login page) or the right."""
    page = await current_page(request, runtime)
    if page.who is None:
        return page, to_login(request)
    if not page.who.can(permission):
        return page, page.message(page.t["forbidden"], 403)
    return page, None


def refuse(page: Page, csrf: str, permission: Permission, back: str) -> Response | None:
    """A form post that may not proceed: no session, a forged form, or a role that may not."""
    if page.who is None or page.token is None:
        return page.render("login.html", 401, next=back, error=page.t["session_expired"])
    if not same(csrf, csrf_for(page.token)) or not page.who.can(permission):
        return page.message(page.t["forbidden"], 403)
    return None


def admin_nav(page: Page, current: str) -> list[dict[str, Any]]:
    """The section's links the viewer may follow."""
    who = page.who
    links = [("routing", ROUTING, page.t["routing_rules"])]
    if who is not None and who.can(Permission.WRITE_DIRECTORY):
        links.append(("teams", TEAMS, page.t["teams"]))
    if who is not None and who.can(Permission.READ_DIRECTORY):
        links.append(("agents", AGENTS, page.t["agents"]))
    if who is not None and who.can(Permission.MANAGE_TOKENS):
        links.append(("integrations", INTEGRATIONS, page.t["integrations"]))
        links.append(("endpoints", ENDPOINTS, page.t["endpoints"]))
        links.append(("tokens", TOKENS, page.t["tokens"]))
    if who is not None and who.can(Permission.RETRY_DEAD_LETTERS):
        links.append(("dead_letters", DEAD_LETTERS, page.t["dead_letters"]))
    if who is not None and who.can(Permission.READ_AUDIT):
        links.append(("audit", "/ui/audit", page.t["audit"]))
    return [{"key": key, "href": href, "label": label, "current": key == current} for key, href, label in links]
