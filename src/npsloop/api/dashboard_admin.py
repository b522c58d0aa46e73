"""The dashboard's admin section (/ui/admin): thin pages over the services the CLI and the API call. Routing rules
(the YAML in a textarea, saved all or nothing with the line of the first mistake beside it, and a "try it" box
that routes a sample through the real routing code, storing nothing). Admins change things; supervisors may
try samples on the rules in force for their teams; agents see none of it. Every form carries the CSRF value."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from npsloop.api.admin_forms import CsrfField, guarded_post
from npsloop.api.admin_section import ROUTING, viewer
from npsloop.api.admin_section import admin_nav as admin_nav  # where the section's other pages first found it
from npsloop.api.dashboard_pages import Page
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.dashboard.admin_pages import rule_error, sample_example, sample_of
from npsloop.domain.access import AccessDenied, Permission, Principal
from npsloop.domain.errors import DomainError
from npsloop.domain.numbers import MAX_ROW_ID
from npsloop.domain.rules import Rule, RuleError
from npsloop.ingest.rules_yaml import dump_rules, load_rules
from npsloop.ingest.sample_response import SampleError, read_sample
from npsloop.services import casework, directory
from npsloop.services.records import CaseFilter
from npsloop.services.routing import current_rules, load_routing_yaml, rule_themes
from npsloop.services.routing_preview import OutsideYourTeams, RoutingPreview, preview_reach, preview_routing
from npsloop.services.themes import current_taxonomy

router = APIRouter(prefix="/admin", include_in_schema=False)
MAX_RULES_TEXT = 60_000  # characters; the body limit (64 KiB) holds the rules and a sample
RECENT = 20  # open cases offered to start a sample from


@router.get("")
@router.get("/")
async def admin_home(request: Request, runtime: RuntimeDep) -> Response:
    page, refused = await viewer(request, runtime, Permission.PREVIEW_ROUTING)
    return refused or RedirectResponse(ROUTING, status_code=303)


@router.get("/routing")
async def routing_page(
    request: Request,
    runtime: RuntimeDep,
    done: str = "",
    case: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID, description="start the sample from this case's")] = None,
) -> Response:
    page, refused = await viewer(request, runtime, Permission.PREVIEW_ROUTING)
    if refused is not None:
        return refused
    who = page.who

    def load() -> str:
        if case is None:
            return sample_example(directory.list_teams(uow=runtime.uow()))
        view = casework.get_case(uow=runtime.uow(), case_id=case, viewer=who)  # the case page's reach
        return sample_of(view.responses[-1]) if view.responses else ""

    try:
        sample = await run_in_threadpool(load)
    except AccessDenied:
        return page.message(page.t["forbidden"], 403)
    except DomainError as error:
        return page.message(str(error), 404)
    flash = page.t["rules_saved"] if done == "saved" else None
    return await _render(page, 200, rules=await run_in_threadpool(_stored_text, runtime), sample=sample, flash=flash)


@router.post("/routing")
async def save_routing(
    request: Request,
    runtime: RuntimeDep,
    csrf: CsrfField = "",
    rules: Annotated[str, Form()] = "",
    sample: Annotated[str, Form()] = "",
) -> Response:
    posted = await guarded_post(request, runtime, csrf, Permission.WRITE_ROUTING, ROUTING)
    if isinstance(posted, Response):
        return posted
    page, actor = posted[0], posted[1].actor
    text = rules.replace("\r\n", "\n")
    try:
        _within_limit(text)
        await run_in_threadpool(
            lambda: load_routing_yaml(uow=runtime.uow(), text=text, now=runtime.clock(), actor=actor)
        )
    except RuleError as error:
        return await _render(page, 422, rules=text, sample=sample, rules_error=rule_error(error, text))
    return RedirectResponse(f"{ROUTING}?done=saved", status_code=303)


def _within_limit(text: str) -> None:
    if len(text) > MAX_RULES_TEXT:
        raise RuleError(f"the rules are longer than {MAX_RULES_TEXT:,} characters ({len(text):,})")


@router.post("/routing/try")
async def try_routing(
    request: Request,
    runtime: RuntimeDep,
    csrf: CsrfField = "",
    rules: Annotated[str, Form()] = "",
    sample: Annotated[str, Form()] = "",
) -> Response:
    """An admin tries the rules in the editor (unsaved); a supervisor, who cannot change them, the rules in force."""
    posted = await guarded_post(request, runtime, csrf, Permission.PREVIEW_ROUTING, ROUTING)
    if isinstance(posted, Response):
        return posted
    page, who = posted
    editing = who.can(Permission.WRITE_ROUTING) and bool(rules.strip())
    text = rules.replace("\r\n", "\n") if editing else ""

    def run() -> RoutingPreview:
        now = runtime.clock()
        edited: list[Rule] | None = None
        if editing:
            _within_limit(text)
            edited = load_rules(text, rule_themes(uow=runtime.uow()))
        found = read_sample(sample, now)
        return preview_routing(
            uow=runtime.uow(), models=runtime.models, sample=found, now=now, viewer=who, rules=edited
        )

    shown = text if editing else await run_in_threadpool(_stored_text, runtime)
    try:
        preview = await run_in_threadpool(run)
    except RuleError as error:
        return await _render(page, 422, rules=shown, sample=sample, rules_error=rule_error(error, shown))
    except OutsideYourTeams:
        return await _render(page, 422, rules=shown, sample=sample, sample_error=page.t["outside_teams"])
    except SampleError as error:
        return await _render(page, 422, rules=shown, sample=sample, sample_error=str(error))
    except AccessDenied:
        return page.message(page.t["forbidden"], 403)
    names = await run_in_threadpool(_theme_names, runtime, page.lang)
    return await _render(
        page, 200, rules=shown, sample=sample, preview=preview, tried_editor=editing, theme_names=names
    )


def _stored_text(runtime: Runtime) -> str:
    stored = current_rules(uow=runtime.uow())
    return dump_rules(stored) if stored else ""


def _theme_names(runtime: Runtime, lang: str) -> dict[str, str]:
    return {t.key: t.name.in_language(lang) for t in current_taxonomy(uow=runtime.uow()).themes}


def _recent(runtime: Runtime, who: Principal) -> list[tuple[int, str]]:
    """Open cases the viewer may read, to start a sample from: their number, score and touchpoint."""
    views, _ = casework.queue(
        uow=runtime.uow(), where=CaseFilter(team_ids=preview_reach(who)), limit=RECENT, viewer=who
    )
    found = []
    for view in views:
        if view.responses and view.case.id is not None:
            latest = view.responses[-1]
            found.append((view.case.id, f"#{view.case.id} · {latest.score} · {latest.touchpoint or '—'}"))
    return found


async def _render(page: Page, status: int, **context: Any) -> Response:
    who = page.who
    assert who is not None
    context["recent"] = await run_in_threadpool(_recent, page.runtime, who)
    defaults: dict[str, Any] = {
        "rules_error": None,
        "sample_error": None,
        "preview": None,
        "tried_editor": False,
        "theme_names": {},
    }
    return page.render(
        "admin_routing.html",
        status,
        **{**defaults, **context},
        can_save=who.can(Permission.WRITE_ROUTING),
        admin_nav=admin_nav(page, "routing"),
    )
