"""The audit page in a real headless Chromium: an admin saves routing rules in the dashboard, a secret is rotated from
the CLI's service, and both are on /ui/audit with who did them and what changed, the secret nowhere; the page is
filtered with the keyboard alone, passes the accessibility audit and fits a phone. Screenshots land in
test-artifacts/browser/."""

from __future__ import annotations

from playwright.sync_api import expect

from npsloop.domain.access import Role
from npsloop.services import integrations, tokens
from tests.e2e.test_dashboard_browser import ARTIFACTS, _serious, browser_page, site  # noqa: F401  (fixtures)

RULES = """rules:
  - name: unhappy deliveries
    match: {touchpoint: delivery}
    team: Logistics
    priority: high
  - name: everything else
    team: Logistics
"""


def test_changes_from_the_dashboard_and_the_cli_are_on_the_audit_page(site, browser_page, pg_runtime):  # noqa: F811
    base, _, now = site
    secret = tokens.create_token(uow=pg_runtime.uow(), name="Root", role=Role.ADMIN, now=now).secret
    rt = pg_runtime
    integrations.add_integration(
        uow=rt.uow(), egress=rt.egress.policy, name="shop-tf", kind="typeform", config={}, now=now,
        secret="first-secret-a1b2c3", actor="cli:ops",
    )  # fmt: skip
    integrations.rotate_secret(uow=rt.uow(), name="shop-tf", now=now, secret="second-secret-d4e5f6", actor="cli:ops")
    page = browser_page
    page.goto(f"{base}/ui/login?next=/ui/admin/routing")
    page.fill("input[name=token]", secret)
    page.click("button[type=submit]")
    page.fill("#rules", RULES)
    page.click("#save-rules")
    expect(page.locator("[role=status]")).to_contain_text("Rules saved")

    page.click("nav.admin-nav a[href='/ui/audit']")
    expect(page).to_have_url(f"{base}/ui/audit")
    expect(page.locator("h1")).to_contain_text("Audit trail")
    rules_row = page.locator("table.audit > tbody > tr", has_text="Routing rules: rules")
    expect(rules_row).to_contain_text("Root")
    expect(rules_row).to_contain_text("unhappy deliveries")
    rotated = page.locator("table.audit > tbody > tr", has_text="(rotate)")
    expect(rotated).to_contain_text("cli:ops")
    expect(rotated).to_contain_text("rotated")
    content = page.content()
    assert "first-secret-a1b2c3" not in content and "second-secret-d4e5f6" not in content
    page.screenshot(path=ARTIFACTS / "12-audit.png", full_page=True)
    assert _serious(page) == []

    # Keyboard only: Tab to the kind, pick Integration, Tab on to the button and press Enter.
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "audit-kind":
            break
    assert page.evaluate("document.activeElement.id") == "audit-kind", "the kind filter is not reachable by Tab"
    page.locator("#audit-kind").select_option("integration")  # what arrow keys do on a focused select
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/ui/audit?actor=&kind=integration&team=&from=&to=")
    rows = page.locator("table.audit > tbody > tr")
    expect(rows).to_have_count(2)  # added, then rotated
    expect(page.locator("table.audit")).not_to_contain_text("Routing rules")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone, in Spanish
    page.goto(f"{base}/ui/audit?lang=es")
    expect(page.locator("h1")).to_contain_text("Registro de auditoría")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the audit page scrolls sideways on a phone ({width}px)"
    page.screenshot(path=ARTIFACTS / "13-audit-phone-es.png", full_page=True)
    assert _serious(page) == []
