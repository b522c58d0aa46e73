"""The admin section's connection pages over HTTP: an integration added from the browser shows its secret once (on
the page answering the POST, never again: not in a later page, a log or the database in clear), and the tool's
signed post is accepted with it; a rotation keeps the old secret working through the grace period and no longer;
a removal refuses the tool's next post. Outbound endpoints: a Slack URL listed by its host only, a webhook's signing
secret shown once, the delivery log with status, attempts and the last error, a redelivery. Admins only; every
form needs the CSRF value; markup in every name is escaped; hostile inputs are refused with nothing changed."""

import json
import logging
from datetime import timedelta

from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.access import Principal, Role
from npsloop.ingest.adapters import typeform
from npsloop.services import integrations, outbound, tokens
from npsloop.services.audit import audit_filter, list_audit
from tests.conftest import at, drain, ingest, seed_team
from tests.fixtures import survey_tools as docs
from tests.support.dashboard import csrf_of, csrf_value, database_bytes, field_errors, logged_in, shown_secret


def _post_typeform(client, name, secret, token="a3a12ec67a1365927098a606107fac15"):
    payload = json.loads(json.dumps(docs.TYPEFORM))
    payload["form_response"]["token"] = payload["event_id"] = token  # a response of its own, a delivery of its own
    body = json.dumps(payload).encode()
    return client.post(
        f"/v1/integrations/typeform/{name}", content=body, headers={typeform.HEADER: typeform.sign(secret, body)}
    )


def test_an_added_integration_shows_its_secret_once_and_the_tool_posts_with_it(runtime, caplog):
    caplog.set_level(logging.DEBUG)
    seed_team(runtime)
    client = logged_in(runtime)
    page = client.get("/ui/admin/integrations")
    assert page.status_code == 200 and "/ui/admin/integrations" in page.text
    added = client.post(
        "/ui/admin/integrations", data={"csrf": csrf_value(page.text), "name": "support-typeform", "kind": "typeform"}
    )
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    secret = shown_secret(added.text)
    assert len(secret) >= 40
    url = f"{runtime.settings.public_url.rstrip('/')}/v1/integrations/typeform/support-typeform"
    assert f'class="code">{url}</textarea>' in added.text and "Typeform: Connect &gt; Webhooks" in added.text
    assert secret not in str(added.url) and "location" not in added.headers
    # never again: not on the list, not in the database in clear, not in any log line
    later = client.get("/ui/admin/integrations").text
    assert "support-typeform" in later and url in later and secret not in later
    assert secret not in client.get("/ui/audit").text
    assert secret.encode() not in database_bytes(runtime)
    # the tool's signed post, with the secret shown, is accepted
    assert _post_typeform(TestClient(create_app(runtime)), "support-typeform", secret).status_code == 202
    assert secret not in caplog.text


def test_a_rotation_keeps_the_old_secret_working_through_the_grace_period_only(runtime):
    seed_team(runtime)
    old = integrations.add_integration(
        uow=runtime.uow(), egress=runtime.egress.policy, name="tf", kind="typeform", config={}, now=runtime.clock()
    ).secret
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/integrations")
    rotated = client.post("/ui/admin/integrations/tf/rotate", data={"csrf": token, "grace_hours": "2"})
    assert rotated.status_code == 200 and rotated.headers["cache-control"] == "no-store"
    new = shown_secret(rotated.text)
    assert new != old and old not in rotated.text
    api = TestClient(create_app(runtime))
    assert _post_typeform(api, "tf", old, token="t-old").status_code == 202  # within the grace period
    assert _post_typeform(api, "tf", new, token="t-new").status_code == 202
    listed = client.get("/ui/admin/integrations").text
    assert new not in listed and old not in listed
    at(runtime, runtime.clock() + timedelta(hours=3))
    assert _post_typeform(api, "tf", old, token="t-late").status_code == 401  # the grace is over
    assert _post_typeform(api, "tf", new, token="t-late").status_code == 202
    [entry] = [e for e in _audit(runtime) if e.action == "rotate"]
    assert entry.actor == "admin"


def _audit(rt):
    admin = Principal(name="admin", role=Role.ADMIN)
    return list_audit(uow=rt.uow(), viewer=admin, where=audit_filter(uow=rt.uow(), zone="UTC")).entries


def test_a_removed_integration_refuses_the_tools_next_post(runtime):
    seed_team(runtime)
    secret = integrations.add_integration(
        uow=runtime.uow(), egress=runtime.egress.policy, name="tf", kind="typeform", config={}, now=runtime.clock()
    ).secret
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/integrations")
    unconfirmed = client.post("/ui/admin/integrations/tf/remove", data={"csrf": token})
    assert unconfirmed.status_code == 422 and "confirm-tf" in field_errors(unconfirmed.text)
    assert [i.name for i in integrations.list_integrations(uow=runtime.uow())] == ["tf"]
    removed = client.post("/ui/admin/integrations/tf/remove", data={"csrf": token, "confirm": "on"})
    assert removed.status_code == 303 and removed.headers["location"] == "/ui/admin/integrations?done=removed"
    assert integrations.list_integrations(uow=runtime.uow()) == []
    assert _post_typeform(TestClient(create_app(runtime)), "tf", secret).status_code == 404
    assert client.post("/ui/admin/integrations/tf/remove", data={"csrf": token, "confirm": "on"}).status_code == 404


def test_a_tool_that_issues_its_secret_needs_it_and_it_is_never_typed_back(runtime):
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/integrations")
    missing = client.post("/ui/admin/integrations", data={"csrf": token, "name": "d", "kind": "delighted"})
    assert missing.status_code == 422 and "issues its own secret" in field_errors(missing.text)["secret"]
    given = client.post(
        "/ui/admin/integrations",
        data={"csrf": token, "name": "d", "kind": "delighted", "secret": "dk-given-9d8f7e", "settings": "foo: [1"},
    )
    assert given.status_code == 422 and "settings" in field_errors(given.text) and "dk-given-9d8f7e" not in given.text
    kept = client.post(
        "/ui/admin/integrations", data={"csrf": token, "name": "d", "kind": "delighted", "secret": "dk-given-9d8f7e"}
    )
    assert kept.status_code == 200 and 'id="secret"' not in kept.text and "dk-given-9d8f7e" not in kept.text


def test_hostile_inputs_are_refused_and_change_nothing(runtime):
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/integrations")
    cases = [
        ({"name": "<b>x</b>", "kind": "typeform"}, "name"),
        ({"name": "ok", "kind": "<script>alert(1)</script>"}, "kind"),
        ({"name": "ok", "kind": "typeform", "settings": "- a list\n- not a mapping"}, "settings"),
        ({"name": "ok", "kind": "typeform", "settings": "score_field: <img src=x onerror=alert(1)>"}, None),
    ]
    for data, field in cases[:3]:
        answer = client.post("/ui/admin/integrations", data={"csrf": token, **data})
        assert answer.status_code == 422, data
        assert field in field_errors(answer.text), (data, field_errors(answer.text))
        assert "<script>" not in answer.text and "<b>x</b>" not in answer.text
    assert integrations.list_integrations(uow=runtime.uow()) == []
    data, _ = cases[3]
    assert client.post("/ui/admin/integrations", data={"csrf": token, **data}).status_code == 200
    listed = client.get("/ui/admin/integrations").text
    assert "<img src=x" not in listed and "&lt;img src=x onerror=alert(1)&gt;" in listed
    oversized = client.post("/ui/admin/integrations", data={"csrf": token, "name": "x" * 600, "kind": "typeform"})
    assert oversized.status_code == 422
    assert (
        client.post("/ui/admin/integrations/ok/rotate", data={"csrf": token, "grace_hours": "9999"}).status_code == 422
    )
    assert client.post("/ui/admin/integrations/ok/rotate", data={"csrf": token, "grace_hours": "-1"}).status_code == 422
    assert client.post(
        "/ui/admin/integrations/..%2Fx/rotate", data={"csrf": token, "grace_hours": "1"}
    ).status_code in (
        404,
        422,
    )
    assert [i.rotated_at for i in integrations.list_integrations(uow=runtime.uow())] == [None]


def test_forms_without_the_csrf_value_or_by_a_supervisor_are_refused(runtime):
    seed_team(runtime)
    integrations.add_integration(
        uow=runtime.uow(), egress=runtime.egress.policy, name="tf", kind="typeform", config={}, now=runtime.clock()
    )
    client = logged_in(runtime)
    assert client.post("/ui/admin/integrations", data={"name": "x", "kind": "typeform"}).status_code == 403
    assert client.post("/ui/admin/integrations/tf/rotate", data={"grace_hours": "1"}).status_code == 403
    assert client.post("/ui/admin/integrations/tf/remove", data={"confirm": "on"}).status_code == 403
    assert (
        client.post("/ui/admin/endpoints", data={"name": "s", "kind": "slack", "url": "https://x"}).status_code == 403
    )
    sup = tokens.create_token(uow=runtime.uow(), name="sup", role=Role.SUPERVISOR, now=runtime.clock()).secret
    supervisor = logged_in(runtime, sup)
    token = csrf_of(supervisor, "/ui/cases")
    assert supervisor.get("/ui/admin/integrations").status_code == 403
    assert supervisor.get("/ui/admin/endpoints").status_code == 403
    refused = supervisor.post("/ui/admin/integrations/tf/rotate", data={"csrf": token, "grace_hours": "1"})
    assert refused.status_code == 403
    assert [i.rotated_at for i in integrations.list_integrations(uow=runtime.uow())] == [None]
    assert "/ui/admin/integrations" not in supervisor.get("/ui/admin/routing").text


def _slack_and_webhook(rt, client, token):
    slack_url = "https://hooks.slack.com/services/T000/B000/supersecretpath"
    slack = client.post(
        "/ui/admin/endpoints", data={"csrf": token, "name": "ops-slack", "kind": "slack", "url": slack_url}
    )
    assert slack.status_code == 303 and slack.headers["location"] == "/ui/admin/endpoints?done=added-ops-slack"
    hook = client.post(
        "/ui/admin/endpoints",
        data={"csrf": token, "name": "helpdesk", "kind": "webhook", "url": "https://helpdesk.example/in",
              "events": ["opened"]},
    )  # fmt: skip
    assert hook.status_code == 200 and hook.headers["cache-control"] == "no-store"
    return slack_url, shown_secret(hook.text)


def test_endpoints_list_a_slack_url_by_its_host_and_show_a_signing_secret_once(runtime):
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/endpoints")
    slack_url, signing = _slack_and_webhook(runtime, client, token)
    assert signing.startswith("whsec_")
    listed = client.get("/ui/admin/endpoints").text
    assert "https://hooks.slack.com/***" in listed and "supersecretpath" not in listed and signing not in listed
    assert "https://helpdesk.example/in" in listed
    assert slack_url.encode() not in database_bytes(runtime) and signing.encode() not in database_bytes(runtime)
    [hook] = [e for e in outbound.list_endpoints(uow=runtime.uow()) if e.name == "helpdesk"]
    assert hook.events == ["opened"] and hook.secret == signing
    removed = client.post("/ui/admin/endpoints/helpdesk/remove", data={"csrf": token, "confirm": "on"})
    assert removed.status_code == 303
    assert [e.name for e in outbound.list_endpoints(uow=runtime.uow())] == ["ops-slack"]


def test_the_delivery_log_shows_status_attempts_and_the_last_error_and_redelivers(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/endpoints")
    _slack_and_webhook(runtime, client, token)
    ingest(runtime, score=1)
    drain(runtime)

    def refused(url, body, **_):
        return outbound.wire.Outcome(ok=False, status_code=503, error="unavailable, write to marta@example.es")

    for _ in range(3):
        outbound.deliver_due(uow=runtime.uow(), now=runtime.clock(), public_url="http://x", post=refused)
        at(runtime, runtime.clock() + timedelta(hours=2))
    log = outbound.deliveries(uow=runtime.uow())
    assert log and all(row["attempts"] >= 1 for row in log)
    page = client.get("/ui/admin/endpoints").text
    first = log[0]
    assert f"<td>{first['id']}</td>" in page and f"<td>{first['status']}</td>" in page
    assert "503 · unavailable, write to m***@example.es" in page and "marta@example.es" not in page
    only = client.get("/ui/admin/endpoints?endpoint=helpdesk&status=<b>").text
    assert "ops-slack</td>" not in only and "<b>" not in only.split("</header>")[1]
    again = client.post("/ui/admin/endpoints/redeliver", data={"csrf": token, "delivery": str(first["id"])})
    assert again.status_code == 303 and again.headers["location"].startswith("/ui/admin/endpoints?done=redelivered-")
    row = next(r for r in outbound.deliveries(uow=runtime.uow()) if r["id"] == first["id"])
    assert row["status"] == "pending"
    assert f"Delivery {first['id']} will be sent again." in client.get(again.headers["location"]).text
    assert client.post("/ui/admin/endpoints/redeliver", data={"csrf": token, "delivery": "999999"}).status_code == 404
    assert client.post("/ui/admin/endpoints/redeliver", data={"csrf": token, "delivery": "x"}).status_code == 422
    assert client.post("/ui/admin/endpoints/redeliver", data={"csrf": token}).status_code == 422


def test_endpoint_mistakes_are_said_beside_their_field(runtime):
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/endpoints")
    bad_kind = client.post(
        "/ui/admin/endpoints", data={"csrf": token, "name": "x", "kind": "<i>pager</i>", "url": "https://a.example"}
    )
    assert (
        bad_kind.status_code == 422
        and "endpoint_kind" in field_errors(bad_kind.text)
        and "<i>pager" not in bad_kind.text
    )
    bad_name = client.post(
        "/ui/admin/endpoints", data={"csrf": token, "name": "<b>Bad</b>", "kind": "slack", "url": "https://a.example"}
    )
    assert bad_name.status_code == 422 and "<b>Bad" not in bad_name.text
    local = client.post(
        "/ui/admin/endpoints", data={"csrf": token, "name": "x", "kind": "webhook", "url": "http://10.0.0.1/in"}
    )
    assert local.status_code == 422 and "url" in field_errors(local.text)
    huge = client.post("/ui/admin/endpoints", data={"csrf": token, "name": "x", "kind": "slack", "url": "h" * 5000})
    assert huge.status_code == 422
    assert outbound.list_endpoints(uow=runtime.uow()) == []
