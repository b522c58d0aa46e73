"""The dashboard's audit page (/ui/audit) and its CSV (/ui/audit.csv): a thin view over services.audit, the
service GET /v1/audit and `npsloop audit list` call, read with the session's principal (admins everything,
supervisors the changes to teams and their people, agents nothing). The page changes nothing: its one form is a
GET filter."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from npsloop.api.admin_section import admin_nav, viewer
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.dashboard.audit_pages import entry_view
from npsloop.domain.access import AccessDenied, Permission, Role
from npsloop.domain.audit import MAX_ACTOR, TEAM_KINDS, AuditFilter, EntityKind
from npsloop.domain.errors import DomainError
from npsloop.domain.numbers import MAX_ROW_ID
from npsloop.services import audit, directory, exports
from npsloop.services.report_scope import ReportError

router = APIRouter(prefix="/ui", include_in_schema=False)
Actor = Annotated[str, Query(max_length=MAX_ACTOR)]
Short = Annotated[str, Query(max_length=100)]
Day = Annotated[str, Query(max_length=10)]


async def _query(
    actor: Actor = "",
    kind: Short = "",
    team: Short = "",
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Day = "",
) -> dict[str, str]:
    """The filter's fields, as the page's form and the CSV link send them."""
    return {"actor": actor, "kind": kind, "team": team, "from": from_, "to": to}


AuditQuery = Annotated[dict[str, str], Depends(_query)]


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"{name}: a date like 2026-12-01", field=name) from None


def _filter(runtime: Runtime, query: dict[str, str]) -> AuditFilter:
    return audit.audit_filter(
        uow=runtime.uow(),
        zone=runtime.settings.report_timezone,
        actor=query["actor"] or None,
        kind=query["kind"] or None,
        team=query["team"] or None,
        first=_day(query["from"], "from"),
        last=_day(query["to"], "to"),
    )


@router.get("/audit")
async def audit_page(
    request: Request,
    runtime: RuntimeDep,
    query: AuditQuery,
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    page, refused = await viewer(request, runtime, Permission.READ_AUDIT)
    if refused is not None:
        return refused
    who = page.who
    assert who is not None

    def load() -> dict[str, Any]:
        found = audit.list_audit(
            uow=runtime.uow(), viewer=who, where=_filter(runtime, query), before=before, limit=audit.PAGE
        )
        return {"rows": [entry_view(e, page.t) for e in found.entries], "total": found.total, "next": found.next_before}

    context: dict[str, Any] = {"rows": [], "total": 0, "next": None}
    status, error = 200, None
    try:
        context = await run_in_threadpool(load)
    except AccessDenied:
        return page.message(page.t["forbidden"], 403)
    except DomainError as problem:
        status, error = 422, str(problem)
    team_only = who.role is not Role.ADMIN
    kinds = [k for k in EntityKind if not team_only or k in TEAM_KINDS]
    teams = await run_in_threadpool(lambda: [t.name for t in directory.list_teams(uow=runtime.uow())])
    return page.render(
        "audit.html",
        status,
        error=error,
        rows=context["rows"],
        total=context["total"],
        next_before=context["next"],
        before=before,
        query=query,
        query_string=urlencode({k: v for k, v in query.items() if v}),
        kinds=[(k.value, page.t[f"kind_{k.value}"]) for k in kinds],
        teams=teams,
        team_only=team_only,
        admin_nav=admin_nav(page, "audit"),
    )


@router.get("/audit.csv", response_model=None)
async def audit_csv(request: Request, runtime: RuntimeDep, query: AuditQuery) -> Response:
    """The page's entries (every page) as CSV, for the session's principal: the same rows as GET /v1/audit.csv."""
    page, refused = await viewer(request, runtime, Permission.READ_AUDIT)
    if refused is not None:
        return refused
    who = page.who
    assert who is not None
    try:
        where = await run_in_threadpool(_filter, runtime, query)
        audit.scoped(where, who)
    except AccessDenied:
        return page.message(page.t["forbidden"], 403)
    except DomainError as problem:
        return page.message(str(problem), 422)
    rows = audit.audit_rows(uow=runtime.uow(), viewer=who, where=where)
    return StreamingResponse(
        (chunk.encode() for chunk in exports.as_csv(rows, audit.COLUMNS)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"', "Cache-Control": "no-store"},
    )
