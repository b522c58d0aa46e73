"""A process keeps the teams and rules it read until the version row says they changed, and never mixes two
databases."""

from datetime import UTC, datetime

from npsloop.bootstrap import build_runtime
from npsloop.ingest.rules_yaml import load_rules
from npsloop.services import directory, routing
from npsloop.services.routing_cache import routing_snapshot
from npsloop.store import migrate
from tests.conftest import FakeDispatcher, drain, ingest, madrid_schedule, seed_team, sqlite_settings


def snapshot(rt):
    with rt.uow() as uow:
        return routing_snapshot(uow)


def test_kept_until_a_team_a_schedule_or_the_rules_change(runtime):
    seed_team(runtime)
    first = snapshot(runtime)
    assert snapshot(runtime) is first  # nothing changed: nothing read again
    directory.add_team(uow=runtime.uow(), name="Billing", touchpoints=["invoice"])
    second = snapshot(runtime)
    assert second is not first and {t.name for t in second.teams} == {"Logistics", "Billing"}
    madrid_schedule(runtime)
    third = snapshot(runtime)
    assert third is not second and third.team_named("Logistics").timezone == "Europe/Madrid"
    rules = load_rules(
        "rules:\n  - name: invoices\n    match: {touchpoint: invoice}\n    team: Billing\n"
        "  - name: the rest\n    team: Logistics\n"
    )
    routing.load_routing(uow=runtime.uow(), rules=rules, now=datetime.now(UTC))
    fourth = snapshot(runtime)
    assert fourth is not third and [r.name for r in fourth.rules] == ["invoices", "the rest"]
    assert snapshot(runtime) is fourth


def test_a_new_team_routes_its_very_next_response(runtime):
    seed_team(runtime)
    ingest(runtime, score=9)
    drain(runtime)  # the snapshot is warm
    directory.add_team(uow=runtime.uow(), name="Billing", touchpoints=["invoice"])
    directory.add_agent(uow=runtime.uow(), name="Bea", team="Billing", phone=None, email="bea@example.es")
    ingest(runtime, score=2, touchpoint="invoice")
    drain(runtime)
    with runtime.uow() as uow:
        case = uow.cases.get(1)
        assert uow.directory.team(case.team_id).name == "Billing"


def test_two_databases_never_share_a_snapshot(runtime, tmp_path):
    seed_team(runtime)
    (tmp_path / "other").mkdir()
    other_settings = sqlite_settings(tmp_path / "other")
    migrate.upgrade(other_settings.resolved_database_url)
    other = build_runtime(other_settings, dispatcher=FakeDispatcher())
    try:
        assert [t.name for t in snapshot(runtime).teams] == ["Logistics"]
        assert snapshot(other).teams == []
    finally:
        other.engine.dispose()
