"""The FastAPI application. The runtime (engine, dispatcher) is built in the lifespan, once per process,
unless a test hands one in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from npsloop import __version__, health, metrics
from npsloop.api import (
    audit,
    bounces,
    cases,
    customers,
    dashboard,
    dashboard_audit,
    dashboard_review,
    directory,
    errors,
    exports,
    integrations,
    links,
    recovery,
    reports,
    themes,
    tokens,
    twilio,
    webhooks,
)
from npsloop.api.admin_gate import AdminGate
from npsloop.api.body_limit import BodyLimit
from npsloop.api.headers import SecurityHeaders
from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime, build_runtime
from npsloop.dashboard.pages import environment
from npsloop.logs import configure_logging
from npsloop.settings import get_settings


def create_app(runtime: Runtime | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = runtime or build_runtime()
        yield
        if runtime is None:
            app.state.runtime.engine.dispose()

    if runtime is None:
        # Built by uvicorn in a process of its own (`npsloop serve --workers N`): log as the command does.
        configure_logging(get_settings())
    # 413 on every route: the body limit (api/body_limit.py) answers before any of them.
    app = FastAPI(title="npsloop", version=__version__, lifespan=lifespan, responses=errors.documented(413))
    if runtime is not None:
        app.state.runtime = runtime  # usable before (or without) the lifespan, as in-process test clients do
    errors.install(app)
    limits = runtime.settings if runtime else get_settings()
    # Before routing, so no route (nor FastAPI's body parsing in front of it) reads more than its limit.
    app.add_middleware(
        BodyLimit, default=limits.max_body_bytes, larger={webhooks.BATCH_PATH: limits.max_batch_body_bytes}
    )
    if limits.admin_token.get_secret_value():
        app.add_middleware(AdminGate, token=limits.admin_token.get_secret_value())
    app.add_middleware(SecurityHeaders)  # the outermost: every answer has its headers, refusals included
    app.state.dashboard_env = environment((runtime.settings if runtime else get_settings()).report_timezone)
    app.include_router(webhooks.router)
    app.include_router(integrations.router)
    app.include_router(exports.router)
    app.include_router(cases.router)
    app.include_router(directory.router)
    app.include_router(twilio.router)
    app.include_router(links.router)
    app.include_router(recovery.router)
    app.include_router(bounces.router)
    app.include_router(tokens.router)
    app.include_router(customers.router)
    app.include_router(reports.router)
    app.include_router(themes.router)
    app.include_router(audit.router)
    app.include_router(dashboard.router)
    app.include_router(dashboard_review.router)
    app.include_router(dashboard_audit.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, routes=app.routes)
            document.setdefault("components", {}).setdefault("schemas", {}).update(webhooks.COMPONENTS)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Alive: the process answers. Says nothing of the database, so a database outage does not get
        every API process restarted."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "the database or the broker is down"}})
    async def readyz(runtime: RuntimeDep) -> JSONResponse:
        """Ready to take traffic: the database and the broker answer."""

        def probe() -> dict[str, str]:
            checks = {"database": health.database_ok(runtime.engine), "broker": health.broker_ok(runtime.settings)}
            return {name: problem or "ok" for name, problem in checks.items()}

        checks = await run_in_threadpool(probe)
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", **checks}, status_code=200 if ready else 503
        )

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse)
    async def metrics_endpoint(runtime: RuntimeDep) -> Response:
        """Prometheus text format: this host's processes (API and workers sharing the metrics folder) and
        the broker's queue depth."""
        settings = runtime.settings
        text = await run_in_threadpool(metrics.exposition, lambda: health.queue_depth(settings))
        return Response(text, media_type=metrics.CONTENT_TYPE)

    return app
