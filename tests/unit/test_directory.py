import pytest

from npsloop.domain.errors import DuplicateName, UnknownTeam
from npsloop.services.directory import add_agent, add_team, list_agents, list_teams


def test_a_touchpoint_belongs_to_one_team(runtime):
    add_team(uow=runtime.uow(), name="Logistics", touchpoints=["Delivery"])
    with pytest.raises(DuplicateName, match="delivery"):
        add_team(uow=runtime.uow(), name="Other", touchpoints=["delivery "])


def test_there_is_one_default_team_and_the_newest_wins(runtime):
    add_team(uow=runtime.uow(), name="A", touchpoints=[], is_default=True)
    add_team(uow=runtime.uow(), name="B", touchpoints=[], is_default=True)
    assert [t.name for t in list_teams(uow=runtime.uow()) if t.is_default] == ["B"]


def test_names_are_unique_and_agents_need_a_known_team(runtime):
    add_team(uow=runtime.uow(), name="A", touchpoints=[])
    with pytest.raises(DuplicateName):
        add_team(uow=runtime.uow(), name="A", touchpoints=[])
    with pytest.raises(UnknownTeam):
        add_agent(uow=runtime.uow(), name="x", team="nope", phone=None, email="x@y.es")
    add_agent(uow=runtime.uow(), name="x", team="A", phone=None, email="x@y.es")
    with pytest.raises(DuplicateName):
        add_agent(uow=runtime.uow(), name="x", team="A", phone=None, email="x@y.es")
    assert [(a.name, team) for a, team in list_agents(uow=runtime.uow())] == [("x", "A")]
