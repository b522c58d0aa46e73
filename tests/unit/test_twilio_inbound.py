"""Acknowledging from the alert: a signed Twilio inbound webhook moves the case and answers in TwiML."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from npsloop.api.app import create_app
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
