"""SMS through the real twilio SDK. A Twilio-compatible base URL is reached through the SDK's own seam
(a custom HttpClient), so tests and self-hosted gateways exercise exactly the code production runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from npsloop.notify.base import OutboundMessage, PermanentDeliveryError, Receipt, TransientDeliveryError
from npsloop.redaction import redact

# Errors about the recipient or the content: sending again would fail the same way.
PERMANENT_CODES = {
    21211,  # invalid 'To' number
    21214,  # 'To' number cannot be reached
    21408,  # permission to send to this region not enabled
    21610,  # recipient unsubscribed (replied STOP)
    21612,  # cannot route to this number
    21614,  # 'To' number is not a mobile number
    21617,  # body exceeds the concatenation limit
}


class BaseUrlHttpClient(TwilioHttpClient):
    """Rewrites https://api.twilio.com/... to the configured base, keeping path and query."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base = urlsplit(base_url) if base_url else None
        self.retry_after: float | None = None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self.base is not None:
            parts = urlsplit(url)
            base_path = self.base.path.rstrip("/")
            url = urlunsplit((self.base.scheme, self.base.netloc, base_path + parts.path, parts.query, ""))
        response = super().request(method, url, *args, **kwargs)
        self.retry_after = _seconds(response.headers.get("Retry-After")) if response.headers else None
        return response


class TwilioSms:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_base: str | None,
        timeout: float,
        status_callback: str | None = None,
    ) -> None:
        self.http = BaseUrlHttpClient(api_base, timeout)
        self.client = Client(account_sid, auth_token, http_client=self.http)
        self.sender = sender
        self.status_callback = status_callback

    def send(self, message: OutboundMessage) -> Receipt:
        options: dict[str, Any] = {"to": message.to, "from_": self.sender, "body": message.text}
        if self.status_callback:
            options["status_callback"] = self.status_callback
        return create_message(self.client, self.http, options, channel="SMS", classify=classify)


def create_message(
    client: Client,
    http: BaseUrlHttpClient,
    options: dict[str, Any],
    *,
    channel: str,
    classify: Callable[[TwilioRestException, float | None], Exception],
) -> Receipt:
    """One message through the SDK, for SMS and WhatsApp alike: the provider's refusals as the channel classifies
    them, and a provider out of reach as a transient failure."""
    try:
        sent = client.messages.create(**options)
    except TwilioRestException as error:
        raise classify(error, http.retry_after) from None
    except (requests.Timeout, requests.ConnectionError) as error:
        raise TransientDeliveryError(f"{channel} provider unreachable: {type(error).__name__}") from None
    except TwilioException as error:
        raise TransientDeliveryError(f"{channel} provider error: {type(error).__name__}") from None
    return Receipt(provider_id=str(sent.sid))


def classify(error: TwilioRestException, retry_after: float | None) -> Exception:
    reason = f"twilio {error.status}" + (f" code {error.code}" if error.code else "")
    detail = redact(str(error.msg))
    if error.code in PERMANENT_CODES:
        return PermanentDeliveryError(f"{reason}: {detail}")
    if error.status == 429 or error.status >= 500:
        return TransientDeliveryError(reason, retry_after=retry_after)
    if error.status in (401, 403):
        # Our credentials, not the message: retry so that fixing the configuration delivers it.
        return TransientDeliveryError(f"{reason}: check NPSLOOP_TWILIO_ACCOUNT_SID and _AUTH_TOKEN")
    return PermanentDeliveryError(f"{reason}: {detail}")


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
