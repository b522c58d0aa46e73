"""An agent alerted on WhatsApp first, end to end through the real twilio SDK and the local Twilio-compatible
server: the template outside the 24-hour window, free text inside it, fail-over down the agent's order, replies
through the signed inbound webhook, and delivery and read receipts on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from npsloop.api.app import create_app
from npsloop.domain.cases import EventKind
from npsloop.domain.notifications import Channel
from npsloop.notify.sms import TwilioSms
from npsloop.notify.whatsapp import TwilioWhatsApp
from npsloop.services import directory
from npsloop.services.casework import get_case
from tests.conftest import FakeTransport, drain, ingest, seed_team
from tests.support import twilio_server

AUTH_TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://npsloop.example.com"
MARTA = "+573001234567"
WA_MARTA = "whatsapp:" + MARTA
SENDER, WA_SENDER = "+15005550006", "+14155238886"
TEMPLATES = {"es": "HX" + "c" * 32}


@pytest.fixture
def server():
    srv = twilio_server.start(auth_token=AUTH_TOKEN)
    yield srv
    srv.shutdown()


@pytest.fixture
def wired(runtime, server):
    """Marta (Spanish) prefers WhatsApp, then SMS, then email; SMS and WhatsApp are Twilio's, through the SDK."""
    runtime.settings.twilio_auth_token = SecretStr(AUTH_TOKEN)
    runtime.settings.public_url = PUBLIC
    twilio = {
        "account_sid": server.state.account_sid,
        "auth_token": AUTH_TOKEN,
        "api_base": server.base_url,
        "timeout": 2.0,
    }
    runtime.transports = {
        Channel.SMS: TwilioSms(sender=SENDER, **twilio),
        Channel.WHATSAPP: TwilioWhatsApp(sender=WA_SENDER, templates=TEMPLATES, **twilio),
        Channel.EMAIL: FakeTransport(),
    }
    seed_team(runtime, agents=(("Marta", MARTA, "marta@example.es", "es"),))
    directory.set_channels(uow=runtime.uow(), agent="Marta", channels=["whatsapp", "sms", "email"])
    return runtime


@pytest.fixture
def twilio_posts(wired):
    with TestClient(create_app(wired)) as client:

        def post(path: str, form: dict[str, str], signature: str | None = None):
            signed = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, form)
            return client.post(
                path, data=form, headers={"X-Twilio-Signature": signed if signature is None else signature}
            )

        yield post


def reply(post, body: str, sid: str = "SM" + "1" * 32, sender: str = WA_MARTA, signature: str | None = None):
    form = {"From": sender, "To": "whatsapp:" + WA_SENDER, "Body": body, "MessageSid": sid}
    return post("/v1/twilio/inbound", form, signature)


def events(runtime, case_id=1, kind=None):
    return [e for e in get_case(uow=runtime.uow(), case_id=case_id).events if kind is None or e.kind == kind]


def notifications(runtime, case_id=1):
    with runtime.uow() as uow:
        return {n.channel: n for n in uow.notifications.for_case(case_id)}


def test_outside_the_window_the_alert_goes_as_the_spanish_template_and_nothing_else(wired, server):
    ingest(wired, score=2, comment="Me cobraron\ndos veces", customer={"id": "c1", "phone": "+573009998877"})
    drain(wired)
    [sent] = server.state.messages
    assert sent.to == WA_MARTA and sent.sender == "whatsapp:" + WA_SENDER
    assert sent.content_sid == TEMPLATES["es"] and sent.body == ""
    variables = sent.content_variables
    assert [variables[n] for n in "1235"] == ["Caso nuevo", "1", "2", "Me cobraron dos veces"]  # one line
    assert variables["4"] == "Facturación"  # the themes, in the agent's language
    assert "+573009998877" not in str(variables)  # the customer's phone is not in the template
    assert set(notifications(wired)) == {"whatsapp"}  # the first usable channel alone
    assert [e.data["channel"] for e in events(wired, kind=EventKind.NOTIFIED)] == ["whatsapp"]


def test_inside_the_window_the_alert_goes_as_the_sms_text(wired, server, twilio_posts):
    assert reply(twilio_posts, "hola", sid="SM" + "0" * 32).status_code == 200  # Marta writes: the window opens
    server.state.inbound(WA_MARTA)  # ... at Twilio too
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    [sent] = server.state.messages
    assert sent.content_sid is None and sent.content_variables is None
    assert sent.body.startswith("npsloop #1: nota 2/10 de un cliente (delivery).")


def test_the_window_closes_24_hours_after_the_agents_last_message(wired, server, twilio_posts):
    reply(twilio_posts, "hola", sid="SM" + "0" * 32)
    later = wired.clock() + timedelta(hours=24, seconds=1)
    wired.clock = lambda: later
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    assert server.state.messages[-1].content_sid == TEMPLATES["es"]


def test_a_63016_refusal_fails_over_to_sms_and_the_timeline_says_why(wired, server, twilio_posts):
    reply(twilio_posts, "hola", sid="SM" + "0" * 32)  # npsloop believes the window open; Twilio does not
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    [sms] = server.state.messages
    assert sms.to == MARTA and sms.sender == SENDER and sms.body.startswith("npsloop #1")
    rows = notifications(wired)
    assert rows["whatsapp"].state == "failed" and "63016" in rows["whatsapp"].last_error
    assert rows["sms"].state == "sent" and "email" not in rows
    [failed] = events(wired, kind=EventKind.NOTIFICATION_FAILED)
    assert "63016" in failed.note and failed.data["channel"] == "whatsapp"
    [failover] = events(wired, kind=EventKind.FAILOVER)
    assert failover.data["to_channel"] == "sms" and "next in Marta's order" in failover.note


def test_without_a_template_for_the_agents_language_the_alert_fails_over_without_free_text(wired, server):
    directory.set_channels(uow=wired.uow(), agent="Marta", channels=["whatsapp", "email"])
    with wired.uow() as uow:
        uow.directory.agent_named("Marta").language = "en"  # only a Spanish template exists
        uow.commit()
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    assert server.state.log == []  # Twilio was never asked
    assert [m.to for m in wired.transports[Channel.EMAIL].sent] == ["marta@example.es"]
    [failed] = events(wired, kind=EventKind.NOTIFICATION_FAILED)
    assert "no template for language 'en'" in failed.note


def test_each_failure_for_good_walks_down_the_agents_order_once(wired, server):
    server.state.script[WA_MARTA] = ["not_on_whatsapp"]
    server.state.script[MARTA] = ["invalid"]
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    rows = notifications(wired)
    assert (rows["whatsapp"].state, rows["sms"].state, rows["email"].state) == ("failed", "failed", "sent")
    assert [e.data["to_channel"] for e in events(wired, kind=EventKind.FAILOVER)] == ["sms", "email"]
    # a late report that the first message failed creates nothing new: every channel has carried or failed it
    with wired.uow() as uow:
        count = len(uow.notifications.for_case(1))
    assert count == 3


def test_an_inbound_whatsapp_ack_acknowledges_the_case_and_answers_on_whatsapp(wired, server, twilio_posts):
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    answer = reply(twilio_posts, "ACK 1")
    assert answer.status_code == 200
    assert "<Message>npsloop: el caso #1 queda confirmado" in answer.text
    case = get_case(uow=wired.uow(), case_id=1)
    assert case.case.status == "acknowledged" and case.events[-1].note == "by WhatsApp reply"
    with wired.uow() as uow:
        assert uow.directory.agent_named("Marta").whatsapp_seen_at is not None


def test_a_message_the_database_failed_under_is_handled_when_twilio_delivers_it_again(wired, twilio_posts, monkeypatch):
    from npsloop.services import replies
    from npsloop.services.unit_of_work import StoreUnavailable

    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    real = replies.act_on_case
    failures = iter([StoreUnavailable("the database went away")])

    def fails_once(**kwargs):
        for error in failures:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(replies, "act_on_case", fails_once)
    assert reply(twilio_posts, "ACK 1").status_code == 503  # Twilio retries the webhook with the same MessageSid
    assert get_case(uow=wired.uow(), case_id=1).case.status == "open"
    again = reply(twilio_posts, "ACK 1")
    assert again.status_code == 200 and "queda confirmado" in again.text  # handled, not refused as a replay
    assert get_case(uow=wired.uow(), case_id=1).case.status == "acknowledged"
    assert reply(twilio_posts, "ACK 1").status_code == 409  # once handled, a replay is refused again


def test_a_bare_ok_on_whatsapp_means_the_case_last_sent_on_whatsapp(wired, twilio_posts):
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    assert "queda confirmado" in reply(twilio_posts, "Vale").text


def test_a_closing_reply_works_from_whatsapp_as_from_sms(wired, twilio_posts):
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    reply(twilio_posts, "ACK 1", sid="SM" + "2" * 32)
    assert "cerrado" in reply(twilio_posts, "1 cerrado resuelto", sid="SM" + "3" * 32).text
    case = get_case(uow=wired.uow(), case_id=1).case
    assert (case.status, case.outcome) == ("closed", "resolved")


def test_an_unsigned_forged_or_replayed_whatsapp_message_is_refused_and_changes_nothing(wired, twilio_posts):
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    assert reply(twilio_posts, "ACK 1", signature="").status_code == 403
    assert reply(twilio_posts, "ACK 1", signature="forged").status_code == 403
    with wired.uow() as uow:
        assert uow.directory.agent_named("Marta").whatsapp_seen_at is None  # a refused message opens no window
    assert reply(twilio_posts, "ACK 1", sid="SM" + "4" * 32).status_code == 200
    before = len(events(wired))
    replayed = reply(twilio_posts, "ACK 1", sid="SM" + "4" * 32)
    assert replayed.status_code == 409 and replayed.json()["error"] == "replayed"
    assert len(events(wired)) == before


def test_another_teams_case_cannot_be_moved_from_whatsapp(wired, twilio_posts):
    ingest(wired, score=2, customer={"id": "c1"})
    seed_team(
        wired, name="Billing", touchpoints=("invoice",), default=False, agents=(("Bea", "+34611222555", None, "es"),)
    )
    ingest(wired, score=1, touchpoint="invoice", customer={"id": "c2"})
    drain(wired)
    answer = reply(twilio_posts, "ACK 2")
    assert "el caso #2 no es de tu equipo" in answer.text
    assert get_case(uow=wired.uow(), case_id=2).case.status == "open"


def test_markup_in_a_whatsapp_reply_comes_back_escaped_and_an_oversized_one_is_refused(wired, twilio_posts):
    answer = reply(twilio_posts, "<Message>x</Message><script>alert(1)</script>")
    assert answer.status_code == 200 and "<script>" not in answer.text and answer.text.count("<Message>") == 1
    huge = reply(twilio_posts, "ACK 1 " + "x" * 200_000, sid="SM" + "5" * 32)
    assert huge.status_code == 413


def test_delivery_and_read_receipts_go_on_the_timeline_and_never_back(wired, server, twilio_posts):
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    sid = notifications(wired)["whatsapp"].provider_id

    def status(value: str, error: str | None = None):
        form = {"MessageSid": sid, "MessageStatus": value, **({"ErrorCode": error} if error else {})}
        return twilio_posts("/v1/twilio/status", form).status_code

    assert [status(s) for s in ("sent", "delivered", "read", "delivered", "sent", "failed")] == [204] * 6
    row = notifications(wired)["whatsapp"]
    assert row.delivery_status == "read" and row.delivered_at is not None
    assert [e.note for e in events(wired, kind=EventKind.DELIVERED)] == ["whatsapp delivered to Marta"]
    assert [e.note for e in events(wired, kind=EventKind.READ)] == ["whatsapp read by Marta"]
    assert events(wired, kind=EventKind.FAILOVER) == []  # a failure reported after the read is ignored


def test_a_read_receipt_before_the_delivery_report_stands_for_both(wired, twilio_posts):
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    sid = notifications(wired)["whatsapp"].provider_id
    for value in ("read", "delivered"):
        twilio_posts("/v1/twilio/status", {"MessageSid": sid, "MessageStatus": value})
    row = notifications(wired)["whatsapp"]
    assert row.delivery_status == "read" and row.delivered_at is not None
    assert events(wired, kind=EventKind.DELIVERED) == [] and len(events(wired, kind=EventKind.READ)) == 1


def test_a_63016_reported_later_by_status_callback_fails_over_to_sms(wired, server, twilio_posts):
    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    sid = notifications(wired)["whatsapp"].provider_id
    twilio_posts("/v1/twilio/status", {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "63016"})
    drain(wired)
    assert server.state.messages[-1].to == MARTA and notifications(wired)["sms"].state == "sent"
    [failed] = events(wired, kind=EventKind.NOTIFICATION_FAILED)
    assert "63016" in failed.note


def test_a_whatsapp_alert_never_reported_delivered_fails_over_after_the_timeout(wired, server, twilio_posts):
    from npsloop.services.delivery import fail_over_undelivered

    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    sid = notifications(wired)["whatsapp"].provider_id
    twilio_posts("/v1/twilio/status", {"MessageSid": sid, "MessageStatus": "sent"})  # reports are on; no more come
    later = wired.clock() + timedelta(minutes=11)
    assert fail_over_undelivered(uow=wired.uow(), now=later, timeout=timedelta(minutes=10)) == 1
    drain(wired)
    assert server.state.messages[-1].to == MARTA and notifications(wired)["sms"].state == "sent"
    assert "whatsapp not delivered within 10 minutes" in events(wired, kind=EventKind.NOTIFICATION_FAILED)[0].note


def test_a_digest_walking_down_to_whatsapp_goes_as_the_template_with_the_cases_it_carries(wired, server):
    from npsloop.domain.notifications import Notification

    ingest(wired, score=2, customer={"id": "c1"})
    drain(wired)
    with wired.uow() as uow:
        marta = uow.directory.agent_named("Marta")
        digest = Notification(
            case_id=1, agent_id=marta.id, channel=Channel.WHATSAPP, kind="digest", created_at=wired.clock()
        )
        uow.notifications.add(digest)
        uow.commit()
        digest_id = digest.id
    drain(wired)  # the unit of work queued it
    sent = server.state.messages[-1]
    assert sent.to == WA_MARTA and notifications(wired)["whatsapp"].state == "sent"
    assert (sent.content_variables["1"], sent.content_variables["2"]) == ("Casos nuevos", "1")
    with wired.uow() as uow:
        assert uow.notifications.get(digest_id).state == "sent"
