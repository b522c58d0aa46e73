"""An agent's channels in order of preference: where an alert goes first, what fail-over walks, and how the
order is set (the same field errors from the API and the CLI)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.cases import EventKind
from npsloop.domain.directory import Agent, InvalidChannels, check_channel_order
from npsloop.domain.notifications import Channel
from npsloop.services import directory
from npsloop.services.casework import get_case
from tests.conftest import TOKEN, FakeTransport, drain, ingest, seed_team
from tests.support.cli import operator_cli

AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def agent(order=None, phone="+573001234567", email="ana@example.co") -> Agent:
    return Agent(name="Ana", team_id=1, phone=phone, email=email, channel_order=order)


def test_without_an_order_an_alert_goes_by_sms_and_email_at_once_as_before():
    assert agent().channels() == [Channel.SMS, Channel.EMAIL]
    assert agent(email=None).channels() == [Channel.SMS]
    assert agent().reachable_channels() == [Channel.SMS, Channel.EMAIL]  # whatsapp only when asked for


def test_with_an_order_an_alert_goes_to_its_first_usable_channel_alone():
    assert agent(["whatsapp", "sms", "email"]).channels() == [Channel.WHATSAPP]
    assert agent(["email", "whatsapp"]).channels() == [Channel.EMAIL]
    assert agent(["whatsapp", "email"], phone=None).channels() == [Channel.EMAIL]  # a phone removed since
    assert agent(["whatsapp", "sms", "email"]).reachable_channels() == [Channel.WHATSAPP, Channel.SMS, Channel.EMAIL]


def test_an_escalation_step_takes_the_first_channel_of_the_order_it_allows():
    assert agent(["whatsapp", "sms", "email"]).channels(within=("sms", "email")) == [Channel.SMS]
    assert agent(["whatsapp", "sms"]).channels(within=("whatsapp", "sms")) == [Channel.WHATSAPP]
    assert agent().channels(within=("email",)) == [Channel.EMAIL]


def test_the_whatsapp_window_is_24_hours_from_the_agents_last_message():
    ana = agent(["whatsapp"])
    assert not ana.whatsapp_window_open(NOW)
    ana.whatsapp_seen_at = NOW - timedelta(hours=23, minutes=59)
    assert ana.whatsapp_window_open(NOW)
    ana.whatsapp_seen_at = NOW - timedelta(hours=24)
    assert not ana.whatsapp_window_open(NOW)


@pytest.mark.parametrize(
    ("order", "phone", "email", "message"),
    [
        ([], "+573001234567", None, "at least one channel"),
        (["telegram"], "+573001234567", None, "'telegram' is not a channel; use sms, email, whatsapp"),
        (["sms", "sms"], "+573001234567", None, "each channel may be listed once"),
        (["whatsapp"], None, "a@b.co", "whatsapp needs a phone number"),
        (["sms", "email"], "+573001234567", None, "email needs an email address"),
    ],
)
def test_an_order_is_checked_field_by_field(order, phone, email, message):
    with pytest.raises(InvalidChannels, match=message) as error:
        check_channel_order(order, phone=phone, email=email)
    assert error.value.field == "channels"


def test_the_order_is_stored_read_back_and_cleared(runtime):
    seed_team(runtime, agents=(("Ana", "+573001234567", "ana@example.co", "es"),))
    directory.set_channels(uow=runtime.uow(), agent="Ana", channels=["whatsapp", "email"])
    with runtime.uow() as uow:
        assert uow.directory.agent_named("Ana").channel_order == ["whatsapp", "email"]
    directory.set_channels(uow=runtime.uow(), agent="Ana", channels=None)
    with runtime.uow() as uow:
        assert uow.directory.agent_named("Ana").channel_order is None


def alerted(runtime, transports):
    runtime.transports = transports
    ingest(runtime, score=2, customer={"id": "c1"})
    drain(runtime)
    return get_case(uow=runtime.uow(), case_id=1).events


def test_a_failed_channel_hands_the_alert_to_the_next_one_in_the_agents_order(runtime):
    seed_team(runtime, agents=(("Ana", "+573001234567", "ana@example.co", "es"),))
    directory.set_channels(uow=runtime.uow(), agent="Ana", channels=["email", "whatsapp", "sms"])
    email, whatsapp, sms = FakeTransport(), FakeTransport(), FakeTransport()
    email.script["ana@example.co"] = ["permanent"]
    whatsapp.script["+573001234567"] = ["permanent"]
    events = alerted(runtime, {Channel.EMAIL: email, Channel.WHATSAPP: whatsapp, Channel.SMS: sms})
    assert [m.channel for m in sms.sent] == ["sms"] and email.sent == [] and whatsapp.sent == []
    assert [e.data["to_channel"] for e in events if e.kind == EventKind.FAILOVER] == ["whatsapp", "sms"]


def test_when_every_channel_failed_the_timeline_says_none_is_left(runtime):
    seed_team(runtime, agents=(("Ana", "+573001234567", None, "es"),))
    directory.set_channels(uow=runtime.uow(), agent="Ana", channels=["whatsapp", "sms"])
    broken = FakeTransport(script={"+573001234567": ["permanent"]})
    events = alerted(runtime, {Channel.WHATSAPP: broken, Channel.SMS: broken, Channel.EMAIL: FakeTransport()})
    notes = [e.note for e in events if e.kind == EventKind.FAILOVER]
    assert notes[-1] == "Ana has no channel left to try" and len(notes) == 2


def test_an_agent_without_an_order_still_gets_sms_and_email_and_never_whatsapp(runtime):
    seed_team(runtime, agents=(("Ana", "+573001234567", "ana@example.co", "es"),))
    sms, email, whatsapp = FakeTransport(), FakeTransport(), FakeTransport()
    alerted(runtime, {Channel.SMS: sms, Channel.EMAIL: email, Channel.WHATSAPP: whatsapp})
    assert (len(sms.sent), len(email.sent), whatsapp.sent) == (1, 1, [])


@pytest.fixture
def api(runtime):
    seed_team(runtime, agents=(("Ana", None, "ana@example.co", "es"),))
    with TestClient(create_app(runtime)) as client:
        yield client


def test_the_api_adds_an_agent_with_an_order_and_shows_it(api):
    body = {"name": "Luz", "team": "Logistics", "phone": "+573001234567", "channels": ["whatsapp", "sms"]}
    created = api.post("/v1/agents", json=body, headers=AUTH)
    assert created.status_code == 201 and created.json()["channels"] == ["whatsapp", "sms"]
    listed = {a["name"]: a["channels"] for a in api.get("/v1/agents", headers=AUTH).json()}
    assert listed == {"Ana": None, "Luz": ["whatsapp", "sms"]}


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        (["whatsapp"], "whatsapp needs a phone number"),
        (["email", "email"], "each channel may be listed once"),
        (["<script>x</script>"], "String should have at most 10 characters"),
        (["sms", "email", "whatsapp", "sms"], "List should have at most 3 items"),
    ],
)
def test_the_api_refuses_a_bad_order_with_the_field_and_why(api, channels, message):
    body = {"name": "Luz", "team": "Logistics", "email": "luz@example.co", "channels": channels}
    answer = api.post("/v1/agents", json=body, headers=AUTH)
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"].startswith("channels") and message in error["message"]


def test_the_api_sets_and_clears_an_agents_order_checked_against_their_stored_addresses(api):
    put = api.put("/v1/agents/Ana/channels", json={"channels": ["sms"]}, headers=AUTH)
    assert put.status_code == 422
    assert put.json()["errors"] == [{"field": "channels", "message": "sms needs a phone number"}]
    assert api.put("/v1/agents/Ana/channels", json={"channels": ["email"]}, headers=AUTH).json() == {
        "name": "Ana",
        "channels": ["email"],
    }
    assert api.put("/v1/agents/Ana/channels", json={"channels": None}, headers=AUTH).json()["channels"] is None
    assert api.put("/v1/agents/Nobody/channels", json={"channels": None}, headers=AUTH).status_code == 422
    assert api.put("/v1/agents/Ana/channels", json={"channels": ["email"], "x": 1}, headers=AUTH).status_code == 422


def test_an_agent_token_cannot_change_an_order(api, runtime):
    from npsloop.domain.access import Role
    from npsloop.services.tokens import create_token

    issued = create_token(uow=runtime.uow(), name="ana", role=Role.AGENT, agent="Ana", now=runtime.clock())
    token = issued.secret
    answer = api.put(
        "/v1/agents/Ana/channels", json={"channels": ["email"]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 403


@pytest.fixture
def cli(tmp_path, monkeypatch):
    with operator_cli(tmp_path, monkeypatch) as invoke:

        def run(*args: str, ok: bool = True) -> str:
            result = invoke(*args)
            assert (result.exit_code == 0) is ok, result.output
            return result.output

        run("teams", "add", "Logistics", "--default")
        yield run


def test_the_cli_sets_an_order_and_says_what_is_wrong_as_the_api_does(cli):
    added = cli("agents", "add", "Luz", "--team", "Logistics", "--phone", "+573001234567", "--channels", "whatsapp,sms")
    assert json.loads(added)["channels"] == ["whatsapp", "sms"]
    assert "whatsapp, sms" in cli("agents", "list")
    wrong = cli("agents", "add", "Ana", "--team", "Logistics", "--email", "a@b.co", "--channels", "sms", ok=False)
    assert "channels: sms needs a phone number" in wrong
    assert "channels: email needs an email address" in cli("agents", "channels", "Luz", "email", ok=False)
    assert "channels: each channel may be listed once" in cli("agents", "channels", "Luz", "sms", "sms", ok=False)
    assert json.loads(cli("agents", "channels", "Luz", "sms", "whatsapp"))["channels"] == ["sms", "whatsapp"]
    assert json.loads(cli("agents", "channels", "Luz", "--default"))["channels"] is None
    assert "or --default" in cli("agents", "channels", "Luz", ok=False)


def test_whatsapp_alerts_are_neither_counted_by_the_sms_cap_nor_folded_into_digests(runtime):
    runtime.settings.sms_per_agent_per_hour = 1
    seed_team(runtime, agents=(("Ana", "+573001234567", None, "es"),))
    directory.set_channels(uow=runtime.uow(), agent="Ana", channels=["whatsapp", "sms"])
    whatsapp, sms = FakeTransport(), FakeTransport()
    runtime.transports = {Channel.WHATSAPP: whatsapp, Channel.SMS: sms, Channel.EMAIL: FakeTransport()}
    for customer in ("c1", "c2", "c3"):
        ingest(runtime, score=2, customer={"id": customer})
    drain(runtime)
    assert [m.text.split(":")[0] for m in whatsapp.sent] == ["npsloop #1", "npsloop #2", "npsloop #3"]
    assert sms.sent == []


def test_an_escalation_step_may_name_whatsapp_and_names_nothing_else_new():
    from npsloop.domain.escalation import parse_step
    from npsloop.domain.sla import CalendarError

    assert parse_step("15m supervisors whatsapp,sms").channels == ("whatsapp", "sms")
    assert parse_step("15m supervisors").channels == ("sms", "email")
    with pytest.raises(CalendarError, match="sms, email and/or whatsapp"):
        parse_step("15m supervisors telegram")
