"""The admin section's tokens and dead-letters pages: API tokens created (the secret shown once, on the page
answering the POST) and revoked, by services.tokens as the CLI and the API call it; dead letters listed and
retried, all at once or one, by services.deadletters, and quarantined payloads' errors with phones and emails
masked. Admins manage tokens and see everything; a supervisor lists and retries the dead alerts of their teams'
cases; agents see none of it. Every form carries the CSRF value."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from npsloop.api.admin_forms import CsrfField, NameField, TickBox, confirmed_removal, guarded_post, secret_page
from npsloop.api.admin_section import DEAD_LETTERS, TOKENS, admin_nav, viewer
from npsloop.api.dashboard_pages import Page
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.api.tokens import token_json
from npsloop.dashboard.connect_pages import dead_letter_rows
from npsloop.domain.access import Permission, Role
from npsloop.domain.errors import DomainError, DuplicateName, UnknownAgent
from npsloop.domain.numbers import MAX_ROW_ID
from npsloop.services import directory, tokens
from npsloop.services.deadletters import UnknownDeadLetter, list_dead_letters, reach_of, retry_dead_letters

router = APIRouter(prefix="/admin", include_in_schema=False)
NAME = r"^[\w.@ -]+$"  # a token's name, as the API takes it
TokenName = Annotated[str, Path(max_length=100, pattern=NAME)]


@router.get("/tokens")
async def tokens_page(request: Request, runtime: RuntimeDep, done: str = "") -> Response:
    page, refused = await viewer(request, runtime, Permission.MANAGE_TOKENS)
    if refused is not None:
        return refused
    return await _render_tokens(page, 200, flash=page.t["revoked"] if done == "revoked" else None)


@router.post("/tokens")
async def create_token(
    request: Request,
    runtime: RuntimeDep,
    csrf: CsrfField = "",
    name: NameField = "",
    role: Annotated[str, Form(max_length=20)] = "",
    agent: Annotated[str, Form(max_length=500)] = "",
    expires_in_days: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    posted = await guarded_post(request, runtime, csrf, Permission.MANAGE_TOKENS, TOKENS)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    values = {"name": name, "role": role, "agent": agent, "expires_in_days": expires_in_days}
    errors: dict[str, str] = {}
    wanted = name.strip()
    if not (0 < len(wanted) <= 100 and re.match(NAME, wanted)):
        errors["name"] = page.t["token_name_help"]
    if role not in {r.value for r in Role}:
        errors["role"] = f"unknown role {role[:20]!r}; one of {', '.join(r.value for r in Role)}"
    days = expires_in_days.strip()
    if days and not (days.isdigit() and 1 <= int(days) <= 3650):
        errors["expires_in_days"] = page.t["expires_number"]
    if errors:
        return await _render_tokens(page, 422, values=values, errors=errors)
    try:
        issued = await run_in_threadpool(
            lambda: tokens.create_token(
                uow=runtime.uow(), name=wanted, role=Role(role), agent=agent.strip() or None, now=runtime.clock(),
                expires_in=timedelta(days=int(days)) if days else None, actor=who.actor,
            )
        )  # fmt: skip
    except DuplicateName as error:
        return await _render_tokens(page, 422, values=values, errors={"name": str(error)})
    except (UnknownAgent, tokens.InvalidToken) as error:
        key = "expires_in_days" if "expire" in str(error) else "agent"
        return await _render_tokens(page, 422, values=values, errors={key: str(error)})
    title = page.t["token_created"].format(name=issued.token.name)
    return secret_page(page, title, issued.secret, page.t["token_once_help"], TOKENS, "tokens")


@router.post("/tokens/{name}/revoke")
async def revoke_token(
    request: Request,
    runtime: RuntimeDep,
    name: TokenName,
    csrf: CsrfField = "",
    confirm: TickBox = "",
) -> Response:
    """Revoked only with its box ticked: the token answers 401 from the next request on."""
    posted = await guarded_post(request, runtime, csrf, Permission.MANAGE_TOKENS, TOKENS)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    return await confirmed_removal(
        page,
        confirm,
        lambda: _render_tokens(page, 422, revoke_errors={name: page.t["confirm_needed"]}),
        lambda: tokens.revoke_token(uow=runtime.uow(), name=name, now=runtime.clock(), actor=who.actor),
        tokens.TokenNotFound,
        f"{TOKENS}?done=revoked",
    )


async def _render_tokens(page: Page, status: int, **context: Any) -> Response:
    runtime = page.runtime

    def load() -> tuple[list[dict[str, Any]], list[str]]:
        now = runtime.clock()
        found = [token_json(t, now) for t in tokens.list_tokens(uow=runtime.uow())]
        agents = [a.name for a, _ in directory.list_agents(uow=runtime.uow()) if a.active]
        return found, agents

    found, agents = await run_in_threadpool(load)
    context.setdefault("values", {"name": "", "role": Role.INTEGRATION.value, "agent": "", "expires_in_days": ""})
    context.setdefault("errors", {})
    context.setdefault("revoke_errors", {})
    return page.render(
        "admin_tokens.html",
        status,
        tokens=found,
        agents=agents,
        roles=[r.value for r in Role],
        admin_nav=admin_nav(page, "tokens"),
        **context,
    )


@router.get("/dead-letters")
async def dead_letters_page(
    request: Request, runtime: RuntimeDep, notifications: int = -1, responses: int = -1, tasks: int = -1
) -> Response:
    page, refused = await viewer(request, runtime, Permission.RETRY_DEAD_LETTERS)
    if refused is not None:
        return refused
    who = page.who
    assert who is not None
    flash = None
    if min(notifications, responses, tasks) >= 0:
        flash = page.t["retried"].format(notifications=notifications, responses=responses, tasks=tasks)
    reach = reach_of(who)
    found = await run_in_threadpool(lambda: list_dead_letters(uow=runtime.uow(), reach=reach))
    return page.render(
        "admin_dead_letters.html",
        200,
        flash=flash,
        rows=dead_letter_rows(found),
        sees_quarantine=reach.untied,
        admin_nav=admin_nav(page, "dead_letters"),
    )


@router.post("/dead-letters/retry")
async def retry(
    request: Request,
    runtime: RuntimeDep,
    csrf: CsrfField = "",
    notification: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None,
    include_failed: TickBox = "",
) -> Response:
    """Every dead letter within the viewer's reach, or the one notification named."""
    posted = await guarded_post(request, runtime, csrf, Permission.RETRY_DEAD_LETTERS, DEAD_LETTERS)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    reach = reach_of(who)
    try:
        done = await run_in_threadpool(
            lambda: retry_dead_letters(
                uow=runtime.uow(), now=runtime.clock(), actor=who.actor, include_failed=include_failed == "on",
                reach=reach, notification_id=notification,
            )
        )  # fmt: skip
    except UnknownDeadLetter as error:
        return page.message(str(error), 404)
    except DomainError as error:
        return page.message(str(error), 422)
    counts = {"notifications": done.notifications, "responses": done.responses, "tasks": done.tasks}
    return RedirectResponse(f"{DEAD_LETTERS}?{urlencode(counts)}", status_code=303)
