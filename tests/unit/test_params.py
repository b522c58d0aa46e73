"""Ids and offsets past what a database key holds: on SQLite its driver overflowed (a 500); now every route
and the dashboard answer 422 naming the field, before a query runs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.numbers import MAX_ROW_ID
from tests.conftest import TOKEN, seed_team

HUGE = "99999999999999999999"
REQUESTS = [
    ("GET", f"/v1/cases/{HUGE}", "case_id"),
    ("GET", f"/v1/cases/{MAX_ROW_ID + 1}", "case_id"),
    ("POST", f"/v1/cases/{HUGE}/acknowledge", "case_id"),
    ("POST", f"/v1/cases/{HUGE}/assign", "case_id"),
    ("GET", f"/v1/cases?offset={10**20}", "offset"),
    ("GET", "/v1/cases?offset=1e20", "offset"),
    ("GET", f"/ui/cases/{HUGE}", "case_id"),
    ("POST", f"/ui/cases/{HUGE}/act", "case_id"),
    ("POST", f"/ui/cases/{HUGE}/assign", "case_id"),
]


@pytest.fixture
def client(runtime):
    seed_team(runtime)
    with TestClient(create_app(runtime), raise_server_exceptions=False) as test_client:
        test_client.headers["Authorization"] = f"Bearer {TOKEN}"
        yield test_client


def test_an_id_or_offset_beyond_63_bits_is_a_422_naming_the_field(client):
    client.post("/ui/login", data={"token": TOKEN})  # the dashboard's session, for its routes
    for method, path, field in REQUESTS:
        reply = client.request(method, path, json={"agent": "Marta"} if path.endswith("assign") else None)
        assert reply.status_code == 422, (path, reply.status_code, reply.text[:200])
        assert field in [error["field"] for error in reply.json()["errors"]], (path, reply.json())


def test_the_largest_id_is_an_ordinary_404(client):
    assert client.get(f"/v1/cases/{MAX_ROW_ID}").status_code == 404
    assert client.get(f"/v1/cases?offset={MAX_ROW_ID}").json()["items"] == []
