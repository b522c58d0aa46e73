"""Routes take the runtime through one dependency (api/runtime_dep.py): swapping it with dependency_overrides
swaps what the API, its token check and the dashboard see, so no route reads app.state on the side."""

import pkgutil
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIRouter
from fastapi.testclient import TestClient

from npsloop import api
from npsloop.api.app import create_app
from npsloop.api.runtime_dep import current_runtime
from npsloop.bootstrap import Runtime, build_runtime
from npsloop.store import migrate
from tests.conftest import TOKEN, FakeDispatcher, seed_team, sqlite_settings

OTHER_TOKEN = "other-token-" + "c" * 24
# Routes that need nothing of the runtime: redirects, the stylesheet, liveness.
RUNTIME_FREE = {"/ui", "/ui/", "/ui/dashboard.css", "/healthz"}


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Runtime]:
    """A second runtime, with its own database, team and token, that only the override can reach."""
    settings = sqlite_settings(tmp_path / "other", api_tokens=OTHER_TOKEN)
    settings.data_dir.mkdir()
    migrate.upgrade(settings.resolved_database_url)
    rt = build_runtime(settings, dispatcher=FakeDispatcher())
    seed_team(rt, name="Override", agents=())
    yield rt
    rt.engine.dispose()


def team_names(client: TestClient, token: str) -> list[str] | int:
    answer = client.get("/v1/teams", headers={"Authorization": f"Bearer {token}"})
    return [team["name"] for team in answer.json()] if answer.status_code == 200 else answer.status_code


def test_a_route_gets_the_apps_runtime(runtime):
    seed_team(runtime)
    with TestClient(create_app(runtime)) as client:
        assert team_names(client, TOKEN) == ["Logistics"]
        assert team_names(client, OTHER_TOKEN) == 401


def test_overriding_the_dependency_swaps_the_runtime_for_routes_auth_and_dashboard(runtime, other):
    seed_team(runtime)
    app = create_app(runtime)
    app.dependency_overrides[current_runtime] = lambda: other
    with TestClient(app) as client:
        assert team_names(client, OTHER_TOKEN) == ["Override"]
        assert team_names(client, TOKEN) == 401  # the token check asked the other runtime too
        login = client.post("/ui/login", data={"token": OTHER_TOKEN}, follow_redirects=False)
        assert login.status_code == 303


def calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from calls(sub)


def every_route(runtime: Runtime) -> Iterator[APIRoute]:
    """The app's own routes and those of every router in the api package (read from the routers themselves:
    FastAPI keeps an included router as one opaque entry of app.routes), so a new module is checked too."""
    modules = [import_module(f"npsloop.api.{found.name}") for found in pkgutil.iter_modules(api.__path__)]
    routers = [create_app(runtime).router, *(getattr(module, "router", None) for module in modules)]
    for router in routers:
        if isinstance(router, APIRouter):
            yield from (route for route in router.routes if isinstance(route, APIRoute))


def test_every_route_that_needs_the_runtime_takes_it_through_the_dependency(runtime):
    without = {route.path for route in every_route(runtime) if current_runtime not in set(calls(route.dependant))}
    assert without == RUNTIME_FREE
