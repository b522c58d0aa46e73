"""Issue 17's proof as one journey, in a real headless Chromium (the system's, driven by Playwright) against a fresh
installation: an admin logs in, is walked through the first team, agents and integration, sends a test response and
sees it arrive as a case; saves routing rules with a mistake (the error on its line, nothing changed), fixes them and
tries a sample; puts an agent off duty and the next detractor's alerts pass her by; rotates the integration's secret;
and finds every one of those changes on the audit page under her name. Each page passes axe-core (nothing serious or
critical); the screenshots, admin-journey-N.png, land in test-artifacts/browser/."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from npsloop.ingest.adapters import typeform
from npsloop.services.schedules import calendar_for, country_holidays
from npsloop.store import tables
from tests.conftest import at
from tests.e2e.test_dashboard_browser import ARTIFACTS, ROUTING_MISTAKE, browser_page, fresh_site  # noqa: F401
from tests.fixtures import survey_tools as docs
from tests.support.browser import serious_violations, tab_to, work_when_queued

MADRID = ZoneInfo("Europe/Madrid")
MARTA = ("+34611222333", "marta@example.es")
TOM = "tom@example.com"


def _a_working_morning() -> datetime:
    """11:00 in Madrid on the last Wednesday before today that is no public holiday there: the team is open, so
    alerts go at once rather than wait for the agents' hours, whenever the test runs."""
    day = datetime.now(MADRID).date() - timedelta(days=1)
    closed = country_holidays("ES-MD", day.year) | country_holidays("ES-MD", day.year - 1)
    while day.weekday() != 2 or day in closed:
        day -= timedelta(days=1)
    return datetime.combine(day, time(11), MADRID).astimezone(UTC)


class Journey:
    """The admin's one browser session: each page visited is checked by axe-core, and screenshots are numbered."""

    def __init__(self, page: Page, base: str) -> None:
        self.page, self.base, self.shots = page, base, 0

    def checked(self, what: str) -> None:
        assert serious_violations(self.page) == [], what

    def shot(self, locator: str | None = None) -> None:
        self.shots += 1
        path = ARTIFACTS / f"admin-journey-{self.shots}.png"
        if locator is None:
            self.page.screenshot(path=path, full_page=True)
        else:
            self.page.locator(locator).screenshot(path=path)

    def nav(self, href: str) -> None:
        self.page.click(f"nav.admin-nav a[href='{href}']")
        expect(self.page).to_have_url(f"{self.base}{href}")


def _typeform_detractor(secret: str, now: datetime) -> tuple[bytes, dict[str, str]]:
    """A detractor (2) as Typeform posts it, from a customer other than the test response's, signed as Typeform
    signs."""
    body = dict(docs.TYPEFORM, event_id="journey-next-detractor")
    answers = [
        {**a, "text": "The parcel never came"} if a["type"] == "text" else a
        for a in docs.TYPEFORM["form_response"]["answers"]
    ]
    body["form_response"] = dict(
        docs.TYPEFORM["form_response"], token="journey-next", submitted_at=now.isoformat(), answers=answers
    )
    raw = json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", typeform.HEADER: typeform.sign(secret, raw)}


def _sent(rt) -> dict[object, int]:
    """How many messages each channel has sent so far."""
    return {channel: len(transport.sent) for channel, transport in rt.transports.items()}


def _recipients(rt, since: dict[object, int]) -> set[str]:
    """Who the channels sent to after `since`."""
    return {m.to for channel, transport in rt.transports.items() for m in transport.sent[since.get(channel, 0) :]}


def test_an_admin_sets_up_a_fresh_installation_and_runs_it_from_the_browser(fresh_site, browser_page, pg_runtime):  # noqa: F811
    base, secret = fresh_site
    rt, page = pg_runtime, browser_page
    now = _a_working_morning()
    at(rt, now)  # the server, the worker and the stored times all read this clock
    journey = Journey(page, base)
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )

    # 1. Log in: a fresh installation walks the admin through its setup.
    page.goto(f"{base}/ui/cases")
    expect(page).to_have_url(f"{base}/ui/login?next=/ui/cases")
    journey.checked("login")
    page.fill("input[name=token]", secret)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/ui/admin/onboarding")
    expect(page.locator("h2")).to_have_text("Your first team")
    page.fill("#name", "Logistics")
    page.fill("#touchpoints", "delivery, returns")
    page.fill("#timezone", "Europe/Madrid")
    page.fill("#hours", "mon-fri 09:00-18:00")
    page.fill("#holiday_country", "ES-MD")
    journey.shot()  # 1
    journey.checked("onboarding: team")
    page.click("#create-team")

    # 2. The first agents: Marta with the keyboard alone, then Tom.
    expect(page).to_have_url(f"{base}/ui/admin/onboarding/Logistics/agents")
    with rt.uow() as uow:
        team = uow.directory.team_named("Logistics")
        assert calendar_for(team, now).is_open(now)  # the clock this test set is inside the team's hours
    for name, phone, email in [("Marta", *MARTA), ("Tom", "", TOM)]:
        page.locator("body").focus()
        tab_to(page, "name")
        page.keyboard.type(name)
        page.keyboard.press("Tab")
        page.keyboard.type(phone)
        page.keyboard.press("Tab")
        page.keyboard.type(email)
        tab_to(page, "add-agent")
        page.keyboard.press("Enter")
        expect(page.locator("[role=status]")).to_have_text("Agent added.")
        expect(page.locator("#onb-agents")).to_contain_text(name)
    journey.shot()  # 2
    journey.checked("onboarding: agents")
    page.click("#next-integration")

    # 3. The survey tool: its URL and secret to paste, then a test response that arrives as a case.
    expect(page.locator("h2")).to_have_text("Connect your survey tool")
    page.fill("#name", "nps-survey")
    page.check("#kind-typeform")
    page.select_option("#touchpoint", "delivery")
    journey.checked("onboarding: integration")
    page.click("#create-integration")
    expect(page.locator("h1")).to_have_text("Paste this into your survey tool")
    expect(page.locator("#webhook-url")).to_have_value("http://127.0.0.1:8000/v1/integrations/typeform/nps-survey")
    first_secret = page.locator("#webhook-secret").input_value()  # what the admin copies into the survey tool
    assert first_secret and first_secret not in page.url
    journey.shot()  # 3
    journey.checked("onboarding: url and secret")
    worker = threading.Thread(target=work_when_queued, args=(rt,), daemon=True)
    worker.start()  # the worker, as it runs beside the server: it takes the response once it is queued
    page.click("#send-test")
    expect(page.locator("#arrived, #waiting")).to_have_count(1)
    if page.locator("#waiting").count():  # the worker was slower than the page's wait: check again, by keyboard
        worker.join(timeout=60)
        page.locator("#check-again").focus()
        page.keyboard.press("Enter")
    worker.join(timeout=60)
    expect(page.locator("#arrived")).to_contain_text("It arrived: case #")
    journey.shot()  # 4
    journey.checked("onboarding: arrived")
    page.click("#open-case")
    expect(page.locator("blockquote")).to_contain_text("A test response sent from npsloop's setup")
    journey.checked("the first case")
    first_case = int(page.url.rsplit("/", 1)[1])
    assert _recipients(rt, {}) >= {MARTA[0], TOM}  # both on duty: both alerted of the first case

    # 4. Routing rules: a mistake is shown on its line and nothing changes; fixed, saved, then a sample tried.
    page.click("header a[href='/ui/admin/routing']")  # Administration, from the case's page
    expect(page).to_have_url(f"{base}/ui/admin/routing")
    expect(page.locator("#rules-help")).to_contain_text("No rules are loaded")
    with rt.uow() as uow:
        version = uow.routing.version()
    page.fill("#rules", ROUTING_MISTAKE)
    page.click("#save-rules")
    error = page.locator("#rules-error")
    expect(error).to_contain_text("Line 5")  # the line of the unknown priority
    expect(error).to_contain_text("priority must be one of low, normal, high, urgent")
    expect(error.locator(".here")).to_contain_text("priority: urgnet")
    expect(page.locator("#rules")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#rules")).to_have_value(ROUTING_MISTAKE)
    journey.shot()  # 5
    journey.checked("routing: the mistake")
    with rt.uow() as uow:
        assert uow.routing.rules() == [] and uow.routing.version() == version  # nothing changed
    page.fill("#rules", ROUTING_MISTAKE.replace("urgnet", "urgent"))
    page.click("#save-rules")
    expect(page.locator("[role=status]")).to_contain_text("Rules saved")
    page.locator("body").focus()  # the sample with the keyboard: Tab to it, type, Tab to its button, Enter
    tab_to(page, "sample")
    page.keyboard.press("Control+A")
    page.keyboard.type('{"score": 2, "touchpoint": "delivery", "comment": "Two weeks late"}')
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "try-sample"
    page.keyboard.press("Enter")
    expect(page.locator("#preview-rule")).to_have_text("unhappy deliveries")
    expect(page.locator("#preview-team")).to_have_text("Logistics")
    expect(page.locator("#preview-priority")).to_have_text("urgent")
    expect(page.locator("#preview-outcome")).to_have_text("Yes: a case would open.")
    journey.shot()  # 6
    journey.checked("routing: the sample tried")

    # 5. Marta off duty until Saturday, with the keyboard: the next detractor's alerts go to Tom alone.
    journey.nav("/ui/admin/agents")
    journey.checked("agents")
    page.locator("#agents a", has_text="Marta").click()
    expect(page.locator("h1")).to_have_text("Agents: Marta")
    saturday = (now.astimezone(MADRID).date() + timedelta(days=3)).isoformat()
    page.locator("body").focus()
    tab_to(page, "off_until")
    page.fill("#off_until", saturday)  # the date box's own order of day and month depends on the browser's build
    page.keyboard.press("Enter")
    expect(page.locator("#duty-state")).to_have_text(f"Off duty until {saturday}")
    journey.shot()  # 7
    journey.checked("agent: off duty")
    before = _sent(rt)
    raw, headers = _typeform_detractor(first_secret, now)  # the survey tool posts the next detractor
    assert httpx.post(f"{base}/v1/integrations/typeform/nps-survey", content=raw, headers=headers).status_code == 202
    work_when_queued(rt)
    with rt.engine.connect() as db:
        case_id = db.execute(sa.select(sa.func.max(tables.cases.c.id))).scalar()
    assert case_id != first_case  # a case of its own
    assert _recipients(rt, before) == {TOM}  # who got the alert: Tom, and nothing reached Marta
    with rt.uow() as uow:
        names = {a.id: a.name for a in uow.directory.agents()}
        assert {names[n.agent_id] for n in uow.notifications.for_case(case_id)} == {"Tom"}
    journey.nav("/ui/admin/agents")  # the same on the agents' pages: the new case among Tom's alerts, not Marta's
    page.locator("#agents a", has_text="Tom").click()
    expect(page.locator(f"#alerts a[href='/ui/cases/{case_id}']").first).to_be_visible()
    journey.checked("agent: Tom's alerts")
    journey.nav("/ui/admin/agents")
    page.locator("#agents a", has_text="Marta").click()
    expect(page.locator("#alerts a[href]").first).to_be_visible()  # her alert of the first case
    expect(page.locator(f"#alerts a[href='/ui/cases/{case_id}']")).to_have_count(0)

    # 6. The integration's secret rotated, with the keyboard; shown once.
    journey.nav("/ui/admin/integrations")
    journey.checked("integrations")
    page.locator("body").focus()
    tab_to(page, "grace-nps-survey")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("The secret of nps-survey was rotated")
    rotated = page.locator("#secret").input_value()
    assert rotated and rotated != first_secret
    journey.shot()  # 8
    journey.checked("integration: rotated")

    # 7. Every change on the audit page, by the admin, the secrets nowhere.
    journey.nav("/ui/audit")
    rows = page.locator("table.audit > tbody > tr")
    for change in [
        "Team: Logistics (add)",
        "Agent: Marta (add)",
        "Agent: Tom (add)",
        "Integration: nps-survey (add)",
        "Routing rules: rules",
        "Agent: Marta (duty)",
        "Integration: nps-survey (rotate)",
    ]:
        row = rows.filter(has_text=change)
        expect(row.first).to_be_visible()
        expect(row.first.locator("td").nth(1)).to_have_text("Ana")
    expect(rows.filter(has_text="Routing rules")).to_have_count(1)  # the save with the mistake recorded nothing
    expect(rows.filter(has_text="Routing rules: rules")).to_contain_text("unhappy deliveries")
    expect(rows.filter(has_text="Agent: Marta (duty)")).to_contain_text("off_duty_until")
    expect(rows.filter(has_text="Integration: nps-survey (rotate)")).to_contain_text("rotated")
    content = page.content()
    assert first_secret not in content and rotated not in content
    journey.shot()  # 9
    journey.checked("audit")
    assert refused == []
