"""Cases: list, read, and move through the loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from npsloop.api.auth import allow
from npsloop.api.body import StrictJsonRoute
from npsloop.api.errors import ApiError, documented
from npsloop.api.params import Offset, RowId, ThemeKey, known_theme
from npsloop.api.presenters import case_json
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.domain.access import Permission, Principal
from npsloop.domain.cases import Action, CaseStatus, Outcome
from npsloop.domain.closure import MAX_ACTION_NOTE, Closure
from npsloop.domain.scores import Category
from npsloop.domain.themes import MAX_KEY, MAX_THEMES
from npsloop.ingest.schemas import Instant, Text
from npsloop.services import casework
from npsloop.services.records import CaseFilter

router = APIRouter(
    prefix="/v1/cases",
    tags=["cases"],
    responses=documented(400, 401, 403, 404, 409, 422, 503),
    route_class=StrictJsonRoute,
)
Reader = Annotated[Principal, Depends(allow(Permission.READ_CASES))]
Actor = Annotated[Principal, Depends(allow(Permission.ACT_ON_CASES))]
Assigner = Annotated[Principal, Depends(allow(Permission.ASSIGN_CASES))]


class CaseActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: Annotated[Text, Field(min_length=1, max_length=100)] = "api"
    note: Annotated[Text, Field(max_length=2000)] | None = None
    outcome: Outcome | None = None
    # Closing only: why the customer was unhappy (theme keys, GET /v1/themes) and what was done about it.
    reasons: Annotated[
        list[Annotated[Text, Field(min_length=1, max_length=MAX_KEY)]], Field(max_length=MAX_THEMES)
    ] = []
    action_code: Annotated[Text, Field(min_length=1, max_length=MAX_KEY)] | None = None
    action_note: Annotated[Text, Field(max_length=MAX_ACTION_NOTE)] | None = None

    def closure(self) -> Closure:
        return Closure(tuple(self.reasons), self.action_code, self.action_note)


def actor_name(who: Principal, claimed: str) -> str:
    """A named token acts as itself, so the audit trail cannot be told otherwise; only the bootstrap admin
    token, which names nobody, may say on whose behalf it acts."""
    return claimed if who.token_id is None else who.actor


def lookup_ids(runtime: Runtime, team: str | None, agent: str | None) -> tuple[int | None, int | None]:
    with runtime.uow() as uow:
        team_id = agent_id = None
        if team:
            found = uow.directory.team_named(team)
            if found is None:
                raise ApiError(
                    422, "validation_failed", "unknown team", errors=[{"field": "team", "message": "no such team"}]
                )
            team_id = found.id
        if agent:
            who = uow.directory.agent_named(agent)
            if who is None:
                raise ApiError(
                    422, "validation_failed", "unknown agent", errors=[{"field": "agent", "message": "no such agent"}]
                )
            agent_id = who.id
        return team_id, agent_id


@dataclass
class CaseQuery:
    """The case filters the list and the exports share, as query parameters."""

    status: CaseStatus | None = None
    team: Annotated[str | None, Query(max_length=100)] = None
    agent: Annotated[str | None, Query(max_length=100)] = None
    category: Category | None = None
    touchpoint: Annotated[str | None, Query(max_length=100)] = None
    opened_from: Instant | None = None
    opened_to: Instant | None = None
    theme: ThemeKey = None

    def to_filter(self, runtime: Runtime) -> CaseFilter:
        team_id, agent_id = lookup_ids(runtime, self.team, self.agent)
        return CaseFilter(
            status=self.status,
            team_id=team_id,
            agent_id=agent_id,
            category=self.category,
            touchpoint=self.touchpoint,
            opened_from=self.opened_from,
            opened_to=self.opened_to,
            theme=known_theme(runtime.uow(), self.theme),
        )


@router.get("")
async def list_cases(
    runtime: RuntimeDep,
    who: Reader,
    query: Annotated[CaseQuery, Depends()],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        where = query.to_filter(runtime)
        views, total = casework.list_cases(uow=runtime.uow(), where=where, limit=limit, offset=offset, viewer=who)
        return {"items": [case_json(v, full=False) for v in views], "total": total, "limit": limit, "offset": offset}

    return await run_in_threadpool(run)


@router.get("/{case_id}")
async def get_case(runtime: RuntimeDep, case_id: RowId, who: Reader) -> dict[str, Any]:
    view = await run_in_threadpool(lambda: casework.get_case(uow=runtime.uow(), case_id=case_id, viewer=who))
    return case_json(view)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: Annotated[Text, Field(min_length=1, max_length=100)]
    actor: Annotated[Text, Field(min_length=1, max_length=100)] = "api"
    note: Annotated[Text, Field(max_length=2000)] | None = None


@router.post("/{case_id}/assign")
async def assign(runtime: RuntimeDep, case_id: RowId, body: AssignIn, who: Assigner) -> dict[str, Any]:
    """Hands the case to another agent, who is told by SMS and email."""
    view = await run_in_threadpool(
        lambda: casework.assign_case(
            uow=runtime.uow(),
            case_id=case_id,
            agent=body.agent,
            actor=actor_name(who, body.actor),
            now=runtime.clock(),
            note=body.note,
            viewer=who,
        )
    )
    return case_json(view)


@router.post("/{case_id}/{action}")
async def act(
    runtime: RuntimeDep, case_id: RowId, action: Action, who: Actor, body: CaseActionIn | None = None
) -> dict[str, Any]:
    body = body or CaseActionIn()
    now: datetime = runtime.clock()
    view = await run_in_threadpool(
        lambda: casework.act_on_case(
            uow=runtime.uow(),
            case_id=case_id,
            action=action,
            actor=actor_name(who, body.actor),
            now=now,
            note=body.note,
            outcome=body.outcome,
            viewer=who,
            closure=body.closure(),
            actions=runtime.settings.closure_action_codes(),
        )
    )
    return case_json(view)
