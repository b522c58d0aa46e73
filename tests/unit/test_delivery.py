"""Delivery reports from Twilio, and the fallback to email when an SMS does not arrive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from npsloop.api.app import create_app
from npsloop.services.casework import get_case
from tests.conftest import drain, ingest, seed_team

AUTH_TOKEN = "twilio-auth-token-for-tests"
URL = "https://npsloop.example.com/v1/twilio/status"


@pytest.fixture
def report(runtime):
    runtime.settings.twilio_auth_token = SecretStr(AUTH_TOKEN)
    runtime.settings.public_url = "https://npsloop.example.com"
    seed_team(runtime, agents=(("Marta", "+34611222333", None, "es"),))
    ingest(runtime, score=2)
    drain(runtime)
    with runtime.uow() as uow:
        [sms] = uow.notifications.for_case(1)
    with TestClient(create_app(runtime)) as client:

        def send(status: str, error: str | None = None, signature: str | None = None):
            form = {"MessageSid": sms.provider_id, "MessageStatus": status, **({"ErrorCode": error} if error else {})}
            signed = RequestValidator(AUTH_TOKEN).compute_signature(URL, form)
            return client.post(
                "/v1/twilio/status",
                data=form,
                headers={"X-Twilio-Signature": signature if signature is not None else signed},
            )

        yield send, sms.id


def notification(runtime, notification_id):
    with runtime.uow() as uow:
        return uow.notifications.get(notification_id)


def test_a_delivered_sms_is_written_on_the_timeline_and_late_reports_do_not_undo_it(runtime, report):
    send, nid = report
    assert send("sent").status_code == 204
    assert send("delivered").status_code == 204
    assert send("sent").status_code == 204  # out of order: ignored
    row = notification(runtime, nid)
    assert row.delivery_status == "delivered" and row.delivered_at is not None
    events = get_case(uow=runtime.uow(), case_id=1).events
    assert [e.note for e in events if e.kind == "delivered"] == ["sms delivered to Marta"]


def test_an_undelivered_sms_fails_over_to_email(runtime, report):
    send, nid = report
    with runtime.uow() as uow:
        uow.directory.agent_named("Marta").email = "marta@example.es"
        uow.commit()
    assert send("undelivered", error="30003").status_code == 204
    assert "30003" in notification(runtime, nid).last_error
    assert len(runtime.dispatcher.notifications) == 1  # the email the failover created
    drain(runtime)
    assert [m.to for m in runtime.transports["email"].sent] == ["marta@example.es"]
    notes = [e.note for e in get_case(uow=runtime.uow(), case_id=1).events if e.kind == "failover"]
    assert notes == ["sms failed; email carries the alert (pending)"]


def test_a_forged_report_is_refused_and_changes_nothing(runtime, report):
    send, nid = report
    assert send("undelivered", signature="forged").status_code == 403
    assert notification(runtime, nid).delivery_status is None


def test_an_sms_still_undelivered_after_the_timeout_fails_over_once(runtime, report):
    send, nid = report
    send("queued")
    assert runtime.sweep() is not None and runtime.dispatcher.notifications == []  # not late yet
    later = runtime.clock() + timedelta(minutes=11)
    runtime.clock = lambda: later
    runtime.sweep()
    runtime.sweep()
    notes = [e.note for e in get_case(uow=runtime.uow(), case_id=1).events if e.kind == "notification_failed"]
    assert notes == ["sms not delivered within 10 minutes"]


def test_a_bounced_email_fails_over_to_sms(runtime):
    from tests.conftest import signed

    seed_team(runtime, agents=(("Tom", None, "tom@example.com", "en"),))
    ingest(runtime, score=2)
    drain(runtime)
    with runtime.uow() as uow:
        [mail] = uow.notifications.for_case(1)
        uow.directory.agent_named("Tom").phone = "+34611222777"
        uow.commit()
    with TestClient(create_app(runtime)) as client:
        raw, headers = signed({"message_id": mail.provider_id, "reason": "550 5.1.1 mailbox unknown"})
        assert client.post("/v1/email/bounces", content=raw, headers=headers).status_code == 204
        raw, headers = signed({"message_id": mail.provider_id}, secret="wrong")
        assert client.post("/v1/email/bounces", content=raw, headers=headers).status_code == 401
        raw, headers = signed({"message": "x"})
        assert client.post("/v1/email/bounces", content=raw, headers=headers).status_code == 422
    assert notification(runtime, mail.id).delivery_status == "bounced"
    drain(runtime)
    assert [m.to for m in runtime.transports["sms"].sent] == ["+34611222777"]
    notes = [e.note for e in get_case(uow=runtime.uow(), case_id=1).events if e.kind == "failover"]
    assert notes == ["email failed; sms carries the alert (pending)"]
