"""Streamed exports: GET /v1/cases.csv|json and /v1/responses.csv|json, for any filter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from npsloop.api.auth import allow
from npsloop.api.cases import CaseQuery, lookup_ids
from npsloop.api.errors import documented
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.domain.access import Permission
from npsloop.domain.scores import SurveyType
from npsloop.ingest.schemas import Instant
from npsloop.services import exports
from npsloop.services.records import ResponseFilter

router = APIRouter(
    prefix="/v1",
    tags=["exports"],
    dependencies=[Depends(allow(Permission.EXPORT))],
    responses={
        200: {"content": {"text/csv": {}, "application/json": {}}, "description": "the rows, streamed"},
        **documented(401, 403, 422, 503),
    },
)
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
Fmt = Literal["csv", "json"]


def _stream(chunks: Iterator[str], fmt: str, name: str) -> StreamingResponse:
    return StreamingResponse(
        (chunk.encode() for chunk in chunks),
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get("/cases.{fmt}", response_class=StreamingResponse)
async def export_cases(runtime: RuntimeDep, fmt: Fmt, query: Annotated[CaseQuery, Depends()]) -> StreamingResponse:
    where = await run_in_threadpool(query.to_filter, runtime)
    rows = exports.case_rows(uow=runtime.uow(), where=where)
    return _stream(exports.render(rows, exports.CASE_COLUMNS, fmt), fmt, "cases")


@router.get("/responses.{fmt}", response_class=StreamingResponse)
async def export_responses(
    runtime: RuntimeDep,
    fmt: Fmt,
    team: Annotated[str | None, Query(max_length=100)] = None,
    survey_type: SurveyType | None = None,
    touchpoint: Annotated[str | None, Query(max_length=100)] = None,
    responded_from: Instant | None = None,
    responded_to: Instant | None = None,
) -> StreamingResponse:
    team_id, _ = await run_in_threadpool(lookup_ids, runtime, team, None)
    kind = survey_type.value if survey_type else None
    where = ResponseFilter(team_id=team_id, survey_type=kind, touchpoint=touchpoint)
    rows = exports.response_rows(uow=runtime.uow(), where=where, responded=(responded_from, responded_to))
    return _stream(exports.render(rows, exports.RESPONSE_COLUMNS, fmt), fmt, "responses")
