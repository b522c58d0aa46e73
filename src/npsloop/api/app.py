"""The FastAPI application. The runtime (engine, dispatcher) is built in the lifespan, once per process,
unless a test hands one in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi

from npsloop import __version__
from npsloop.api import (
    bounces,
    cases,
    dashboard,
    directory,
    errors,
    exports,
    links,
    reports,
    tokens,
    twilio,
    webhooks,
)
from npsloop.bootstrap import Runtime, build_runtime
from npsloop.dashboard.pages import environment
from npsloop.settings import get_settings


def create_app(runtime: Runtime | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = runtime or build_runtime()
        yield
        if runtime is None:
            app.state.runtime.engine.dispose()

    app = FastAPI(title="npsloop", version=__version__, lifespan=lifespan)
    if runtime is not None:
        app.state.runtime = runtime  # usable before (or without) the lifespan, as in-process test clients do
    errors.install(app)
    app.state.dashboard_env = environment((runtime.settings if runtime else get_settings()).report_timezone)
    app.include_router(webhooks.router)
    app.include_router(exports.router)
    app.include_router(cases.router)
    app.include_router(directory.router)
    app.include_router(twilio.router)
    app.include_router(links.router)
    app.include_router(bounces.router)
    app.include_router(tokens.router)
    app.include_router(reports.router)
    app.include_router(dashboard.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, routes=app.routes)
            document.setdefault("components", {}).setdefault("schemas", {}).update(webhooks.COMPONENTS)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz(request: Request) -> dict[str, str]:
        engine = request.app.state.runtime.engine

        def ping() -> None:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))

        await run_in_threadpool(ping)
        return {"status": "ready"}

    return app
