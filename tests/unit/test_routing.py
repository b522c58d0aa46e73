from npsloop.domain.directory import Agent, Team
from npsloop.domain.notifications import Channel
from npsloop.domain.routing import recipients, team_for

TEAMS = [
    Team(name="Care", touchpoints=["support call"], is_default=True, id=1),
    Team(name="Logistics", touchpoints=["delivery", "Returns"], id=2),
]


def test_the_team_owning_the_touchpoint_gets_the_case_whatever_the_case_or_spacing():
    assert team_for("delivery", TEAMS).name == "Logistics"
    assert team_for("  RETURNS ", TEAMS).name == "Logistics"


def test_an_unowned_or_missing_touchpoint_goes_to_the_default_team():
    assert team_for("checkout", TEAMS).name == "Care"
    assert team_for(None, TEAMS).name == "Care"


def test_no_default_team_means_no_team():
    assert team_for("checkout", [TEAMS[1]]) is None


def test_recipients_are_active_agents_on_each_channel_they_have():
    agents = [
        Agent(name="b", team_id=2, phone="+34611222333", email="b@x.es", id=2),
        Agent(name="a", team_id=2, email="a@x.es", id=1),
        Agent(name="gone", team_id=2, phone="+34611222334", active=False, id=3),
        Agent(name="mute", team_id=2, id=4),
    ]
    pairs = [(agent.name, channel) for agent, channel in recipients(agents)]
    assert pairs == [("a", Channel.EMAIL), ("b", Channel.SMS), ("b", Channel.EMAIL)]
