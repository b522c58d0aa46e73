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


@pytest.mark.parametrize(
    ("theme", "says"),
    [("biling", "no theme 'biling'"), ("x" * 41, "at most 40 characters"), ("<b>billing</b>", "no theme")],
)
@pytest.mark.parametrize("path", ["/v1/cases", "/v1/cases.csv"])
def test_an_unknown_theme_is_a_422_naming_the_field(client, path, theme, says):
    reply = client.get(path, params={"theme": theme})
    assert reply.status_code == 422, reply.text
    [error] = [error for error in reply.json()["errors"] if error["field"] == "theme"]
    assert says in error["message"]


def test_a_known_theme_filters_the_case_list_and_each_item_lists_its_themes(client, runtime):
    from npsloop.domain.theme_tags import Polarity, ThemeTag
    from tests.conftest import drain, ingest

    ids = [ingest(runtime, score=2) for _ in range(2)]
    drain(runtime)
    with runtime.uow() as uow:
        uow.tags.replace(ids[0], [ThemeTag("billing", Polarity.NEGATIVE, 0.8123)])
        uow.tags.replace(ids[1], [ThemeTag("billing", Polarity.POSITIVE, 0.9)])
        case_id = uow.responses.get(ids[0]).case_id
        uow.commit()
    reply = client.get("/v1/cases", params={"theme": "billing"})
    assert reply.status_code == 200
    [item] = reply.json()["items"]
    assert item["id"] == case_id and reply.json()["total"] == 1
    assert item["themes"] == [{"theme": "billing", "polarity": "negative", "confidence": 0.812}]
    assert client.get(f"/v1/cases/{case_id}").json()["themes"] == item["themes"]
