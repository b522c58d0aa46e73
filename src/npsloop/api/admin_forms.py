"""What the admin section's form posts share: the guard (session, CSRF value, permission) handing on the page and
who posts, a form read whole, a removal done only with its box ticked, and the page showing a secret once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from npsloop.api.admin_section import admin_nav, refuse
from npsloop.api.dashboard_pages import Page, current_page
from npsloop.bootstrap import Runtime
from npsloop.domain.access import Permission, Principal

# The fields every admin form declares, cut to the same lengths everywhere.
CsrfField = Annotated[str, Form(max_length=100)]  # the form's CSRF value (csrf_field cuts a form read whole alike)
TickBox = Annotated[str, Form(max_length=10)]  # a box ticked ("on") or not
NameField = Annotated[str, Form(max_length=500)]  # a name as typed, checked by the service that takes it


async def guarded_post(
    request: Request, runtime: Runtime, csrf: str, permission: Permission, back: str
) -> tuple[Page, Principal] | Response:
    """The page and who posts, or the answer instead of going on (see refuse)."""
    page = await current_page(request, runtime)
    refused = refuse(page, csrf, permission, back)
    if refused is not None:
        return refused
    assert page.who is not None
    return page, page.who


async def form_fields(request: Request, max_fields: int) -> dict[str, str]:
    """A posted form's text fields (no files), refused by Starlette past max_fields."""
    form = await request.form(max_fields=max_fields, max_files=0)
    return {key: value for key, value in form.items() if isinstance(value, str)}


def csrf_field(fields: dict[str, str]) -> str:
    """The CSRF value of a form read whole, cut as the declared forms cut it."""
    return fields.get("csrf", "")[:100]


def secret_page(
    page: Page,
    title: str,
    secret: str | None,
    secret_help: str,
    back: str,
    nav: str,
    setup: dict[str, str] | None = None,
) -> Response:
    """The answer to the POST that made a secret: the only place it is ever shown (never stored in clear, never
    in a URL, a redirect or a log)."""
    return page.render(
        "admin_secret.html",
        200,
        title=title,
        secret=secret,
        secret_help=secret_help,
        setup=setup,
        back=back,
        admin_nav=admin_nav(page, nav),
    )


async def confirmed_removal(
    page: Page,
    confirm: str,
    unconfirmed: Callable[[], Awaitable[Response]],
    remove: Callable[[], object],
    missing: type[Exception],
    done: str,
) -> Response:
    """A removal (or a revocation) done only with its box ticked: unticked, unconfirmed() answers (the list with
    the box's error); a `missing` error from remove() is a 404; done, back to the address `done`."""
    if confirm != "on":
        return await unconfirmed()
    try:
        await run_in_threadpool(remove)
    except missing as error:
        return page.message(str(error), 404)
    return RedirectResponse(done, status_code=303)
