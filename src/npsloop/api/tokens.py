"""Token management for admins: issue (the secret is in this one answer only), list, revoke."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from npsloop.api.auth import Actor, allow
from npsloop.api.body import StrictJsonRoute
from npsloop.api.errors import documented
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.domain.access import ApiToken, Permission, Role
from npsloop.services import tokens

router = APIRouter(
    prefix="/v1/tokens",
    tags=["tokens"],
    dependencies=[Depends(allow(Permission.MANAGE_TOKENS))],
    responses=documented(400, 401, 403, 404, 409, 422, 503),
    route_class=StrictJsonRoute,
)
Name = Annotated[StrictStr, Field(min_length=1, max_length=100, pattern=r"^[\w.@ -]+$")]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    role: Role
    agent: Name | None = None
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None


def token_json(token: ApiToken, now: datetime) -> dict[str, Any]:
    def iso(at: datetime | None) -> str | None:
        return at.isoformat() if at else None

    return {
        "name": token.name,
        "role": token.role,
        "prefix": token.prefix,
        "agent_id": token.agent_id,
        "status": token.status(now),
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at),
        "last_used_at": iso(token.last_used_at),
    }


@router.post("", status_code=201)
async def create(runtime: RuntimeDep, body: TokenIn, actor: Actor) -> dict[str, Any]:
    now = runtime.clock()
    issued = await run_in_threadpool(
        lambda: tokens.create_token(
            uow=runtime.uow(),
            name=body.name,
            role=body.role,
            agent=body.agent,
            now=now,
            expires_in=timedelta(days=body.expires_in_days) if body.expires_in_days else None,
            actor=actor,
        )
    )
    return {**token_json(issued.token, now), "token": issued.secret}


@router.get("")
async def list_all(runtime: RuntimeDep) -> list[dict[str, Any]]:
    found = await run_in_threadpool(lambda: tokens.list_tokens(uow=runtime.uow()))
    now = runtime.clock()
    return [token_json(t, now) for t in found]


@router.post("/{name}/revoke")
async def revoke(runtime: RuntimeDep, name: str, actor: Actor) -> dict[str, Any]:
    now = runtime.clock()
    token = await run_in_threadpool(lambda: tokens.revoke_token(uow=runtime.uow(), name=name, now=now, actor=actor))
    return token_json(token, now)
