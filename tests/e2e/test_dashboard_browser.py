"""The dashboard in a real headless Chromium (the system's, driven by Playwright) against a uvicorn server on
PostgreSQL: log in, find the overdue case at the top, open it, acknowledge and close it with its reasons, read the
reports.
Screenshots land in test-artifacts/browser/ for a person to look at."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from npsloop.api.app import create_app
from npsloop.domain.access import Role
from npsloop.domain.theme_tags import Polarity, ThemeTag
from npsloop.services import targets, tokens
from npsloop.store import tables
from tests.conftest import at, drain, ingest, madrid_schedule, seed_team
from tests.support.browser import serious_violations as _serious
from tests.support.browser import tab_to as _tab_to
from tests.support.browser import work_when_queued as _work_when_queued
from tests.support.services import CHROMIUM

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
# As the machine's own probe starts it: no sandbox as root, and no background calls to a closed network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def site(pg_runtime) -> Iterator[tuple[str, str, datetime]]:
    rt = pg_runtime
    now = datetime.now(UTC).replace(microsecond=0)
    seed_team(rt)
    madrid_schedule(rt)
    rt.settings.report_timezone = "Europe/Madrid"
    at(rt, now - timedelta(hours=2))
    customer = {"id": "fresh", "name": "Bruno Fresco", "phone": "+34600111333"}
    ingest(rt, score=5, customer=customer, comment="Waited a week", responded_at=rt.clock().isoformat())
    drain(rt)
    at(rt, now - timedelta(days=3))
    customer = {"id": "late", "name": "Lucía Tardía", "phone": "+34600111444", "email": "lucia@example.es"}
    ingest(rt, score=1, customer=customer, comment="Nobody called me back", responded_at=rt.clock().isoformat())
    for months_ago, score in [(3, 10), (2, 9), (1, 8), (0, 7)]:  # history: no more cases
        ingest(rt, score=score, responded_at=(now - timedelta(days=30 * months_ago + 1)).isoformat())
    drain(rt)
    at(rt, now)
    targets.set_target(uow=rt.uow(), year=now.year, nps=30, team=None, actor="test", now=now)
    secret = tokens.create_token(uow=rt.uow(), name="Sofía", role=Role.SUPERVISOR, now=now).secret
    server = uvicorn.Server(uvicorn.Config(create_app(rt), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", secret, now
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser_page() -> Iterator[Page]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def test_a_supervisor_logs_in_closes_the_overdue_case_and_reads_the_reports(site, browser_page, pg_runtime):
    base, secret, now = site
    page = browser_page
    refused = []  # what the Content-Security-Policy blocked: nothing, as the pages use no script or inline style
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(f"{base}/ui/cases")
    expect(page).to_have_url(f"{base}/ui/login?next=/ui/cases")
    page.fill("input[name=token]", "npl_wrong")
    page.click("button[type=submit]")
    expect(page.locator("[role=alert]")).to_contain_text("not valid")
    page.fill("input[name=token]", secret)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/ui/cases")

    rows = page.locator("tr.case-row")
    expect(rows).to_have_count(2)
    first = rows.nth(0)
    expect(first).to_contain_text("Lucía Tardía")  # three days overdue: at the top
    expect(first.locator("td.overdue")).to_contain_text("overdue by")
    page.screenshot(path=ARTIFACTS / "1-queue.png", full_page=True)

    with pg_runtime.uow() as uow:  # what the tagger might have read in her comment, set by hand to be known
        for response in uow.responses.for_case(2):
            uow.tags.replace(response.id, [ThemeTag("communication", Polarity.NEGATIVE, 0.8)])
        uow.commit()
    first.locator("a").click()
    expect(page.locator("h1")).to_contain_text("open")
    expect(page.locator("#case-themes .tag.negative")).to_contain_text("Communication")
    expect(page.locator("blockquote")).to_have_text("Nobody called me back")
    expect(page.locator("a[href='tel:+34600111444']")).to_be_visible()
    page.click("button[value=acknowledge]")
    expect(page.locator("#case-status")).to_have_text("acknowledged")
    expect(page.locator("[role=status]")).to_have_text("Done")
    expect(page.locator("input[name=reasons][value=communication]")).to_be_checked()  # from her complaint
    page.check("input[name=reasons][value=wait_time]")  # the agent adds what the call taught her
    page.select_option("select[name=outcome]", "resolved")
    page.select_option("select[name=action_code]", "callback")
    page.fill("input[name=action_note]", "Called back, explained the delay")
    page.locator("form:has(button[value=close]) input[name=note]").fill("Called her, sent a refund")
    page.locator("#close-form").screenshot(path=ARTIFACTS / "2-close-with-reasons.png")
    page.click("button[value=close]")
    expect(page.locator("#case-status")).to_have_text("closed")
    expect(page.locator("#case-reasons")).to_contain_text("Reasons: Communication, Wait time")
    expect(page.locator("#case-reasons")).to_contain_text("Action taken: Callback")
    expect(page.locator("ol.timeline").first).to_contain_text("Called her, sent a refund")
    page.screenshot(path=ARTIFACTS / "2-case-closed.png", full_page=True)

    page.click("text=Reports")
    trend = page.locator("svg#nps-trend")
    expect(trend).to_be_visible()
    expect(trend.locator("line.target")).to_have_count(1)
    assert trend.locator("circle.point").count() >= 2
    expect(page.locator("svg#category-split rect.detractors").first).to_be_visible()
    this_year = [now - timedelta(days=3), now - timedelta(hours=2)]
    opened = sum(t.astimezone(ZoneInfo("Europe/Madrid")).year == now.year for t in this_year)
    expect(page.locator("#loop-opened")).to_have_text(str(opened))
    page.screenshot(path=ARTIFACTS / "3-reports.png", full_page=True)

    page.click("text=Español")
    expect(page.locator("h1")).to_contain_text("Informes")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{base}/ui/cases")
    expect(page.locator("h1")).to_contain_text("Casos abiertos")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the queue scrolls sideways on a phone ({width}px)"
    page.screenshot(path=ARTIFACTS / "4-queue-phone-es.png", full_page=True)
    assert page.evaluate("getComputedStyle(document.querySelector('header')).display") == "flex"  # the stylesheet
    assert refused == []

    page.click("form.logout button")  # a POST carrying the form's CSRF value
    expect(page).to_have_url(re.compile(r"/ui/login$"))
    page.goto(f"{base}/ui/cases")
    expect(page).to_have_url(f"{base}/ui/login?next=/ui/cases")

    with pg_runtime.uow() as uow:
        case = uow.cases.get(2)
        assert case.status == "closed" and case.outcome == "resolved"
        assert {e.actor for e in case.events if e.kind in ("acknowledged", "closed")} == {"Sofía"}
        assert uow.reasons.for_case(2) == ("communication", "wait_time") and case.action_code == "callback"


def test_the_why_page_draws_the_theme_pareto_nps_by_theme_and_trends(site, browser_page, pg_runtime):
    base, secret, _ = site
    page = browser_page
    with pg_runtime.uow() as uow:  # the themes the tagger might have read, set by hand so the charts are known
        for response_id, score in uow.session.execute(sa.select(tables.responses.c.id, tables.responses.c.score)):
            themes = [ThemeTag("wait_time", Polarity.NEGATIVE, 0.9)] if score <= 6 else []
            themes += [ThemeTag("staff_attitude", Polarity.POSITIVE, 0.8)] if score >= 9 else []
            uow.tags.replace(response_id, themes)
        uow.commit()
    page.goto(f"{base}/ui/login?next=/ui/why")
    page.fill("input[name=token]", secret)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/ui/why")
    expect(page.locator("svg#theme-pareto rect.bar")).to_have_count(1)
    expect(page.locator("#why-themes tr[data-theme=wait_time] td").nth(1)).to_have_text("2")
    expect(page.locator("svg#nps-by-theme rect.bar")).to_have_count(2)  # wait_time -100, staff_attitude +100
    expect(page.locator("svg#theme-trends polyline.trend")).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "5-why.png", full_page=True)
    page.click("text=Español")
    expect(page.locator("h1")).to_contain_text("Por qué")
    page.click("text=Revisión mensual")
    expect(page.locator("#review-nps tr")).to_have_count(3)  # the header, the company, Logistics
    page.screenshot(path=ARTIFACTS / "6-review-es.png", full_page=True)


ROUTING_MISTAKE = """\
rules:
  - name: unhappy deliveries
    match: {touchpoint: delivery, score: 0-4}
    team: Logistics
    priority: urgnet
  - name: everything else
    team: Logistics
"""


def test_an_admin_fixes_a_routing_rule_and_tries_a_sample_with_the_keyboard(site, browser_page, pg_runtime):
    base, _, now = site
    secret = tokens.create_token(uow=pg_runtime.uow(), name="Root", role=Role.ADMIN, now=now).secret
    with pg_runtime.uow() as uow:
        version = uow.routing.version()  # moved by the teams' changes too
    page = browser_page
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(f"{base}/ui/login?next=/ui/admin/routing")
    page.fill("input[name=token]", secret)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/ui/admin/routing")
    expect(page.locator("#rules-help")).to_contain_text("No rules are loaded")

    page.fill("#rules", ROUTING_MISTAKE)
    page.click("#save-rules")
    error = page.locator("#rules-error")
    expect(error).to_contain_text("Line 5")  # the line of the unknown priority
    expect(error).to_contain_text("priority must be one of low, normal, high, urgent")
    expect(error.locator(".here")).to_contain_text("priority: urgnet")
    expect(error).to_contain_text("- name: unhappy deliveries")  # the rule around it
    expect(page.locator("#rules")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#rules")).to_have_value(ROUTING_MISTAKE)  # kept, to be fixed
    page.screenshot(path=ARTIFACTS / "7-routing-error.png", full_page=True)
    assert _serious(page) == []
    with pg_runtime.uow() as uow:
        assert uow.routing.rules() == [] and uow.routing.version() == version  # nothing changed

    page.fill("#rules", ROUTING_MISTAKE.replace("urgnet", "urgent"))
    page.click("#save-rules")
    expect(page.locator("[role=status]")).to_contain_text("Rules saved")
    with pg_runtime.uow() as uow:
        assert [rule.name for rule in uow.routing.rules()] == ["unhappy deliveries", "everything else"]
    with pg_runtime.engine.connect() as db:
        cases_before = db.execute(sa.select(sa.func.count()).select_from(tables.cases)).scalar()

    # Keyboard only: from the page's top, Tab to the sample, type it, Tab to its button, Enter.
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "sample":
            break
    assert page.evaluate("document.activeElement.id") == "sample", "the sample box is not reachable by Tab"
    page.keyboard.press("Control+A")
    page.keyboard.type('{"score": 2, "touchpoint": "delivery", "comment": "Two weeks late"}')
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "try-sample"
    page.keyboard.press("Enter")
    expect(page.locator("#preview-rule")).to_have_text("unhappy deliveries")
    expect(page.locator("#preview-team")).to_have_text("Logistics")
    expect(page.locator("#preview-priority")).to_have_text("urgent")
    expect(page.locator("#preview-outcome")).to_have_text("Yes: a case would open.")
    page.locator("#try-it").screenshot(path=ARTIFACTS / "8-routing-try.png")
    assert _serious(page) == []
    with pg_runtime.engine.connect() as db:  # the sample opened nothing
        assert db.execute(sa.select(sa.func.count()).select_from(tables.cases)).scalar() == cases_before

    page.set_viewport_size({"width": 390, "height": 844})  # a phone, in Spanish
    page.goto(f"{base}/ui/admin/routing?lang=es")
    expect(page.locator("h1")).to_have_text("Reglas de enrutamiento")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the routing page scrolls sideways on a phone ({width}px)"
    page.screenshot(path=ARTIFACTS / "9-routing-phone-es.png", full_page=True)
    assert _serious(page) == []
    assert refused == []


def test_an_admin_sets_a_teams_hours_and_sla_fixing_a_mistake_beside_its_field(site, browser_page, pg_runtime):
    base, _, now = site
    secret = tokens.create_token(uow=pg_runtime.uow(), name="Root", role=Role.ADMIN, now=now).secret
    page = browser_page
    page.goto(f"{base}/ui/login?next=/ui/admin/teams")
    page.fill("input[name=token]", secret)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/ui/admin/teams")
    page.click("#teams a:text('Logistics')")
    expect(page.locator("h1")).to_have_text("Team: Logistics")
    page.fill("#hours", "mon-fri 9-5")
    page.fill("#sla_urgent_acknowledge", "5m")
    page.fill("#escalation", "0m team\n30m supervisors sms,email")
    page.click("#save-team")
    expect(page.locator("#hours-error")).to_contain_text("cannot read business hours 'mon-fri 9-5'")
    expect(page.locator("#hours")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sla_urgent_acknowledge")).to_have_value("5m")  # the rest of what was typed stays
    page.screenshot(path=ARTIFACTS / "10-team-error.png", full_page=True)
    assert _serious(page) == []
    with pg_runtime.uow() as uow:
        assert uow.directory.team_named("Logistics").sla == {}  # nothing saved
    page.fill("#hours", "mon-fri 08:00-16:00")
    page.click("#save-team")
    expect(page.locator("[role=status]")).to_have_text("Done")
    with pg_runtime.uow() as uow:
        team = uow.directory.team_named("Logistics")
        assert team.hours.startswith("mon 08:00-16:00") and team.sla == {"urgent": {"acknowledge": "5m"}}
        assert [step["notify"] for step in team.escalation] == ["team", "supervisors"]
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the team page scrolls sideways on a phone ({width}px)"
    page.screenshot(path=ARTIFACTS / "11-team-phone.png", full_page=True)
    assert _serious(page) == []


def test_an_admin_adds_an_agent_and_puts_one_off_duty_and_the_next_alert_skips_them(site, browser_page, pg_runtime):
    base, _, now = site
    secret = tokens.create_token(uow=pg_runtime.uow(), name="Root", role=Role.ADMIN, now=now).secret
    page = browser_page
    page.goto(f"{base}/ui/login?next=/ui/admin/agents")
    page.fill("input[name=token]", secret)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/ui/admin/agents")
    expect(page.locator("#agents")).to_contain_text("+34*******33")  # masked in the list
    page.fill("#name", "Lucía")
    page.fill("#phone", "600123")
    page.fill("#email", "lucia@example.es")
    page.select_option("#channel_1", "sms")
    page.click("#add-agent button[type=submit]")
    expect(page.locator("#phone-error")).to_have_text("phone must be in E.164 form, like +34600123456")
    expect(page.locator("#phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_have_value("lucia@example.es")  # the rest of what was typed stays
    page.screenshot(path=ARTIFACTS / "agents-1-phone-error.png", full_page=True)
    assert _serious(page) == []
    with pg_runtime.uow() as uow:
        assert uow.directory.agent_named("Lucía") is None  # nothing stored
    # Keyboard only from here: the number fixed, read as a Spanish one, and the form sent with Enter.
    page.locator("body").focus()
    _tab_to(page, "phone")
    page.keyboard.press("Control+A")
    page.keyboard.type("611 222 444")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "country"
    page.keyboard.type("ES")
    expect(page.locator("#country")).to_have_value("ES")
    _tab_to(page, "add-agent-submit")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Agents: Lucía")
    expect(page.locator("#agent-facts")).to_contain_text("+34611222444")

    page.goto(f"{base}/ui/admin/agents/Marta")
    monday = (now.astimezone(ZoneInfo("Europe/Madrid")).date() + timedelta(days=3)).isoformat()
    page.locator("body").focus()
    _tab_to(page, "off_until")  # the first field of the page: duty comes first
    page.fill("#off_until", monday)  # the date box's own order of day and month depends on the browser's build
    page.keyboard.press("Enter")
    expect(page.locator("#duty-state")).to_have_text(f"Off duty until {monday}")
    page.screenshot(path=ARTIFACTS / "agents-2-off-duty.png", full_page=True)
    assert _serious(page) == []

    response = ingest(pg_runtime, score=2, comment="The parcel never came")
    drain(pg_runtime)
    with pg_runtime.uow() as uow:
        case_id = uow.responses.get(response).case_id
        names = {a.id: a.name for a in uow.directory.agents()}
        alerted = {names[n.agent_id] for n in uow.notifications.for_case(case_id)}
    assert "Marta" not in alerted and {"Tom", "Lucía"} <= alerted  # the next alert passed her by
    page.goto(f"{base}/ui/admin/agents/Tom")
    expect(page.locator(f"#alerts a[href='/ui/cases/{case_id}']").first).to_be_visible()
    page.goto(f"{base}/ui/admin/agents/Marta")
    expect(page.locator(f"#alerts a[href='/ui/cases/{case_id}']")).to_have_count(0)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone, in Spanish
    page.goto(f"{base}/ui/admin/agents/Marta?lang=es")
    expect(page.locator("#duty-state")).to_have_text(f"Fuera de servicio hasta el {monday}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the agent's page scrolls sideways on a phone ({width}px)"
    page.screenshot(path=ARTIFACTS / "agents-3-phone-es.png", full_page=True)
    assert _serious(page) == []
    page.goto(f"{base}/ui/admin/agents")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the agents list scrolls sideways on a phone ({width}px)"
    assert _serious(page) == []


@pytest.fixture
def fresh_site(pg_runtime) -> Iterator[tuple[str, str]]:
    """A new installation: migrated, nothing in it but an admin's token."""
    rt = pg_runtime
    secret = tokens.create_token(uow=rt.uow(), name="Ana", role=Role.ADMIN, now=rt.clock()).secret
    server = uvicorn.Server(uvicorn.Config(create_app(rt), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", secret
    server.should_exit = True
    thread.join(timeout=10)


def test_an_admin_sets_up_a_fresh_installation_and_sees_the_test_response_arrive(fresh_site, browser_page, pg_runtime):
    base, secret = fresh_site
    page = browser_page
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(f"{base}/ui/cases")
    page.fill("input[name=token]", secret)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/ui/admin/onboarding")  # no team yet: the setup, not an empty queue
    expect(page.locator("h2")).to_have_text("Your first team")

    page.fill("#name", "Logistics")
    page.fill("#touchpoints", "delivery, returns")
    page.fill("#timezone", "Europe/Madrid")
    page.fill("#hours", "mon-fri 9-5")
    page.fill("#holiday_country", "ES-MD")
    page.click("#create-team")
    expect(page.locator("#hours-error")).to_contain_text("cannot read business hours 'mon-fri 9-5'")
    expect(page.locator("#hours")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#holiday_country")).to_have_value("ES-MD")  # the rest of what was typed stays
    page.screenshot(path=ARTIFACTS / "onboarding-1-team-error.png", full_page=True)
    assert _serious(page) == []
    with pg_runtime.uow() as uow:
        assert uow.directory.teams() == []  # nothing stored
    page.fill("#hours", "mon-fri 09:00-18:00")
    page.click("#create-team")

    expect(page).to_have_url(f"{base}/ui/admin/onboarding/Logistics/agents")
    page.locator("body").focus()  # the first agent with the keyboard alone
    _tab_to(page, "name")
    page.keyboard.type("Marta")
    page.keyboard.press("Tab")
    page.keyboard.type("+34611222333")
    page.keyboard.press("Tab")
    page.keyboard.type("marta@example.es")
    _tab_to(page, "add-agent")
    page.keyboard.press("Enter")
    expect(page.locator("[role=status]")).to_have_text("Agent added.")
    expect(page.locator("#onb-agents")).to_contain_text("Marta")
    assert _serious(page) == []
    page.click("#next-integration")

    expect(page.locator("h2")).to_have_text("Connect your survey tool")
    page.fill("#name", "nps-survey")
    page.check("#kind-typeform")
    page.select_option("#touchpoint", "delivery")
    assert _serious(page) == []
    page.click("#create-integration")
    expect(page.locator("h1")).to_have_text("Paste this into your survey tool")
    with pg_runtime.uow() as uow:
        stored = uow.integrations.named("nps-survey")
    expect(page.locator("#webhook-url")).to_have_value("http://127.0.0.1:8000/v1/integrations/typeform/nps-survey")
    expect(page.locator("#webhook-secret")).to_have_value(stored.secret)
    assert stored.secret not in page.url
    page.screenshot(path=ARTIFACTS / "onboarding-2-url-and-secret.png", full_page=True)
    assert _serious(page) == []

    worker = threading.Thread(target=_work_when_queued, args=(pg_runtime,), daemon=True)
    worker.start()  # the worker, as it runs beside the server: it takes the response once it is queued
    page.click("#send-test")
    shown = page.locator("#arrived, #waiting")
    expect(shown).to_have_count(1)
    if page.locator("#waiting").count():  # the worker was slower than the page's wait: check again, by keyboard
        page.screenshot(path=ARTIFACTS / "onboarding-3-waiting.png", full_page=True)
        assert _serious(page) == []
        worker.join(timeout=60)
        page.locator("#check-again").focus()
        page.keyboard.press("Enter")
    worker.join(timeout=60)
    expect(page.locator("#arrived")).to_contain_text("It arrived: case #")
    page.screenshot(path=ARTIFACTS / "onboarding-4-arrived.png", full_page=True)
    assert _serious(page) == []
    arrived = page.url
    page.click("#open-case")
    expect(page.locator("blockquote")).to_contain_text("A test response sent from npsloop's setup")
    with pg_runtime.uow() as uow:
        case = uow.cases.get(int(page.url.rsplit("/", 1)[1]))
        assert case is not None and case.team_id == uow.directory.team_named("Logistics").id

    page.set_viewport_size({"width": 390, "height": 844})  # a phone, in Spanish
    page.goto(f"{arrived}?lang=es")
    expect(page.locator("#arrived")).to_contain_text("Ha llegado: caso #")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the test response's page scrolls sideways on a phone ({width}px)"
    page.screenshot(path=ARTIFACTS / "onboarding-5-arrived-phone-es.png", full_page=True)
    assert _serious(page) == []
    page.goto(f"{base}/ui/admin/onboarding")
    expect(page).to_have_url(f"{base}/ui/cases")  # a team exists: the setup never shows again
    assert refused == []


def test_an_admin_rotates_an_integration_secret_and_the_old_one_works_through_the_grace(site, browser_page, pg_runtime):
    import json

    import httpx

    from npsloop.ingest.adapters import typeform
    from npsloop.services import integrations
    from tests.fixtures import survey_tools as docs

    base, _, now = site
    rt = pg_runtime
    old = integrations.add_integration(
        uow=rt.uow(), egress=rt.egress.policy, name="support-typeform", kind="typeform", config={}, now=now
    ).secret
    secret = tokens.create_token(uow=rt.uow(), name="Root", role=Role.ADMIN, now=now).secret
    page = browser_page
    page.goto(f"{base}/ui/login?next=/ui/admin/integrations")
    page.fill("input[name=token]", secret)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/ui/admin/integrations")
    expect(page.locator("#integrations")).to_contain_text("/v1/integrations/typeform/support-typeform")
    assert _serious(page) == []
    # Keyboard only: Tab to the grace period, type it, Tab past the optional new secret to the button, Enter.
    page.locator("body").focus()
    _tab_to(page, "grace-support-typeform")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("The secret of support-typeform was rotated")
    new = page.locator("#secret").input_value()
    assert new and new != old
    page.screenshot(path=ARTIFACTS / "connect-1-rotated-secret.png", full_page=True)
    assert _serious(page) == []

    def post(key: str, event: str) -> int:
        body = dict(docs.TYPEFORM, event_id=event)
        body["form_response"] = dict(docs.TYPEFORM["form_response"], token=event)
        raw = json.dumps(body).encode()
        headers = {typeform.HEADER: typeform.sign(key, raw)}
        return httpx.post(f"{base}/v1/integrations/typeform/support-typeform", content=raw, headers=headers).status_code

    assert post(old, "during-grace") == 202  # the tool not yet told keeps posting
    assert post(new, "with-the-new") == 202
    page.goto(f"{base}/ui/admin/integrations")
    assert new not in page.content() and old not in page.content()

    page.set_viewport_size({"width": 390, "height": 844})  # a phone, in Spanish: every connection page
    for path, title in [
        ("/ui/admin/dead-letters?lang=es", "Mensajes fallidos"),
        ("/ui/admin/endpoints", "Destinos de salida"),
        ("/ui/admin/integrations", "Integraciones"),
        ("/ui/admin/tokens", "Tokens de API"),
    ]:
        page.goto(f"{base}{path}")
        expect(page.locator("h1")).to_have_text(title)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
        assert _serious(page) == [], path
    page.screenshot(path=ARTIFACTS / "connect-2-tokens-phone-es.png", full_page=True)
