"""The admin section's teams pages over HTTP: a team's touchpoints, schedule, SLA and escalation saved together
by the directory service, each mistake beside its field in the words the CLI prints, nothing changed by a form
with one; adding a team; admins only, and every form guarded by the CSRF value."""

from click.testing import CliRunner

from npsloop.cli import main
from npsloop.domain.access import Role
from npsloop.services import directory, tokens
from npsloop.services.audit_states import team_state
from tests.conftest import seed_team
from tests.support.dashboard import csrf_of, csrf_value, field_errors, logged_in
from tests.unit.test_cli import cli  # noqa: F401 - the CLI on its own database, as an operator runs it

GOOD = {
    "touchpoints": "delivery, returns",
    "default": "on",
    "timezone": "Europe/Madrid",
    "hours": "mon-fri 09:00-17:00",
    "holiday_country": "ES-MD",
    "extra_holidays": "2026-12-24\r\n2026-12-31",
    "after_hours": "contact",
    "after_hours_contact": "Tom",
    "sla_urgent_acknowledge": "5m",
    "sla_urgent_contact": "1h",
    "sla_normal_close": "2d",
    "escalation": "0m team\r\n30m supervisors sms,email\r\n1h agent:Marta whatsapp",
}


def _team(rt, name="Logistics"):
    return next(team_state(t) for t in directory.list_teams(uow=rt.uow()) if t.name == name)


def test_a_good_save_changes_the_whole_team_at_once(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/teams/Logistics")
    saved = client.post("/ui/admin/teams/Logistics", data={"csrf": token, **GOOD})
    assert saved.status_code == 303 and saved.headers["location"] == "/ui/admin/teams/Logistics?done=saved"
    team = _team(runtime)
    assert team["touchpoints"] == ["delivery", "returns"] and team["default"] is True
    assert (team["timezone"], team["holiday_country"]) == ("Europe/Madrid", "ES-MD")
    assert team["hours"].startswith("mon 09:00-17:00, tue 09:00-17:00")
    assert team["extra_holidays"] == ["2026-12-24", "2026-12-31"] and team["after_hours"] == "contact"
    assert team["sla"] == {"urgent": {"acknowledge": "5m", "contact": "1h"}, "normal": {"close": "2d"}}
    assert [s["notify"] for s in team["escalation"]] == ["team", "supervisors", "agent:Marta"]
    page = client.get(saved.headers["location"]).text
    assert 'value="5m"' in page and "30m supervisors sms,email" in page and '<option value="Tom" selected>' in page


def test_each_mistake_is_said_beside_its_field_and_nothing_changes(runtime):
    seed_team(runtime)
    before = _team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/teams/Logistics")
    bad = {
        **GOOD,
        "timezone": "Mars/Olympus",
        "hours": "mon-fri 9-5",
        "holiday_country": "XX",
        "extra_holidays": "2026-12-24\n24/12/2026",
        "sla_urgent_acknowledge": "5 minutes",
        "escalation": "0m team\n30m everybody",
    }
    answer = client.post("/ui/admin/teams/Logistics", data={"csrf": token, **bad})
    assert answer.status_code == 422
    errors = field_errors(answer.text)
    assert errors["timezone"] == "unknown time zone &#39;Mars/Olympus&#39;"
    assert errors["hours"].startswith("cannot read business hours &#39;mon-fri 9-5&#39;")
    assert errors["holiday_country"].startswith("unknown holiday calendar &#39;XX&#39;")
    assert errors["extra_holidays"].startswith("cannot read date &#39;24/12/2026&#39;")
    assert errors["sla_urgent_acknowledge"].startswith("cannot read duration &#39;5 minutes&#39;")
    assert errors["escalation"].startswith("line 2: step &#39;30m everybody&#39;: notify team, supervisors, heads")
    assert 'aria-describedby="hours-help hours-error" aria-invalid="true"' in answer.text
    assert 'value="mon-fri 9-5"' in answer.text  # what was typed stays, to be fixed
    assert _team(runtime) == before


def test_the_page_says_what_the_cli_says(cli):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    cli("teams", "add", "Logistics", "--touchpoint", "delivery", "--default")
    said = cli("teams", "schedule", "Logistics", "--hours", "mon-fri 9-5", ok=False)
    rt = get_runtime()
    secret = tokens.create_token(uow=rt.uow(), name="root", role=Role.ADMIN, now=rt.clock()).secret
    client = logged_in(rt, secret)
    token = csrf_of(client, "/ui/admin/teams/Logistics")
    answer = client.post("/ui/admin/teams/Logistics", data={"csrf": token, **GOOD, "hours": "mon-fri 9-5"})
    shown = field_errors(answer.text)["hours"].replace("&#39;", "'")
    assert shown in said
    own = {"after_hours": "queue", "after_hours_contact": "", "escalation": "0m team"}  # this database has no agents
    saved = client.post("/ui/admin/teams/Logistics", data={"csrf": token, **GOOD, **own})
    assert saved.status_code == 303, field_errors(saved.text)
    listed = CliRunner().invoke(main, ["teams", "list"], catch_exceptions=False).output
    assert "Logistics (default)" in listed and "returns" in listed


def test_what_only_the_whole_form_says_is_said_above_it(runtime):
    seed_team(runtime)
    seed_team(runtime, name="Billing", touchpoints=("invoice",), default=False, agents=(("Bea", None, "b@x.es", "es"),))
    before = _team(runtime), _team(runtime, "Billing")
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/teams/Logistics")
    taken = client.post("/ui/admin/teams/Logistics", data={"csrf": token, **GOOD, "touchpoints": "delivery, Invoice"})
    assert taken.status_code == 422
    assert (
        field_errors(taken.text)["touchpoints"]
        == "touchpoint &#39;invoice&#39; already belongs to team &#39;Billing&#39;"
    )
    nobody = client.post(
        "/ui/admin/teams/Logistics",
        data={"csrf": token, **GOOD, "escalation": "0m agent:Nobody", "after_hours": "queue"},
    )
    assert field_errors(nobody.text)["escalation"] == "escalation step names no agent &#39;Nobody&#39;"
    alone = client.post("/ui/admin/teams/Logistics", data={"csrf": token, **GOOD, "after_hours_contact": ""})
    assert alone.status_code == 422
    assert '<div class="error" role="alert">the contact policy needs an after-hours agent' in alone.text
    assert (_team(runtime), _team(runtime, "Billing")) == before


def test_an_admin_adds_a_team_and_is_told_of_a_taken_name_or_touchpoint(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    page = client.get("/ui/admin/teams").text
    token = csrf_value(page)
    added = client.post(
        "/ui/admin/teams", data={"csrf": token, "name": "Billing Team", "touchpoints": "invoice, refund"}
    )
    assert added.status_code == 303 and added.headers["location"] == "/ui/admin/teams/Billing%20Team?done=added"
    assert _team(runtime, "Billing Team")["touchpoints"] == ["invoice", "refund"]
    assert client.get(added.headers["location"]).status_code == 200
    again = client.post("/ui/admin/teams", data={"csrf": token, "name": "Billing Team"})
    assert again.status_code == 422 and field_errors(again.text)["name"] == "a team named &#39;Billing Team&#39; exists"
    taken = client.post("/ui/admin/teams", data={"csrf": token, "name": "Other", "touchpoints": "delivery"})
    assert "already belongs to team &#39;Logistics&#39;" in field_errors(taken.text)["touchpoints"]
    hostile = client.post("/ui/admin/teams", data={"csrf": token, "name": "<script>x</script>"})
    assert hostile.status_code == 422 and "letters, digits" in field_errors(hostile.text)["name"]
    assert "<script>x" not in hostile.text and 'value="&lt;script&gt;x&lt;/script&gt;"' in hostile.text


def test_markup_in_touchpoints_shows_as_text(runtime):
    seed_team(runtime, touchpoints=("<b>store</b>",))
    client = logged_in(runtime)
    listed = client.get("/ui/admin/teams").text
    assert "<b>store</b>" not in listed and "&lt;b&gt;store&lt;/b&gt;" in listed
    token = csrf_value(listed)
    tried = client.post("/ui/admin/teams/Logistics", data={"csrf": token, **GOOD, "hours": "<img src=x>"})
    assert tried.status_code == 422 and "<img src=x>" not in tried.text


def test_only_an_admin_reaches_the_teams_pages_and_only_with_the_forms_csrf_value(runtime):
    seed_team(runtime)
    before = _team(runtime)
    now = runtime.clock()
    for role in (Role.SUPERVISOR, Role.AGENT):
        secret = tokens.create_token(
            uow=runtime.uow(), name=f"t-{role.value}", role=role, agent="Marta" if role is Role.AGENT else None, now=now
        ).secret
        client = logged_in(runtime, secret)
        token = csrf_of(client, "/ui/cases")
        assert client.get("/ui/admin/teams").status_code == 403
        assert client.get("/ui/admin/teams/Logistics").status_code == 403
        assert client.post("/ui/admin/teams/Logistics", data={"csrf": token, **GOOD}).status_code == 403
        assert client.post("/ui/admin/teams", data={"csrf": token, "name": "X"}).status_code == 403
    admin = logged_in(runtime)
    assert "/ui/admin/teams" in admin.get("/ui/admin/routing").text
    for csrf in ("", "f" * 32):
        assert admin.post("/ui/admin/teams/Logistics", data={"csrf": csrf, **GOOD}).status_code == 403
        assert admin.post("/ui/admin/teams", data={"csrf": csrf, "name": "X"}).status_code == 403
    assert _team(runtime) == before and len(directory.list_teams(uow=runtime.uow())) == 1
    assert admin.get("/ui/admin/teams/Nobody").status_code == 404
    assert admin.get("/ui/admin/teams/a%2Fb").status_code in (404, 422)


def test_the_teams_pages_speak_spanish(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    page = client.get("/ui/admin/teams/Logistics?lang=es").text
    assert "Zona horaria" in page and "Cadena de escalado" in page and "Guardar el equipo" in page
    assert "Añadir un equipo" in client.get("/ui/admin/teams").text


def test_the_recovery_follow_up_is_set_on_its_own_form_with_the_clis_words(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    page = client.get("/ui/admin/teams/Logistics").text
    assert 'name="policy" value="off" checked' in page
    token = csrf_value(page)
    refused = client.post(
        "/ui/admin/teams/Logistics/recovery", data={"csrf": token, "policy": "themes", "themes": ["no_such_theme"]}
    )
    assert refused.status_code == 422
    assert '<p class="field-error" id="recovery-error" role="alert">unknown recovery theme(s): no_such_theme' in (
        refused.text
    )
    assert _team(runtime)["recovery"] == "off"
    empty = client.post("/ui/admin/teams/Logistics/recovery", data={"csrf": token, "policy": "themes"})
    assert "needs at least one theme" in empty.text
    saved = client.post(
        "/ui/admin/teams/Logistics/recovery",
        data={"csrf": token, "policy": "themes", "themes": ["billing", "delivery"]},
    )
    assert saved.status_code == 303
    team = _team(runtime)
    assert (team["recovery"], team["recovery_themes"]) == ("themes", ["billing", "delivery"])
    shown = client.get(saved.headers["location"]).text
    assert 'name="policy" value="themes" checked' in shown and 'value="billing" checked' in shown
    assert client.post("/ui/admin/teams/Logistics/recovery", data={"policy": "ask"}).status_code == 403
