"""The team form read and shown without a server: each field by the domain's own check, and a team's values
round-tripping through the form unchanged."""

from npsloop.dashboard.team_form import MAX_LINES, read_team_form, team_values
from npsloop.domain.directory import Agent, Team

TEAM = Team(
    name="Logistics",
    touchpoints=["delivery", "returns"],
    is_default=True,
    timezone="America/Bogota",
    hours="mon 08:00-12:00, mon 14:00-18:00",
    holiday_country="CO",
    extra_holidays=["2026-12-24"],
    after_hours="contact",
    after_hours_agent_id=7,
    sla={"urgent": {"acknowledge": "5m"}},
    escalation=[{"after": "0m", "notify": "team", "channels": ["sms"]}],
    id=1,
)
TOM = Agent(name="Tom", team_id=1, phone=None, email="t@x.co", id=7)


def test_a_teams_values_read_back_as_the_same_change():
    values = team_values(TEAM, [TOM])
    assert values["after_hours_contact"] == "Tom" and values["escalation"] == "0m team sms"
    read = read_team_form(values, 2026)
    assert read.errors == {}
    assert read.change == {
        "touchpoints": ["delivery", "returns"],
        "is_default": True,
        "timezone": "America/Bogota",
        "hours": "mon 08:00-12:00, mon 14:00-18:00",
        "holiday_country": "CO",
        "extra_holidays": ["2026-12-24"],
        "after_hours": "contact",
        "after_hours_agent": "Tom",
        "sla": {"urgent": {"acknowledge": "5m"}},
        "escalation": ["0m team sms"],
    }


def test_too_many_lines_or_touchpoints_are_refused_beside_their_field():
    values = team_values(TEAM, [TOM])
    read = read_team_form(
        {
            **values,
            "escalation": "\n".join(["0m team"] * (MAX_LINES + 1)),
            "touchpoints": ",".join(f"t{n}" for n in range(51)),
        },
        2026,
    )
    assert read.errors == {
        "escalation": f"at most {MAX_LINES} lines",
        "touchpoints": "at most 50 touchpoints of 100 characters each",
    }


def test_a_missing_field_is_read_as_empty_and_said_so_by_the_domain():
    read = read_team_form({}, 2026)
    assert read.errors["hours"] == "a calendar needs business hours on at least one day"
    assert read.errors["timezone"] == "unknown time zone ''"
    assert read.change["touchpoints"] == [] and read.change["is_default"] is False


def test_an_oversized_field_is_refused_by_its_length_before_its_value_is_quoted_back():
    values = team_values(TEAM, [TOM])
    huge = {**values, "timezone": "x" * 60_000, "sla_low_close": "9" * 100, "hours": "mon 09:00-17:00, " * 100}
    read = read_team_form(huge, 2026)
    assert read.errors == {
        "timezone": "at most 64 characters",
        "sla_low_close": "at most 20 characters",
        "hours": "at most 300 characters",
    }
