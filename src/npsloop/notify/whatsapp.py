"""WhatsApp through Twilio's WhatsApp sender, with the same twilio SDK and base-URL seam as SMS. Inside the
agent's 24-hour window the alert goes as free text (the SMS text); outside it, only as an approved Content
template (`ContentSid` + `ContentVariables`), which is what WhatsApp allows a business to start with."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from npsloop.notify.base import OutboundMessage, PermanentDeliveryError, Receipt, TransientDeliveryError
from npsloop.notify.sms import BaseUrlHttpClient, create_message
from npsloop.notify.sms import classify as classify_sms
from npsloop.redaction import redact

PREFIX = "whatsapp:"

# About this recipient or this content: sending the same message again fails the same way, so the alert fails
# over to the agent's next channel at once.
PERMANENT_CODES = {
    63003,  # the To address is not an active WhatsApp user (WhatsApp 1006, 1013, 1021)
    63005,  # the channel did not accept the content
    63007,  # no WhatsApp sender with this From address (NPSLOOP_TWILIO_WHATSAPP_FROM): not for this message alone,
    # but no retry fixes it in minutes, and the agent must be reached now
    63013,  # the message breaks WhatsApp's policy
    63014,  # the recipient blocked the sender
    63016,  # free text outside the 24-hour window: only a template may start the conversation
    63020,  # the business is not allowed to send (WhatsApp 402: eligibility or payment)
    63021,  # content WhatsApp refuses (too long: a template's text and variables over 1,024 characters)
    63024,  # invalid recipient: the number is not on WhatsApp (WhatsApp 1002, 1026)
    63027,  # the template does not exist in this language, or its variables do not match it
    63028,  # the number of variables does not match the template
    63029,  # the template's variables break WhatsApp's format
    63030,  # unsupported parameter for this type of message
    63032,  # WhatsApp will not deliver to this user (472: part of an experiment)
    63038,  # the account's daily message limit is spent: no retry within minutes helps
    63049,  # Meta chose not to deliver this message
}
# The provider or WhatsApp is overloaded or failing: worth trying again after a backoff.
TRANSIENT_CODES = {
    63001,  # channel authentication failed (our credentials: retried so fixing them delivers)
    63012,  # the channel provider returned an internal error
    63018,  # rate limit of the sender or of WhatsApp exceeded
    63119,  # Meta's rate limit exceeded
}


def address(number: str) -> str:
    return number if number.startswith(PREFIX) else PREFIX + number


class TwilioWhatsApp:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        templates: Mapping[str, str],
        api_base: str | None,
        timeout: float,
        status_callback: str | None = None,
    ) -> None:
        self.http = BaseUrlHttpClient(api_base, timeout)
        self.client = Client(account_sid, auth_token, http_client=self.http)
        self.sender = address(sender)
        self.templates = dict(templates)
        self.status_callback = status_callback

    def send(self, message: OutboundMessage) -> Receipt:
        options: dict[str, Any] = {"to": address(message.to), "from_": self.sender}
        if self.status_callback:
            options["status_callback"] = self.status_callback
        if message.window_open:
            options["body"] = message.text
        else:
            options |= self._template(message)
        return create_message(self.client, self.http, options, channel="WhatsApp", classify=classify)

    def _template(self, message: OutboundMessage) -> dict[str, str]:
        sid = self.templates.get(message.language)
        if not sid:
            # Free text would be refused (63016): fail over instead of trying.
            raise PermanentDeliveryError(
                f"outside the WhatsApp 24-hour window and no template for language {message.language!r} "
                "(NPSLOOP_WHATSAPP_TEMPLATES)"
            )
        numbered = {str(n): value for n, value in enumerate(message.variables, start=1)}
        return {"content_sid": sid, "content_variables": json.dumps(numbered, ensure_ascii=False)}


def classify(error: TwilioRestException, retry_after: float | None) -> Exception:
    """WhatsApp's own codes first; anything else as for SMS (HTTP 429 and 5xx transient, the rest permanent)."""
    reason = f"twilio {error.status} code {error.code}"
    if error.code in PERMANENT_CODES:
        return PermanentDeliveryError(f"{reason}: {redact(str(error.msg))}")
    if error.code in TRANSIENT_CODES:
        return TransientDeliveryError(reason, retry_after=retry_after)
    return classify_sms(error, retry_after)
