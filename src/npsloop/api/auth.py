"""Who is calling, and may they: every protected route names the permission it needs, and the role behind
the bearer token decides. 401 means "we do not know you", 403 "we know you, and the answer is no"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from npsloop.api.errors import ApiError
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.domain.access import AccessDenied, Permission, Principal
from npsloop.services.tokens import authenticate

bearer = HTTPBearer(auto_error=False, description="an API token from `npsloop tokens create`")


async def principal_for(runtime: Runtime, presented: str) -> Principal | None:
    return await run_in_threadpool(
        lambda: authenticate(
            uow=runtime.uow(), presented=presented, bootstrap=runtime.settings.api_token_list(), now=runtime.clock()
        )
    )


async def current_principal(
    request: Request, runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    found = await principal_for(runtime, credentials.credentials)
    if found is None:
        raise ApiError(401, "unauthorized", "the token is not valid, has expired or was revoked")
    request.state.principal = found
    return found


async def current_actor(who: Annotated[Principal, Depends(current_principal)]) -> str:
    """Who the audit trail records for a change this request makes (the principal, already read for the route's
    permission: FastAPI reads it once a request)."""
    return who.actor


Actor = Annotated[str, Depends(current_actor)]


def allow(permission: Permission) -> Callable[..., object]:
    """A dependency that admits only principals whose role carries `permission`."""

    async def check(who: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not who.can(permission):
            raise AccessDenied(f"the {who.role.value} role may not {permission.value}")
        return who

    return check
