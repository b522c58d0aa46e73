import io
from email import message_from_bytes, policy

from npsloop.notify.base import OutboundMessage
from npsloop.notify.outbox import Outbox


def test_an_sms_becomes_a_text_file_and_a_masked_console_line(tmp_path):
    console = io.StringIO()
    outbox = Outbox(tmp_path, sender="npsloop <a@b.es>", console=console)
    receipt = outbox.send(OutboundMessage(channel="sms", to="+34611222333", text="call +34600111222", reference="n1"))
    assert receipt.provider_id == "outbox:n1.sms.txt"
    assert (tmp_path / "n1.sms.txt").read_text() == "To: +34611222333\n\ncall +34600111222\n"
    assert "+34600111222" not in console.getvalue() and "+34611222333" not in console.getvalue()


def test_an_email_becomes_a_complete_eml_file(tmp_path):
    outbox = Outbox(tmp_path, sender="npsloop <a@b.es>", console=None)
    outbox.send(
        OutboundMessage(channel="email", to="m@x.es", text="hola", html="<p>hola</p>", subject="S", reference="n2")
    )
    mail = message_from_bytes((tmp_path / "n2.eml").read_bytes(), policy=policy.default)
    assert mail["To"] == "m@x.es" and mail["Subject"] == "S"
    assert mail.get_body(("html",)).get_content().strip() == "<p>hola</p>"


def test_sending_again_replaces_the_file_rather_than_adding_one(tmp_path):
    outbox = Outbox(tmp_path, sender="a@b.es", console=None)
    for _ in range(2):
        outbox.send(OutboundMessage(channel="sms", to="+34611222333", text="x", reference="n3"))
    assert [p.name for p in tmp_path.iterdir()] == ["n3.sms.txt"]
