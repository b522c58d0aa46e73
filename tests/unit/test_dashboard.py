"""The dashboard over HTTP: login, the queue's order, acting on a case, languages, and safety of the forms."""

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.access import Role
from npsloop.services import targets, tokens
from tests.conftest import TOKEN, at, drain, ingest, seed_team

MONDAY = datetime(2026, 3, 2, 10, tzinfo=UTC)


def client_for(rt, token=TOKEN):
    client = TestClient(create_app(rt), follow_redirects=False)
    assert client.post("/ui/login", data={"token": token, "next": "/ui/cases"}).status_code == 303
    return client


def csrf(page):
    return re.search(r'name="csrf" value="(\w+)"', page).group(1)


def test_login_sets_a_strict_httponly_cookie_and_refuses_bad_tokens(runtime):
    client = TestClient(create_app(runtime), follow_redirects=False)
    assert client.get("/ui/cases").headers["location"] == "/ui/login?next=/ui/cases"
    bad = client.post("/ui/login", data={"token": "nope"})
    assert bad.status_code == 401 and "not valid" in bad.text
    good = client.post("/ui/login", data={"token": TOKEN, "next": "https://evil.example/"})
    # No open redirect: the dashboard's own landing (a fresh installation's admin lands on its setup).
    assert good.status_code == 303 and good.headers["location"] == "/ui/admin/onboarding"
    cookie = good.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/ui" in cookie
    page = client.get("/ui/cases")
    assert page.status_code == 200
    assert client.post("/ui/logout", data={"csrf": csrf(page.text)}).status_code == 303
    assert client.get("/ui/cases").status_code == 303


def test_overdue_first_by_deadline_not_by_id(runtime):
    seed_team(runtime)
    at(runtime, MONDAY)
    ingest(runtime, customer={"id": "a", "name": "Opened Monday"})
    drain(runtime)
    at(runtime, MONDAY - timedelta(days=1))
    ingest(runtime, customer={"id": "b", "name": "Opened Sunday"})
    drain(runtime)
    at(runtime, MONDAY + timedelta(hours=1))
    page = client_for(runtime).get("/ui/cases").text
    assert re.findall(r'data-case="(\d+)"', page) == ["2", "1"]  # Sunday's case is the more overdue
    assert page.count('class="overdue"') == 2
    client = client_for(runtime)
    assert re.findall(r'data-case="(\d+)"', client.get("/ui/cases?team=Logistics").text) == ["2", "1"]
    assert client.get("/ui/cases?team=Nope").status_code == 422
    assert "overdue by 1 d 0 h" in page and "overdue by 45 min" in page


def test_acting_on_a_case_needs_the_forms_csrf_value(runtime):
    seed_team(runtime)
    ingest(runtime, comment="<script>alert(1)</script>")
    drain(runtime)
    client = client_for(runtime)
    page = client.get("/ui/cases/1").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert client.post("/ui/cases/1/act", data={"action": "acknowledge", "csrf": "forged"}).status_code == 403
    done = client.post("/ui/cases/1/act", data={"action": "acknowledge", "csrf": csrf(page)})
    assert done.status_code == 303 and done.headers["location"] == "/ui/cases/1?done=acknowledge"
    again = client.post("/ui/cases/1/act", data={"action": "acknowledge", "csrf": csrf(page)})
    assert again.status_code == 409 and "acknowledge" in again.text
    closed = client.post("/ui/cases/1/act", data={"action": "close", "outcome": "resolved", "csrf": csrf(page)})
    assert closed.status_code == 303
    shown = client.get("/ui/cases/1").text
    assert 'id="case-status">closed' in shown and "resolved" in shown
    moved = client.post("/ui/cases/1/act", data={"action": "reopen", "csrf": csrf(page)})
    assert moved.status_code == 303


def test_reassignment_from_the_case_page(runtime):
    seed_team(runtime)
    ingest(runtime)
    drain(runtime)
    client = client_for(runtime)
    page = client.get("/ui/cases/1").text
    assert client.post("/ui/cases/1/assign", data={"agent": "Tom", "csrf": csrf(page)}).status_code == 303
    assert "Tom" in client.get("/ui/cases/1").text.split("Assignee")[1][:80]
    assert client.post("/ui/cases/1/assign", data={"agent": "Nobody", "csrf": csrf(page)}).status_code == 409


def test_an_agent_sees_no_reassign_form_and_a_revoked_token_is_logged_out(runtime):
    seed_team(runtime)
    ingest(runtime)
    drain(runtime)
    issued = tokens.create_token(uow=runtime.uow(), name="m", role=Role.AGENT, agent="Marta", now=runtime.clock())
    client = client_for(runtime, issued.secret)
    page = client.get("/ui/cases/1").text
    assert "/assign" not in page and "Reports" not in page
    assert client.post("/ui/cases/1/assign", data={"agent": "Tom", "csrf": csrf(page)}).status_code == 403
    tokens.revoke_token(uow=runtime.uow(), name="m", now=runtime.clock())
    assert client.get("/ui/cases").status_code == 303


def test_spanish_is_chosen_by_the_browser_or_by_a_link_and_remembered(runtime):
    client = client_for(runtime)
    assert "Casos abiertos" in client.get("/ui/cases", headers={"Accept-Language": "es-ES,es;q=0.9"}).text
    switched = client.get("/ui/cases?lang=es")
    assert 'lang="es"' in switched.text and "npsloop_lang=es" in switched.headers["set-cookie"]
    assert "Casos abiertos" in client.get("/ui/cases").text
    assert "Open cases" in client.get("/ui/cases?lang=en").text


def test_the_reports_page_draws_the_trend_against_the_target(runtime):
    seed_team(runtime)
    at(runtime, datetime(2026, 4, 15, tzinfo=UTC))
    for score, month in [(10, 1), (10, 2), (3, 3)]:
        ingest(runtime, score=score, responded_at=f"2026-{month:02d}-10T12:00:00+00:00")
    drain(runtime)
    targets.set_target(uow=runtime.uow(), year=2026, nps=40, team=None, actor="s", now=runtime.clock())
    page = client_for(runtime).get("/ui/reports?year=2026").text
    assert page.count("<svg") == 2 and 'class="target"' in page
    assert "2026-01: +100.0" in page and "2026-03: -100.0" in page and "2026-04: —" in page
    assert 'id="ytd-nps">+33.3' in page
    assert "fewer than 30 responses" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_every_dashboard_answer_forbids_script_inline_style_framing_sniffing_and_referrers(runtime):
    client = client_for(runtime)
    answers = [client.get(path) for path in ("/ui/login", "/ui/cases", "/ui/reports", "/ui/cases/999")]
    answers.append(client.post("/ui/login", data={"token": "nope"}))
    for answer in answers:
        policy = answer.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "script-src 'none'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        # What the policy forbids, the pages do not use: they would break in the browser otherwise.
        assert "<script" not in answer.text and "style=" not in answer.text and "<style" not in answer.text
    sheet = client.get("/ui/dashboard.css")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/css")
    assert ".card" in sheet.text and 'href="/ui/dashboard.css"' in answers[0].text
    api = client.get("/v1/teams", headers={"Authorization": f"Bearer {TOKEN}"})
    assert api.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in api.headers


def test_logout_is_a_post_that_needs_the_forms_csrf_value(runtime):
    client = client_for(runtime)
    page = client.get("/ui/cases").text
    assert re.search(r'<form class="logout" method="post" action="/ui/logout"><input type="hidden" name="csrf"', page)
    # A cross-site form (or a link) cannot log the user out: it does not know the value.
    assert client.get("/ui/logout").status_code == 405
    assert client.post("/ui/logout").status_code == 403
    assert client.post("/ui/logout", data={"csrf": "0" * 32}).status_code == 403
    assert client.get("/ui/cases").status_code == 200  # still logged in
    assert client.post("/ui/logout", data={"csrf": csrf(page)}).status_code == 303
    assert client.get("/ui/cases").status_code == 303


def test_login_attempts_are_throttled_per_client_with_429(runtime):
    runtime.settings.login_burst, runtime.settings.login_attempts_per_minute = 3, 1
    app = create_app(runtime)
    guesser = TestClient(app, follow_redirects=False, client=("203.0.113.7", 40000))
    for _ in range(3):
        assert guesser.post("/ui/login", data={"token": "guess"}).status_code == 401
    refused = guesser.post("/ui/login", data={"token": TOKEN})  # even the right token: the allowance is spent
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "Too many login attempts" in refused.text
    # Another client is not held back by the guesser; one IPv6 host is one client however it varies its address.
    assert (
        TestClient(app, follow_redirects=False, client=("198.51.100.2", 1))
        .post("/ui/login", data={"token": TOKEN})
        .status_code
        == 303
    )
    for suffix in ("1", "2", "3", "4"):
        last = TestClient(app, follow_redirects=False, client=(f"2001:db8:1:2::{suffix}", 1)).post(
            "/ui/login", data={"token": "guess"}
        )
    assert last.status_code == 429


def test_the_queue_filters_by_a_theme_named_in_the_viewers_language(runtime):
    from npsloop.domain.theme_tags import Polarity, ThemeTag

    seed_team(runtime)
    billing, other = (ingest(runtime, score=2) for _ in range(2))
    drain(runtime)
    with runtime.uow() as uow:
        uow.tags.replace(billing, [ThemeTag("billing", Polarity.NEGATIVE, 0.9)])
        uow.tags.replace(other, [ThemeTag("billing", Polarity.POSITIVE, 0.9)])
        case_id = uow.responses.get(billing).case_id
        uow.commit()
    client = client_for(runtime)
    page = client.get("/ui/cases?theme=billing&lang=es").text
    assert re.findall(r'data-case="(\d+)"', page) == [str(case_id)]
    assert '<option value="billing" selected>Facturación</option>' in page and "Todos los temas" in page
    assert '<td data-label="Se queja de">Facturación</td>' in page
    assert '&theme=billing">' in page  # the export keeps the filter
    assert len(re.findall(r'data-case="(\d+)"', client.get("/ui/cases?theme=").text)) == 2
    unknown = client.get("/ui/cases?theme=%3Cb%3Ebilling")
    assert unknown.status_code == 422 and "no theme &#39;&lt;b&gt;billing&#39;" in unknown.text


def billing_complaint(runtime):
    """Case 1, its comment tagged a billing complaint with praise for the delivery."""
    from npsloop.domain.theme_tags import Polarity, ThemeTag

    seed_team(runtime)
    response_id = ingest(runtime, score=2, comment="Llegó rápido pero <b>me cobraron</b> dos veces")
    drain(runtime)
    with runtime.uow() as uow:
        uow.tags.replace(
            response_id,
            [ThemeTag("billing", Polarity.NEGATIVE, 0.91), ThemeTag("delivery", Polarity.POSITIVE, 0.62)],
        )
        uow.commit()


def test_the_case_page_shows_the_themes_and_prechecks_the_complaints_as_reasons(runtime):
    billing_complaint(runtime)
    page = client_for(runtime).get("/ui/cases/1?lang=es").text
    assert 'class="tag negative">Facturación <span class="muted">queja · 91%' in page
    assert 'class="tag positive">Entrega <span class="muted">elogio · 62%' in page
    checked = re.findall(r'name="reasons" value="(\w+)"( checked)?', page)
    assert [key for key, on in checked if on] == ["billing"] and len(checked) == 10
    assert '<option value="process_fix">Mejora del proceso</option>' in page
    assert "&lt;b&gt;me cobraron&lt;/b&gt;" in page  # the comment is text, never markup


def test_the_case_page_shows_the_risk_of_complaint_with_its_reasons(runtime):
    seed_team(runtime)
    customer = {"id": "c-risky", "name": "Ana", "phone": "+34600111222"}
    ingest(runtime, score=0, comment="Me cobraron dos veces la factura", customer=customer)
    drain(runtime)
    with runtime.uow() as uow:
        case = uow.cases.get(1)
        risk, reasons = case.risk, case.risk_reasons
    assert risk is not None and reasons[0] == "score:0" and "billing" in reasons[1]
    page = client_for(runtime).get("/ui/cases/1?lang=es").text
    shown = re.search(r'<span id="case-risk">Riesgo: (\d+)% <span class="muted">\((.+?)\)</span>', page)
    assert shown and int(shown.group(1)) == round(risk * 100)
    assert shown.group(2).startswith("nota 0, temas: ") and "Facturación" in shown.group(2)
    english = client_for(runtime).get("/ui/cases/1?lang=en").text
    assert re.search(r'<span id="case-risk">Risk: \d+% <span class="muted">\(score 0, themes: [^)]*Billing', english)


def test_a_case_stored_with_english_risk_reasons_shows_them_in_the_pages_language(runtime):
    seed_team(runtime)
    ingest(runtime, score=0, comment=None, customer={"id": "c-old", "phone": "+34600111222"})
    drain(runtime)
    with runtime.uow() as uow:
        uow.cases.get(1).risk_reasons = ["score 0", "themes: billing, wait_time", "1 unresolved case before", "??"]
        uow.commit()
    page = client_for(runtime).get("/ui/cases/1?lang=es").text
    expected = "(nota 0, temas: Facturación, Espera, 1 caso sin resolver antes, ??)"
    assert expected in page


def test_risk_reasons_carrying_markup_show_as_text(runtime):
    """The account tier comes from the integration's attributes: a sender's text, never the page's markup."""
    seed_team(runtime)
    ingest(runtime, score=0, comment=None, customer={"id": "c-tier", "phone": "+34600111222"})
    drain(runtime)
    with runtime.uow() as uow:
        uow.cases.get(1).risk_reasons = ["tier:<script>alert(1)</script>", "<img src=x onerror=alert(2)>"]
        uow.commit()
    page = client_for(runtime).get("/ui/cases/1?lang=en").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page


def test_closing_from_the_case_page_records_the_reasons_and_action(runtime):
    from npsloop.services.casework import get_case

    billing_complaint(runtime)
    client = client_for(runtime)
    form = {
        "csrf": csrf(client.get("/ui/cases/1").text),
        "action": "close",
        "outcome": "resolved",
        "reasons": ["billing", "wait_time"],
        "action_code": "refund",
        "action_note": "refunded the <script> charge",
    }
    assert client.post("/ui/cases/1/act", data=form).status_code == 303
    view = get_case(uow=runtime.uow(), case_id=1)
    assert view.reasons == ("billing", "wait_time") and view.case.action_code == "refund"
    page = client.get("/ui/cases/1").text
    assert "Reasons: Billing, Wait time · Action taken: Refund</li>" in page  # the timeline's closing event
    assert (
        "Reasons: Billing, Wait time<br>Action taken: Refund<br>What was done: refunded the &lt;script&gt; charge"
        in page
    )


def test_a_closure_the_rules_refuse_is_explained_on_the_case_page_and_nothing_changes(runtime):
    from npsloop.services import directory

    billing_complaint(runtime)
    directory.require_reasons(uow=runtime.uow(), team="Logistics", required=True)
    client = client_for(runtime)
    form = {"csrf": csrf(client.get("/ui/cases/1").text), "action": "close", "outcome": "resolved"}
    refused = client.post("/ui/cases/1/act", data=form)
    assert refused.status_code == 422 and "This team requires at least one reason to close a case." in refused.text
    unknown = client.post("/ui/cases/1/act", data={**form, "reasons": ["billing"], "action_code": "voucher"})
    assert unknown.status_code == 422 and "no action code &#39;voucher&#39;" in unknown.text
    forged = client.post("/ui/cases/1/act", data={**form, "csrf": "0" * 32, "reasons": ["billing"]})
    assert forged.status_code == 403
    assert 'id="case-status">open<' in client.get("/ui/cases/1").text
