"""The real twilio SDK against a local Twilio-compatible server."""

from __future__ import annotations

import pytest

from npsloop.notify.base import OutboundMessage, PermanentDeliveryError, TransientDeliveryError
from npsloop.notify.sms import TwilioSms
from tests.support import twilio_server


@pytest.fixture
def server():
    srv = twilio_server.start()
    yield srv
    srv.shutdown()


def sms(server, **overrides):
    options = {
        "account_sid": server.state.account_sid,
        "auth_token": server.state.auth_token,
        "sender": "+15005550006",
        "api_base": server.base_url,
        "timeout": 1.0,
    }
    options.update(overrides)
    return TwilioSms(**options)


def message(to="+34611222333", text="npsloop #1: nota 2/10"):
    return OutboundMessage(channel="sms", to=to, text=text, reference="n1")


def test_a_message_reaches_the_provider_with_sender_body_and_credentials(server):
    receipt = sms(server).send(message(text="Atención: nota 2/10 😡"))
    assert receipt.provider_id.startswith("SM")
    [received] = server.state.messages
    assert (received.to, received.sender, received.body) == ("+34611222333", "+15005550006", "Atención: nota 2/10 😡")


@pytest.mark.parametrize(("behaviour", "code"), [("invalid", "21211"), ("unsubscribed", "21610")])
def test_invalid_and_unsubscribed_numbers_are_permanent(server, behaviour, code):
    server.state.script["+34611222333"] = [behaviour]
    with pytest.raises(PermanentDeliveryError, match=code) as error:
        sms(server).send(message())
    assert "+34611222333" not in str(error.value)  # the reason is stored and logged: no full number in it


def test_a_429_is_transient_and_carries_the_providers_retry_after(server):
    server.state.script["+34611222333"] = ["throttle"]
    with pytest.raises(TransientDeliveryError) as error:
        sms(server).send(message())
    assert error.value.retry_after == 2.0


def test_a_500_is_transient(server):
    server.state.script["+34611222333"] = ["error"]
    with pytest.raises(TransientDeliveryError, match="500"):
        sms(server).send(message())


def test_a_timeout_is_transient(server):
    server.state.script["+34611222333"] = ["slow"]
    with pytest.raises(TransientDeliveryError, match="Timeout"):
        sms(server).send(message())


def test_an_unreachable_provider_is_transient():
    broken = TwilioSms(
        account_sid="AC" + "1" * 32, auth_token="x", sender="+15005550006", api_base="http://127.0.0.1:1", timeout=1.0
    )
    with pytest.raises(TransientDeliveryError, match="unreachable"):
        broken.send(message())


def test_wrong_credentials_are_retried_rather_than_dropped(server):
    with pytest.raises(TransientDeliveryError, match="AUTH_TOKEN"):
        sms(server, auth_token="wrong").send(message())


def test_a_status_callback_is_requested_when_one_is_configured(server):
    sms(server, status_callback="https://npsloop.example.com/v1/twilio/status").send(message())
    assert server.state.messages[-1].status_callback == "https://npsloop.example.com/v1/twilio/status"
    sms(server).send(message())
    assert server.state.messages[-1].status_callback is None
