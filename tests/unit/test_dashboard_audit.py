"""The audit trail read back: the dashboard page /ui/audit and its CSV, and GET /v1/audit(.csv). Roles (admin all,
supervisor the changes to teams and their people, agent nothing), markup shown as text, spreadsheet formulas
neutralised, secrets absent, filters and pages."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.access import Role
from npsloop.services import directory, integrations, tokens
from npsloop.services.report_scope import report_today
from tests.conftest import at, seed_team
from tests.support.dashboard import login
from tests.unit.test_auth import _routes

HOSTILE = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://evil.example","click")'
AUDIT_PAGES = [("GET", "/ui/audit"), ("GET", "/ui/audit.csv")]


def _world(rt) -> dict[Role, str]:
    """Teams and agents, an integration whose secret was rotated, and one token per role."""
    seed_team(rt)
    secrets = {
        role: tokens.create_token(
            uow=rt.uow(),
            name=f"t-{role.value}",
            role=role,
            agent="Marta" if role is Role.AGENT else None,
            now=rt.clock(),
        ).secret
        for role in Role
    }
    integrations.add_integration(
        uow=rt.uow(), egress=rt.egress.policy, name="tf", kind="typeform", config={}, now=rt.clock(),
        secret="tf-secret-one-4411", actor="t-admin",
    )  # fmt: skip
    integrations.rotate_secret(uow=rt.uow(), name="tf", now=rt.clock(), secret="tf-secret-two-5522", actor="t-admin")
    return secrets


def _login(rt, secret: str) -> TestClient:
    client, answer = login(rt, secret)
    assert answer.status_code in (303, 403)
    return client


def test_the_walk_covers_every_audit_page(runtime):
    app = create_app(runtime)
    assert {(m, p) for m, p in _routes(app) if p.startswith("/ui/audit")} == set(AUDIT_PAGES)


@pytest.mark.parametrize(
    ("role", "status"), [(Role.AGENT, 403), (Role.SUPERVISOR, 200), (Role.ADMIN, 200)], ids=lambda v: str(v)
)
def test_each_role_reads_the_page_and_its_csv_as_the_api_allows(runtime, role, status):
    secrets = _world(runtime)
    client = _login(runtime, secrets[role])
    for _, path in AUDIT_PAGES:
        assert client.get(path).status_code == status, path
    api = TestClient(create_app(runtime)).get("/v1/audit", headers={"Authorization": f"Bearer {secrets[role]}"})
    assert api.status_code == status
    if status == 200:
        page = client.get("/ui/audit").text
        api_kinds = {e["kind"] for e in api.json()["entries"]}
        rows = list(csv.DictReader(io.StringIO(client.get("/ui/audit.csv").text)))
        if role is Role.ADMIN:
            assert "tf" in page and {"integration", "token", "team"} <= api_kinds
            assert {"integration", "token"} <= {r["kind"] for r in rows}
        else:  # a supervisor: teams, their agents and targets, never tokens, integrations or erasures
            assert api_kinds == {"team", "agent"} and {r["kind"] for r in rows} == {"team", "agent"}
            assert "t-admin" not in page and "typeform" not in page
            assert client.get("/ui/audit?kind=integration").status_code == 200
            assert (
                TestClient(create_app(runtime))
                .get("/v1/audit?kind=token", headers={"Authorization": f"Bearer {secrets[role]}"})
                .json()["entries"]
                == []
            )


def test_without_a_session_the_pages_send_to_login_and_an_integration_cannot_log_in(runtime):
    secrets = _world(runtime)
    client = TestClient(create_app(runtime), follow_redirects=False)
    for _, path in AUDIT_PAGES:
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/ui/login"), path
    assert client.post("/ui/login", data={"token": secrets[Role.INTEGRATION]}).status_code == 403
    assert TestClient(create_app(runtime)).get("/v1/audit").status_code == 401


def test_the_page_shows_what_changed_before_and_after_and_links_from_the_admin_section(runtime):
    secrets = _world(runtime)
    directory.set_duty(uow=runtime.uow(), agent="Marta", off_until=runtime.clock() + timedelta(days=2), actor="t-admin")
    client = _login(runtime, secrets[Role.ADMIN])
    page = client.get("/ui/audit").text
    assert "off_duty_until" in page and "t-admin" in page and "Agent: Marta" in page
    assert 'href="/ui/audit" aria-current="page"' in page  # the admin section's own link, marked current
    assert '<label for="audit-actor">' in page and 'id="audit-actor"' in page  # every field labelled
    assert 'href="/ui/audit"' in client.get("/ui/admin/routing").text
    assert "Registro de auditoría" in client.get("/ui/audit?lang=es").text


def test_no_secret_is_on_the_page_or_in_either_csv(runtime):
    secrets = _world(runtime)
    client = _login(runtime, secrets[Role.ADMIN])
    bearer = {"Authorization": f"Bearer {secrets[Role.ADMIN]}"}
    api = TestClient(create_app(runtime))
    shown = client.get("/ui/audit").text + client.get("/ui/audit.csv").text
    shown += api.get("/v1/audit", headers=bearer).text + api.get("/v1/audit.csv", headers=bearer).text
    assert "rotated" in shown and "[secret]" in shown
    for secret in ("tf-secret-one-4411", "tf-secret-two-5522", *secrets.values(), "+34611222333", "marta@example.es"):
        assert secret not in shown, secret


def test_markup_in_names_and_actors_shows_as_text(runtime):
    secrets = _world(runtime)
    directory.add_team(uow=runtime.uow(), name=HOSTILE, touchpoints=[f"{HOSTILE}-tp"], actor=f"<b>{HOSTILE}</b>")
    page = _login(runtime, secrets[Role.ADMIN]).get("/ui/audit").text
    assert HOSTILE not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_formulas_in_names_and_actors_are_neutralised_in_both_csvs(runtime):
    secrets = _world(runtime)
    directory.add_team(uow=runtime.uow(), name=FORMULA, touchpoints=["@SUM(A1)"], actor="+cmd|' /C calc'!A0")
    bearer = {"Authorization": f"Bearer {secrets[Role.ADMIN]}"}
    for text in (
        _login(runtime, secrets[Role.ADMIN]).get("/ui/audit.csv").text,
        TestClient(create_app(runtime)).get("/v1/audit.csv", headers=bearer).text,
        TestClient(create_app(runtime)).get("/v1/audit?format=csv&kind=team", headers=bearer).text,
    ):
        row = next(r for r in csv.DictReader(io.StringIO(text)) if "HYPERLINK" in r["name"])
        assert row["name"] == "'" + FORMULA and row["actor"].startswith("'+cmd")
        assert all(not cell.startswith(("=", "+", "-", "@")) for r in csv.reader(io.StringIO(text)) for cell in r)


def test_filters_and_pages_on_the_page_and_the_api(runtime):
    secrets = _world(runtime)
    for number in range(55):
        directory.add_team(uow=runtime.uow(), name=f"Team {number:02}", touchpoints=[], actor="bulk")
    at(runtime, runtime.clock() + timedelta(days=3))
    directory.set_duty(uow=runtime.uow(), agent="Tom", off_until=None, actor="later")  # no change: not recorded
    directory.set_duty(uow=runtime.uow(), agent="Tom", off_until=runtime.clock(), actor="later", now=runtime.clock())
    client = _login(runtime, secrets[Role.ADMIN])
    first = client.get("/ui/audit?actor=bulk").text
    assert "Team: Team 54" in first and "Team: Team 05" in first and "Team: Team 04" not in first
    older = re.search(r'href="(/ui/audit\?actor=bulk&amp;before=\d+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).text
    assert "Team: Team 04" in second and "Team: Team 00" in second and "Team: Team 54" not in second
    assert "before=" not in second
    only_tom = client.get("/ui/audit?team=Logistics&kind=agent").text
    assert "Agent: Tom" in only_tom and "Team: Team 01" not in only_tom
    today = report_today(runtime.clock(), runtime.settings.report_timezone).isoformat()
    latest = client.get(f"/ui/audit?from={today}&to={today}").text
    assert "later" in latest and "bulk" not in latest
    assert client.get("/ui/audit?team=Nope").status_code == 422
    bad_day = client.get("/ui/audit?from=yesterday")
    assert bad_day.status_code == 422 and "2026-12-01" in bad_day.text
    bearer = {"Authorization": f"Bearer {secrets[Role.ADMIN]}"}
    api = TestClient(create_app(runtime))
    page = api.get("/v1/audit?actor=bulk&limit=50", headers=bearer).json()
    assert page["total"] == 55 and len(page["entries"]) == 50 and page["next_before"] is not None
    rest = api.get(f"/v1/audit?actor=bulk&before={page['next_before']}", headers=bearer).json()
    assert [e["name"] for e in rest["entries"]] == [f"Team {n:02}" for n in range(4, -1, -1)]
    assert api.get(f"/v1/audit?from={today}&to={today}", headers=bearer).json()["total"] == 1
    assert api.get("/v1/audit?kind=nonsense", headers=bearer).status_code == 422
    assert api.get("/v1/audit?limit=100000", headers=bearer).status_code == 422
    assert api.get("/v1/audit?from=2026-12-10&to=2026-12-01", headers=bearer).status_code == 422
    assert api.get("/v1/audit?actor=" + "x" * 300, headers=bearer).status_code == 422
    assert api.get("/v1/audit?team=Nope", headers=bearer).status_code == 422
    csv_rows = list(csv.DictReader(io.StringIO(api.get("/v1/audit.csv?actor=bulk", headers=bearer).text)))
    assert len(csv_rows) == 55  # every entry, not a page


def test_every_kind_of_change_has_its_words_in_both_languages():
    from npsloop.dashboard.i18n import WORDS
    from npsloop.domain.audit import EntityKind

    assert all(f"kind_{kind.value}" in WORDS[lang] for kind in EntityKind for lang in ("en", "es"))
