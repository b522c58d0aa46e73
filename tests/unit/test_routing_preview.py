"""Trying a sample on routing rules: the real routing code answers which rule, which team, which priority and
whether a case would open, and nothing is stored."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from npsloop.domain.access import AccessDenied, Principal, Role
from npsloop.domain.rules import Priority, RuleError
from npsloop.ingest.rules_yaml import load_rules
from npsloop.ingest.sample_response import read_sample
from npsloop.services import directory
from npsloop.services.routing import load_routing_yaml
from npsloop.services.routing_preview import Outcome, OutsideYourTeams, preview_routing
from tests.conftest import drain, ingest, seed_team

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)
ADMIN = Principal(name="admin", role=Role.ADMIN)
RULES = """\
rules:
  - name: billing complaints
    match: {themes: [billing]}
    team: Billing
    priority: urgent
  - name: invoices
    match: {touchpoint: invoice, score: 0-6}
    team: Billing
    priority: high
  - name: surveys of the year
    match: {survey_type: relational}
    open_case: false
  - name: everything else
    team: Logistics
"""


def _world(rt):
    seed_team(rt)
    seed_team(rt, name="Billing", touchpoints=("invoice",), default=False, agents=(("Bea", None, "b@x.es", "es"),))
    load_routing_yaml(uow=rt.uow(), text=RULES, now=NOW)


def _try(rt, sample, viewer=ADMIN, rules=None):
    return preview_routing(
        uow=rt.uow(), models=rt.models, sample=read_sample(sample, NOW), now=NOW, viewer=viewer, rules=rules
    )


def _stored(rt):
    with rt.engine.connect() as db:
        counts = [db.scalar(sa.select(sa.func.count()).select_from(sa.table(name))) for name in ("responses", "cases")]
    with rt.uow() as uow:
        return counts, uow.routing.version()


def test_a_detractor_is_routed_by_the_first_matching_rule_and_would_open_a_case_yet_nothing_is_stored(runtime):
    _world(runtime)
    before = _stored(runtime)
    found = _try(runtime, '{"score": 2, "touchpoint": "invoice"}')
    assert (found.rule, found.team, found.priority, found.outcome) == (
        "invoices",
        "Billing",
        Priority.HIGH,
        Outcome.OPENS,
    )
    assert found.risk is not None  # a detractor's risk is assessed, as processing does, to match risk rules
    assert _stored(runtime) == before


def test_the_comments_themes_are_read_by_the_model_in_force_and_routed_on(runtime):
    _world(runtime)
    runtime.models.default()  # fitted (or loaded from the test run's cache) before a request needs it
    found = _try(
        runtime, '{"score": 1, "touchpoint": "delivery", "comment": "they charged me twice", "language": "en"}'
    )
    assert found.themes_read and "billing" in found.themes
    assert (found.rule, found.team, found.priority) == ("billing complaints", "Billing", Priority.URGENT)


def test_who_opens_no_case_is_said_with_its_reason(runtime):
    _world(runtime)
    promoter = _try(runtime, '{"score": 9, "touchpoint": "invoice"}')
    # "invoices" asks for 0-6: a promoter falls through to the default rule, and counts towards its team
    assert (promoter.rule, promoter.team, promoter.outcome) == ("everything else", "Logistics", Outcome.NOT_DETRACTOR)
    assert promoter.risk is None
    relational = _try(runtime, '{"score": 3, "survey_type": "relational"}')
    assert (relational.rule, relational.outcome) == ("surveys of the year", Outcome.RULE_SAYS_NO)


def test_a_customer_with_an_open_case_would_join_it(runtime):
    _world(runtime)
    ingest(runtime, customer={"id": "c-open"}, touchpoint="delivery")
    drain(runtime)
    found = _try(runtime, '{"integration": "shop", "score": 4, "customer": {"id": "c-open"}}')
    assert found.outcome is Outcome.JOINS and found.joins_case == 1


def test_without_rules_the_team_owning_the_touchpoint_has_it(runtime):
    seed_team(runtime)
    found = _try(runtime, '{"score": 0, "touchpoint": "delivery"}')
    assert (found.rule, found.team, found.outcome) == (None, "Logistics", Outcome.OPENS)


def test_rules_being_edited_are_tried_instead_of_those_in_force(runtime):
    _world(runtime)
    edited = load_rules("rules:\n  - name: all to billing\n    team: Billing\n    priority: low\n")
    found = _try(runtime, '{"score": 0, "touchpoint": "delivery"}', rules=edited)
    assert (found.rule, found.team, found.priority) == ("all to billing", "Billing", Priority.LOW)
    unknown = load_rules("rules:\n  - name: to nowhere\n    team: Nowhere\n")
    with pytest.raises(RuleError, match="line 2: rule 'to nowhere': no team named 'Nowhere'"):
        _try(runtime, '{"score": 0}', rules=unknown)


def test_a_sample_with_markup_is_routed_as_plain_text(runtime):
    _world(runtime)
    hostile = '{"score": 2, "touchpoint": "<script>alert(1)</script>", "comment": "<img src=x onerror=alert(1)>"}'
    found = _try(runtime, hostile)
    assert (found.rule, found.team) == ("everything else", "Logistics")


def test_a_supervisor_of_one_team_tries_only_samples_of_that_team(runtime):
    _world(runtime)
    with runtime.uow() as uow:
        billing = uow.directory.team_named("Billing")
        assert billing is not None and billing.id is not None
        bea = Principal(name="Bea", role=Role.SUPERVISOR, agent_id=3, team_ids=frozenset({billing.id}))
    assert _try(runtime, '{"score": 2, "touchpoint": "invoice"}', viewer=bea).team == "Billing"
    with pytest.raises(OutsideYourTeams):
        _try(runtime, '{"score": 2, "touchpoint": "delivery"}', viewer=bea)  # Logistics' touchpoint
    everyone = Principal(name="s", role=Role.SUPERVISOR)  # a supervisor's token bound to no agent: every team
    assert _try(runtime, '{"score": 2, "touchpoint": "delivery"}', viewer=everyone).team == "Logistics"
    marta = Principal(name="Marta", role=Role.AGENT, agent_id=1, team_ids=frozenset({1}))
    with pytest.raises(AccessDenied):
        _try(runtime, '{"score": 2, "touchpoint": "delivery"}', viewer=marta)


def test_a_supervisor_does_not_learn_the_number_of_another_teams_case(runtime):
    _world(runtime)
    ingest(runtime, customer={"id": "c-open"}, touchpoint="delivery")  # opens in Logistics
    drain(runtime)
    billing = directory.team_id(uow=runtime.uow(), name="Billing")
    assert billing is not None
    bea = Principal(name="Bea", role=Role.SUPERVISOR, agent_id=3, team_ids=frozenset({billing}))
    found = _try(
        runtime,
        '{"integration": "shop", "score": 1, "touchpoint": "invoice", "customer": {"id": "c-open"}}',
        viewer=bea,
    )
    assert found.outcome is Outcome.JOINS and found.joins_case is None
