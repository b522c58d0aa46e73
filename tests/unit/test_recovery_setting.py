"""A team's recovery setting, from the CLI and from the API: the same rule, the same messages."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from tests.conftest import TOKEN, seed_team
from tests.support.cli import operator_cli

AUTH = {"Authorization": f"Bearer {TOKEN}"}
REFUSED = [
    (("sometimes",), {"recovery": "sometimes"}, "recovery must be one of off, ask, themes"),
    (("themes",), {"recovery": "themes"}, "recovery 'themes' needs at least one theme"),
    (("themes", "--theme", "<b>x</b>"), {"recovery": "themes", "recovery_themes": ["<b>x</b>"]}, "unknown recovery"),
    (("ask", "--theme", "delivery"), {"recovery": "ask", "recovery_themes": ["delivery"]}, "only used with"),
]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    with operator_cli(tmp_path, monkeypatch) as invoke:

        def run(*args: str) -> tuple[int, str]:
            result = invoke(*args)
            return result.exit_code, result.output

        yield run


@pytest.fixture
def api(runtime):
    seed_team(runtime)
    with TestClient(create_app(runtime)) as client:
        yield client


def test_the_cli_sets_the_policy_and_its_themes(cli):
    cli("teams", "add", "Care", "--default")
    code, out = cli("teams", "recovery", "Care", "themes", "--theme", "delivery", "--theme", "billing")
    assert code == 0 and json.loads(out)["recovery"] == "themes"
    assert json.loads(out)["recovery_themes"] == ["delivery", "billing"]
    code, out = cli("teams", "recovery", "Care", "off")
    assert code == 0 and json.loads(out)["recovery"] == "off" and json.loads(out)["recovery_themes"] == []


def test_the_api_sets_the_policy_and_keeps_the_other_setting(api):
    done = api.patch("/v1/teams/Logistics", json={"recovery": "ask"}, headers=AUTH)
    assert done.status_code == 200 and done.json()["recovery"] == "ask"
    done = api.patch("/v1/teams/Logistics", json={"reasons_required": True}, headers=AUTH)
    assert done.json()["recovery"] == "ask" and done.json()["reasons_required"] is True


@pytest.mark.parametrize(("args", "body", "message"), REFUSED)
def test_cli_and_api_refuse_with_the_same_message(cli, runtime, args, body, message):
    cli("teams", "add", "Logistics", "--default")
    code, out = cli("teams", "recovery", "Logistics", *args)
    assert code == 1 and message in out
    seed_team(runtime)
    with TestClient(create_app(runtime)) as client:
        refused = client.patch("/v1/teams/Logistics", json=body, headers=AUTH)
    assert refused.status_code == 422 and message in refused.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"recovery_themes": ["delivery"]},
        {"recovery": 1},
        {"recovery": "x" * 41},
        {"recovery": "themes", "recovery_themes": ["delivery"] * 51},
        {"recovery": "ask", "surprise": True},
    ],
)
def test_hostile_or_empty_changes_are_refused(api, body):
    assert api.patch("/v1/teams/Logistics", json=body, headers=AUTH).status_code == 422


def test_another_teams_name_or_no_token_changes_nothing(api):
    assert api.patch("/v1/teams/Nobody", json={"recovery": "ask"}, headers=AUTH).status_code in (404, 422)
    assert api.patch("/v1/teams/Logistics", json={"recovery": "ask"}).status_code == 401
    assert api.get("/v1/teams", headers=AUTH).json()[0]["recovery"] == "off"
