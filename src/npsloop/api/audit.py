"""The audit trail of administrative changes: GET /v1/audit (a page, newest first) and GET /v1/audit.csv (every
matching entry, streamed; also /v1/audit?format=csv). Admins read all of it; supervisors the changes to teams and
their people (services.audit.scoped)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from npsloop.api.auth import allow
from npsloop.api.errors import documented
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.domain.access import Permission, Principal
from npsloop.domain.audit import MAX_ACTOR, AuditEntry, AuditFilter, EntityKind
from npsloop.domain.numbers import MAX_ROW_ID
from npsloop.services import audit, exports

router = APIRouter(
    prefix="/v1",
    tags=["audit"],
    responses={
        200: {"content": {"application/json": {}, "text/csv": {}}, "description": "the entries"},
        **documented(401, 403, 422, 503),
    },
)
Reader = Annotated[Principal, Depends(allow(Permission.READ_AUDIT))]


class AuditQuery:
    """The filters both routes take."""

    def __init__(
        self,
        actor: Annotated[
            str | None, Query(max_length=MAX_ACTOR, description="exactly, like cli:ana or a token's name")
        ] = None,
        kind: EntityKind | None = None,
        team: Annotated[str | None, Query(max_length=100)] = None,
        from_: Annotated[date | None, Query(alias="from", description="first day, in the reports' zone")] = None,
        to: Annotated[date | None, Query(description="last day, inclusive")] = None,
    ) -> None:
        self.actor, self.kind, self.team, self.first, self.last = actor, kind, team, from_, to

    def to_filter(self, runtime: Runtime) -> AuditFilter:
        return audit.audit_filter(
            uow=runtime.uow(),
            zone=runtime.settings.report_timezone,
            actor=self.actor,
            kind=self.kind.value if self.kind else None,
            team=self.team,
            first=self.first,
            last=self.last,
        )


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {**audit.entry_row(entry), "at": entry.at.isoformat()}


def _csv(runtime: Runtime, who: Principal, where: AuditFilter) -> StreamingResponse:
    rows = audit.audit_rows(uow=runtime.uow(), viewer=who, where=where)
    audit.scoped(where, who)  # refused before the first byte, not half-way through the stream
    return StreamingResponse(
        (chunk.encode() for chunk in exports.as_csv(rows, audit.COLUMNS)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


@router.get("/audit", response_model=None)
async def list_audit(
    runtime: RuntimeDep,
    who: Reader,
    query: Annotated[AuditQuery, Depends()],
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID, description="the next page: next_before")] = None,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = audit.PAGE,
    format: Literal["json", "csv"] = "json",
) -> dict[str, Any] | StreamingResponse:
    """A page of the trail, newest first: who changed what, when, and the thing before and after (secrets shown
    as a marker, never their value). `next_before` fetches the next page."""
    where = await run_in_threadpool(query.to_filter, runtime)
    if format == "csv":
        return _csv(runtime, who, where)
    page = await run_in_threadpool(
        lambda: audit.list_audit(uow=runtime.uow(), viewer=who, where=where, before=before, limit=limit)
    )
    return {"entries": [entry_json(e) for e in page.entries], "total": page.total, "next_before": page.next_before}


@router.get("/audit.csv", response_class=StreamingResponse)
async def export_audit(runtime: RuntimeDep, who: Reader, query: Annotated[AuditQuery, Depends()]) -> StreamingResponse:
    """Every matching entry as CSV, newest first; a cell that a spreadsheet would run as a formula is neutralised."""
    where = await run_in_threadpool(query.to_filter, runtime)
    return _csv(runtime, who, where)
