"""The admin section's tokens and dead-letters pages over HTTP: a token made in the browser is shown once (then only
its name and first characters, never in the database in clear) and works on the API; revoked, it is 401 at once.
Dead letters are listed and retried, all or one; a supervisor bound to a team sees and retries only the alerts of
that team's cases (another team's id reads as none), agents see nothing; quarantined payloads' errors are shown
with phones and emails masked. Every form needs the CSRF value; markup in every name is escaped."""

import re

from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.access import Role
from npsloop.services import tokens
from npsloop.services.deadletters import list_dead_letters, quarantine_task, record_processing_failure
from tests.conftest import drain, ingest, seed_team
from tests.support.dashboard import csrf_of, csrf_value, database_bytes, field_errors, logged_in


def test_a_token_is_shown_once_then_by_its_prefix_and_revoked_it_is_refused_at_once(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/tokens")
    made = client.post("/ui/admin/tokens", data={"csrf": token, "name": "<b>crm</b> bot", "role": "supervisor"})
    assert made.status_code == 422 and "name" in field_errors(made.text) and "<b>crm</b>" not in made.text
    made = client.post(
        "/ui/admin/tokens", data={"csrf": token, "name": "crm bot", "role": "supervisor", "expires_in_days": "30"}
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = re.search(r'<textarea id="secret"[^>]*>(npl_[\w-]+)</textarea>', made.text).group(1)
    api = TestClient(create_app(runtime))
    bearer = {"Authorization": f"Bearer {secret}"}
    assert api.get("/v1/cases", headers=bearer).status_code == 200
    listed = client.get("/ui/admin/tokens").text
    assert "crm bot" in listed and f"{secret[:12]}…" in listed and secret not in listed
    assert secret.encode() not in database_bytes(runtime)
    unconfirmed = client.post("/ui/admin/tokens/crm bot/revoke", data={"csrf": token})
    assert unconfirmed.status_code == 422 and api.get("/v1/cases", headers=bearer).status_code == 200
    revoked = client.post("/ui/admin/tokens/crm bot/revoke", data={"csrf": token, "confirm": "on"})
    assert revoked.status_code == 303 and revoked.headers["location"] == "/ui/admin/tokens?done=revoked"
    assert api.get("/v1/cases", headers=bearer).status_code == 401
    page = client.get(revoked.headers["location"]).text
    assert "revoked" in page and "Revoke crm bot" not in page
    assert client.post("/ui/admin/tokens/nobody/revoke", data={"csrf": token, "confirm": "on"}).status_code == 404


def test_token_mistakes_are_said_beside_their_field_and_make_nothing(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/tokens")
    for data, field in [
        ({"name": "a", "role": "<i>root</i>"}, "role"),
        ({"name": "a", "role": "agent"}, "agent"),
        ({"name": "a", "role": "agent", "agent": "<script>x</script>"}, "agent"),
        ({"name": "a", "role": "admin", "expires_in_days": "0"}, "expires_in_days"),
        ({"name": "a", "role": "admin", "expires_in_days": "ten"}, "expires_in_days"),
        ({"name": "x" * 101, "role": "admin"}, "name"),
    ]:
        answer = client.post("/ui/admin/tokens", data={"csrf": token, **data})
        assert answer.status_code == 422 and field in field_errors(answer.text), (data, field_errors(answer.text))
        assert "<script>" not in answer.text and "<i>root" not in answer.text
    assert client.post("/ui/admin/tokens", data={"csrf": token, "name": "a" * 600, "role": "admin"}).status_code == 422
    assert [t.name for t in tokens.list_tokens(uow=runtime.uow())] == []
    made = client.post("/ui/admin/tokens", data={"csrf": token, "name": "a", "role": "admin"})
    assert made.status_code == 200
    again = client.post("/ui/admin/tokens", data={"csrf": token, "name": "a", "role": "admin"})
    assert again.status_code == 422 and "exists" in field_errors(again.text)["name"]
    assert client.post("/ui/admin/tokens", data={"name": "b", "role": "admin"}).status_code == 403  # no CSRF value


def _two_teams_with_dead_alerts(rt):
    """A failed alert in Logistics and one in Billing: each team's only agent has a number the provider refuses."""
    seed_team(rt, agents=(("Marta", "+34611222333", None, "es"),))
    seed_team(rt, "Billing", touchpoints=("billing",), default=False, agents=(("Bea", "+34622333444", None, "es"),))
    rt.transports["sms"].script = {"+34611222333": ["permanent"], "+34622333444": ["permanent"]}
    ingest(rt, score=1, touchpoint="delivery")
    ingest(rt, score=1, touchpoint="billing")
    drain(rt)
    found = list_dead_letters(uow=rt.uow()).notifications
    assert len(found) == 2 and all(n.state == "failed" for n in found)
    with rt.uow() as uow:
        return {uow.directory.team(uow.cases.get(n.case_id).team_id).name: n.id for n in found}


def test_a_supervisor_bound_to_a_team_lists_and_retries_only_that_teams_dead_alerts(runtime):
    ids = _two_teams_with_dead_alerts(runtime)
    sup = tokens.create_token(
        uow=runtime.uow(), name="sup", role=Role.SUPERVISOR, agent="Marta", now=runtime.clock()
    ).secret
    client = logged_in(runtime, sup)
    page = client.get("/ui/admin/dead-letters")
    assert page.status_code == 200
    assert f'name="notification" value="{ids["Logistics"]}"' in page.text
    assert f'name="notification" value="{ids["Billing"]}"' not in page.text
    assert 'id="quarantine"' not in page.text and "/ui/admin/tokens" not in page.text
    token = csrf_value(page.text)
    other = client.post("/ui/admin/dead-letters/retry", data={"csrf": token, "notification": str(ids["Billing"])})
    assert other.status_code == 404  # another team's reads as none
    runtime.dispatcher.notifications.clear()
    mine = client.post("/ui/admin/dead-letters/retry", data={"csrf": token, "notification": str(ids["Logistics"])})
    assert (
        mine.status_code == 303
        and mine.headers["location"] == "/ui/admin/dead-letters?notifications=1&responses=0&tasks=0"
    )
    assert runtime.dispatcher.notifications == [ids["Logistics"]]
    drain(runtime)  # refused again, as a number that is not fixed is
    runtime.dispatcher.notifications.clear()
    everything = client.post("/ui/admin/dead-letters/retry", data={"csrf": token, "include_failed": "on"})
    assert everything.status_code == 303 and runtime.dispatcher.notifications == [ids["Logistics"]]
    assert [n.id for n in list_dead_letters(uow=runtime.uow()).notifications] == [ids["Billing"]]
    assert "Replayed: 1 alerts" in client.get(everything.headers["location"]).text
    assert client.post("/ui/admin/dead-letters/retry", data={"notification": str(ids["Billing"])}).status_code == 403
    bad = client.post("/ui/admin/dead-letters/retry", data={"csrf": token, "notification": "-5"})
    assert bad.status_code == 422


def test_an_agent_sees_none_of_it(runtime):
    _two_teams_with_dead_alerts(runtime)
    agent = tokens.create_token(uow=runtime.uow(), name="a", role=Role.AGENT, agent="Marta", now=runtime.clock())
    client = logged_in(runtime, agent.secret)
    token = csrf_of(client, "/ui/cases")
    for path in ("/ui/admin/dead-letters", "/ui/admin/tokens", "/ui/admin/integrations", "/ui/admin/endpoints"):
        assert client.get(path).status_code == 403, path
    assert client.post("/ui/admin/dead-letters/retry", data={"csrf": token}).status_code == 403
    assert client.post("/ui/admin/tokens", data={"csrf": token, "name": "x", "role": "admin"}).status_code == 403
    assert len(list_dead_letters(uow=runtime.uow()).notifications) == 2


def test_an_admin_sees_quarantined_payloads_errors_masked_and_retries_everything(runtime):
    ids = _two_teams_with_dead_alerts(runtime)
    held = ingest(runtime, score=1)
    for _ in range(3):
        record_processing_failure(
            uow=runtime.uow(),
            response_id=held,
            error="customer ana.gomez@example.es +34600111222 <script>x</script>",
            now=runtime.clock(),
            limit=3,
        )
    held_task = {"task": "npsloop.process_response", "payload": '[{"phone": "+34600999888"}]', "attempts": 5}
    quarantine_task(uow=runtime.uow(), error="bad <b>id</b>", now=runtime.clock(), **held_task)
    client = logged_in(runtime)
    page = client.get("/ui/admin/dead-letters").text
    assert all(f'name="notification" value="{i}"' in page for i in ids.values())
    assert 'id="quarantine"' in page
    assert "a***@example.es" in page and "ana.gomez@example.es" not in page
    assert "+34600111222" not in page and "+34*******22" in page and "+34600999888" not in page
    assert "<script>x" not in page and "<b>id</b>" not in page and "&lt;script&gt;" in page
    assert "Ana Gómez" not in page
    runtime.dispatcher.responses.clear()
    done = client.post("/ui/admin/dead-letters/retry", data={"csrf": csrf_value(page)})
    assert done.status_code == 303 and "responses=1" in done.headers["location"]
    assert runtime.dispatcher.responses == [held]
