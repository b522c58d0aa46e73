"""The admin section's agents pages over HTTP: adding an agent (a national number read in the country chosen beside
it), their details, channels, hours and duty saved by the services the CLI and the API call, each mistake beside
its field in the CLI's words with nothing stored; off duty or deactivated, the next alert skips them; their latest
alerts listed; admins manage everything, a supervisor their teams' agents' duty, agents nothing."""

from datetime import timedelta

from npsloop.domain.access import Role
from npsloop.services import directory, tokens
from tests.conftest import drain, ingest, seed_team
from tests.support.dashboard import csrf_of, csrf_value, field_errors, logged_in
from tests.unit.test_cli import cli  # noqa: F401 - the CLI on its own database, as an operator runs it

NEW = {"name": "Lucía", "team": "Logistics", "phone": "611 222 444", "country": "ES", "email": "lucia@example.es"}
NEW |= {"language": "es", "role": "agent", "channel_1": "whatsapp", "channel_2": "email", "hours": "", "on_call": ""}


def _agent(rt, name):
    return next((agent for agent, _ in directory.list_agents(uow=rt.uow()) if agent.name == name), None)


def _recipients(rt, case_id):
    with rt.uow() as uow:
        names = {a.id: a.name for a in uow.directory.agents()}
        return sorted({names[n.agent_id] for n in uow.notifications.for_case(case_id)})


def _case_of(rt, response_id):
    """The case a response opened, once a worker has processed it."""
    drain(rt)
    with rt.uow() as uow:
        case_id = uow.responses.get(response_id).case_id
        assert case_id is not None
        return case_id


def _token(rt, role, agent=None, name=None):
    return tokens.create_token(
        uow=rt.uow(), name=name or f"t-{role.value}-{agent}", role=role, agent=agent, now=rt.clock()
    ).secret


def test_an_admin_adds_an_agent_whose_national_number_is_read_in_the_country_beside_it(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/agents")
    added = client.post("/ui/admin/agents", data={"csrf": token, **NEW})
    assert added.status_code == 303 and added.headers["location"] == "/ui/admin/agents/Luc%C3%ADa?done=added"
    lucia = _agent(runtime, "Lucía")
    assert (lucia.phone, lucia.email, lucia.language, lucia.role) == ("+34611222444", "lucia@example.es", "es", "agent")
    assert lucia.channel_order == ["whatsapp", "email"] and lucia.active
    own = client.get(added.headers["location"]).text
    assert "+34611222444" in own and "lucia@example.es" in own  # the admin sees the contact on the agent's page
    listed = client.get("/ui/admin/agents").text
    assert "+34611222444" not in listed and "+34*******44" in listed
    assert "lucia@example.es" not in listed and "l***@example.es" in listed
    assert "marta@example.es" not in listed and "m***@example.es" in listed


def test_a_bad_phone_is_said_beside_it_in_the_clis_words_and_nothing_is_stored(cli):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    cli("teams", "add", "Logistics", "--touchpoint", "delivery", "--default")
    said = cli("agents", "add", "Lucía", "--team", "Logistics", "--phone", "600123", ok=False)
    rt = get_runtime()
    client = logged_in(rt, _token(rt, Role.ADMIN, name="root"))
    token = csrf_of(client, "/ui/admin/agents")
    national = client.post("/ui/admin/agents", data={"csrf": token, **NEW, "phone": "600123", "country": ""})
    assert national.status_code == 422
    shown = field_errors(national.text)["phone"]
    assert shown == "phone must be in E.164 form, like +34600123456" and shown in said
    assert 'value="600123"' in national.text and 'value="lucia@example.es"' in national.text  # kept, to be fixed
    short = client.post("/ui/admin/agents", data={"csrf": token, **NEW, "phone": "123", "country": "CO"})
    assert field_errors(short.text)["phone"] == "phone is not a valid number for its country code"
    said = cli("agents", "add", "Lucía", "--team", "Logistics", "--phone", "+57123", ok=False)
    assert "phone is not a valid number for its country code" in said
    nothing = client.post(
        "/ui/admin/agents", data={"csrf": token, **NEW, "phone": "", "email": "", "channel_1": "", "channel_2": ""}
    )
    assert field_errors(nothing.text)["phone"] == "give the agent a phone or an email, or they cannot be alerted"
    assert directory.list_agents(uow=rt.uow()) == []


def test_each_mistake_in_an_added_agent_is_beside_its_field(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/agents")
    bad = {**NEW, "team": "Nowhere", "email": "not-an-address", "hours": "mon-fri 9-5", "role": "boss"}
    answer = client.post("/ui/admin/agents", data={"csrf": token, **bad, "channel_2": "whatsapp"})
    errors = field_errors(answer.text)
    assert answer.status_code == 422
    assert errors["email"] == "not an email address"
    assert errors["hours"].startswith("cannot read")
    assert "role" in errors
    assert _agent(runtime, "Lucía") is None
    taken = client.post("/ui/admin/agents", data={"csrf": token, **NEW, "name": "Marta"})
    assert field_errors(taken.text)["name"] == "an agent named &#39;Marta&#39; exists"
    nowhere = client.post("/ui/admin/agents", data={"csrf": token, **NEW, "team": "Nowhere"})
    assert "Nowhere" in field_errors(nowhere.text)["team"]
    twice = client.post("/ui/admin/agents", data={"csrf": token, **NEW, "channel_2": "whatsapp"})
    assert field_errors(twice.text)["channel_1"] == "each channel may be listed once"
    long = client.post("/ui/admin/agents", data={"csrf": token, **NEW, "email": "a" * 5000})
    assert field_errors(long.text)["email"] == "at most 254 characters" and "a" * 300 not in long.text
    assert _agent(runtime, "Lucía") is None


def test_channels_with_a_rule_broken_are_refused_beside_them_and_a_good_order_is_saved(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/agents/Tom")
    needs = client.post("/ui/admin/agents/Tom/channels", data={"csrf": token, "channel_1": "whatsapp"})
    assert needs.status_code == 422 and field_errors(needs.text)["channel_1"] == "whatsapp needs a phone number"
    twice = client.post("/ui/admin/agents/Marta/channels", data={"csrf": token, "channel_1": "sms", "channel_2": "sms"})
    assert field_errors(twice.text)["channel_1"] == "each channel may be listed once"
    unknown = client.post("/ui/admin/agents/Marta/channels", data={"csrf": token, "channel_1": "pigeon"})
    assert field_errors(unknown.text)["channel_1"] == "&#39;pigeon&#39; is not a channel; use sms, email, whatsapp"
    assert _agent(runtime, "Tom").channel_order is None and _agent(runtime, "Marta").channel_order is None
    saved = client.post(
        "/ui/admin/agents/Marta/channels", data={"csrf": token, "channel_1": "whatsapp", "channel_2": "email"}
    )
    assert saved.status_code == 303 and _agent(runtime, "Marta").channel_order == ["whatsapp", "email"]
    page = client.get("/ui/admin/agents/Marta").text
    assert '<option value="whatsapp" selected>' in page
    back = client.post("/ui/admin/agents/Marta/channels", data={"csrf": token})
    assert back.status_code == 303 and _agent(runtime, "Marta").channel_order is None


def test_details_change_together_or_not_at_all(runtime):
    seed_team(runtime)
    seed_team(runtime, name="Billing", touchpoints=("invoice",), default=False, agents=())
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/agents/Marta")
    directory.set_channels(uow=runtime.uow(), agent="Marta", channels=["sms", "email"])
    details = {"team": "Billing", "phone": "", "country": "", "email": "marta@example.es", "language": "en"}
    lost = client.post("/ui/admin/agents/Marta", data={"csrf": token, **details, "role": "supervisor"})
    assert lost.status_code == 422 and field_errors(lost.text)["phone"] == "sms needs a phone number"
    marta = _agent(runtime, "Marta")
    assert (marta.phone, marta.role, marta.language) == ("+34611222333", "agent", "es")
    moved = client.post(
        "/ui/admin/agents/Marta",
        data={"csrf": token, **details, "phone": "310 555 0123", "country": "CO", "role": "supervisor"},
    )
    assert moved.status_code == 303, field_errors(moved.text)
    marta = _agent(runtime, "Marta")
    assert (marta.phone, marta.role, marta.language) == ("+573105550123", "supervisor", "en")
    assert [team for agent, team in directory.list_agents(uow=runtime.uow()) if agent.name == "Marta"] == ["Billing"]


def test_off_duty_until_a_day_the_next_alert_skips_them_and_back_on_duty_it_reaches_them(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    page = client.get("/ui/admin/agents/Marta").text
    token, today = csrf_value(page), runtime.clock().date()
    past = client.post("/ui/admin/agents/Marta/duty", data={"csrf": token, "off_until": today.isoformat()})
    assert past.status_code == 422 and field_errors(past.text)["off_until"].startswith("give a day after today")
    garbled = client.post("/ui/admin/agents/Marta/duty", data={"csrf": token, "off_until": "monday"})
    assert field_errors(garbled.text)["off_until"].startswith("cannot read date &#39;monday&#39;")
    assert _agent(runtime, "Marta").off_duty_until is None
    monday = (today + timedelta(days=3)).isoformat()
    off = client.post("/ui/admin/agents/Marta/duty", data={"csrf": token, "off_until": monday})
    assert off.status_code == 303
    assert _agent(runtime, "Marta").off_duty_until.date().isoformat() == monday  # the start of the day, UTC's zone
    assert f"Off duty until {monday}" in client.get("/ui/admin/agents").text
    case = _case_of(runtime, ingest(runtime))
    assert _recipients(runtime, case) == ["Tom"]  # the routing and sending a worker runs passed Marta by
    back = client.post("/ui/admin/agents/Marta/duty", data={"csrf": token, "back": "on"})
    assert back.status_code == 303 and _agent(runtime, "Marta").off_duty_until is None
    later = _case_of(runtime, ingest(runtime))
    assert _recipients(runtime, later) == ["Marta", "Tom"]


def test_a_deactivated_agent_is_alerted_of_nothing_until_reactivated(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/agents/Marta")
    assert client.post("/ui/admin/agents/Marta/active", data={"csrf": token}).status_code == 303
    assert not _agent(runtime, "Marta").active
    assert "Deactivated" in client.get("/ui/admin/agents").text
    case = _case_of(runtime, ingest(runtime))
    assert _recipients(runtime, case) == ["Tom"]
    again = client.post("/ui/admin/agents/Marta/active", data={"csrf": token, "active": "on"})
    assert again.status_code == 303 and _agent(runtime, "Marta").active


def test_hours_and_on_call_are_read_with_the_apis_words(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/agents/Marta")
    bad = client.post("/ui/admin/agents/Marta/hours", data={"csrf": token, "hours": "mon-fri 9-5", "on_call": "on"})
    assert bad.status_code == 422 and field_errors(bad.text)["hours"].startswith("cannot read")
    assert 'value="mon-fri 9-5"' in bad.text and _agent(runtime, "Marta").on_call is False
    good = client.post(
        "/ui/admin/agents/Marta/hours", data={"csrf": token, "hours": "mon-fri 09:00-13:00", "on_call": "on"}
    )
    assert good.status_code == 303
    marta = _agent(runtime, "Marta")
    assert marta.hours.startswith("mon 09:00-13:00") and marta.on_call
    assert client.post("/ui/admin/agents/Marta/hours", data={"csrf": token}).status_code == 303
    assert (_agent(runtime, "Marta").hours, _agent(runtime, "Marta").on_call) == (None, False)


def test_a_supervisor_sets_the_duty_of_their_teams_agents_only_and_never_their_phones(runtime):
    seed_team(runtime, agents=(("Marta", "+34611222333", "marta@example.es", "es"), ("Sara", None, "s@x.es", "es")))
    seed_team(runtime, name="Billing", touchpoints=("invoice",), default=False, agents=(("Bea", None, "b@x.es", "es"),))
    directory.add_agent(
        uow=runtime.uow(), name="Sol", team="Logistics", phone=None, email="sol@x.es", role="supervisor"
    )
    client = logged_in(runtime, _token(runtime, Role.SUPERVISOR, agent="Sol"))
    listed = client.get("/ui/admin/agents").text
    assert "Marta" in listed and "Bea" not in listed and 'id="add-agent"' not in listed
    page = client.get("/ui/admin/agents/Marta").text
    assert "+34611222333" not in page and "marta@example.es" not in page and 'id="details"' not in page
    token, monday = csrf_value(page), (runtime.clock().date() + timedelta(days=3)).isoformat()
    assert client.post("/ui/admin/agents/Marta/duty", data={"csrf": token, "off_until": monday}).status_code == 303
    assert client.post("/ui/admin/agents/Marta/hours", data={"csrf": token, "on_call": "on"}).status_code == 303
    assert _agent(runtime, "Marta").off_duty_until is not None and _agent(runtime, "Marta").on_call
    assert client.get("/ui/admin/agents/Bea").status_code == 403
    assert client.post("/ui/admin/agents/Bea/duty", data={"csrf": token, "off_until": monday}).status_code == 403
    assert client.post("/ui/admin/agents/Bea/hours", data={"csrf": token, "on_call": "on"}).status_code == 403
    details = {"team": "Logistics", "phone": "+34699000111", "email": "", "language": "es", "role": "agent"}
    assert client.post("/ui/admin/agents/Marta", data={"csrf": token, **details}).status_code == 403
    assert client.post("/ui/admin/agents/Marta/channels", data={"csrf": token, "channel_1": "sms"}).status_code == 403
    assert client.post("/ui/admin/agents/Marta/active", data={"csrf": token}).status_code == 403
    assert client.post("/ui/admin/agents", data={"csrf": token, **NEW}).status_code == 403
    bea, marta = _agent(runtime, "Bea"), _agent(runtime, "Marta")
    assert bea.off_duty_until is None and not bea.on_call and marta.phone == "+34611222333" and marta.active
    assert _agent(runtime, "Lucía") is None
    unbound = logged_in(runtime, _token(runtime, Role.SUPERVISOR, name="any-supervisor"))  # oversees every team
    assert unbound.post("/ui/admin/agents/Bea/hours", data={"csrf": token, "on_call": "on"}).status_code == 403
    token = csrf_of(unbound, "/ui/admin/agents/Bea")
    assert unbound.post("/ui/admin/agents/Bea/hours", data={"csrf": token, "on_call": "on"}).status_code == 303


def test_an_agent_sees_none_of_it_and_a_form_without_its_csrf_value_changes_nothing(runtime):
    seed_team(runtime)
    agent = logged_in(runtime, _token(runtime, Role.AGENT, agent="Marta"))
    token = csrf_of(agent, "/ui/cases")
    assert agent.get("/ui/admin/agents").status_code == 403
    assert agent.get("/ui/admin/agents/Marta").status_code == 403
    assert agent.post("/ui/admin/agents/Marta/duty", data={"csrf": token, "back": "on"}).status_code == 403
    assert agent.post("/ui/admin/agents/Marta/hours", data={"csrf": token, "on_call": "on"}).status_code == 403
    admin = logged_in(runtime)
    for csrf in ("", "f" * 32):
        assert admin.post("/ui/admin/agents", data={"csrf": csrf, **NEW}).status_code == 403
        assert admin.post("/ui/admin/agents/Marta/active", data={"csrf": csrf}).status_code == 403
        assert admin.post("/ui/admin/agents/Marta/hours", data={"csrf": csrf, "on_call": "on"}).status_code == 403
        monday = (runtime.clock().date() + timedelta(days=3)).isoformat()
        assert admin.post("/ui/admin/agents/Marta/duty", data={"csrf": csrf, "off_until": monday}).status_code == 403
    marta = _agent(runtime, "Marta")
    assert marta.active and marta.off_duty_until is None and not marta.on_call and _agent(runtime, "Lucía") is None
    assert admin.get("/ui/admin/agents/Nobody").status_code == 404
    token = csrf_of(admin, "/ui/admin/agents")
    assert admin.post("/ui/admin/agents/Nobody/duty", data={"csrf": token, "back": "on"}).status_code == 404
    assert admin.get("/ui/admin/agents/a%2Fb").status_code in (404, 422)


def test_markup_in_what_an_agent_is_given_shows_as_text(runtime):
    seed_team(runtime, agents=(("Marta", None, "<b>m</b>@example.es", "es"),))
    client = logged_in(runtime)
    listed = client.get("/ui/admin/agents").text
    assert "<b>m</b>" not in listed
    page = client.get("/ui/admin/agents/Marta").text
    assert "<b>m</b>" not in page and "&lt;b&gt;m&lt;/b&gt;@example.es" in page
    token = csrf_value(page)
    hostile = client.post("/ui/admin/agents", data={"csrf": token, **NEW, "name": "<script>x</script>"})
    assert hostile.status_code == 422 and "name" in field_errors(hostile.text)
    assert "<script>x" not in hostile.text and 'value="&lt;script&gt;x&lt;/script&gt;"' in hostile.text
    typed = client.post("/ui/admin/agents/Marta/hours", data={"csrf": token, "hours": "<img src=x>"})
    assert typed.status_code == 422 and "<img src=x>" not in typed.text


def test_an_agents_latest_alerts_are_listed_newest_first_with_how_each_went(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    assert "No alert has gone to this agent yet." in client.get("/ui/admin/agents/Marta").text
    first = _case_of(runtime, ingest(runtime))
    second = _case_of(runtime, ingest(runtime, touchpoint="delivery"))
    page = client.get("/ui/admin/agents/Marta").text
    table = page[page.index('id="alerts"') :]
    assert table.index(f'href="/ui/cases/{second}"') < table.index(f'href="/ui/cases/{first}"')
    assert "<td>SMS</td>" in table and "<td>Email</td>" in table and "sent" in table
    with runtime.uow() as uow:
        marta = uow.directory.agent_named("Marta")
        assert [n.case_id for n in uow.notifications.recent_for_agent(marta.id, 1)] == [second]


def test_the_agents_pages_speak_spanish(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    page = client.get("/ui/admin/agents/Marta?lang=es").text
    assert "Fuera de servicio hasta" in page and "Últimos avisos" in page and "Guardar los datos" in page
    assert "Añadir un agente" in client.get("/ui/admin/agents").text


def test_each_change_made_on_the_pages_is_on_the_audit_trail_under_whoever_made_it(runtime):
    from npsloop.domain.access import Principal
    from npsloop.domain.audit import AuditFilter, EntityKind
    from npsloop.services import audit

    seed_team(runtime)
    client = logged_in(runtime, _token(runtime, Role.ADMIN, name="Root"))
    token = csrf_of(client, "/ui/admin/agents")
    assert client.post("/ui/admin/agents", data={"csrf": token, **NEW}).status_code == 303
    details = {"team": "Logistics", "phone": "+34611222999", "email": "", "language": "en", "role": "head"}
    lost = client.post("/ui/admin/agents/Lucía", data={"csrf": token, **details})  # her email channel needs one
    assert lost.status_code == 422 and field_errors(lost.text)["email"] == "email needs an email address"
    directory.set_channels(uow=runtime.uow(), agent="Lucía", channels=None)
    assert client.post("/ui/admin/agents/Lucía", data={"csrf": token, **details}).status_code == 303
    monday = (runtime.clock().date() + timedelta(days=3)).isoformat()
    assert client.post("/ui/admin/agents/Lucía/duty", data={"csrf": token, "off_until": monday}).status_code == 303
    assert client.post("/ui/admin/agents/Lucía/active", data={"csrf": token}).status_code == 303
    admin = Principal(name="auditor", role=Role.ADMIN)
    where = AuditFilter(kind=EntityKind.AGENT, actor="Root")
    entries = audit.list_audit(uow=runtime.uow(), viewer=admin, where=where).entries
    assert [e.action for e in reversed(entries)] == ["add", "edit", "duty", "deactivate"]
    edit = next(e for e in entries if e.action == "edit")
    assert edit.before["role"] == "agent" and edit.after["role"] == "head"
    assert edit.after["phone"] == "+34*******99" and "+34611222999" not in str(edit.after)  # masked, as logs mask


def test_a_refused_phone_is_not_said_again_as_a_channel_without_a_phone(runtime):
    seed_team(runtime)
    client = logged_in(runtime)
    token = csrf_of(client, "/ui/admin/agents")
    answer = client.post("/ui/admin/agents", data={"csrf": token, **NEW, "phone": "600123", "country": ""})
    errors = field_errors(answer.text)
    assert errors["phone"] == "phone must be in E.164 form, like +34600123456" and "channel_1" not in errors
    no_email = client.post("/ui/admin/agents", data={"csrf": token, **NEW, "email": ""})
    assert field_errors(no_email.text) == {"channel_1": "email needs an email address"}


def test_an_alert_waiting_for_the_agents_hours_is_shown_as_such(runtime):
    from npsloop.services import agent_hours

    seed_team(runtime)
    later = runtime.clock() + timedelta(days=2)  # a weekday that is not today: now is outside those hours
    hours = f"{('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')[later.weekday()]} 09:00-10:00"
    agent_hours.set_hours(uow=runtime.uow(), agent="Marta", hours=hours, now=runtime.clock())
    case = _case_of(runtime, ingest(runtime))
    page = logged_in(runtime).get("/ui/admin/agents/Marta?lang=es").text
    table = page[page.index('id="alerts"') :]
    assert f'href="/ui/cases/{case}"' in table and table.count("esperando su horario") == 2
    assert "caso nuevo" in table
