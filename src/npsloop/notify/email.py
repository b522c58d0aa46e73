"""Email over SMTP, plain text plus HTML. STARTTLS is used whenever the server offers it, and can be
required (?starttls=required) so a downgrade by a middlebox fails loudly instead of sending in clear."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from npsloop.notify.base import OutboundMessage, PermanentDeliveryError, Receipt, TransientDeliveryError
from npsloop.redaction import redact

# A kept connection used less than this long ago is not checked with NOOP before the next message (a round trip
# per email under load); one idle longer is.
NOOP_AFTER_IDLE_SECONDS = 5.0


class SmtpConfigError(ValueError):
    pass


def build_email(message: OutboundMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject or ""
    domain = sender.rsplit("@", 1)[-1].strip(">") or "npsloop.local"
    email["Message-ID"] = make_msgid(idstring=message.reference, domain=domain)
    email["X-Npsloop-Reference"] = message.reference
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


class SmtpEmail:
    def __init__(self, url: str, *, sender: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise SmtpConfigError("NPSLOOP_SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise SmtpConfigError("NPSLOOP_SMTP_URL has no host")
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = options.get("starttls", "auto")
        if self.starttls not in ("auto", "required", "off"):
            raise SmtpConfigError("starttls must be auto, required or off")
        self.tls_context = ssl.create_default_context(cafile=options.get("cafile"))
        self.sender = sender
        self.timeout = timeout
        self._local = threading.local()

    def send(self, message: OutboundMessage) -> Receipt:
        email = build_email(message, self.sender)
        try:
            smtp = self._session()
            refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            # smtplib has reset the transaction: the connection stays good for the next message.
            code, text = next(iter(error.recipients.values()))
            raise _by_code(code, text) from None
        except smtplib.SMTPResponseException as error:
            self._drop()
            raise _by_code(error.smtp_code, error.smtp_error) from None
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise TransientDeliveryError(f"SMTP server unreachable: {type(error).__name__}") from None
        if refused:
            code, text = next(iter(refused.values()))
            raise _by_code(code, text)
        return Receipt(provider_id=str(email["Message-ID"]))

    def _session(self) -> smtplib.SMTP:
        """One connection per thread, kept between messages: connecting, EHLO, STARTTLS and AUTH cost more
        than sending. A kept connection idle for NOOP_AFTER_IDLE_SECONDS or more is checked with NOOP first, so a
        server that closed it while idle costs a reconnect, never a message sent twice; one used a moment ago
        is not (servers wait minutes before closing an idle session, RFC 5321 4.5.3.2.7), and if it was closed
        all the same (a restart), the message fails before anything is sent and is retried like any outage."""
        held: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        now = time.monotonic()
        if held is not None:
            if now - self._local.used_at < NOOP_AFTER_IDLE_SECONDS:
                self._local.used_at = now
                return held
            try:
                if held.noop()[0] == 250:
                    self._local.used_at = now
                    return held
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()
        fresh = self._connect()
        self._local.smtp, self._local.used_at = fresh, now
        return fresh

    def _drop(self) -> None:
        held: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if held is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                held.close()

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls_context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if not self.implicit_tls and self.starttls != "off":
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.tls_context)
                    smtp.ehlo()
                elif self.starttls == "required":
                    raise TransientDeliveryError("SMTP server does not offer STARTTLS, which is required")
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _by_code(code: int, text: bytes | str) -> Exception:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    reason = f"smtp {code}: {redact(detail[:200])}"
    if 500 <= code < 600:
        return PermanentDeliveryError(reason)
    return TransientDeliveryError(reason)
