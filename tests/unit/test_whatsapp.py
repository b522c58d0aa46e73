"""WhatsApp's Twilio errors, each classified: permanent ones fail over at once, transient ones are retried."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from npsloop.notify.base import PermanentDeliveryError, TransientDeliveryError
from npsloop.notify.whatsapp import PERMANENT_CODES, TRANSIENT_CODES, address, classify

URI = "/2010-04-01/Accounts/AC0/Messages.json"


def refusal(code: int | None, status: int = 400, text: str = "refused") -> TwilioRestException:
    return TwilioRestException(status, URI, msg=text, code=code)


@pytest.mark.parametrize(
    "code",
    [
        63003,  # not an active WhatsApp user
        63005,
        63007,
        63013,
        63014,  # blocked by the recipient
        63016,  # free text outside the 24-hour window
        63020,
        63021,
        63024,  # not on WhatsApp
        63027,
        63028,
        63029,
        63030,
        63032,
        63038,
        63049,
    ],
)
def test_whatsapps_refusals_about_the_recipient_or_the_content_are_permanent(code):
    assert code in PERMANENT_CODES
    error = classify(refusal(code), retry_after=None)
    assert isinstance(error, PermanentDeliveryError)
    assert f"code {code}" in str(error)


@pytest.mark.parametrize(("code", "status"), [(63001, 401), (63012, 400), (63018, 429), (63119, 400)])
def test_whatsapps_overload_and_provider_errors_are_transient_with_the_providers_retry_after(code, status):
    assert code in TRANSIENT_CODES
    error = classify(refusal(code, status), retry_after=3.0)
    assert isinstance(error, TransientDeliveryError)
    assert error.retry_after == 3.0


def test_a_63018_rate_limit_is_retried_even_though_twilio_answers_400():
    assert isinstance(classify(refusal(63018, 400), retry_after=None), TransientDeliveryError)


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        (21211, 400, PermanentDeliveryError),  # the SMS codes still mean what they mean for SMS
        (21610, 400, PermanentDeliveryError),
        (None, 500, TransientDeliveryError),
        (None, 503, TransientDeliveryError),
        (20429, 429, TransientDeliveryError),
        (20003, 401, TransientDeliveryError),  # our credentials: retried so fixing them delivers
        (99999, 400, PermanentDeliveryError),  # a code nobody listed, on a 4xx: the request itself is wrong
    ],
)
def test_any_other_answer_is_classified_as_for_sms(code, status, kind):
    assert isinstance(classify(refusal(code, status), retry_after=None), kind)


def test_the_stored_reason_never_holds_the_whole_number():
    error = classify(refusal(63024, text="Invalid message recipient whatsapp:+573001234567"), retry_after=None)
    assert "+573001234567" not in str(error) and "63024" in str(error)


def test_no_code_is_both_permanent_and_transient():
    assert not PERMANENT_CODES & TRANSIENT_CODES


def test_an_address_gets_the_whatsapp_prefix_once():
    assert address("+573001234567") == "whatsapp:+573001234567"
    assert address("whatsapp:+573001234567") == "whatsapp:+573001234567"


def test_templates_are_read_from_json_and_a_bad_one_stops_the_start_without_echoing_it(monkeypatch):
    from pydantic import ValidationError

    from npsloop.settings import Settings

    sid = "HX" + "0123456789abcdef" * 2
    monkeypatch.setenv("NPSLOOP_WHATSAPP_TEMPLATES", f'{{"es": "{sid}"}}')
    assert Settings().whatsapp_templates == {"es": sid}
    for bad in ('{"pt": "' + sid + '"}', '{"es": "HXnot-a-sid"}'):
        monkeypatch.setenv("NPSLOOP_WHATSAPP_TEMPLATES", bad)
        with pytest.raises(ValidationError, match="NPSLOOP_WHATSAPP_TEMPLATES") as error:
            Settings()
        assert "HXnot-a-sid" not in str(error.value)
