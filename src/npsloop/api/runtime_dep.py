"""How a route gets the runtime (engine, dispatcher, settings, clock): one FastAPI dependency, so every route
takes the object create_app was given or the lifespan built, typed, and a test may swap it through
app.dependency_overrides[current_runtime]."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from npsloop.bootstrap import Runtime


async def current_runtime(request: Request) -> Runtime:
    """Async although it awaits nothing: FastAPI runs a plain function dependency in the thread pool, which
    every request would then queue for behind the routes' database work."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(current_runtime)]
