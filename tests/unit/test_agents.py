"""services.agents and its doors: an agent's details changed all or nothing (what is not given kept, a contact
always left, the channels they prefer keeping their address), deactivated and brought back, whose duty a viewer
may set; `npsloop agents edit/deactivate/activate` and PATCH /v1/agents/{name} over the same service, in the
same words."""

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.access import Principal, Role
from npsloop.domain.directory import InvalidChannels, NoContact
from npsloop.domain.errors import UnknownAgent, UnknownTeam
from npsloop.services import agents, directory
from tests.conftest import TOKEN, drain, ingest, seed_team
from tests.unit.test_cli import cli  # noqa: F401 - the CLI on its own database, as an operator runs it

ADMIN = {"Authorization": f"Bearer {TOKEN}"}


def _agent(rt, name):
    return next(agent for agent, _ in directory.list_agents(uow=rt.uow()) if agent.name == name)


def _state(rt, name):
    a = _agent(rt, name)
    return (a.team_id, a.phone, a.email, a.language, a.role, a.active)


def test_what_is_not_given_is_kept_and_a_phone_or_email_of_none_is_removed(runtime):
    seed_team(runtime)
    seed_team(runtime, name="Billing", touchpoints=("invoice",), default=False, agents=())
    agents.edit_agent(uow=runtime.uow(), name="Marta", role="head", email=None)
    marta = _agent(runtime, "Marta")
    assert (marta.role, marta.email, marta.phone, marta.language) == ("head", None, "+34611222333", "es")
    agents.edit_agent(uow=runtime.uow(), name="Marta", team="Billing", language="en")
    assert [team for a, team in directory.list_agents(uow=runtime.uow()) if a.name == "Marta"] == ["Billing"]


def test_an_edit_with_a_mistake_changes_nothing(runtime):
    seed_team(runtime)
    directory.set_channels(uow=runtime.uow(), agent="Marta", channels=["whatsapp", "email"])
    before = _state(runtime, "Marta")
    with pytest.raises(InvalidChannels, match="whatsapp needs a phone number"):
        agents.edit_agent(uow=runtime.uow(), name="Marta", phone=None, role="head")
    with pytest.raises(NoContact, match="give the agent a phone or an email"):
        agents.edit_agent(uow=runtime.uow(), name="Tom", email=None)
    with pytest.raises(UnknownTeam):
        agents.edit_agent(uow=runtime.uow(), name="Marta", team="Nowhere", role="head")
    with pytest.raises(UnknownAgent, match="role must be one of agent, supervisor, head"):
        agents.edit_agent(uow=runtime.uow(), name="Marta", role="boss")
    with pytest.raises(UnknownAgent, match="no agent named 'Nobody'"):
        agents.edit_agent(uow=runtime.uow(), name="Nobody", role="head")
    assert _state(runtime, "Marta") == before and _agent(runtime, "Tom").email == "tom@example.com"


def test_a_deactivated_agent_is_passed_by_and_a_reactivated_one_alerted_again(runtime):
    seed_team(runtime)
    agents.set_active(uow=runtime.uow(), name="Marta", active=False)
    ingest(runtime)
    drain(runtime)
    with runtime.uow() as uow:
        marta = uow.directory.agent_named("Marta")
        assert uow.notifications.recent_for_agent(marta.id, 20) == []
    agents.set_active(uow=runtime.uow(), name="Marta", active=True)
    ingest(runtime)
    drain(runtime)
    with runtime.uow() as uow:
        assert len(uow.notifications.recent_for_agent(marta.id, 20)) == 2  # SMS and email of the second case


def test_whose_duty_a_viewer_may_set():
    admin = Principal(name="root", role=Role.ADMIN)
    unbound = Principal(name="sofia", role=Role.SUPERVISOR)
    bound = Principal(name="sol", role=Role.SUPERVISOR, agent_id=3, team_ids=frozenset({1}))
    agent = Principal(name="marta", role=Role.AGENT, agent_id=1, team_ids=frozenset({1}))
    assert agents.may_set_duty(admin, 2) and agents.may_set_duty(unbound, 2)
    assert agents.may_set_duty(bound, 1) and not agents.may_set_duty(bound, 2)
    assert not agents.may_set_duty(agent, 1)
    assert not agents.may_set_duty(Principal(name="shop", role=Role.INTEGRATION), 1)


def test_the_cli_edits_deactivates_and_activates_an_agent_in_the_apis_words(cli):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    cli("teams", "add", "Logistics", "--touchpoint", "delivery", "--default")
    cli("teams", "add", "Billing", "--touchpoint", "invoice")
    cli("agents", "add", "Marta", "--team", "Logistics", "--phone", "+34611222333", "--email", "m@example.es")
    said = cli("agents", "edit", "Marta", "--phone", "611222333", ok=False)
    assert "phone: phone must be in E.164 form, like +34600123456" in said
    assert "give what changes" in cli("agents", "edit", "Marta", ok=False)
    assert "give the agent a phone or an email" in cli(
        "agents", "edit", "Marta", "--phone", "", "--email", "", ok=False
    )
    shown = cli("agents", "edit", "Marta", "--team", "Billing", "--role", "supervisor", "--email", "")
    assert '"team": "Billing"' in shown and '"role": "supervisor"' in shown and '"email": null' in shown
    assert cli("agents", "deactivate", "Marta").strip() == "Marta is deactivated"
    assert _agent(get_runtime(), "Marta").active is False
    assert cli("agents", "activate", "Marta").strip() == "Marta is active"
    assert _agent(get_runtime(), "Marta").active is True
    assert "no agent named 'Nobody'" in cli("agents", "deactivate", "Nobody", ok=False)


def test_patch_changes_what_is_given_or_nothing(runtime):
    seed_team(runtime)
    with TestClient(create_app(runtime)) as client:
        bad = client.patch("/v1/agents/Marta", json={"phone": "611222333", "role": "head"}, headers=ADMIN)
        assert bad.status_code == 422
        [error] = bad.json()["errors"]
        assert error["field"] == "phone" and error["message"].endswith("phone must be in E.164 form, like +34600123456")
        none = client.patch("/v1/agents/Tom", json={"email": None}, headers=ADMIN)
        assert none.status_code == 422 and none.json()["errors"][0]["field"] == "phone"
        assert client.patch("/v1/agents/Marta", json={"nickname": "M"}, headers=ADMIN).status_code == 422
        assert _agent(runtime, "Marta").role == "agent" and _agent(runtime, "Tom").email == "tom@example.com"
        done = client.patch("/v1/agents/Marta", json={"role": "head", "active": False}, headers=ADMIN)
        assert done.status_code == 200
        assert (done.json()["role"], done.json()["active"], done.json()["team"]) == ("head", False, "Logistics")
        assert client.patch("/v1/agents/Marta", json={"active": True}, headers=ADMIN).json()["active"] is True
        assert client.patch("/v1/agents/Marta", json={"role": "head"}).status_code == 401
