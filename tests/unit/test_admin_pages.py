"""What the admin pages show of a rule error and the sample they start with."""

import json

from npsloop.dashboard.admin_pages import rule_error, sample_example
from npsloop.domain.directory import Team
from npsloop.domain.rules import RuleError

TEXT = """\
rules:
  - name: unhappy deliveries
    match: {touchpoint: delivery, score: 0-4}
    team: Logistics
    priority: urgnet

  - name: everything else
    team: Logistics
"""


def test_a_rule_error_shows_the_whole_rule_its_line_starts_and_the_line_before():
    shown = rule_error(RuleError("rule 'unhappy deliveries': priority must be one of ...", 2), TEXT)
    assert shown["line"] == 2 and shown["message"] == "rule 'unhappy deliveries': priority must be one of ..."
    assert [(n, here) for n, _, here in shown["excerpt"]] == [(1, False), (2, True), (3, False), (4, False), (5, False)]
    last = rule_error(RuleError("x", 7), TEXT)["excerpt"]
    assert [n for n, _, _ in last] == [6, 7, 8]  # up to the end, blank lines after it left out


def test_an_error_on_a_key_inside_a_rule_shows_that_rule_around_it():
    shown = rule_error(RuleError("rule 'unhappy deliveries': priority must be one of ...", 5), TEXT)
    assert [(n, here) for n, _, here in shown["excerpt"]] == [(1, False), (2, False), (3, False), (4, False), (5, True)]


def test_an_error_without_a_line_or_past_the_text_shows_no_excerpt():
    assert rule_error(RuleError("no rules: at least a default rule"), "rules: []")["excerpt"] == []
    assert rule_error(RuleError("x", 99), TEXT) == {"line": None, "message": "x", "excerpt": []}


def test_a_long_line_is_cut_in_the_excerpt():
    text = "rules:\n  - name: " + "n" * 5000 + "\n"
    (_, first, _), (_, second, _) = rule_error(RuleError("x", 2), text)["excerpt"]
    assert first == "rules:" and len(second) == 200


def test_the_sample_starts_at_a_touchpoint_a_team_owns():
    teams = [Team(name="Empty", touchpoints=[]), Team(name="Billing", touchpoints=["invoice"])]
    assert json.loads(sample_example(teams))["touchpoint"] == "invoice"
    assert json.loads(sample_example([]))["touchpoint"] == "delivery"
