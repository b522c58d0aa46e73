"""Who may call what. Credentials are compared in constant time (every configured token and every candidate
signature goes through hmac.compare_digest), and every route that takes a token is walked with each role."""

import hmac
import re

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.access import Role
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.ingest import signature
from npsloop.ingest.themes_yaml import dump_themes
from npsloop.services import tokens
from tests.conftest import drain, ingest, payload, seed_team

REAL_COMPARE = hmac.compare_digest


def test_every_configured_token_is_compared_with_compare_digest(runtime, monkeypatch):
    runtime.settings.api_tokens = type(runtime.settings.api_tokens)("tok-one,tok-two,tok-three")
    calls = []

    def spy(a, b):
        calls.append((a, b))
        return REAL_COMPARE(a, b)

    monkeypatch.setattr("npsloop.services.tokens.hmac.compare_digest", spy)
    with TestClient(create_app(runtime)) as client:
        assert client.get("/v1/teams", headers={"Authorization": "Bearer tok-two"}).status_code == 200
        assert len(calls) == 3  # no early exit on the match
        calls.clear()
        assert client.get("/v1/teams", headers={"Authorization": "Bearer tok-twx"}).status_code == 401
        assert len(calls) == 3


def test_every_secret_is_compared_with_compare_digest(monkeypatch):
    calls = []

    def spy(a, b):
        calls.append((a, b))
        return REAL_COMPARE(a, b)

    monkeypatch.setattr("npsloop.ingest.signature.hmac.compare_digest", spy)
    header = signature.sign(b"{}", "s2", 1000)
    assert signature.verify(header, b"{}", {"a": ["s1", "s2"]}, now=1000, tolerance=300) == "a"
    assert len(calls) == 2


# --- Every endpoint checks the role ------------------------------------------------------------------------

INT, AGENT, SUP, ADMIN = Role.INTEGRATION, Role.AGENT, Role.SUPERVISOR, Role.ADMIN
# (method, route, concrete path, body, roles allowed). Order matters within one role's walk.
WALK = [
    ("POST", "/v1/responses", "/v1/responses", lambda: payload(), {INT, ADMIN}),
    ("POST", "/v1/responses:batch", "/v1/responses:batch", lambda: {"responses": [payload()]}, {INT, ADMIN}),
    ("GET", "/v1/cases", "/v1/cases", None, {AGENT, SUP, ADMIN}),
    ("GET", "/v1/cases/{case_id}", "/v1/cases/1", None, {AGENT, SUP, ADMIN}),
    ("POST", "/v1/cases/{case_id}/{action}", "/v1/cases/1/acknowledge", lambda: {}, {AGENT, SUP, ADMIN}),
    ("POST", "/v1/cases/{case_id}/assign", "/v1/cases/1/assign", lambda: {"agent": "Tom"}, {SUP, ADMIN}),
    ("GET", "/v1/cases.{fmt}", "/v1/cases.csv", None, {SUP, ADMIN}),
    ("GET", "/v1/responses.{fmt}", "/v1/responses.json", None, {SUP, ADMIN}),
    ("GET", "/v1/reports/nps", "/v1/reports/nps", None, {SUP, ADMIN}),
    ("GET", "/v1/reports/loop", "/v1/reports/loop", None, {SUP, ADMIN}),
    ("GET", "/v1/reports/targets", "/v1/reports/targets", None, {SUP, ADMIN}),
    ("GET", "/v1/reports/review", "/v1/reports/review", None, {SUP, ADMIN}),
    ("PUT", "/v1/reports/targets", "/v1/reports/targets", lambda: {"year": 2026, "nps": 50}, {SUP, ADMIN}),
    ("GET", "/v1/teams", "/v1/teams", None, {SUP, ADMIN}),
    ("GET", "/v1/agents", "/v1/agents", None, {SUP, ADMIN}),
    ("POST", "/v1/teams", "/v1/teams", lambda: {"name": "Billing"}, {ADMIN}),
    ("PATCH", "/v1/teams/{name}", "/v1/teams/Billing", lambda: {"reasons_required": False}, {ADMIN}),
    ("POST", "/v1/agents", "/v1/agents", lambda: {"name": "Bea", "team": "Billing", "email": "b@x.es"}, {ADMIN}),
    ("PUT", "/v1/agents/{name}/channels", "/v1/agents/Marta/channels", lambda: {"channels": None}, {ADMIN}),
    ("PATCH", "/v1/agents/{name}", "/v1/agents/Marta", lambda: {"language": "es"}, {ADMIN}),
    ("GET", "/v1/agents/{name}/hours", "/v1/agents/Marta/hours", None, {SUP, ADMIN}),
    ("PUT", "/v1/agents/{name}/hours", "/v1/agents/Marta/hours", lambda: {"hours": None, "on_call": False}, {ADMIN}),
    ("POST", "/v1/tokens", "/v1/tokens", lambda: {"name": "walk", "role": "supervisor"}, {ADMIN}),
    ("GET", "/v1/tokens", "/v1/tokens", None, {ADMIN}),
    ("POST", "/v1/tokens/{name}/revoke", "/v1/tokens/walk/revoke", None, {ADMIN}),
    ("GET", "/v1/customers/{customer_id:path}/export", "/v1/customers/c-walk/export", None, {ADMIN}),
    ("DELETE", "/v1/customers/{customer_id:path}", "/v1/customers/c-walk", None, {ADMIN}),
    ("GET", "/v1/themes", "/v1/themes", None, {AGENT, SUP, ADMIN}),  # agents pick closing reasons from them
    ("PUT", "/v1/themes", "/v1/themes", lambda: dump_themes(DEFAULT_TAXONOMY), {ADMIN}),  # a str: sent as YAML
    ("POST", "/v1/themes:tag", "/v1/themes:tag", lambda: {"comments": [{"text": "me cobraron doble"}]}, {SUP, ADMIN}),
    ("GET", "/v1/audit", "/v1/audit", None, {SUP, ADMIN}),  # a supervisor reads teams' changes only
    ("GET", "/v1/audit.csv", "/v1/audit.csv", None, {SUP, ADMIN}),
]
# Routes that authenticate otherwise: provider and survey-tool signatures, signed links, the dashboard's own
# session (walked below), health probes and metrics (for the scraper on the private network), and the API's own
# documentation.
NOT_BY_TOKEN = re.compile(
    r"^(/v1/twilio/|/v1/links/|/v1/recovery/|/v1/integrations/|/v1/email/bounces|/ui|/healthz|/readyz|/metrics"
    r"|/openapi|/docs|/redoc)"
)


def _routes(app):
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for context in contexts:
            for method in sorted(set(context.methods or ()) - {"HEAD"}):
                yield method, context.path


def test_the_walk_covers_every_route_that_takes_a_token(runtime):
    app = create_app(runtime)
    token_routes = {(m, p) for m, p in _routes(app) if not NOT_BY_TOKEN.match(p)}
    assert token_routes == {(m, route) for m, route, *_ in WALK}


def _world(rt):
    """A case in Logistics, and one token per role (the agent's is Marta's, of Logistics)."""
    seed_team(rt)
    ingest(rt)
    drain(rt)
    now = rt.clock()
    secrets = {
        role: tokens.create_token(
            uow=rt.uow(), name=f"t-{role.value}", role=role, agent="Marta" if role is Role.AGENT else None, now=now
        ).secret
        for role in Role
    }
    return secrets


@pytest.mark.parametrize("role", list(Role))
def test_every_endpoint_answers_each_role_with_200_or_403_and_strangers_with_401(runtime, role):
    secret = _world(runtime)[role]
    with TestClient(create_app(runtime)) as client:
        for method, route, path, body, allowed in WALK:
            sent = body() if body else None
            yaml = {"Content-Type": "application/yaml"} if isinstance(sent, str) else {}
            send = {"content": sent.encode()} if isinstance(sent, str) else {"json": sent}
            anonymous = client.request(method, path, **send, headers=yaml)
            assert anonymous.status_code == 401, (route, anonymous.text)
            forged = client.request(method, path, **send, headers={**yaml, "Authorization": "Bearer npl_forged"})
            assert forged.status_code == 401, (route, forged.text)
            answer = client.request(method, path, **send, headers={**yaml, "Authorization": f"Bearer {secret}"})
            if role in allowed:
                assert 200 <= answer.status_code < 300, (role, route, answer.status_code, answer.text)
            else:
                assert answer.status_code == 403, (role, route, answer.status_code, answer.text)
                assert answer.json()["error"] == "forbidden"


def test_an_agent_cannot_reach_another_teams_cases(runtime):
    secrets = _world(runtime)
    seed_team(runtime, name="Billing", touchpoints=("invoice",), default=False, agents=(("Bea", None, "b@x.es", "es"),))
    ingest(runtime, touchpoint="invoice")
    drain(runtime)
    marta = {"Authorization": f"Bearer {secrets[Role.AGENT]}"}
    with TestClient(create_app(runtime)) as client:
        listed = client.get("/v1/cases", headers=marta).json()
        assert [c["team"] for c in listed["items"]] == ["Logistics"]
        assert client.get("/v1/cases/2", headers=marta).status_code == 403
        assert client.post("/v1/cases/2/acknowledge", json={}, headers=marta).status_code == 403
        assert client.get("/v1/cases?team=Billing", headers=marta).status_code == 403
        # what a named token does is recorded under its own name, whatever actor the body claims
        done = client.post("/v1/cases/1/acknowledge", json={"actor": "Somebody"}, headers=marta).json()
        assert done["assignee"] == "Marta"
        sup = {"Authorization": f"Bearer {secrets[Role.SUPERVISOR]}"}
        assert client.get("/v1/cases/2", headers=sup).status_code == 200


def test_a_revoked_or_expired_token_stops_working_at_once(runtime):
    secrets = _world(runtime)
    headers = {"Authorization": f"Bearer {secrets[Role.SUPERVISOR]}"}
    with TestClient(create_app(runtime)) as client:
        assert client.get("/v1/cases", headers=headers).status_code == 200
        tokens.revoke_token(uow=runtime.uow(), name="t-supervisor", now=runtime.clock())
        assert client.get("/v1/cases", headers=headers).status_code == 401


def test_an_integration_token_pushes_responses_under_its_own_name(runtime):
    secrets = _world(runtime)
    with TestClient(create_app(runtime)) as client:
        sent = client.post(
            "/v1/responses", json=payload(response_id="r-tok"), headers={"Authorization": f"Bearer {secrets[INT]}"}
        )
        assert sent.status_code == 202
    with runtime.uow() as uow:
        assert uow.responses.by_key("t-integration", "r-tok") is not None


def test_dashboard_pages_follow_the_same_roles(runtime):
    secrets = _world(runtime)
    for role, queue, report in [(INT, None, None), (AGENT, 200, 403), (SUP, 200, 200), (ADMIN, 200, 200)]:
        with TestClient(create_app(runtime), follow_redirects=False) as client:
            login = client.post("/ui/login", data={"token": secrets[role], "next": "/ui/cases"})
            if queue is None:
                assert login.status_code == 403
                assert client.get("/ui/cases").status_code == 303  # no session: back to the login page
                continue
            assert login.status_code == 303
            assert client.get("/ui/cases").status_code == queue
            assert client.get("/ui/cases/1").status_code == queue
            assert client.get("/ui/reports").status_code == report
            for method, _, path, allowed in ADMIN_PAGES:
                csrf = re.search(r'name="csrf" value="(\w+)"', client.get("/ui/cases").text).group(1)
                answer = client.request(method, path, data={"csrf": csrf} if method == "POST" else None)
                assert answer.status_code in ((200, 303, 422) if role in allowed else (403,)), (role, path)
    with TestClient(create_app(runtime), follow_redirects=False) as client:
        assert client.get("/ui/reports").headers["location"].startswith("/ui/login")
        for method, _, path, _ in ADMIN_PAGES:
            assert client.request(method, path).status_code in (303, 401), path  # no session: the login page


# The admin section (/ui/admin): who may open each page, or post each form (with the session's CSRF value).
# (method, route, concrete path, roles allowed)
ADMIN_PAGES = [
    ("GET", "/ui/admin", "/ui/admin", {SUP, ADMIN}),
    ("GET", "/ui/admin/routing", "/ui/admin/routing", {SUP, ADMIN}),
    ("POST", "/ui/admin/routing/try", "/ui/admin/routing/try", {SUP, ADMIN}),
    ("POST", "/ui/admin/routing", "/ui/admin/routing", {ADMIN}),
    ("GET", "/ui/admin/teams", "/ui/admin/teams", {ADMIN}),
    ("POST", "/ui/admin/teams", "/ui/admin/teams", {ADMIN}),
    ("GET", "/ui/admin/teams/{name}", "/ui/admin/teams/Logistics", {ADMIN}),
    ("POST", "/ui/admin/teams/{name}", "/ui/admin/teams/Logistics", {ADMIN}),
    ("POST", "/ui/admin/teams/{name}/recovery", "/ui/admin/teams/Logistics/recovery", {ADMIN}),
    ("GET", "/ui/admin/agents", "/ui/admin/agents", {SUP, ADMIN}),
    ("POST", "/ui/admin/agents", "/ui/admin/agents", {ADMIN}),
    ("GET", "/ui/admin/agents/{name}", "/ui/admin/agents/Marta", {SUP, ADMIN}),
    ("POST", "/ui/admin/agents/{name}", "/ui/admin/agents/Marta", {ADMIN}),
    ("POST", "/ui/admin/agents/{name}/channels", "/ui/admin/agents/Marta/channels", {ADMIN}),
    ("POST", "/ui/admin/agents/{name}/hours", "/ui/admin/agents/Marta/hours", {SUP, ADMIN}),
    ("POST", "/ui/admin/agents/{name}/duty", "/ui/admin/agents/Marta/duty", {SUP, ADMIN}),
    ("POST", "/ui/admin/agents/{name}/active", "/ui/admin/agents/Marta/active", {ADMIN}),
    # a fresh installation's setup: once a team exists its start sends the admin on to the queue (303)
    ("GET", "/ui/admin/onboarding", "/ui/admin/onboarding", {ADMIN}),
    ("POST", "/ui/admin/onboarding", "/ui/admin/onboarding", {ADMIN}),
    ("GET", "/ui/admin/onboarding/{team}/agents", "/ui/admin/onboarding/Logistics/agents", {ADMIN}),
    ("POST", "/ui/admin/onboarding/{team}/agents", "/ui/admin/onboarding/Logistics/agents", {ADMIN}),
    ("GET", "/ui/admin/onboarding/{team}/integration", "/ui/admin/onboarding/Logistics/integration", {ADMIN}),
    ("POST", "/ui/admin/onboarding/{team}/integration", "/ui/admin/onboarding/Logistics/integration", {ADMIN}),
    ("POST", "/ui/admin/onboarding/test", "/ui/admin/onboarding/test", {ADMIN}),
    ("GET", "/ui/admin/onboarding/test/{response_id}", "/ui/admin/onboarding/test/1", {ADMIN}),
    # connections: a form posted with its CSRF value alone is refused as incomplete (422), nothing changed
    ("GET", "/ui/admin/integrations", "/ui/admin/integrations", {ADMIN}),
    ("POST", "/ui/admin/integrations", "/ui/admin/integrations", {ADMIN}),
    ("POST", "/ui/admin/integrations/{name}/rotate", "/ui/admin/integrations/shop/rotate", {ADMIN}),
    ("POST", "/ui/admin/integrations/{name}/remove", "/ui/admin/integrations/shop/remove", {ADMIN}),
    ("GET", "/ui/admin/endpoints", "/ui/admin/endpoints", {ADMIN}),
    ("POST", "/ui/admin/endpoints", "/ui/admin/endpoints", {ADMIN}),
    ("POST", "/ui/admin/endpoints/{name}/remove", "/ui/admin/endpoints/helpdesk/remove", {ADMIN}),
    ("POST", "/ui/admin/endpoints/redeliver", "/ui/admin/endpoints/redeliver", {ADMIN}),
    ("GET", "/ui/admin/tokens", "/ui/admin/tokens", {ADMIN}),
    ("POST", "/ui/admin/tokens", "/ui/admin/tokens", {ADMIN}),
    ("POST", "/ui/admin/tokens/{name}/revoke", "/ui/admin/tokens/t-agent/revoke", {ADMIN}),
    ("GET", "/ui/admin/dead-letters", "/ui/admin/dead-letters", {SUP, ADMIN}),
    ("POST", "/ui/admin/dead-letters/retry", "/ui/admin/dead-letters/retry", {SUP, ADMIN}),
]


def test_the_dashboard_walk_covers_every_admin_page(runtime):
    app = create_app(runtime)
    admin_routes = {(m, p.rstrip("/")) for m, p in _routes(app) if p.startswith("/ui/admin")}
    assert admin_routes == {(m, route) for m, route, _, _ in ADMIN_PAGES}
