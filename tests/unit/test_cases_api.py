"""Closing a case through the API with its reasons and the action taken: what the rules refuse is a 422 naming
the field, and the case detail shows the comment's themes next to the reasons the agent gave."""

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.theme_tags import Polarity, ThemeTag
from tests.conftest import TOKEN, drain, ingest, seed_team

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(runtime):
    seed_team(runtime)
    response_id = ingest(runtime, score=2, comment="Me cobraron dos veces la factura")
    drain(runtime)
    with runtime.uow() as uow:
        uow.tags.replace(response_id, [ThemeTag("billing", Polarity.NEGATIVE, 0.9)])
        uow.commit()
    with TestClient(create_app(runtime)) as client:
        yield client


def close(client, **body):
    return client.post("/v1/cases/1/close", json={"outcome": "resolved", **body}, headers=AUTH)


def test_closing_with_reasons_and_an_action_shows_them_on_the_case(client):
    closed = close(client, reasons=["billing", "wait_time"], action_code="refund", action_note="refunded one charge")
    assert closed.status_code == 200, closed.text
    case = client.get("/v1/cases/1", headers=AUTH).json()
    assert case["reasons"] == ["billing", "wait_time"]
    assert (case["action_code"], case["action_note"]) == ("refund", "refunded one charge")
    assert case["themes"] == [{"theme": "billing", "polarity": "negative", "confidence": 0.9}]
    assert case["timeline"][-1]["data"]["reasons"] == ["billing", "wait_time"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reasons": ["facturas"]}, "reasons"),
        ({"reasons": ["billing"], "action_code": "voucher"}, "action_code"),
        ({"reasons": ["billing"], "action_note": "x" * 501}, "action_note"),
        ({"reasons": [""]}, "reasons.0"),
        ({"reasons": "billing"}, "reasons"),
    ],
)
def test_what_the_rules_refuse_is_a_422_naming_the_field_and_the_case_stays_open(client, body, field):
    refused = close(client, **body)
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == [field]
    assert client.get("/v1/cases/1", headers=AUTH).json()["status"] == "open"


def test_reasons_belong_to_a_closure_not_to_another_step(client):
    refused = client.post("/v1/cases/1/acknowledge", json={"reasons": ["billing"]}, headers=AUTH)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reasons"


def test_a_team_that_requires_reasons_gets_a_422_naming_them_until_they_are_given(client):
    changed = client.patch("/v1/teams/Logistics", json={"reasons_required": True}, headers=AUTH)
    assert changed.status_code == 200 and changed.json()["reasons_required"] is True
    refused = close(client, action_code="callback")
    assert refused.status_code == 422 and refused.json()["error"] == "ReasonsRequired"
    assert refused.json()["errors"] == [{"field": "reasons", "message": refused.json()["message"]}]
    assert close(client, reasons=["billing"]).status_code == 200


def test_the_action_codes_are_the_installations_own(client, runtime):
    runtime.settings.closure_actions = "goodwill_gesture, refund"
    assert close(client, reasons=["billing"], action_code="callback").status_code == 422
    assert (
        close(client, reasons=["billing"], action_code="goodwill_gesture").json()["action_code"] == "goodwill_gesture"
    )


def test_an_unknown_team_cannot_be_changed(client):
    answer = client.patch("/v1/teams/Nobody", json={"reasons_required": True}, headers=AUTH)
    assert answer.status_code == 422
