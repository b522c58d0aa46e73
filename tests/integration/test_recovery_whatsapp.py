"""The recovery question by WhatsApp, through the real twilio SDK against the local Twilio-compatible server: only
to a customer without email who consented, as the approved template of their language, the link its one variable."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from tests.support import twilio_server
from tests.support.recovery import PUBLIC, asking_team, close_resolved, customer, requests_of

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("America/Bogota"))
TEMPLATE = "HX" + "c" * 32
SENDER = "+14155238886"


@pytest.fixture
def twilio(runtime):
    server = twilio_server.start()
    runtime.settings.twilio_account_sid = server.state.account_sid
    runtime.settings.twilio_auth_token = SecretStr(server.state.auth_token)
    runtime.settings.twilio_api_base = server.base_url
    runtime.settings.twilio_whatsapp_from = SENDER
    runtime.settings.recovery_whatsapp_templates = {"es": TEMPLATE}
    yield server
    server.shutdown()


def test_a_consenting_customer_without_email_is_asked_on_whatsapp_with_the_template(runtime, twilio):
    asking_team(runtime)
    who = customer(email=None, phone="+573105551234")
    case_id = close_resolved(runtime, who, WEDNESDAY, attributes={"whatsapp_consent": "sí", "sms_consent": "yes"})
    assert runtime.run_recovery().sent == 1
    [received] = twilio.state.messages
    assert (received.to, received.sender) == ("whatsapp:+573105551234", "whatsapp:" + SENDER)
    assert received.content_sid == TEMPLATE and received.body == ""
    [link] = received.content_variables.values()
    assert link.startswith(PUBLIC + "/v1/recovery/") and who["phone"] not in link and who["id"] not in link
    assert requests_of(runtime, case_id)[0].channel == "whatsapp"
    assert [m for m in runtime.transports["sms"].sent if m.reference.startswith("r")] == []


def test_without_a_template_in_the_customers_language_the_sms_goes_instead(runtime, twilio):
    asking_team(runtime)
    who = customer(email=None)
    attributes = {"whatsapp_consent": "yes", "sms_consent": "yes"}
    case_id = close_resolved(runtime, who, WEDNESDAY, attributes=attributes, language="en")
    runtime.run_recovery()
    assert twilio.state.messages == [] and requests_of(runtime, case_id)[0].channel == "sms"


def test_whatsapp_consent_alone_does_not_allow_an_sms(runtime, twilio):
    asking_team(runtime)
    runtime.settings.recovery_whatsapp_templates = {}
    case_id = close_resolved(runtime, customer(email=None), WEDNESDAY, attributes={"whatsapp_consent": "yes"})
    runtime.run_recovery()
    assert requests_of(runtime, case_id)[0].reason == "no_address" and twilio.state.messages == []
