"""Email over a real SMTP conversation with an aiosmtpd server in the test process."""

from __future__ import annotations

import datetime as dt
import socket
import ssl

import pytest

from npsloop.notify import email as email_module
from npsloop.notify.base import OutboundMessage, PermanentDeliveryError, TransientDeliveryError
from npsloop.notify.email import SmtpConfigError, SmtpEmail
from tests.support import smtp_server


@pytest.fixture
def smtp():
    controller, sink = smtp_server.start()
    yield controller, sink
    controller.stop()


def message(to="marta@example.es"):
    return OutboundMessage(
        channel="email",
        to=to,
        subject="[npsloop #1] Detractor 2/10",
        text="Atención, caso #1",
        html="<p>Atención, caso <b>#1</b></p>",
        reference="n7",
    )


def test_an_email_arrives_with_text_and_html_parts(smtp):
    controller, sink = smtp
    receipt = SmtpEmail(
        f"smtp://127.0.0.1:{controller.port}", sender="npsloop <alerts@npsloop.example>", timeout=5
    ).send(message())
    [mail] = sink.mails
    assert mail.to == ["marta@example.es"]
    assert mail.message["Subject"] == "[npsloop #1] Detractor 2/10"
    assert mail.message["Message-ID"] == receipt.provider_id
    assert mail.message.get_body(("plain",)).get_content().strip() == "Atención, caso #1"
    assert "<b>#1</b>" in mail.message.get_body(("html",)).get_content()


def test_a_mailbox_that_does_not_exist_is_permanent(smtp):
    controller, sink = smtp
    sink.script["gone@example.es"] = ["550 5.1.1 <gone@example.es>: mailbox unavailable"]
    with pytest.raises(PermanentDeliveryError, match="550") as error:
        SmtpEmail(f"smtp://127.0.0.1:{controller.port}", sender="a@b.es", timeout=5).send(message("gone@example.es"))
    assert "gone@example.es" not in str(error.value)


def test_a_greylisting_4xx_is_transient(smtp):
    controller, sink = smtp
    sink.script["busy@example.es"] = ["451 4.7.1 try again later"]
    with pytest.raises(TransientDeliveryError, match="451"):
        SmtpEmail(f"smtp://127.0.0.1:{controller.port}", sender="a@b.es", timeout=5).send(message("busy@example.es"))


def test_an_unreachable_server_is_transient():
    with pytest.raises(TransientDeliveryError, match="unreachable"):
        SmtpEmail("smtp://127.0.0.1:1", sender="a@b.es", timeout=2).send(message())


def test_starttls_required_refuses_a_server_without_it(smtp):
    controller, _ = smtp
    with pytest.raises(TransientDeliveryError, match="STARTTLS"):
        SmtpEmail(f"smtp://127.0.0.1:{controller.port}?starttls=required", sender="a@b.es", timeout=5).send(message())


def test_starttls_is_used_when_offered_and_the_certificate_is_verified(tmp_path):
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller, sink = smtp_server.start(tls_context=context, require_starttls=True)
    try:
        url = f"smtp://127.0.0.1:{controller.port}?starttls=required&cafile={cert}"
        SmtpEmail(url, sender="a@b.es", timeout=5).send(message())
        assert len(sink.mails) == 1
        with pytest.raises(TransientDeliveryError):  # an untrusted certificate is not accepted silently
            SmtpEmail(f"smtp://127.0.0.1:{controller.port}", sender="a@b.es", timeout=5).send(message())
    finally:
        controller.stop()


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://h?starttls=maybe"])
def test_a_bad_smtp_url_is_a_configuration_error(url):
    with pytest.raises(SmtpConfigError):
        SmtpEmail(url, sender="a@b.es", timeout=5)


def _self_signed(folder):
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


def test_one_connection_carries_many_messages_and_one_dropped_while_idle_is_replaced(smtp, monkeypatch):
    controller, sink = smtp
    channel = SmtpEmail(f"smtp://127.0.0.1:{controller.port}", sender="a@b.es", timeout=5)
    channel.send(message("agent0@example.es"))
    first = channel._local.smtp  # noqa: SLF001
    for n in (1, 2):
        channel.send(message(f"agent{n}@example.es"))
        assert channel._local.smtp is first  # noqa: SLF001  (one connection carried all three)
    assert len(sink.mails) == 3
    # The server (or a proxy, or an idle timeout) drops the connection while it sits idle between two alerts.
    monkeypatch.setattr(email_module, "NOOP_AFTER_IDLE_SECONDS", 0.0)
    first.sock.shutdown(socket.SHUT_RDWR)
    channel.send(message("after@example.es"))
    assert channel._local.smtp is not first  # noqa: SLF001
    assert [m.to for m in sink.mails][-1] == ["after@example.es"] and len(sink.mails) == 4


def test_a_connection_dropped_right_after_use_fails_the_next_message_before_sending_it(smtp):
    """A connection used a moment ago is not checked with NOOP (a round trip per email under load): if it was
    closed all the same, the next message fails as a retry, nothing half-sent, and the one after reconnects."""
    controller, sink = smtp
    channel = SmtpEmail(f"smtp://127.0.0.1:{controller.port}", sender="a@b.es", timeout=5)
    channel.send(message("first@example.es"))
    channel._local.smtp.sock.shutdown(socket.SHUT_RDWR)  # noqa: SLF001
    with pytest.raises(TransientDeliveryError):
        channel.send(message("lost-for-now@example.es"))
    channel.send(message("retried@example.es"))
    assert [m.to for m in sink.mails] == [["first@example.es"], ["retried@example.es"]]


def test_a_refused_recipient_leaves_the_connection_usable(smtp):
    controller, sink = smtp
    sink.script["gone@example.es"] = ["550 5.1.1 mailbox unavailable"]
    channel = SmtpEmail(f"smtp://127.0.0.1:{controller.port}", sender="a@b.es", timeout=5)
    channel.send(message("one@example.es"))
    kept = channel._local.smtp  # noqa: SLF001
    with pytest.raises(PermanentDeliveryError):
        channel.send(message("gone@example.es"))
    channel.send(message("two@example.es"))
    assert channel._local.smtp is kept  # noqa: SLF001
    assert [m.to for m in sink.mails] == [["one@example.es"], ["two@example.es"]]
