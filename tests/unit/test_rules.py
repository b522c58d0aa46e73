from datetime import UTC, datetime

import pytest

from npsloop.domain.responses import Response
from npsloop.domain.rules import Priority, RuleError, check_rules, route
from npsloop.ingest.rules_yaml import dump_rules, load_rules

RULES = """\
rules:
  - name: top tier, very unhappy
    match:
      score: 0-3
      attributes:
        tier: [gold, platinum]
    team: Key accounts
    priority: urgent
  - name: test segment
    match: {survey_type: relational, attributes: {segment: test}}
    open_case: false
  - name: deliveries in Spanish
    match: {touchpoint: Delivery, language: es}
    team: Logistics
    priority: high
  - name: default
    team: Customer care
"""


def response(**overrides):
    values = dict(
        integration="shop",
        external_id="r1",
        score=2,
        customer_id="c1",
        responded_at=datetime(2026, 1, 1, tzinfo=UTC),
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    values.update(overrides)
    return Response(**values)


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES)


def test_the_first_matching_rule_wins(rules):
    urgent = route(rules, response(score=1, attributes={"tier": "Gold"}, touchpoint="delivery", language="es"))
    assert (urgent.name, urgent.team, urgent.priority) == ("top tier, very unhappy", "Key accounts", Priority.URGENT)
    spanish = route(rules, response(score=5, touchpoint="delivery", language="es-MX", attributes={"tier": "gold"}))
    assert spanish.team == "Logistics" and spanish.priority is Priority.HIGH


def test_a_rule_may_say_open_no_case(rules):
    rule = route(rules, response(survey_type="relational", attributes={"segment": "TEST"}))
    assert rule.open_case is False and rule.team is None


def test_everything_else_falls_to_the_default(rules):
    assert route(rules, response(score=6, touchpoint="checkout")).name == "default"


def test_rules_round_trip_through_their_plain_form(rules):
    assert [r.name for r in load_rules(dump_rules(rules))] == [r.name for r in rules]
    assert [r.match for r in load_rules(dump_rules(rules))] == [r.match for r in rules]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("rules:\n  - name: a\n    team: x\n    colour: red\n", 4, "unknown key 'colour'"),  # the key's own line
        ("rules:\n  - name: a\n    match: {score: 7-3}\n    team: x\n", 3, "score range"),
        ("rules:\n  - name: a\n    match: {score: lots}\n    team: x\n", 3, "score must be"),
        ("rules:\n  - name: a\n    match: {survey_type: monthly}\n    team: x\n", 3, "transactional or relational"),
        ("rules:\n  - name: a\n    match: {weather: rain}\n    team: x\n", 3, "cannot match on 'weather'"),
        ("rules:\n  - name: a\n    match: {score: 1}\n", 2, "say which team"),
        ("rules:\n  - name: a\n    team: x\n    priority: asap\n", 4, "priority must be one of"),
        ("rules:\n  - name: a\n    team: x\n    match:\n      touchpoint: web\n      score: 11\n", 6, "score range"),
        ("rules:\n  - name: a\n    team: x\n    match:\n      attributes:\n        tier: [[gold]]\n", 6, "tier must"),
        ("rules:\n  - name: a\n    open_case: maybe\n", 3, "open_case must be true or false"),
        ("rules:\n  - name: a\n    match: {score: 1}\n    team: x\n", 2, "must be the default"),
        ("rules:\n  - name: a\n    team: x\n  - name: b\n    team: y\n", 2, "never apply"),
        ("rules:\n  - name: a\n    team: [x\n", 4, "not valid YAML"),
        ("routes: []\n", 1, "list under 'rules:'"),
    ],
)
def test_each_mistake_is_reported_with_its_line(text, line, message):
    with pytest.raises(RuleError) as error:
        load_rules(text)
    assert error.value.line == line and message in str(error.value) and str(error.value).startswith(f"line {line}:")


def test_a_billion_laughs_rule_file_is_refused_before_it_expands():
    # before, the rule's name was str() of the expanded 9**9-item list: minutes of CPU and gigabytes of memory
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    with pytest.raises(RuleError) as refused:
        load_rules("\n".join(levels) + "\nrules:\n  - name: *i\n    team: x\n")
    assert refused.value.line == 2 and "aliases" in str(refused.value)


THEMED = """\
rules:
  - name: billing complaints
    match:
      themes: [billing, price]
    team: Billing
    priority: high
  - name: likely complaint
    match: {risk: ">=0.7"}
    team: Customer care
    priority: urgent
  - name: calm
    match: {risk: "< .2"}
    team: Customer care
    priority: low
  - name: default
    team: Customer care
"""
KEYS = {"billing", "price", "wait_time"}


def test_a_theme_rule_matches_when_any_of_its_themes_is_among_the_negative_ones():
    rules = load_rules(THEMED, KEYS)
    assert route(rules, response(), themes=("wait_time", "price")).name == "billing complaints"
    assert route(rules, response(), themes=("wait_time",), risk=0.5).name == "default"
    assert route(rules, response(), risk=0.5).name == "default"


def test_a_risk_rule_compares_the_cases_risk_and_never_matches_without_one():
    rules = load_rules(THEMED, KEYS)
    assert route(rules, response(), risk=0.7).priority is Priority.URGENT
    assert route(rules, response(), risk=0.69).name == "default"
    assert route(rules, response(), risk=0.1).name == "calm"
    assert route(rules, response(score=9)).name == "default"  # a promoter has no risk: neither >= nor <


def test_theme_and_risk_conditions_round_trip_through_their_plain_form():
    rules = load_rules(THEMED, KEYS)
    again = load_rules(dump_rules(rules), KEYS)
    assert [r.match for r in again] == [r.match for r in rules]
    assert rules[0].to_dict()["match"] == {"themes": ["billing", "price"]}
    assert (rules[1].to_dict()["match"], rules[2].to_dict()["match"]) == ({"risk": ">=0.7"}, {"risk": "<0.2"})


def test_stored_rules_are_read_back_whatever_the_taxonomy_became():
    assert load_rules(THEMED)[0].match.themes == {"billing", "price"}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("rules:\n  - name: a\n    match:\n      themes: [biling]\n    team: x\n  - team: y\n", 4, "no theme 'biling'"),
        ("rules:\n  - name: a\n    match: {themes: [{a: 1}]}\n    team: x\n  - team: y\n", 3, "themes must be"),
        ("rules:\n  - name: a\n    match:\n      risk: '=0.7'\n    team: x\n  - team: y\n", 4, "risk must be"),
        ("rules:\n  - name: a\n    match:\n      risk: '>= 1.5'\n    team: x\n  - team: y\n", 4, "from 0 to 1"),
        ("rules:\n  - name: a\n    match:\n      risk: 0.7\n    team: x\n  - team: y\n", 4, "risk must be"),
        ("rules:\n  - name: a\n    match:\n      risk: '>='\n    team: x\n  - team: y\n", 4, "risk must be"),
        ("rules:\n  - name: a\n    match:\n      risk: '>=0.7 or so'\n    team: x\n  - team: y\n", 4, "risk must be"),
    ],
)
def test_theme_and_risk_mistakes_are_reported_with_their_line(text, line, message):
    with pytest.raises(RuleError) as error:
        load_rules(text, KEYS)
    assert error.value.line == line and message in str(error.value) and str(error.value).startswith(f"line {line}:")


def test_rules_about_to_be_put_in_force_are_checked_against_the_taxonomy():
    rules = load_rules(THEMED)
    with pytest.raises(RuleError) as error:
        check_rules(rules, themes={"billing", "wait_time"})
    assert error.value.line == 2 and "no theme 'price'" in str(error.value)
