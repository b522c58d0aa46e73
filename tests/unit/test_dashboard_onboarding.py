"""Setting up a fresh installation from the dashboard over HTTP: an admin's login lands on the setup while no team
exists; the team, its agents and the survey tool's connection are made by the services the CLI calls, each
mistake beside its field in the CLI's words with nothing stored; the last page shows the address and the secret
once; "send a test response" goes through the integration's real webhook and becomes a case when the worker
runs; supervisors and agents never see it, nor does anyone once a team exists; every form needs its CSRF value."""

import re

import pytest
from fastapi.testclient import TestClient

from npsloop.api import dashboard_onboarding
from npsloop.api.app import create_app
from npsloop.domain.access import Role
from npsloop.services import directory, integrations, onboarding, tokens
from tests.conftest import TOKEN, drain, seed_team
from tests.support.dashboard import csrf_of, csrf_value, field_messages, login
from tests.unit.test_cli import cli  # noqa: F401 - the CLI on its own database, as an operator runs it


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch):
    """The test response's page answers at once: these tests run the worker themselves, after it."""
    monkeypatch.setattr(dashboard_onboarding, "WAIT_SECONDS", 0.0)


TEAM = {
    "name": "Logistics",
    "touchpoints": "delivery, returns",
    "default": "on",
    "timezone": "Europe/Madrid",
    "hours": "mon-fri 09:00-17:00",
    "holiday_country": "ES-MD",
}
START = "/ui/admin/onboarding"


def _client(rt, token=TOKEN, next="/ui/cases"):
    """A logged-in browser and where its login landed (the setup while no team exists)."""
    client, answer = login(rt, token, next)
    assert answer.status_code == 303
    return client, answer.headers["location"]


def _stored(rt):
    teams = [
        (t.name, t.touchpoints, t.timezone, t.hours, t.holiday_country) for t in directory.list_teams(uow=rt.uow())
    ]
    agents = [(a.name, a.phone, a.email) for a, _ in directory.list_agents(uow=rt.uow())]
    return teams, agents, [i.name for i in integrations.list_integrations(uow=rt.uow())]


def _walk_to_the_secret(rt, client, kind="typeform"):
    token = csrf_of(client, START)
    made = client.post(START, data={"csrf": token, **TEAM})
    assert made.status_code == 303 and made.headers["location"] == f"{START}/Logistics/agents"
    added = client.post(
        made.headers["location"], data={"csrf": token, "name": "Marta", "phone": "+34611222333", "language": "es"}
    )
    assert added.status_code == 303
    page = client.get(added.headers["location"]).text
    assert "Marta" in page and f'href="{START}/Logistics/integration"' in page
    listed = re.search(r'<ul id="onb-agents">(.*?)</ul>', page, re.S).group(1)
    assert "+34*******33" in listed and "+34611222333" not in listed  # a list masks contacts, as the logs do
    form = client.get(f"{START}/Logistics/integration")
    assert form.status_code == 200
    return client.post(
        f"{START}/Logistics/integration",
        data={"csrf": token, "name": "nps-survey", "kind": kind, "touchpoint": "delivery"},
    )


def test_an_admins_login_on_a_fresh_installation_lands_on_the_setup(runtime):
    client, landed = _client(runtime)
    assert landed == START
    page = client.get(START)
    assert page.status_code == 200 and "Your first team" in page.text and "Step 1 of 3" in page.text
    assert 'value="mon-fri 09:00-17:00"' in page.text  # a start to edit
    assert 'name="csrf"' in page.text
    elsewhere = client.post("/ui/login", data={"token": TOKEN, "next": "/ui/reports"})
    assert elsewhere.headers["location"] == "/ui/reports"  # a page asked for is a page given


def test_the_setup_makes_the_team_agents_and_connection_and_shows_the_secret_once(runtime):
    client, _ = _client(runtime)
    done = _walk_to_the_secret(runtime, client)
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    stored = integrations.list_integrations(uow=runtime.uow())[0]
    url = "http://127.0.0.1:8000/v1/integrations/typeform/nps-survey"
    assert f'value="{url}"' in done.text and f'value="{stored.secret}"' in done.text
    assert stored.config == {"touchpoint": "delivery"}
    teams, agents, _ = _stored(runtime)
    assert teams == [("Logistics", ["delivery", "returns"], "Europe/Madrid", teams[0][3], "ES-MD")]
    assert teams[0][3].startswith("mon 09:00-17:00") and agents == [("Marta", "+34611222333", None)]
    # Shown this once: nowhere else afterwards, and the steps are over.
    for path in (f"{START}/Logistics/integration", f"{START}/Logistics/agents", START, "/ui/cases"):
        answer = client.get(path)
        assert stored.secret not in answer.text
        assert path == "/ui/cases" or answer.headers["location"] == "/ui/cases"


def test_a_test_response_goes_through_the_webhook_and_arrives_as_a_case(runtime):
    client, _ = _client(runtime)
    done = _walk_to_the_secret(runtime, client)
    sent = client.post(f"{START}/test", data={"csrf": csrf_value(done.text), "integration": "nps-survey"})
    assert sent.status_code == 303
    where = sent.headers["location"]
    assert re.fullmatch(rf"{START}/test/\d+", where)
    waiting = client.get(where)  # the worker has not run: after its wait, the page says so
    assert "waiting for the worker" in waiting.text and f'<a id="check-again" href="{where}">' in waiting.text
    assert "refresh" not in waiting.text  # no timed refresh (WCAG 2.2.1): the reader checks again when ready
    drain(runtime)  # the worker, in process
    arrived = client.get(where)
    assert "waiting" not in arrived.text and "marked as a test" in arrived.text
    case_id = int(re.search(r"case #(\d+)", arrived.text).group(1))
    assert f'href="/ui/cases/{case_id}"' in arrived.text
    response_id = int(where.rsplit("/", 1)[1])
    with runtime.uow() as uow:
        response = uow.responses.get(response_id)
        case = uow.cases.get(case_id)
        assert response.integration == "nps-survey" and response.touchpoint == "delivery" and response.score == 2
        assert response.attributes[onboarding.TEST_MARK] == onboarding.TEST_VALUE
        assert case.team_id is not None
    case_page = client.get(f"/ui/cases/{case_id}").text
    assert "A test response sent from npsloop" in case_page


def test_the_own_json_kind_is_signed_with_npsloop_signature_and_arrives_too(runtime):
    client, _ = _client(runtime)
    done = _walk_to_the_secret(runtime, client, kind="mapping")
    assert "NPSLoop-Signature" in done.text and "/v1/integrations/mapping/nps-survey" in done.text
    sent = client.post(f"{START}/test", data={"csrf": csrf_value(done.text), "integration": "nps-survey"})
    drain(runtime)
    assert "case #" in client.get(sent.headers["location"]).text


def test_the_sample_is_signed_over_its_body_with_the_integrations_current_secret(runtime):
    client, _ = _client(runtime)
    done = _walk_to_the_secret(runtime, client)
    integration = integrations.list_integrations(uow=runtime.uow())[0]
    request = onboarding.test_request(integration, now=runtime.clock(), lang="en")
    forged = TestClient(create_app(runtime)).post(
        request.path, content=request.body.replace(b'"number": 2', b'"number": 9'), headers=request.headers
    )
    assert forged.status_code == 401  # the signature covers the body: the real door checks it
    integrations.rotate_secret(uow=runtime.uow(), name="nps-survey", now=runtime.clock())
    sent = client.post(f"{START}/test", data={"csrf": csrf_value(done.text), "integration": "nps-survey"})
    assert sent.status_code == 303  # signed with the secret the integration has now
    unknown = client.post(f"{START}/test", data={"csrf": csrf_value(done.text), "integration": "nobody"})
    assert unknown.status_code == 422 and "no integration named" in unknown.text


def test_the_secret_is_never_logged_nor_put_in_an_address(runtime, caplog):
    caplog.set_level("DEBUG")
    client, _ = _client(runtime)
    done = _walk_to_the_secret(runtime, client)
    secret = integrations.list_integrations(uow=runtime.uow())[0].secret
    sent = client.post(f"{START}/test", data={"csrf": csrf_value(done.text), "integration": "nps-survey"})
    drain(runtime)
    client.get(sent.headers["location"])
    assert secret not in caplog.text and secret not in sent.headers["location"]
    assert re.search(r'<form method="post" action="/ui/admin/onboarding/test"', done.text)


def test_each_mistake_is_said_beside_its_field_in_the_clis_words_and_nothing_is_stored(runtime, cli):  # noqa: F811
    client, _ = _client(runtime)
    token = csrf_of(client, START)
    bad = {**TEAM, "name": "", "timezone": "Mars/Olympus", "hours": "mon-fri 9-5", "holiday_country": "XX"}
    answer = client.post(START, data={"csrf": token, **bad})
    assert answer.status_code == 422
    errors = field_messages(answer.text)
    assert errors["timezone"] == "unknown time zone 'Mars/Olympus'"
    assert errors["hours"].startswith("cannot read business hours 'mon-fri 9-5'")
    assert errors["holiday_country"].startswith("unknown holiday calendar 'XX'")
    assert errors["name"].startswith("A name of up to 100")
    assert 'aria-describedby="hours-help hours-error" aria-invalid="true"' in answer.text
    assert 'value="mon-fri 9-5"' in answer.text  # kept, to be fixed
    cli("teams", "add", "X", "--touchpoint", "delivery")
    said = cli("teams", "schedule", "X", "--hours", "mon-fri 9-5", ok=False)
    assert errors["hours"] in said
    assert _stored(runtime) == ([], [], [])

    assert client.post(START, data={"csrf": token, **TEAM}).status_code == 303
    agents = f"{START}/Logistics/agents"
    for form, field, words in [
        ({"name": "Marta", "phone": "611 22 23 33"}, "phone", "E.164"),
        ({"name": "Marta", "email": "not-an-email"}, "email", ""),
        ({"name": "Marta"}, "phone", "give the agent a phone or an email"),
        ({"name": "<b>x</b>", "email": "m@example.es"}, "name", ""),
    ]:
        refused = client.post(agents, data={"csrf": token, **form})
        assert refused.status_code == 422, form
        assert words in field_messages(refused.text).get(field, ""), (form, field_messages(refused.text))
    assert _stored(runtime)[1] == []
    assert client.post(agents, data={"csrf": token, "name": "Marta", "email": "m@example.es"}).status_code == 303
    twice = client.post(agents, data={"csrf": token, "name": "Marta", "email": "m@example.es"})
    assert field_messages(twice.text)["name"] == "an agent named 'Marta' exists"

    step = f"{START}/Logistics/integration"
    for form, field, words in [
        ({"name": "Bad Name", "kind": "typeform"}, "name", "lowercase letters, digits"),
        ({"name": "ok", "kind": "qualtrics"}, "kind", "unknown kind"),
    ]:
        refused = client.post(step, data={"csrf": token, **form})
        assert refused.status_code == 422 and words in field_messages(refused.text)[field], field_messages(refused.text)
    assert _stored(runtime)[2] == []


def test_a_taken_touchpoint_or_name_is_refused_beside_its_field(runtime):
    client, _ = _client(runtime)
    token = csrf_of(client, START)
    answer = client.post(START, data={"csrf": token, **TEAM, "touchpoints": "delivery, " + "x" * 101})
    assert "at most 50 touchpoints" in field_messages(answer.text)["touchpoints"]
    assert _stored(runtime)[0] == []


def test_the_setup_never_shows_once_a_team_exists(runtime):
    seed_team(runtime)
    client, landed = _client(runtime)
    assert landed == "/ui/cases"
    assert client.get(START).headers["location"] == "/ui/cases"
    token = csrf_of(client, "/ui/cases")
    again = client.post(START, data={"csrf": token, **{**TEAM, "name": "Second", "touchpoints": "shop"}})
    assert again.status_code == 303 and [t.name for t in directory.list_teams(uow=runtime.uow())] == ["Logistics"]
    assert client.get(f"{START}/Nobody/agents").status_code == 404


def test_supervisors_and_agents_never_see_it(runtime):
    now = runtime.clock()
    supervisor = tokens.create_token(uow=runtime.uow(), name="s", role=Role.SUPERVISOR, now=now).secret
    client, landed = _client(runtime, supervisor)
    assert landed == "/ui/cases"  # the normal dashboard, even on a fresh installation
    assert client.get(START).status_code == 403
    token = csrf_of(client, "/ui/cases")
    assert client.post(START, data={"csrf": token, **TEAM}).status_code == 403
    assert _stored(runtime)[0] == []
    seed_team(runtime)
    agent = tokens.create_token(uow=runtime.uow(), name="m", role=Role.AGENT, agent="Marta", now=now).secret
    client, landed = _client(runtime, agent)
    assert landed == "/ui/cases"
    token = csrf_of(client, "/ui/cases")
    for path in (START, f"{START}/Logistics/agents", f"{START}/Logistics/integration", f"{START}/test/1"):
        assert client.get(path).status_code == 403, path
    for path in (f"{START}/Logistics/agents", f"{START}/Logistics/integration", f"{START}/test"):
        assert client.post(path, data={"csrf": token, "name": "x", "kind": "typeform"}).status_code == 403, path


def test_a_form_without_the_csrf_value_is_refused_and_stores_nothing(runtime):
    client, _ = _client(runtime)
    for csrf in ("", "0" * 32):
        assert client.post(START, data={"csrf": csrf, **TEAM}).status_code == 403
    assert _stored(runtime)[0] == []
    token = csrf_of(client, START)
    assert client.post(START, data={"csrf": token, **TEAM}).status_code == 303
    forms = [
        (f"{START}/Logistics/agents", {"name": "Marta", "email": "m@example.es"}),
        (f"{START}/Logistics/integration", {"name": "nps", "kind": "typeform"}),
    ]
    for path, form in forms:
        assert client.post(path, data={"csrf": "0" * 32, **form}).status_code == 403, path
    assert _stored(runtime)[1:] == ([], [])
    anonymous = TestClient(create_app(runtime), follow_redirects=False)
    assert anonymous.post(START, data=TEAM).status_code == 401
    assert anonymous.get(START).headers["location"] == f"/ui/login?next={START}"


def test_markup_typed_in_any_field_is_shown_as_text(runtime):
    client, _ = _client(runtime)
    token = csrf_of(client, START)
    markup = '"><script>alert(1)</script>'
    answer = client.post(START, data={"csrf": token, **{key: markup for key in TEAM}, "default": "on"})
    assert answer.status_code == 422 and "<script>" not in answer.text and "&lt;script&gt;" in answer.text
    assert client.post(START, data={"csrf": token, **TEAM, "touchpoints": "<i>delivery</i>"}).status_code == 303
    page = client.post(
        f"{START}/Logistics/agents", data={"csrf": token, "name": markup, "email": markup, "phone": markup}
    ).text
    assert "<script>" not in page
    shown = client.get(f"{START}/Logistics/integration").text
    assert "<i>delivery</i>" not in shown and "&lt;i&gt;delivery&lt;/i&gt;" in shown


def test_a_holiday_code_in_lowercase_is_read_as_the_cli_reads_it(runtime):
    client, _ = _client(runtime)
    token = csrf_of(client, START)
    assert client.post(START, data={"csrf": token, **TEAM, "holiday_country": "es-md"}).status_code == 303
    assert _stored(runtime)[0][0][4] == "ES-MD"


def test_oversized_fields_are_refused_and_store_nothing(runtime):
    client, _ = _client(runtime)
    token = csrf_of(client, START)
    huge = {key: "x" * 7000 for key in TEAM if key != "default"}
    answer = client.post(START, data={"csrf": token, **huge})
    assert answer.status_code == 422  # each field refused by its length before any check quotes it back
    errors = field_messages(answer.text)
    assert errors["touchpoints"].startswith("at most") and errors["timezone"] == "at most 64 characters"
    assert _stored(runtime)[0] == []
    assert client.post(START, data={"csrf": token, **TEAM}).status_code == 303
    agents = f"{START}/Logistics/agents"
    assert client.post(agents, data={"csrf": token, "name": "x" * 501, "email": "m@x.es"}).status_code == 422
    assert client.post(agents, data={"csrf": token, "name": "x" * 101, "email": "m@x.es"}).status_code == 422
    step = f"{START}/Logistics/integration"
    assert client.post(step, data={"csrf": token, "name": "a" * 65, "kind": "typeform"}).status_code == 422
    assert _stored(runtime)[1:] == ([], [])
