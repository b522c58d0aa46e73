"""Every administrative change made through the CLI or the API is on the audit trail once, with its actor, and
its state before and after; a change that fails records nothing; secrets never reach the trail."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.cli import main
from npsloop.domain.access import Role
from npsloop.domain.cases import Case
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.ingest.themes_yaml import dump_themes
from npsloop.services import tokens
from npsloop.services.deadletters import quarantine_task
from tests.conftest import drain, ingest, seed_team
from tests.unit.test_cli import cli  # noqa: F401  (the fixture)

ME = f"cli:{getpass.getuser()}"
Check = Callable[[Any, Any], bool]
RULES = """rules:
  - name: billing
    match: {touchpoint: invoice}
    team: Logistics
    priority: high
  - name: everything else
    team: Logistics
"""
THEMES = dump_themes(DEFAULT_TAXONOMY).replace("Billing", "Invoices and charges")


def _entries(cli) -> list[dict[str, Any]]:  # noqa: F811
    return json.loads(cli("audit", "list", "--json", "--limit", "500"))["entries"]


def _secret_of(args: list[str]) -> str:
    """What a command printed on stdout alone: the secret it shows once."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


# (setup commands, the change, kind, action, name, check of (before, after))
CLI_CHANGES: list[tuple[list[list[str]], list[str], str, str, str, Check]] = [
    ([], ["teams", "add", "Billing", "--touchpoint", "invoice"], "team", "add", "Billing",
     lambda b, a: b is None and a["touchpoints"] == ["invoice"]),
    ([], ["teams", "schedule", "Logistics", "--timezone", "Europe/Madrid", "--hours", "mon-fri 09:00-17:00"],
     "team", "schedule", "Logistics",
     lambda b, a: (b["timezone"], a["timezone"]) == ("UTC", "Europe/Madrid") and "fri 09:00-17:00" in a["hours"]),
    ([], ["teams", "sla", "Logistics", "--priority", "high", "--acknowledge", "15m"], "team", "schedule", "Logistics",
     lambda b, a: "high" not in b["sla"] and a["sla"]["high"] == {"acknowledge": "15m"}),
    ([], ["teams", "escalation", "Logistics", "--step", "15m supervisors"], "team", "schedule", "Logistics",
     lambda b, a: b["escalation"] == [] and a["escalation"][0]["notify"] == "supervisors"),
    ([], ["teams", "reasons", "Logistics", "--required"], "team", "reasons_required", "Logistics",
     lambda b, a: b["reasons_required"] is False and a["reasons_required"] is True),
    ([], ["teams", "recovery", "Logistics", "ask"], "team", "recovery", "Logistics",
     lambda b, a: (b["recovery"], a["recovery"]) == ("off", "ask")),
    ([], ["agents", "add", "Ana", "--team", "Logistics", "--phone", "+34600111222", "--email", "ana@example.es"],
     "agent", "add", "Ana",
     lambda b, a: b is None and a["phone"] == "+34*******22" and a["email"] == "a***@example.es"),
    ([], ["agents", "off-duty", "Marta", "--until", "2026-12-10T09:00:00+01:00"], "agent", "duty", "Marta",
     lambda b, a: b["off_duty_until"] is None and a["off_duty_until"] == "2026-12-10T08:00:00+00:00"),
    ([["agents", "off-duty", "Marta", "--until", "2026-12-10T09:00:00+01:00"]], ["agents", "on-duty", "Marta"],
     "agent", "duty", "Marta", lambda b, a: b["off_duty_until"] is not None and a["off_duty_until"] is None),
    ([], ["agents", "channels", "Marta", "email", "sms"], "agent", "channels", "Marta",
     lambda b, a: b["channels"] is None and a["channels"] == ["email", "sms"]),
    ([], ["agents", "hours", "Marta", "--hours", "mon-fri 09:00-13:00", "--on-call"], "agent", "hours", "Marta",
     lambda b, a: (b["hours"], b["on_call"], a["on_call"]) == (None, False, True) and "fri 09:00-13:00" in a["hours"]),
    ([], ["routing", "load", "{rules}"], "routing", "load", "rules",
     lambda b, a: b == {} and a["billing"]["priority"] == "high" and list(a) == ["billing", "everything else"]),
    ([], ["integrations", "add", "--name", "tf", "--kind", "typeform"], "integration", "add", "tf",
     lambda b, a: b is None and a["secret"] == "[secret]" and a["kind"] == "typeform"),
    ([["integrations", "add", "--name", "tf", "--kind", "typeform"]], ["integrations", "rotate-secret", "tf"],
     "integration", "rotate", "tf", lambda b, a: b["secret"] == "[secret]" and a["secret"] == "rotated"),
    ([["integrations", "add", "--name", "tf", "--kind", "typeform"]], ["integrations", "remove", "tf"],
     "integration", "remove", "tf", lambda b, a: b["kind"] == "typeform" and a is None),
    ([], ["webhooks", "add", "--name", "desk", "--kind", "slack", "--url", "https://hooks.slack.com/services/T1/B1/zz9"],
     "endpoint", "add", "desk", lambda b, a: b is None and a["url"] == "https://hooks.slack.com/***"),
    ([["webhooks", "add", "--name", "crm", "--kind", "webhook", "--url", "https://crm.example.com/hook"]],
     ["webhooks", "remove", "crm"], "endpoint", "remove", "crm",
     lambda b, a: b["secret"] == "[secret]" and b["url"] == "https://crm.example.com/***" and a is None),
    ([], ["tokens", "create", "--name", "boss", "--role", "supervisor"], "token", "create", "boss",
     lambda b, a: b is None and a["role"] == "supervisor" and a["revoked_at"] is None),
    ([["tokens", "create", "--name", "boss", "--role", "supervisor"]], ["tokens", "revoke", "boss"],
     "token", "revoke", "boss", lambda b, a: b["revoked_at"] is None and a["revoked_at"] is not None),
    ([], ["themes", "load", "{themes}"], "themes", "load", "taxonomy",
     lambda b, a: b["billing"]["name"]["en"] == "Billing" and a["billing"]["name"]["en"] == "Invoices and charges"),
    ([], ["report", "target", "set", "--year", "2026", "--nps", "40", "--team", "Logistics"], "target", "set",
     "2026 Logistics", lambda b, a: b is None and a == {"year": 2026, "nps": 40.0}),
    ([["report", "target", "set", "--year", "2026", "--nps", "40"]], ["report", "target", "set", "--year", "2026",
     "--nps", "45"], "target", "set", "2026 (company)", lambda b, a: b["nps"] == 40.0 and a["nps"] == 45.0),
    ([["quarantine"]], ["dead-letters", "retry"], "dead_letters", "retry", "dead letters",
     lambda b, a: b is None and a["tasks"] == 1),
    ([["webhooks", "add", "--name", "crm", "--kind", "webhook", "--url", "https://crm.example.com/hook"], ["case"]],
     ["webhooks", "redeliver", "{delivery}"], "delivery", "redeliver", "{delivery}",
     lambda b, a: b is None and a == {"status": "pending"}),
    ([], ["customers", "erase", "c-42"], "customer", "erase", "(erased)",
     lambda b, a: b is None and a["responses"] == 1 and "c-42" not in json.dumps(a)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "change", "kind", "action", "name", "check"), CLI_CHANGES, ids=[" ".join(c[1][:2]) for c in CLI_CHANGES]
)
def test_each_change_made_by_the_cli_is_recorded_once_with_its_actor_before_and_after(
    cli,  # noqa: F811
    tmp_path,
    setup,
    change,
    kind,
    action,
    name,
    check,
):
    from npsloop.bootstrap import get_runtime

    rules, themes = tmp_path / "rules.yaml", tmp_path / "themes.yaml"
    rules.write_text(RULES, encoding="utf-8")
    themes.write_text(THEMES, encoding="utf-8")
    seed_team(get_runtime())
    ingest(get_runtime(), customer={"id": "c-42", "phone": "+34699000111"})  # stored, not processed: no case
    for command in setup:
        if command == ["case"]:  # a case opens: its event goes out to every endpoint as a delivery
            rt = get_runtime()
            with rt.uow() as uow:
                uow.cases.add(Case.open(customer_key="shop:c-7", team_id=None, at=rt.clock(), response_ref="shop/r-7"))
                uow.commit()
        elif command == ["quarantine"]:
            rt = get_runtime()
            quarantine_task(
                uow=rt.uow(), task="npsloop.process_response", payload="[1]", error="x", attempts=5, now=rt.clock()
            )
        else:
            cli(*command)
    deliveries = json.loads(cli("webhooks", "deliveries", "--json"))
    delivery = str(deliveries[0]["id"]) if deliveries else ""
    seen = {e["id"] for e in _entries(cli)}
    cli(*[arg.format(rules=rules, themes=themes, delivery=delivery) for arg in change])
    new = [e for e in _entries(cli) if e["id"] not in seen]
    assert len(new) == 1, new
    entry = new[0]
    assert (entry["kind"], entry["action"], entry["actor"]) == (kind, action, ME)
    assert entry["name"] == name.format(delivery=delivery)
    assert check(entry["before"], entry["after"]), json.dumps(entry)


def test_a_change_that_fails_records_nothing(cli):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    seed_team(get_runtime())
    before = _entries(cli)
    cli("teams", "add", "Logistics", ok=False)  # the name is taken
    cli("teams", "schedule", "Logistics", "--timezone", "Mars/Olympus", ok=False)
    cli("teams", "sla", "Logistics", "--acknowledge", "soon", ok=False)
    cli("teams", "recovery", "Logistics", "themes", "--theme", "no-such-theme", ok=False)
    cli("agents", "off-duty", "Nobody", "--until", "2026-12-10T09:00:00+01:00", ok=False)
    cli("agents", "channels", "Tom", "sms", ok=False)  # Tom has no phone
    cli("integrations", "add", "--name", "d", "--kind", "delighted", ok=False)
    cli("integrations", "rotate-secret", "nope", ok=False)
    cli("webhooks", "add", "--name", "x", "--kind", "slack", "--url", "ftp://nowhere", ok=False)
    cli("tokens", "create", "--name", "a", "--role", "agent", ok=False)
    cli("report", "target", "set", "--year", "2026", "--nps", "40", "--team", "Nope", ok=False)
    assert _entries(cli) == before


def test_no_secret_reaches_the_stored_trail_its_listing_or_its_csv(cli, tmp_path):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    seed_team(get_runtime())
    secrets = [
        _secret_of(["integrations", "add", "--name", "tf", "--kind", "typeform"]),
        _secret_of(["integrations", "rotate-secret", "tf"]),
        _secret_of(["webhooks", "add", "--name", "crm", "--kind", "webhook", "--url", "https://crm.example.com/h"]),
        _secret_of(["tokens", "create", "--name", "boss", "--role", "admin"]),
    ]
    cli("integrations", "rotate-secret", "tf", "--secret", "my-own-new-secret-9c1d")
    sm = ["--secret", "sm-app-secret-77", "--set", "api_key=sm-key-5501", "--set", "access_token=sm-token-8123"]
    cli("integrations", "add", "--name", "sm", "--kind", "surveymonkey", *sm, "--set", "score_question=111")
    cli(
        "webhooks",
        "add",
        "--name",
        "desk",
        "--kind",
        "slack",
        "--url",
        "https://hooks.slack.com/services/T1/B1/c0ffee42",
    )
    secrets += [
        "my-own-new-secret-9c1d",
        "sm-app-secret-77",
        "sm-key-5501",
        "sm-token-8123",
        "c0ffee42",
        "+34611222333",
        "marta@example.es",
    ]
    cli("agents", "off-duty", "Marta", "--until", "2026-12-10T09:00:00+01:00")
    cli("integrations", "remove", "sm")
    with get_runtime().engine.connect() as connection:
        stored = " ".join(str(row) for row in connection.exec_driver_sql("SELECT * FROM audit_log"))
    shown = cli("audit", "list") + cli("audit", "list", "--json") + cli("audit", "list", "--csv")
    assert "rotated" in stored and "[secret]" in stored and "+34*******33" in stored
    for secret in secrets:
        assert secret and secret not in stored and secret not in shown, secret


def test_the_cli_lists_filters_and_pages(cli):  # noqa: F811
    for name in ("A", "B", "C"):
        cli("teams", "add", name)
    cli("tokens", "create", "--name", "boss", "--role", "supervisor")
    lines = cli("audit", "list", "--kind", "team", "--limit", "2")
    assert "team.add" in lines and "C" in lines and "2 of 3 entries; the next page: --before" in lines
    page = json.loads(cli("audit", "list", "--json", "--kind", "team", "--limit", "2"))
    assert [e["name"] for e in page["entries"]] == ["C", "B"] and page["total"] == 3
    rest = json.loads(cli("audit", "list", "--json", "--kind", "team", "--before", str(page["next_before"])))
    assert [e["name"] for e in rest["entries"]] == ["A"] and rest["next_before"] is None
    assert json.loads(cli("audit", "list", "--json", "--team", "B"))["total"] == 1
    assert json.loads(cli("audit", "list", "--json", "--actor", "someone-else"))["total"] == 0
    assert json.loads(cli("audit", "list", "--json", "--from", "2000-01-01", "--to", "2000-01-31"))["total"] == 0
    assert "no team named" in cli("audit", "list", "--team", "Nope", ok=False)
    assert "--json or --csv" in cli("audit", "list", "--json", "--csv", ok=False)


# --- The API ----------------------------------------------------------------------------------------------------

API_CHANGES: list[tuple[str, str, Any, str, str, str, Check]] = [
    ("POST", "/v1/teams", {"name": "Billing", "touchpoints": ["invoice"]}, "team", "add", "Billing",
     lambda b, a: b is None and a["touchpoints"] == ["invoice"]),
    ("PATCH", "/v1/teams/Logistics", {"reasons_required": True}, "team", "reasons_required", "Logistics",
     lambda b, a: (b["reasons_required"], a["reasons_required"]) == (False, True)),
    ("PATCH", "/v1/teams/Logistics", {"recovery": "ask"}, "team", "recovery", "Logistics",
     lambda b, a: (b["recovery"], a["recovery"]) == ("off", "ask")),
    ("POST", "/v1/agents", {"name": "Bea", "team": "Logistics", "email": "bea@example.es"}, "agent", "add", "Bea",
     lambda b, a: b is None and a["email"] == "b***@example.es"),
    ("PUT", "/v1/agents/Marta/channels", {"channels": ["sms"]}, "agent", "channels", "Marta",
     lambda b, a: b["channels"] is None and a["channels"] == ["sms"]),
    ("PUT", "/v1/agents/Marta/hours", {"hours": "mon-fri 08:00-12:00", "on_call": False}, "agent", "hours", "Marta",
     lambda b, a: b["hours"] is None and a["hours"].startswith("mon 08:00-12:00")),
    ("POST", "/v1/tokens", {"name": "walk", "role": "supervisor"}, "token", "create", "walk",
     lambda b, a: b is None and a["role"] == "supervisor"),
    ("POST", "/v1/tokens/t-agent/revoke", None, "token", "revoke", "t-agent",
     lambda b, a: b["revoked_at"] is None and a["revoked_at"] is not None),
    ("PUT", "/v1/themes", THEMES, "themes", "load", "taxonomy",
     lambda b, a: a["billing"]["name"]["en"] == "Invoices and charges"),
    ("PUT", "/v1/reports/targets", {"year": 2026, "nps": 30, "team": "Logistics"}, "target", "set", "2026 Logistics",
     lambda b, a: b is None and a["nps"] == 30),
    ("DELETE", "/v1/customers/c-42", None, "customer", "erase", "(erased)",
     lambda b, a: b is None and a["cases"] == 1 and "c-42" not in json.dumps(a)),
]  # fmt: skip


def _api_world(rt) -> str:
    seed_team(rt)
    ingest(rt, customer={"id": "c-42"})
    drain(rt)
    tokens.create_token(uow=rt.uow(), name="t-agent", role=Role.AGENT, agent="Marta", now=rt.clock())
    return tokens.create_token(uow=rt.uow(), name="ops-lead", role=Role.ADMIN, now=rt.clock()).secret


@pytest.mark.parametrize(
    ("method", "path", "body", "kind", "action", "name", "check"),
    API_CHANGES,
    ids=[f"{c[0]} {c[1]}" for c in API_CHANGES],
)
def test_each_change_made_by_the_api_is_recorded_once_with_the_tokens_name(
    runtime, method, path, body, kind, action, name, check
):
    headers = {"Authorization": f"Bearer {_api_world(runtime)}"}
    with TestClient(create_app(runtime)) as client:
        seen = {e["id"] for e in client.get("/v1/audit?limit=500", headers=headers).json()["entries"]}
        if isinstance(body, str):
            answer = client.request(
                method, path, content=body.encode(), headers={**headers, "Content-Type": "application/yaml"}
            )
        else:
            answer = client.request(method, path, json=body, headers=headers)
        assert answer.status_code < 300, answer.text
        new = [e for e in client.get("/v1/audit?limit=500", headers=headers).json()["entries"] if e["id"] not in seen]
    assert len(new) == 1, new
    entry = new[0]
    assert (entry["kind"], entry["action"], entry["name"], entry["actor"]) == (kind, action, name, "ops-lead")
    assert check(entry["before"], entry["after"]), json.dumps(entry)


def test_a_refused_api_change_records_nothing(runtime):
    headers = {"Authorization": f"Bearer {_api_world(runtime)}"}
    with TestClient(create_app(runtime)) as client:
        total = client.get("/v1/audit", headers=headers).json()["total"]
        assert client.post("/v1/teams", json={"name": "Logistics"}, headers=headers).status_code == 409
        assert client.patch("/v1/teams/Nope", json={"reasons_required": True}, headers=headers).status_code == 422
        assert client.put("/v1/agents/Tom/channels", json={"channels": ["sms"]}, headers=headers).status_code == 422
        sup = tokens.create_token(uow=runtime.uow(), name="sup", role=Role.SUPERVISOR, now=runtime.clock()).secret
        refused = client.post("/v1/teams", json={"name": "Sneaky"}, headers={"Authorization": f"Bearer {sup}"})
        assert refused.status_code == 403
        assert client.get("/v1/audit", headers=headers).json()["total"] == total + 1  # the supervisor's token
