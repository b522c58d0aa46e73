"""The admin section's connection pages (/ui/admin/integrations, /ui/admin/endpoints): survey-tool integrations
added, rotated with a grace period and removed, with each kind's setup; outbound endpoints added and removed, with
their delivery log and a redelivery. Thin views over services.integrations and services.outbound, as the CLI and
the API call them. A secret is shown once: on the page answering the POST that made it (never stored in clear,
never in a URL, a redirect or a log). Admins only; every form carries the CSRF value."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from npsloop.api.admin_forms import CsrfField, NameField, TickBox, confirmed_removal, guarded_post, secret_page
from npsloop.api.admin_section import ENDPOINTS, INTEGRATIONS, admin_nav, viewer
from npsloop.api.dashboard_pages import Page
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.dashboard.connect_pages import (
    MAX_SETTINGS,
    delivery_rows,
    endpoint_rows,
    integration_rows,
    read_settings,
    setup_for,
)
from npsloop.domain.access import Permission
from npsloop.domain.integrations import Integration, IntegrationKind, InvalidIntegration, UnknownIntegration
from npsloop.domain.numbers import MAX_ROW_ID
from npsloop.domain.outbound import DeliveryStatus, EndpointKind, InvalidEndpoint, all_events
from npsloop.services import integrations, outbound

router = APIRouter(prefix="/admin", include_in_schema=False)
NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"  # an integration's or an endpoint's name, as the domain takes it
Name = Annotated[str, Path(max_length=64, pattern=NAME)]
MANAGE = Permission.MANAGE_TOKENS  # the admin's: the API's tokens and the installation's connections
LOG = 50  # deliveries shown
MAX_SECRET = 500
MAX_URL = 2000


@router.get("/integrations")
async def integrations_page(request: Request, runtime: RuntimeDep, done: str = "") -> Response:
    page, refused = await viewer(request, runtime, MANAGE)
    if refused is not None:
        return refused
    return await _render_integrations(page, 200, flash=page.t["removed"] if done == "removed" else None)


@router.post("/integrations")
async def add_integration(
    request: Request,
    runtime: RuntimeDep,
    csrf: CsrfField = "",
    name: NameField = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    secret: Annotated[str, Form(max_length=MAX_SECRET)] = "",
    settings: Annotated[str, Form(max_length=MAX_SETTINGS)] = "",
) -> Response:
    posted = await guarded_post(request, runtime, csrf, MANAGE, INTEGRATIONS)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    values = {"name": name, "kind": kind, "settings": settings}  # the secret is never typed back into the form
    config = read_settings(settings.replace("\r\n", "\n"))
    if config is None:
        return await _render_integrations(page, 422, values=values, errors={"settings": page.t["settings_not_mapping"]})
    try:
        added = await run_in_threadpool(
            lambda: integrations.add_integration(
                uow=runtime.uow(), egress=runtime.egress.policy, name=name.strip(), kind=kind, config=config,
                secret=secret.strip() or None, now=runtime.clock(), actor=who.actor,
            )
        )  # fmt: skip
    except InvalidIntegration as error:
        return await _render_integrations(page, 422, values=values, errors={_integration_field(error): str(error)})
    integration = added.integration
    shown = added.secret if added.generated else None
    return _integration_secret(page, page.t["integration_added"].format(name=integration.name), integration, shown)


def _integration_field(error: InvalidIntegration) -> str:
    text = str(error)
    if text.startswith("integration name") or text.startswith("an integration named"):
        return "name"
    if text.startswith("unknown") or text.startswith("unknown integration kind"):
        return "kind"
    if "issues its own secret" in text or error.field == "secret":
        return "secret"
    return "settings"


@router.post("/integrations/{name}/rotate")
async def rotate_integration(
    request: Request,
    runtime: RuntimeDep,
    name: Name,
    csrf: CsrfField = "",
    grace_hours: Annotated[str, Form(max_length=10)] = "",
    secret: Annotated[str, Form(max_length=MAX_SECRET)] = "",
) -> Response:
    posted = await guarded_post(request, runtime, csrf, MANAGE, INTEGRATIONS)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    hours = int(grace_hours) if grace_hours.strip().isdigit() and int(grace_hours) <= 24 * 30 else None
    if hours is None:
        return await _render_integrations(page, 422, rotate_errors={name: page.t["grace_help"]})
    try:
        rotated = await run_in_threadpool(
            lambda: integrations.rotate_secret(
                uow=runtime.uow(), name=name, now=runtime.clock(), secret=secret.strip() or None,
                grace=timedelta(hours=hours), actor=who.actor,
            )
        )  # fmt: skip
    except UnknownIntegration as error:
        return page.message(str(error), 404)
    except InvalidIntegration as error:
        return await _render_integrations(page, 422, rotate_errors={name: str(error)})
    integration = rotated.integration
    shown = rotated.secret if rotated.generated else None
    until = integration.previous_valid_until
    title = page.t["integration_rotated"].format(
        name=integration.name, until=until.strftime("%Y-%m-%d %H:%M UTC") if until else "—"
    )
    return _integration_secret(page, title, integration, shown)


def _integration_secret(page: Page, title: str, integration: Integration, shown: str | None) -> Response:
    """The secret the installation made (None: the admin's own was kept) and the kind's setup with it."""
    setup = setup_for(page.runtime.settings.public_url, integration.kind, integration.name, shown)
    help_ = page.t["secret_once_help"] if shown else page.t["secret_given"]
    return secret_page(page, title, shown, help_, INTEGRATIONS, "integrations", setup)


@router.post("/integrations/{name}/remove")
async def remove_integration(
    request: Request,
    runtime: RuntimeDep,
    name: Name,
    csrf: CsrfField = "",
    confirm: TickBox = "",
) -> Response:
    """Removed only with its box ticked: the tool's next post is refused (404) once it is gone."""
    posted = await guarded_post(request, runtime, csrf, MANAGE, INTEGRATIONS)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    return await confirmed_removal(
        page,
        confirm,
        lambda: _render_integrations(page, 422, remove_errors={name: page.t["confirm_needed"]}),
        lambda: integrations.remove_integration(uow=runtime.uow(), name=name, actor=who.actor, now=runtime.clock()),
        UnknownIntegration,
        f"{INTEGRATIONS}?done=removed",
    )


async def _render_integrations(page: Page, status: int, **context: Any) -> Response:
    runtime = page.runtime
    found = await run_in_threadpool(lambda: integrations.list_integrations(uow=runtime.uow()))
    context.setdefault("values", {"name": "", "kind": "typeform", "settings": ""})
    context.setdefault("errors", {})
    context.setdefault("rotate_errors", {})
    context.setdefault("remove_errors", {})
    return page.render(
        "admin_integrations.html",
        status,
        integrations=integration_rows(found, runtime.settings.public_url, runtime.clock()),
        kinds=[k.value for k in IntegrationKind],
        admin_nav=admin_nav(page, "integrations"),
        **context,
    )


@router.get("/endpoints")
async def endpoints_page(
    request: Request, runtime: RuntimeDep, done: str = "", endpoint: str = "", status: str = ""
) -> Response:
    page, refused = await viewer(request, runtime, MANAGE)
    if refused is not None:
        return refused
    flash = None
    if done == "removed":
        flash = page.t["removed"]
    elif done.startswith("redelivered-") and done[12:].isdigit():
        flash = page.t["redelivered"].format(id=int(done[12:]))
    elif done.startswith("added-"):
        flash = page.t["endpoint_added"].format(name=done[6:70])
    return await _render_endpoints(page, 200, flash=flash, endpoint=endpoint[:64], wanted=status[:20])


@router.post("/endpoints")
async def add_endpoint(
    request: Request,
    runtime: RuntimeDep,
    csrf: CsrfField = "",
    name: NameField = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    url: Annotated[str, Form(max_length=MAX_URL)] = "",
    events: Annotated[list[str] | None, Form(max_length=20)] = None,
) -> Response:
    posted = await guarded_post(request, runtime, csrf, MANAGE, ENDPOINTS)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    chosen = [e for e in events or [] if e in all_events()]
    values = {"name": name, "kind": kind, "url": "", "events": chosen}  # a URL may be a credential: not typed back
    wanted = name.strip()
    errors: dict[str, str] = {}
    if kind not in {k.value for k in EndpointKind}:
        errors["endpoint_kind"] = f"unknown kind {kind[:40]!r}; one of {', '.join(k.value for k in EndpointKind)}"
    if not url.strip():
        errors["url"] = "a URL is required"
    if errors:
        return await _render_endpoints(page, 422, values=values, errors=errors)
    try:
        added = await run_in_threadpool(
            lambda: outbound.add_endpoint(
                uow=runtime.uow(), egress=runtime.egress.policy, name=wanted, kind=kind, url=url.strip(),
                events=chosen or None, now=runtime.clock(), actor=who.actor,
            )
        )  # fmt: skip
    except InvalidEndpoint as error:
        text = str(error)
        key = "url" if text.startswith("url") else "endpoint_name" if "name" in text else "events"
        return await _render_endpoints(page, 422, values=values, errors={key: text})
    if added.secret is None:
        return RedirectResponse(f"{ENDPOINTS}?done=added-{added.endpoint.name}", status_code=303)
    title = page.t["endpoint_added"].format(name=added.endpoint.name)
    help_ = f"{page.t['signing_secret_help']} {page.t['secret_once_help']}"
    return secret_page(page, title, added.secret, help_, ENDPOINTS, "endpoints")


@router.post("/endpoints/{name}/remove")
async def remove_endpoint(
    request: Request,
    runtime: RuntimeDep,
    name: Name,
    csrf: CsrfField = "",
    confirm: TickBox = "",
) -> Response:
    """Removed only with its box ticked, with its delivery log."""
    posted = await guarded_post(request, runtime, csrf, MANAGE, ENDPOINTS)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    return await confirmed_removal(
        page,
        confirm,
        lambda: _render_endpoints(page, 422, remove_errors={name: page.t["confirm_needed"]}),
        lambda: outbound.remove_endpoint(uow=runtime.uow(), name=name, actor=who.actor, now=runtime.clock()),
        InvalidEndpoint,
        f"{ENDPOINTS}?done=removed",
    )


@router.post("/endpoints/redeliver")
async def redeliver(
    request: Request,
    runtime: RuntimeDep,
    csrf: CsrfField = "",
    delivery: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    posted = await guarded_post(request, runtime, csrf, MANAGE, ENDPOINTS)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    if delivery is None:
        return page.message(page.t["which_delivery"], 422)
    delivery_id = delivery
    try:
        await run_in_threadpool(
            lambda: outbound.redeliver(uow=runtime.uow(), delivery_id=delivery_id, now=runtime.clock(), actor=who.actor)
        )
    except InvalidEndpoint as error:
        return page.message(str(error), 404)
    return RedirectResponse(f"{ENDPOINTS}?done=redelivered-{delivery_id}#deliveries", status_code=303)


async def _render_endpoints(page: Page, status: int, endpoint: str = "", wanted: str = "", **context: Any) -> Response:
    runtime = page.runtime
    state = DeliveryStatus(wanted) if wanted in {s.value for s in DeliveryStatus} else None

    def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        found = outbound.list_endpoints(uow=runtime.uow())
        log = outbound.deliveries(uow=runtime.uow(), endpoint=endpoint or None, status=state, limit=LOG)
        return endpoint_rows(found), delivery_rows(log)

    endpoints, deliveries = await run_in_threadpool(load)
    context.setdefault("values", {"name": "", "kind": "slack", "url": "", "events": all_events()})
    context.setdefault("errors", {})
    context.setdefault("remove_errors", {})
    return page.render(
        "admin_endpoints.html",
        status,
        endpoints=endpoints,
        deliveries=deliveries,
        kinds=[k.value for k in EndpointKind],
        all_events=all_events(),
        statuses=[s.value for s in DeliveryStatus],
        shown_endpoint=endpoint,
        shown_status=state.value if state else "",
        admin_nav=admin_nav(page, "endpoints"),
        **context,
    )
