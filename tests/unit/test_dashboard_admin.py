"""The admin section's routing page over HTTP: a save with a mistake names its line and changes nothing, a good
one is what the CLI then shows, the "try it" box answers without storing, and every form is guarded."""

import html
import re
from datetime import UTC, datetime

from click.testing import CliRunner
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.cli import main
from npsloop.domain.access import Role
from npsloop.ingest.rules_yaml import dump_rules
from npsloop.services import tokens
from npsloop.services.routing import current_rules, load_routing_yaml
from tests.conftest import drain, ingest, seed_team
from tests.support.dashboard import csrf_of, csrf_value, logged_in
from tests.unit.test_cli import cli  # noqa: F401 - the CLI on its own database, as an operator runs it

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)
GOOD = """\
rules:
  - name: invoices
    match: {touchpoint: invoice}
    team: Billing
    priority: high
  - name: everything else
    team: Logistics
"""
# Line 8 holds a priority nobody knows: the error names that line.
BAD = GOOD + "    priority: hgih\n"


def _world(rt):
    seed_team(rt)
    seed_team(rt, name="Billing", touchpoints=("invoice",), default=False, agents=(("Bea", None, "b@x.es", "es"),))
    load_routing_yaml(uow=rt.uow(), text=GOOD, now=NOW)


def _state(rt):
    with rt.uow() as uow:
        return dump_rules(current_rules(uow=rt.uow())), uow.routing.version()


def test_a_save_with_a_mistake_names_its_line_beside_the_editor_and_changes_nothing(runtime):
    _world(runtime)
    before = _state(runtime)
    client = logged_in(runtime)
    page = client.get("/ui/admin/routing")
    assert page.status_code == 200 and "name: invoices" in page.text
    refused = client.post("/ui/admin/routing", data={"csrf": csrf_value(page.text), "rules": BAD, "sample": "{}"})
    assert refused.status_code == 422
    error = re.search(r'<div class="field-error" id="rules-error" role="alert">(.*?)</div>', refused.text, re.S)
    assert error and "<strong>Line 8</strong>" in error.group(1) and "priority must be one of" in error.group(1)
    assert '<span class="here">   8 |     priority: hgih</span>' in error.group(1)
    assert "   6 |   - name: everything else" in error.group(1)  # the whole rule is shown around it
    assert 'aria-describedby="rules-help rules-error" aria-invalid="true"' in refused.text
    assert "priority: hgih" in refused.text  # what was typed stays in the editor, to be fixed
    assert _state(runtime) == before  # the rules, and the version processes read them by, unchanged


def test_a_good_save_replaces_the_rules_and_moves_their_version(runtime):
    seed_team(runtime)
    seed_team(runtime, name="Billing", touchpoints=("invoice",), default=False, agents=())
    client = logged_in(runtime)
    version = _state(runtime)[1]
    page = client.get("/ui/admin/routing")
    assert "No rules are loaded" in page.text
    saved = client.post("/ui/admin/routing", data={"csrf": csrf_value(page.text), "rules": GOOD.replace("\n", "\r\n")})
    assert saved.status_code == 303 and saved.headers["location"] == "/ui/admin/routing?done=saved"
    assert _state(runtime)[1] == version + 1 and [r.name for r in current_rules(uow=runtime.uow())] == [
        "invoices",
        "everything else",
    ]
    assert "Rules saved" in client.get(saved.headers["location"]).text


def test_rules_saved_in_the_dashboard_are_those_npsloop_routing_show_prints(cli):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    cli("teams", "add", "Logistics", "--touchpoint", "delivery", "--default")
    cli("teams", "add", "Billing", "--touchpoint", "invoice")
    rt = get_runtime()
    secret = tokens.create_token(uow=rt.uow(), name="root", role=Role.ADMIN, now=rt.clock()).secret
    client = logged_in(rt, secret)
    page = client.get("/ui/admin/routing")
    assert client.post("/ui/admin/routing", data={"csrf": csrf_value(page.text), "rules": GOOD}).status_code == 303
    shown = CliRunner().invoke(main, ["routing", "show"], catch_exceptions=False).output
    assert "name: invoices" in shown and "team: Billing" in shown and "priority: high" in shown


def test_a_form_without_the_csrf_value_is_refused(runtime):
    _world(runtime)
    before = _state(runtime)
    client = logged_in(runtime)
    for path in ("/ui/admin/routing", "/ui/admin/routing/try"):
        for csrf in ("", "0" * 32):
            answer = client.post(path, data={"csrf": csrf, "rules": "rules:\n  - name: all\n    team: Billing\n"})
            assert answer.status_code == 403, path
    assert _state(runtime) == before
    anonymous = TestClient(create_app(runtime), follow_redirects=False)
    assert anonymous.post("/ui/admin/routing", data={"rules": GOOD}).status_code == 401
    assert anonymous.get("/ui/admin/routing").headers["location"] == "/ui/login?next=/ui/admin/routing"


def test_an_agent_sees_none_of_it_and_a_supervisor_tries_but_cannot_save(runtime):
    _world(runtime)
    now = runtime.clock()
    agent = tokens.create_token(uow=runtime.uow(), name="m", role=Role.AGENT, agent="Marta", now=now).secret
    supervisor = tokens.create_token(uow=runtime.uow(), name="s", role=Role.SUPERVISOR, now=now).secret
    marta = logged_in(runtime, agent)
    queue = marta.get("/ui/cases").text
    assert "/ui/admin" not in queue
    assert marta.get("/ui/admin/routing").status_code == 403
    assert marta.get("/ui/admin").status_code == 403
    token = csrf_value(queue)
    assert marta.post("/ui/admin/routing", data={"csrf": token, "rules": GOOD}).status_code == 403
    assert marta.post("/ui/admin/routing/try", data={"csrf": token, "sample": '{"score": 1}'}).status_code == 403

    sofia = logged_in(runtime, supervisor)
    page = sofia.get("/ui/admin/routing").text
    assert 'href="/ui/admin/routing">Administration' in sofia.get("/ui/cases").text
    assert "readonly" in page and "save-rules" not in page and "Only an administrator" in page
    before = _state(runtime)
    assert sofia.post("/ui/admin/routing", data={"csrf": csrf_value(page), "rules": BAD}).status_code == 403
    # a supervisor tries the rules in force, whatever the editor sent
    tried = sofia.post(
        "/ui/admin/routing/try",
        data={"csrf": csrf_value(page), "rules": "rules:\n  - name: x\n    team: Billing\n", "sample": '{"score": 2}'},
    )
    assert tried.status_code == 200 and "Tried on the rules in force" in tried.text
    assert re.search(r'id="preview-rule">everything else<', tried.text)
    assert _state(runtime) == before


def test_trying_a_sample_on_the_editors_rules_stores_nothing(runtime):
    _world(runtime)
    before = _state(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/routing")
    edited = GOOD.replace("priority: high", "priority: urgent")
    tried = client.post(
        "/ui/admin/routing/try",
        data={"csrf": token, "rules": edited, "sample": '{"score": 4, "touchpoint": "invoice"}'},
    )
    assert tried.status_code == 200
    assert re.search(r'id="preview-rule">invoices<', tried.text) and re.search(
        r'id="preview-team">Billing<', tried.text
    )
    assert re.search(r'id="preview-priority">urgent<', tried.text)
    assert "Yes: a case would open." in tried.text
    assert "priority: urgent" in tried.text  # the editor keeps the unsaved text
    assert _state(runtime) == before
    with runtime.uow() as uow:
        assert uow.cases.open_for_customer("preview:preview") is None
    mistake = client.post("/ui/admin/routing/try", data={"csrf": token, "rules": BAD, "sample": '{"score": 4}'})
    assert (
        mistake.status_code == 422 and "<strong>Line 8</strong>" in mistake.text and "Nothing was saved" in mistake.text
    )


def test_an_oversized_or_broken_sample_is_an_error_beside_its_field(runtime):
    _world(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/routing")
    big = '{"score": 1, "comment": "' + "x" * 20_000 + '"}'
    answer = client.post("/ui/admin/routing/try", data={"csrf": token, "rules": GOOD, "sample": big})
    assert answer.status_code == 422
    assert re.search(
        r'<p class="field-error" id="sample-error" role="alert">the sample is longer than 20,000', answer.text
    )
    assert 'aria-describedby="sample-help sample-error" aria-invalid="true"' in answer.text
    broken = client.post("/ui/admin/routing/try", data={"csrf": token, "rules": GOOD, "sample": '{"score": 11}'})
    assert broken.status_code == 422 and "score: Input should be less than or equal to 10" in broken.text


def test_a_supervisor_of_one_team_is_told_a_sample_belongs_to_another(runtime):
    _world(runtime)
    secret = tokens.create_token(
        uow=runtime.uow(), name="bea", role=Role.SUPERVISOR, agent="Bea", now=runtime.clock()
    ).secret
    client = logged_in(runtime, secret)
    token = csrf_of(client, "/ui/admin/routing")
    own = client.post("/ui/admin/routing/try", data={"csrf": token, "sample": '{"score": 2, "touchpoint": "invoice"}'})
    assert own.status_code == 200 and re.search(r'id="preview-team">Billing<', own.text)
    ingest(runtime, touchpoint="delivery", score=1)  # a case of Logistics: not offered to start a sample from
    drain(runtime)
    assert 'form="pick-recent"' not in client.get("/ui/admin/routing").text
    ingest(runtime, touchpoint="invoice", score=1)  # one of Billing's: offered
    drain(runtime)
    assert '<option value="2">#2 · 1 · invoice</option>' in client.get("/ui/admin/routing").text
    other = client.post(
        "/ui/admin/routing/try", data={"csrf": token, "sample": '{"score": 2, "touchpoint": "delivery"}'}
    )
    assert other.status_code == 422 and "a team you do not supervise" in other.text
    assert "preview-team" not in other.text


def test_markup_in_rule_names_and_samples_is_shown_as_text(runtime):
    _world(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/routing")
    hostile = GOOD.replace("name: invoices", 'name: "<script>alert(1)</script>"')
    assert client.post("/ui/admin/routing", data={"csrf": token, "rules": hostile}).status_code == 303
    page = client.get("/ui/admin/routing").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    sample = '{"score": 2, "touchpoint": "invoice", "comment": "</textarea><img src=x onerror=alert(1)>"}'
    tried = client.post("/ui/admin/routing/try", data={"csrf": token, "rules": hostile, "sample": sample})
    assert tried.status_code == 200
    assert "<script>" not in tried.text and "</textarea><img" not in tried.text
    assert re.search(r'id="preview-rule">&lt;script&gt;alert\(1\)&lt;/script&gt;<', tried.text)
    bad_name = hostile.replace("priority: high", "priority: <b>loud</b>")
    refused = client.post("/ui/admin/routing", data={"csrf": token, "rules": bad_name})
    assert (
        refused.status_code == 422 and "<b>loud</b>" not in refused.text and "&lt;b&gt;loud&lt;/b&gt;" in refused.text
    )


def test_the_routing_page_speaks_spanish(runtime):
    _world(runtime)
    client = logged_in(runtime)
    page = client.get("/ui/admin/routing?lang=es").text
    assert "Reglas de enrutamiento" in page and "Guardar reglas" in page and "Pruébalo" in page
    refused = client.post("/ui/admin/routing", data={"csrf": csrf_value(page), "rules": BAD})
    assert "<strong>Línea 8</strong>" in refused.text and "No se guardó nada." in refused.text


def test_the_page_carries_the_dashboards_content_security_policy(runtime):
    _world(runtime)
    page = logged_in(runtime).get("/ui/admin/routing")
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text and " style=" not in page.text


def test_a_sample_starts_from_an_open_cases_response_without_its_personal_data(runtime):
    _world(runtime)
    ingest(runtime, touchpoint="invoice", score=2, customer={"id": "c-77", "name": "Ana", "phone": "+34600111222"})
    drain(runtime)
    client = logged_in(runtime)
    page = client.get("/ui/admin/routing").text
    assert '<option value="1">#1 · 2 · invoice</option>' in page and 'form="pick-recent"' in page
    picked = client.get("/ui/admin/routing?case=1")
    assert picked.status_code == 200
    sample = re.search(r'<textarea id="sample"[^>]*>(.*?)</textarea>', picked.text, re.S).group(1)
    assert "&#34;customer&#34;: {\n    &#34;id&#34;: &#34;c-77&#34;" in sample and "Ana" not in sample
    assert "+34600111222" not in sample
    token = csrf_value(picked.text)
    tried = client.post("/ui/admin/routing/try", data={"csrf": token, "sample": html.unescape(sample)})
    assert tried.status_code == 200 and "it would join the customer&#39;s open case" in tried.text
    assert 'href="/ui/cases/1">#1</a>' in tried.text
    assert client.get("/ui/admin/routing?case=999").status_code == 404
    assert client.get("/ui/admin/routing?case=0").status_code == 422


def test_the_language_switch_of_a_page_answering_a_form_leads_to_a_page_not_a_405(runtime):
    _world(runtime)
    client = logged_in(runtime)
    page = client.get("/ui/admin/routing")
    assert 'href="?lang=es"' in page.text  # a page of its own: the switch stays on it
    tried = client.post(
        "/ui/admin/routing/try", data={"csrf": csrf_value(page.text), "rules": GOOD, "sample": '{"score": 4}'}
    )
    switch = html.unescape(re.search(r'<a href="([^"]+)" hreflang="es"', tried.text).group(1))
    assert switch == "/ui/cases?lang=es"
    followed = client.get(switch)
    assert followed.status_code == 200 and 'lang="es"' in followed.text
