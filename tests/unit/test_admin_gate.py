"""The operator's doors (/metrics, /docs, /redoc, /openapi.json) behind NPSLOOP_ADMIN_TOKEN when it is set,
and open as before when it is not (the embedded mode)."""

from fastapi.testclient import TestClient

from npsloop.api.admin_gate import ADMIN_PATHS
from npsloop.api.app import create_app
from tests.conftest import TOKEN

ADMIN = "admin-" + "k" * 40
DOORS = ("/metrics", "/docs", "/redoc", "/openapi.json")


def test_with_an_admin_token_metrics_and_docs_need_it_and_other_routes_do_not(runtime):
    runtime.settings.admin_token = type(runtime.settings.admin_token)(ADMIN)
    client = TestClient(create_app(runtime))
    for path in DOORS:
        refused = client.get(path)
        assert refused.status_code == 401, path
        assert (
            refused.json()["errors"][0]["field"] == "Authorization" and refused.headers["www-authenticate"] == "Bearer"
        )
        # An API token, even an admin's, is not the operator's token.
        assert client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 401
        assert client.get(path, headers={"Authorization": f"Bearer {ADMIN}"}).status_code == 200, path
    assert client.get("/healthz").status_code == 200  # the orchestrator's probes stay open
    assert client.get("/v1/teams", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_without_an_admin_token_the_doors_stay_open_as_in_the_embedded_mode(runtime):
    client = TestClient(create_app(runtime))
    for path in DOORS:
        assert client.get(path).status_code == 200, path
    assert set(DOORS) <= ADMIN_PATHS
