"""WhatsApp through the real twilio SDK against the local Twilio-compatible server: free text inside the window,
the Content template outside it, and Twilio's WhatsApp refusals classified."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from npsloop.notify.base import OutboundMessage, PermanentDeliveryError, TransientDeliveryError
from npsloop.notify.whatsapp import TwilioWhatsApp
from tests.support import twilio_server

AGENT = "+573001234567"
SENDER = "+14155238886"
TEMPLATES = {"es": "HX" + "a" * 32, "en": "HX" + "b" * 32}


@pytest.fixture
def server():
    srv = twilio_server.start()
    yield srv
    srv.shutdown()


def whatsapp(server, **overrides):
    options = {
        "account_sid": server.state.account_sid,
        "auth_token": server.state.auth_token,
        "sender": SENDER,
        "templates": TEMPLATES,
        "api_base": server.base_url,
        "timeout": 1.0,
    }
    options.update(overrides)
    return TwilioWhatsApp(**options)


def message(*, window_open: bool, language: str = "es", to: str = AGENT) -> OutboundMessage:
    return OutboundMessage(
        channel="whatsapp",
        to=to,
        text="npsloop #7: nota 2/10 de Ana.",
        reference="n1",
        window_open=window_open,
        language=language,
        variables=("Caso nuevo", "7", "2", "facturación", 'Me cobraron "dos" veces'),
    )


def test_inside_the_window_the_alert_goes_as_free_text_between_whatsapp_addresses(server):
    server.state.inbound("whatsapp:" + AGENT)
    receipt = whatsapp(server).send(message(window_open=True))
    assert receipt.provider_id.startswith("SM")
    [received] = server.state.messages
    assert (received.to, received.sender) == ("whatsapp:" + AGENT, "whatsapp:" + SENDER)
    assert received.body == "npsloop #7: nota 2/10 de Ana." and received.content_sid is None


def test_outside_the_window_the_alert_goes_as_the_template_of_the_agents_language(server):
    whatsapp(server).send(message(window_open=False, language="en"))
    [received] = server.state.messages
    assert received.content_sid == TEMPLATES["en"] and received.body == ""
    assert received.content_variables == {
        "1": "Caso nuevo",
        "2": "7",
        "3": "2",
        "4": "facturación",
        "5": 'Me cobraron "dos" veces',
    }


def test_without_a_template_for_the_language_nothing_is_sent_outside_the_window(server):
    with pytest.raises(PermanentDeliveryError, match="no template for language 'es'"):
        whatsapp(server, templates={"en": TEMPLATES["en"]}).send(message(window_open=False))
    assert server.state.messages == [] and server.state.log == []


def test_free_text_after_twilios_window_closed_is_refused_with_63016_as_permanent(server):
    # npsloop believed the window open; Twilio's clock says otherwise.
    server.state.inbound("whatsapp:" + AGENT, at=0.0)
    with pytest.raises(PermanentDeliveryError, match="63016"):
        whatsapp(server).send(message(window_open=True))
    assert server.state.messages == []


@pytest.mark.parametrize(
    ("behaviour", "kind", "code"),
    [
        ("not_on_whatsapp", PermanentDeliveryError, "63024"),
        ("unreachable", PermanentDeliveryError, "63003"),
        ("outside_window", PermanentDeliveryError, "63016"),
        ("whatsapp_rate", TransientDeliveryError, "63018"),
    ],
)
def test_twilios_whatsapp_errors_through_the_sdk(server, behaviour, kind, code):
    server.state.script["whatsapp:" + AGENT] = [behaviour]
    with pytest.raises(kind, match=code) as error:
        whatsapp(server).send(message(window_open=False))
    assert AGENT not in str(error.value)
    if kind is TransientDeliveryError:
        assert error.value.retry_after == 2.0


def test_the_local_server_refuses_variables_without_a_content_sid_as_twilio_does(server):
    client = whatsapp(server).client
    with pytest.raises(TwilioRestException) as error:
        client.messages.create(to="whatsapp:" + AGENT, from_="whatsapp:" + SENDER, content_variables='{"1": "x"}')
    assert error.value.code == 21654 and server.state.messages == []


def test_a_status_callback_is_requested_when_one_is_configured(server):
    callback = "https://npsloop.example.com/v1/twilio/status"
    whatsapp(server, status_callback=callback).send(message(window_open=False))
    assert server.state.messages[-1].status_callback == callback


def test_an_unreachable_provider_is_transient():
    broken = TwilioWhatsApp(
        account_sid="AC" + "1" * 32,
        auth_token="x",
        sender=SENDER,
        templates=TEMPLATES,
        api_base="http://127.0.0.1:1",
        timeout=1.0,
    )
    with pytest.raises(TransientDeliveryError, match="unreachable"):
        broken.send(message(window_open=False))
