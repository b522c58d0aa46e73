"""Acknowledging from the alert: a signed Twilio inbound webhook moves the case and answers in TwiML."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from npsloop.api.app import create_app
from npsloop.domain.theme_tags import Polarity, ThemeTag
from npsloop.services.casework import get_case
from tests.conftest import drain, ingest, seed_team

AUTH_TOKEN = "twilio-auth-token-for-tests"
MARTA, TOM_PHONE = "+34611222333", "+34611222444"


@pytest.fixture
def inbound(runtime):
    runtime.settings.twilio_auth_token = SecretStr(AUTH_TOKEN)
    runtime.settings.public_url = "https://npsloop.example.com"
    seed_team(runtime, agents=(("Marta", MARTA, "marta@example.es", "es"), ("Tom", TOM_PHONE, None, "en")))
    ingest(runtime, score=2, customer={"id": "c1"})
    drain(runtime)
    with TestClient(create_app(runtime)) as client:

        def send(body: str, sender: str = MARTA, signature: str | None = None):
            form = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": "SM" + "1" * 32}
            url = "https://npsloop.example.com/v1/twilio/inbound"
            signed = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
            return client.post(
                "/v1/twilio/inbound",
                data=form,
                headers={"X-Twilio-Signature": signature if signature is not None else signed},
            )

        yield send


def status(runtime, case_id=1):
    return get_case(uow=runtime.uow(), case_id=case_id).case


def test_ok_acknowledges_the_case_the_agent_was_last_alerted_about(runtime, inbound):
    reply = inbound("Vale")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/xml")
    assert "<Message>npsloop: el caso #1 queda confirmado. Gracias.</Message>" in reply.text
    case = status(runtime)
    assert case.status == "acknowledged" and case.assignee_id == 1
    assert get_case(uow=runtime.uow(), case_id=1).events[-1].note == "by SMS reply"


def test_commands_with_a_case_number_move_the_loop(runtime, inbound):
    assert "is now acknowledged" in inbound("ACK 1", sender=TOM_PHONE).text
    assert "is now contacted" in inbound("1 contacted", sender=TOM_PHONE).text
    assert "is now closed" in inbound("1 closed resolved", sender=TOM_PHONE).text
    case = status(runtime)
    assert (case.status, case.outcome) == ("closed", "resolved")
    assert "is closed, so that cannot be done" in inbound("1 contacted", sender=TOM_PHONE).text


@pytest.mark.parametrize(
    ("body", "sender", "answer"),
    [
        ("what?", TOM_PHONE, "not understood"),
        ("1 closed", TOM_PHONE, "not understood (closing needs an outcome"),
        ("ACK 99", TOM_PHONE, "there is no case #99"),
        ("OK", "+34699000000", "not registered"),
    ],
)
def test_what_cannot_be_done_is_explained_and_changes_nothing(runtime, inbound, body, sender, answer):
    assert answer in inbound(body, sender=sender).text
    assert status(runtime).status == "open"


def test_a_forged_or_unsigned_callback_gets_403_and_changes_nothing(runtime, inbound):
    assert inbound("OK", signature="forged").status_code == 403
    assert inbound("OK", signature="").status_code == 403
    assert status(runtime).status == "open"


def test_without_twilio_configured_the_callback_is_refused(runtime, inbound):
    runtime.settings.twilio_auth_token = SecretStr("")
    assert inbound("OK").status_code == 403


@pytest.fixture
def billing_case(runtime, inbound):
    """Case 2 belongs to Billing; Marta and Tom are Logistics agents who were never alerted about it."""
    seed_team(
        runtime, name="Billing", touchpoints=("invoice",), default=False, agents=(("Bea", "+34611222555", None, "es"),)
    )
    ingest(runtime, score=1, touchpoint="invoice", customer={"id": "c2"})
    drain(runtime)
    assert status(runtime, 2).team_id != status(runtime, 1).team_id
    return 2


@pytest.mark.parametrize("body", ["2 cerrado resuelto", "ACK 2", "2 contactado"])
def test_an_agent_cannot_move_another_teams_case_by_reply(runtime, inbound, billing_case, body):
    before = len(status(runtime, billing_case).events)
    answer = inbound(body)
    assert "el caso #2 no es de tu equipo; no se ha cambiado nada" in answer.text
    case = status(runtime, billing_case)
    assert (case.status, case.assignee_id, len(case.events)) == ("open", None, before)


def test_a_team_head_reaches_every_team_by_reply_as_a_supervisors_token_does(runtime, inbound, billing_case):
    with runtime.uow() as uow:
        uow.directory.agent_named("Tom").role = "head"
        uow.commit()
    assert "is now acknowledged" in inbound("ACK 2", sender=TOM_PHONE).text
    assert status(runtime, billing_case).assignee_id == 2  # Tom


def test_an_agent_alerted_by_an_escalation_beyond_their_team_may_act_on_that_case(runtime, inbound, billing_case):
    from npsloop.domain.notifications import Notification

    with runtime.uow() as uow:
        tom = uow.directory.agent_named("Tom")
        uow.notifications.add(
            Notification(
                case_id=billing_case, agent_id=tom.id, channel="sms", kind="acknowledge:3", created_at=runtime.clock()
            )
        )
        uow.commit()
    assert "is now acknowledged" in inbound("ACK 2", sender=TOM_PHONE).text


def test_a_deactivated_agents_reply_changes_nothing(runtime, inbound):
    with runtime.uow() as uow:
        uow.directory.agent_named("Marta").active = False
        uow.commit()
    assert "not registered" in inbound("Vale").text
    assert "not registered" in inbound("1 cerrado resuelto").text
    assert status(runtime).status == "open"


def reasons(runtime, case_id=1):
    return get_case(uow=runtime.uow(), case_id=case_id).reasons


@pytest.mark.parametrize(
    ("body", "sender", "given"),
    [
        ("1 cerrado resuelto facturación", MARTA, ("billing",)),
        ("1 CERRADO RESUELTO Facturacion y Entrega", MARTA, ("billing", "delivery")),
        ("1 closed resolved billing, wait time", TOM_PHONE, ("billing", "wait_time")),
    ],
)
def test_a_closing_reply_records_its_reasons_by_name_or_key_in_either_language(runtime, inbound, body, sender, given):
    answer = inbound(body, sender=sender).text
    assert "closed" in answer or "cerrado" in answer
    assert reasons(runtime) == given and status(runtime).reasons_at is not None


def test_the_reply_confirms_the_reasons_in_the_agents_words(runtime, inbound):
    assert (
        "el caso #1 queda cerrado (motivo: Facturacion, Entrega). Gracias."
        in inbound("1 cerrado resuelto facturación entrega").text
    )


def test_an_unknown_theme_is_named_back_with_the_themes_to_choose_from_and_nothing_changes(runtime, inbound):
    answer = inbound("1 cerrado resuelto facturas").text
    assert 'no existe el tema "facturas"; no se ha cambiado nada. Temas: Espera, Resolucion, Trato del' in answer
    assert status(runtime).status == "open" and reasons(runtime) == ()


def test_a_team_that_requires_reasons_gets_them_by_sms_too_with_the_comments_themes_suggested(runtime, inbound):
    from npsloop.services import directory

    directory.require_reasons(uow=runtime.uow(), team="Logistics", required=True)
    with runtime.uow() as uow:
        [response] = uow.responses.for_case(1)
        uow.tags.replace(response.id, [ThemeTag("delivery", Polarity.NEGATIVE, 0.8)])
        uow.commit()
    answer = inbound("1 closed resolved", sender=TOM_PHONE).text
    assert "your team needs the reason to close case #1; nothing was changed" in answer
    assert "Reply e.g. 1 closed resolved delivery. Themes: Delivery." in answer
    assert status(runtime).status == "open"
    assert "is now closed (reason: Delivery)" in inbound("1 closed resolved delivery", sender=TOM_PHONE).text
