"""The `npsloop` command on a SQLite database: directory, cases and CSV import."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from npsloop.cli import main
from npsloop.settings import get_settings
from tests.support.cli import operator_cli


@pytest.fixture
def cli(tmp_path, monkeypatch):
    with operator_cli(tmp_path, monkeypatch) as invoke:

        def run(*args: str, ok: bool = True):
            result = invoke(*args)
            assert (result.exit_code == 0) is ok, result.output
            return result.output

        yield run


def test_teams_and_agents_are_added_and_listed(cli):
    cli("teams", "add", "Logistics", "--touchpoint", "delivery", "--default")
    cli("agents", "add", "Marta", "--team", "Logistics", "--phone", "+34611222333", "--language", "es")
    assert "Logistics (default)  touchpoints: delivery" in cli("teams", "list")
    assert "Marta" in cli("agents", "list") and "sms" in cli("agents", "list")


def test_bad_agent_input_is_explained_not_crashed_on(cli):
    cli("teams", "add", "Logistics")
    assert "phone" in cli("agents", "add", "Ana", "--team", "Logistics", "--phone", "612", ok=False)
    assert "no team named 'Nope'" in cli("agents", "add", "Ana", "--team", "Nope", "--email", "a@b.es", ok=False)
    assert "--phone or an --email" in cli("agents", "add", "Ana", "--team", "Logistics", ok=False)


def test_a_csv_import_stores_history_reports_bad_lines_and_opens_no_case(cli, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(
        "response_id,score,comment,customer_id,customer_phone,responded_at,attr_region\n"
        "h1,3,slow,c1,+34600111222,2025-01-10T10:00:00+01:00,Madrid\n"
        "h2,10,,c2,,2025-01-11T10:00:00+01:00,\n"
        "h3,eleven,,c3,,2025-01-12T10:00:00+01:00,\n"
        "h1,3,slow,c1,+34600111222,2025-01-10T10:00:00+01:00,Madrid\n",
        encoding="utf-8",
    )
    output = cli("import", str(path), ok=False)
    assert "line 4: score: Input should be a valid integer" in output
    assert "2 accepted, 0 updated, 1 duplicate, 0 stale, 1 invalid" in output
    assert "0 of 0 cases" in cli("cases", "list")


def test_a_live_import_opens_cases_and_the_cli_closes_them(cli, tmp_path):
    from npsloop.bootstrap import get_runtime
    from tests.conftest import FakeDispatcher, drain

    runtime = get_runtime()
    runtime.dispatcher = FakeDispatcher()
    cli("teams", "add", "Care", "--default")
    path = tmp_path / "live.csv"
    path.write_text("response_id,score,customer_id,responded_at\nl1,2,c9,2026-01-10T10:00:00Z\n", encoding="utf-8")
    cli("import", str(path), "--live")
    drain(runtime)
    assert "1 of 1 cases" in cli("cases", "list", "--status", "open")
    assert '"status": "open"' in cli("cases", "show", "1")
    assert "case #1 is now closed" in cli("cases", "close", "1", "--outcome", "resolved", "--actor", "Ana")
    assert "cannot be closed" in cli("cases", "close", "1", "--outcome", "resolved", ok=False)
    assert "case #1 is now open" in cli("cases", "reopen", "1")


def test_a_csv_that_is_not_utf8_is_refused_whole_with_the_line_named(cli, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"response_id,score,customer_id,responded_at\nb1,9,c1,2025-01-10T10:00:00Z\nb2,\xff\xfe,c2,x\n")
    assert "line 3 is not UTF-8; nothing was imported" in cli("import", str(path), ok=False)
    assert "0 of 0 cases" in cli("cases", "list")
    from npsloop.bootstrap import get_runtime

    with get_runtime().uow() as uow:
        assert uow.responses.scores() == []


def test_db_upgrade_creates_the_schema_on_a_new_database(tmp_path, monkeypatch):
    import sqlalchemy as sa

    monkeypatch.setenv("NPSLOOP_DATA_DIR", str(tmp_path / "fresh"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["db", "upgrade"], catch_exceptions=False)
        assert result.exit_code == 0 and "database at head" in result.output
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'fresh' / 'npsloop.db'}")
        assert {"responses", "cases", "case_events", "notifications", "agents", "teams"} <= set(
            sa.inspect(engine).get_table_names()
        )
        engine.dispose()
    finally:
        get_settings.cache_clear()


def test_routing_rules_load_show_and_report_a_bad_line(cli, tmp_path):
    cli("teams", "add", "Care", "--default")
    good = tmp_path / "rules.yaml"
    good.write_text(
        "rules:\n  - name: vip\n    match: {score: 0-3, attributes: {tier: gold}}\n    team: Care\n"
        "    priority: urgent\n  - name: default\n    team: Care\n",
        encoding="utf-8",
    )
    assert "loaded 2 rules" in cli("routing", "load", str(good))
    shown = cli("routing", "show")
    assert "name: vip" in shown and "score: 0-3" in shown and "priority: urgent" in shown
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n  - name: vip\n    match: {score: 11}\n    team: Care\n  - name: default\n    team: Care\n",
        encoding="utf-8",
    )
    assert "line 3: rule 'vip': score range must lie within 0-10" in cli("routing", "load", str(bad), ok=False)
    assert "name: vip" in cli("routing", "show")  # the bad file changed nothing


def test_team_schedule_sla_and_duty_from_the_cli(cli):
    cli("teams", "add", "Care", "--default")
    cli("agents", "add", "Ana", "--team", "Care", "--email", "ana@example.es")
    out = cli(
        "teams",
        "schedule",
        "Care",
        "--timezone",
        "Europe/Madrid",
        "--hours",
        "mon-fri 08:00-15:00",
        "--holidays",
        "ES-MD",
        "--holiday",
        "2026-12-24",
        "--after-hours",
        "contact",
        "--after-hours-contact",
        "Ana",
    )
    assert '"timezone": "Europe/Madrid"' in out and '"2026-12-24"' in out and "mon 08:00-15:00" in out
    assert '"urgent": {"acknowledge": "5m"}' in cli(
        "teams", "sla", "Care", "--priority", "urgent", "--acknowledge", "5m"
    )
    assert "cannot read duration" in cli("teams", "sla", "Care", "--acknowledge", "soon", ok=False)
    assert "unknown time zone" in cli("teams", "schedule", "Care", "--timezone", "Moon/Base", ok=False)
    refused = cli("teams", "schedule", "Care", "--holiday", "24/12", ok=False)
    assert "a closed day is written YYYY-MM-DD" in refused and "Traceback" not in refused
    assert "off duty until 2026-12-01T09:00:00+01:00" in cli(
        "agents", "off-duty", "Ana", "--until", "2026-12-01T09:00:00+01:00"
    )
    assert "with its offset" in cli("agents", "off-duty", "Ana", "--until", "2026-12-01T09:00", ok=False)
    assert "Ana is on duty" in cli("agents", "on-duty", "Ana")


def test_routing_rules_on_themes_and_risk_are_loaded_shown_and_checked_against_the_taxonomy(cli, tmp_path):
    cli("teams", "add", "Care", "--default")
    cli("teams", "add", "Billing")
    good = tmp_path / "rules.yaml"
    good.write_text(
        "rules:\n  - name: billing\n    match: {themes: [billing]}\n    team: Billing\n"
        "  - name: likely complaint\n    match: {risk: '>=0.7'}\n    team: Care\n    priority: urgent\n"
        "  - name: default\n    team: Care\n",
        encoding="utf-8",
    )
    assert "loaded 3 rules" in cli("routing", "load", str(good))
    shown = cli("routing", "show")
    assert "themes:\n    - billing" in shown and "risk: '>=0.7'" in shown
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n  - name: billing\n    match:\n      themes: [invoices]\n    team: Billing\n"
        "  - name: default\n    team: Care\n",
        encoding="utf-8",
    )
    assert "line 4: rule 'billing': no theme 'invoices' in the taxonomy" in cli("routing", "load", str(bad), ok=False)


def test_a_team_that_requires_reasons_gets_them_from_the_cli_close_too(cli, tmp_path):
    from npsloop.bootstrap import get_runtime
    from tests.conftest import FakeDispatcher, drain

    runtime = get_runtime()
    runtime.dispatcher = FakeDispatcher()
    cli("teams", "add", "Care", "--default", "--reasons-required")
    assert '"reasons_required": false' in cli("teams", "reasons", "Care", "--optional")
    assert '"reasons_required": true' in cli("teams", "reasons", "Care", "--required")
    path = tmp_path / "live.csv"
    path.write_text("response_id,score,customer_id,responded_at\nl1,2,c9,2026-01-10T10:00:00Z\n", encoding="utf-8")
    cli("import", str(path), "--live")
    drain(runtime)
    refused = cli("cases", "close", "1", "--outcome", "resolved", ok=False)
    assert "requires at least one reason theme" in refused
    assert "no active theme 'bill'" in cli("cases", "close", "1", "--outcome", "resolved", "--reason", "bill", ok=False)
    closing = ["--reason", "billing", "--reason", "price", "--action-code", "refund", "--action-note", "credited"]
    assert "case #1 is now closed" in cli("cases", "close", "1", "--outcome", "resolved", *closing)
    shown = json.loads(cli("cases", "show", "1"))
    assert (shown["reasons"], shown["action_code"], shown["action_note"]) == (
        ["billing", "price"],
        "refund",
        "credited",
    )


def test_routing_try_routes_a_sample_as_processing_would_and_stores_nothing(cli, tmp_path):
    cli("teams", "add", "Care", "--touchpoint", "delivery", "--default")
    cli("teams", "add", "Billing", "--touchpoint", "invoice")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - name: invoices\n    match: {touchpoint: invoice}\n    team: Billing\n    priority: high\n"
        "  - name: default\n    team: Care\n",
        encoding="utf-8",
    )
    sample = tmp_path / "sample.json"
    sample.write_text('{"score": 2, "touchpoint": "invoice"}', encoding="utf-8")
    unloaded = cli("routing", "try", str(sample))
    assert "rule: (none loaded: the team owning the touchpoint)" in unloaded and "team: Billing" in unloaded
    tried = cli("routing", "try", str(sample), "--rules", str(rules))
    assert "rule: invoices\nteam: Billing\npriority: high\ncategory: detractor\ncase: opens a case" in tried
    assert "no rules loaded" in cli("routing", "show")  # trying a file loads nothing
    sample.write_text('{"score": 12}', encoding="utf-8")
    assert "score: Input should be less than or equal to 10" in cli("routing", "try", str(sample), ok=False)
    rules.write_text("rules:\n  - name: a\n    team: Care\n    priority: asap\n", encoding="utf-8")
    assert "line 4: rule 'a': priority must be one of" in cli(
        "routing", "try", str(sample), "--rules", str(rules), ok=False
    )
