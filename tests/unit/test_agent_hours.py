"""Setting and showing an agent's working hours and on-call duty: the service, PUT/GET /v1/agents/{name}/hours,
POST /v1/agents, and `npsloop agents hours` / `agents add --hours`, with the same field-level words everywhere."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.access import Role
from npsloop.domain.errors import UnknownAgent
from npsloop.domain.sla import CalendarError
from npsloop.services import tokens
from npsloop.services.agent_hours import set_hours, working_hours
from tests.conftest import TOKEN, at, madrid_schedule, seed_team
from tests.unit.test_cli import cli  # noqa: F401  (the fixture)

MADRID = ZoneInfo("Europe/Madrid")
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=MADRID)


@pytest.fixture
def client(runtime):
    seed_team(runtime)
    madrid_schedule(runtime)
    at(runtime, WEDNESDAY_10)
    with TestClient(create_app(runtime)) as client:
        yield client


def bearer(runtime, role: Role) -> dict[str, str]:
    agent = "Marta" if role is Role.AGENT else None
    issued = tokens.create_token(uow=runtime.uow(), name=f"t-{role.value}", role=role, now=runtime.clock(), agent=agent)
    secret = issued.secret
    return {"Authorization": f"Bearer {secret}"}


def test_an_agent_works_the_teams_hours_until_given_their_own(runtime):
    seed_team(runtime)
    madrid_schedule(runtime)
    at(runtime, WEDNESDAY_10)
    shown = working_hours(uow=runtime.uow(), agent="Marta", now=runtime.clock())
    assert (shown.hours, shown.team_hours, shown.on_call) == (
        None,
        "mon 09:00-17:00, tue 09:00-17:00, wed 09:00-17:00, thu 09:00-17:00, fri 09:00-17:00",
        False,
    )
    assert shown.next_alert_at == WEDNESDAY_10 and shown.timezone == "Europe/Madrid"
    shown = set_hours(uow=runtime.uow(), agent="Marta", hours="Mon-Fri 13:00-17:00", now=runtime.clock())
    assert shown.hours.startswith("mon 13:00-17:00") and shown.next_alert_at == datetime(2026, 12, 2, 13, tzinfo=MADRID)
    shown = set_hours(uow=runtime.uow(), agent="Marta", hours=None, on_call=True, now=runtime.clock())
    assert shown.hours.startswith("mon 13:00-17:00") and shown.on_call and shown.next_alert_at == WEDNESDAY_10
    shown = set_hours(uow=runtime.uow(), agent="Marta", hours=None, team_hours=True, on_call=False, now=runtime.clock())
    assert (shown.hours, shown.on_call) == (None, False)


def test_bad_hours_and_unknown_agents_change_nothing(runtime):
    seed_team(runtime)
    with pytest.raises(CalendarError, match="cannot read"):
        set_hours(uow=runtime.uow(), agent="Marta", hours="9 to 5", on_call=True, now=runtime.clock())
    with pytest.raises(UnknownAgent):
        set_hours(uow=runtime.uow(), agent="Nobody", hours="mon 09:00-10:00", now=runtime.clock())
    assert not working_hours(uow=runtime.uow(), agent="Marta", now=runtime.clock()).on_call


def test_the_api_sets_and_shows_hours_and_on_call(client):
    answer = client.put(
        "/v1/agents/Marta/hours", headers=ADMIN, json={"hours": "mon-fri 13:00-17:00", "on_call": False}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["hours"].startswith("mon 13:00-17:00") and body["on_call"] is False
    assert body["next_alert_at"] == "2026-12-02T12:00:00+00:00" and body["timezone"] == "Europe/Madrid"
    assert client.get("/v1/agents/Marta/hours", headers=ADMIN).json() == body
    listed = {a["name"]: a for a in client.get("/v1/agents", headers=ADMIN).json()}
    assert listed["Marta"]["hours"] == body["hours"] and listed["Tom"]["hours"] is None
    back = client.put("/v1/agents/Marta/hours", headers=ADMIN, json={"hours": None, "on_call": True}).json()
    assert back["hours"] is None and back["on_call"] is True
    assert client.put("/v1/agents/Marta/hours", headers=ADMIN, json={"hours": None, "on_call": True}).json() == back


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"hours": "<script>alert(1)</script>", "on_call": False}, "hours", "cannot read"),
        ({"hours": "mon 09:00-13:00, " * 40, "on_call": False}, "hours", "at most 300"),
        ({"hours": "", "on_call": False}, "hours", "at least one day"),
        ({"hours": "mon 17:00-09:00", "on_call": False}, "hours", "closes before it opens"),
        ({"hours": "mon 09:00-13:00\u0000", "on_call": False}, "hours", ""),
        ({"hours": 9, "on_call": False}, "hours", ""),
        ({"hours": None, "on_call": "yes"}, "on_call", ""),
        ({"hours": None}, "on_call", "required"),
        ({"hours": None, "on_call": False, "team": "Other"}, "team", "not permitted"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, body, field, words):
    answer = client.put("/v1/agents/Marta/hours", headers=ADMIN, json=body)
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert any(e["field"] == field and words in e["message"] for e in errors), errors
    assert answer.headers["content-type"] == "application/json"  # an echoed value is data, never markup
    assert client.get("/v1/agents/Marta/hours", headers=ADMIN).json()["hours"] is None


def test_unknown_or_hostile_agent_names_are_refused(client):
    assert (
        client.put("/v1/agents/Nobody/hours", headers=ADMIN, json={"hours": None, "on_call": True}).status_code == 422
    )
    assert client.get("/v1/agents/%3Cb%3E/hours", headers=ADMIN).status_code == 422
    assert client.get("/v1/agents/" + "a" * 101 + "/hours", headers=ADMIN).status_code == 422


def test_supervisors_read_hours_and_only_the_admin_sets_them(client, runtime):
    supervisor = bearer(runtime, Role.SUPERVISOR)
    assert client.get("/v1/agents/Marta/hours", headers=supervisor).status_code == 200
    change = {"hours": None, "on_call": True}
    assert client.put("/v1/agents/Marta/hours", headers=supervisor, json=change).status_code == 403
    assert client.get("/v1/agents/Marta/hours", headers=bearer(runtime, Role.AGENT)).status_code == 403
    assert client.get("/v1/agents/Marta/hours").status_code == 401


def test_an_agent_is_created_with_hours_and_on_call_checked_like_an_edit(client):
    created = client.post(
        "/v1/agents",
        headers=ADMIN,
        json={
            "name": "Ana",
            "team": "Logistics",
            "email": "ana@example.es",
            "hours": "sat 10:00-14:00",
            "on_call": True,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["hours"] == "sat 10:00-14:00" and created.json()["on_call"] is True
    refused = client.post(
        "/v1/agents", headers=ADMIN, json={"name": "Eva", "team": "Logistics", "email": "e@example.es", "hours": "9-5"}
    )
    assert refused.status_code == 422
    put = client.put("/v1/agents/Ana/hours", headers=ADMIN, json={"hours": "9-5", "on_call": True})
    assert refused.json()["errors"] == put.json()["errors"]  # the same field, the same words


def test_the_cli_shows_and_sets_an_agents_hours(cli):  # noqa: F811
    cli("teams", "add", "Logistics", "--default")
    cli("agents", "add", "Marta", "--team", "Logistics", "--phone", "+34611222333", "--hours", "mon-fri 13:00-17:00")
    assert '"hours": "mon 13:00-17:00' in cli("agents", "hours", "Marta")
    shown = cli("agents", "hours", "Marta", "--team-hours", "--on-call")
    assert '"hours": null' in shown and '"on_call": true' in shown
    assert "hours: cannot read" in cli("agents", "hours", "Marta", "--hours", "<b>mon</b> 09:00-10:00", ok=False)
    assert "hours: cannot read" in cli(
        "agents", "add", "Ana", "--team", "Logistics", "--email", "a@b.es", "--hours", "9-5", ok=False
    )
    assert "not both" in cli("agents", "hours", "Marta", "--hours", "mon 09:00-10:00", "--team-hours", ok=False)
    assert "no agent named 'Nobody'" in cli("agents", "hours", "Nobody", ok=False)
    assert '"on_call": true' in cli("agents", "hours", "Marta")
