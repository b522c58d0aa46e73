"""The closed loop with every real part: signed HTTP into a uvicorn server, Celery workers on the real
Redis, PostgreSQL, the twilio SDK against a Twilio-compatible server, and SMTP into aiosmtpd."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
import uvicorn

from npsloop.api.app import create_app
from npsloop.bootstrap import build_runtime
from npsloop.settings import Settings
from tests.conftest import LOOPBACK, SECRET, SECRET_KEY, TOKEN, payload, signed
from tests.support import smtp_server, twilio_server
from tests.support.services import forget_queue, truncate

AUTH = {"Authorization": f"Bearer {TOKEN}"}
MARTA, DIEGO = "+34611222333", "+34699888777"


@dataclass
class Loop:
    http: httpx.Client
    twilio: twilio_server.TwilioHttpServer
    smtp: smtp_server.SmtpSink
    redis: redis.Redis
    queue: str
    env: dict[str, str]
    settings: Settings


def wait_for(condition: Callable[[], object], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "npsloop.cli", "worker", "--pool", "prefork", "-c", "2", "--loglevel", "INFO"]
    return subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def loop(pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loop]:
    folder = tmp_path_factory.mktemp("loop")
    twilio = twilio_server.start()
    controller, sink = smtp_server.start()
    queue = "npsloop-test-" + uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "NPSLOOP_DATA_DIR": str(folder),
        "NPSLOOP_DATABASE_URL": pg_url,
        "NPSLOOP_BROKER_URL": redis_url,
        "NPSLOOP_QUEUE": queue,
        "NPSLOOP_WEBHOOK_SECRETS": f"shop:{SECRET}",
        "NPSLOOP_API_TOKENS": TOKEN,
        "NPSLOOP_SECRET_KEY": SECRET_KEY,
        "NPSLOOP_TWILIO_ACCOUNT_SID": twilio.state.account_sid,
        "NPSLOOP_TWILIO_AUTH_TOKEN": twilio.state.auth_token,
        "NPSLOOP_TWILIO_FROM": "+15005550006",
        "NPSLOOP_TWILIO_API_BASE": twilio.base_url,
        "NPSLOOP_TWILIO_TIMEOUT_SECONDS": "2",
        "NPSLOOP_SMTP_URL": f"smtp://127.0.0.1:{controller.port}",
        "NPSLOOP_EMAIL_FROM": "npsloop <alerts@npsloop.example>",
        "NPSLOOP_RETRY_BASE_SECONDS": "0.5",
        "NPSLOOP_RETRY_CAP_SECONDS": "2",
        "NPSLOOP_LOG_FORMAT": "json",
        "NPSLOOP_RECONCILE_AFTER_SECONDS": "1",
        # Quiet-hours wording depends on the hour the suite runs at; its own tests pin the clock.
        "NPSLOOP_CUSTOMER_CALL_HOURS": "00:00-24:00",
        "NPSLOOP_EGRESS_ALLOW": LOOPBACK,  # the helpdesk the outbound test posts to is a local server
    }
    truncate(pg_url)
    worker = start_worker(env, folder / "worker.log")
    settings = Settings(**{k.removeprefix("NPSLOOP_").lower(): v for k, v in env.items() if k.startswith("NPSLOOP_")})
    runtime = build_runtime(settings)
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 20, "the API to start")
    port = server.servers[0].sockets[0].getsockname()[1]
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    client = redis.Redis.from_url(redis_url)
    for body in (
        {"name": "Logistics", "touchpoints": ["delivery"], "default": True},
        {"name": "Store", "touchpoints": ["checkout"]},
    ):
        assert http.post("/v1/teams", json=body, headers=AUTH).status_code == 201
    for body in (
        {"name": "Marta", "team": "Logistics", "phone": MARTA, "email": "marta@example.es", "language": "es"},
        {"name": "Tom", "team": "Logistics", "email": "tom@example.com", "language": "en"},
        {"name": "Diego", "team": "Store", "phone": DIEGO, "email": "diego@example.es", "language": "es"},
    ):
        assert http.post("/v1/agents", json=body, headers=AUTH).status_code == 201
    yield Loop(http=http, twilio=twilio, smtp=sink, redis=client, queue=queue, env=env, settings=settings)
    http.close()
    server.should_exit = True
    thread.join(timeout=10)
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    runtime.engine.dispose()
    forget_queue(client, queue)
    client.close()
    twilio.shutdown()
    controller.stop()
    print((folder / "worker.log").read_text()[-3000:])


def post(loop: Loop, body: dict[str, object]) -> httpx.Response:
    raw, headers = signed(body)
    return loop.http.post("/v1/responses", content=raw, headers=headers)


def case_of(loop: Loop, response_id: int) -> dict[str, object]:
    listing = loop.http.get("/v1/cases", params={"limit": 200}, headers=AUTH).json()["items"]
    for item in listing:
        detail = loop.http.get(f"/v1/cases/{item['id']}", headers=AUTH).json()
        if any(r["id"] == response_id for r in detail["responses"]):
            return detail
    raise AssertionError(f"no case holds response {response_id}")


def sms_for(loop: Loop, number: str, case_id: object) -> list[twilio_server.Received]:
    return [m for m in loop.twilio.state.to(number) if f"#{case_id}:" in m.body]


def mail_for(loop: Loop, address: str, case_id: object) -> list[smtp_server.Mail]:
    return [m for m in loop.smtp.to(address) if f"#{case_id}]" in m.message["Subject"]]


def queue_idle(loop: Loop) -> bool:
    return loop.redis.llen(loop.queue) == 0 and loop.redis.hlen("unacked") == 0


def settle(loop: Loop) -> None:
    """Waits until the broker holds nothing for this queue, then a little longer for in-flight sends."""
    wait_for(lambda: queue_idle(loop), 30, "the queue to drain")
    time.sleep(1.0)
    wait_for(lambda: queue_idle(loop), 30, "the queue to drain")


def test_a_detractor_posted_over_http_reaches_its_agents_by_sms_and_email(loop: Loop):
    body = payload(
        score=2,
        touchpoint="delivery",
        comment="Llegó roto <b>y tarde</b>",
        customer={"id": "c-e2e-1", "name": "Lucía", "phone": "+34600111222"},
    )
    reply = post(loop, body)
    assert reply.status_code == 202
    case_id: object = None

    def alerted() -> bool:
        nonlocal case_id
        try:
            case_id = case_of(loop, reply.json()["id"])["id"]
        except AssertionError:
            return False
        return bool(
            sms_for(loop, MARTA, case_id)
            and mail_for(loop, "marta@example.es", case_id)
            and mail_for(loop, "tom@example.com", case_id)
        )

    wait_for(alerted, 30, "the SMS and emails to arrive")
    [sms] = sms_for(loop, MARTA, case_id)
    assert sms.sender == "+15005550006" and "2/10" in sms.body and "Llegó roto" in sms.body
    [mail] = mail_for(loop, "tom@example.com", case_id)
    html = mail.message.get_body(("html",)).get_content()
    assert "&lt;b&gt;y tarde&lt;/b&gt;" in html  # the comment cannot inject markup
    assert "Hello Tom" in mail.message.get_body(("plain",)).get_content()
    detail = case_of(loop, reply.json()["id"])
    assert detail["status"] == "open" and detail["team"] == "Logistics"
    wait_for(
        lambda: all(n["state"] == "sent" for n in case_of(loop, reply.json()["id"])["notifications"]),
        10,
        "notification rows to be marked sent",
    )
    kinds = [e["kind"] for e in case_of(loop, reply.json()["id"])["timeline"]]
    assert kinds[0] == "opened" and kinds.count("notified") == 3


def test_the_same_response_posted_many_times_and_rerun_tasks_send_one_sms_per_agent(loop: Loop):
    body = payload(score=1, touchpoint="checkout", customer={"id": "c-e2e-2", "phone": "+34600111223"})
    replies = [post(loop, body) for _ in range(5)]
    assert [r.status_code for r in replies] == [202, 200, 200, 200, 200]
    response_id = replies[0].json()["id"]
    wait_for(lambda: any(True for _ in _cases_with(loop, response_id)), 30, "the case")
    case = case_of(loop, response_id)
    wait_for(lambda: sms_for(loop, DIEGO, case["id"]) and mail_for(loop, "diego@example.es", case["id"]), 30, "alerts")
    # Replay every task of this response as a redelivering broker would: processing, then each send.
    from npsloop.services.work_messages import ProcessResponse, SendNotification
    from npsloop.worker.dispatch import CeleryDispatcher

    dispatcher = CeleryDispatcher(Settings(broker_url=loop.env["NPSLOOP_BROKER_URL"], queue=loop.queue))
    for _ in range(3):
        dispatcher.publish(ProcessResponse(response_id))
        for notification in case["notifications"]:
            dispatcher.publish(SendNotification(notification["id"]))
    settle(loop)
    assert len(sms_for(loop, DIEGO, case["id"])) == 1
    assert len(mail_for(loop, "diego@example.es", case["id"])) == 1
    listing = loop.http.get("/v1/cases", params={"limit": 200}, headers=AUTH).json()["items"]
    assert sum(1 for c in listing if c["customer"]["id"] == "c-e2e-2") == 1


def _cases_with(loop: Loop, response_id: int) -> list[dict[str, object]]:
    try:
        return [case_of(loop, response_id)]
    except AssertionError:
        return []


def test_passives_and_promoters_are_counted_and_alert_nobody(loop: Loop):
    before = len(loop.twilio.state.messages), len(loop.smtp.mails)
    ids = [
        post(loop, payload(score=s, customer={"id": f"c-e2e-p{s}", "phone": "+34600111224"})).json()["id"]
        for s in (7, 8, 9, 10)
    ]
    settle(loop)
    assert (len(loop.twilio.state.messages), len(loop.smtp.mails)) == before
    for response_id in ids:
        assert _cases_with(loop, response_id) == []


def test_a_throttled_sms_is_retried_and_an_invalid_number_is_recorded_while_email_still_goes(loop: Loop):
    loop.twilio.state.script[MARTA] = ["throttle", "error", "ok"]
    loop.twilio.state.attempts[MARTA] = 0
    body = payload(score=0, touchpoint="delivery", customer={"id": "c-e2e-3", "phone": "+34600111225"})
    response_id = post(loop, body).json()["id"]
    wait_for(lambda: _cases_with(loop, response_id), 30, "the case")
    case_id = case_of(loop, response_id)["id"]
    wait_for(lambda: sms_for(loop, MARTA, case_id), 40, "the SMS after two transient failures")
    settle(loop)
    assert len(sms_for(loop, MARTA, case_id)) == 1
    sms_row = next(n for n in case_of(loop, response_id)["notifications"] if n["channel"] == "sms")
    assert sms_row["state"] == "sent" and sms_row["attempts"] == 3

    loop.twilio.state.script[MARTA] = ["invalid"]
    loop.twilio.state.attempts[MARTA] = 0
    body = payload(score=0, touchpoint="delivery", customer={"id": "c-e2e-4", "phone": "+34600111226"})
    response_id = post(loop, body).json()["id"]
    wait_for(lambda: _cases_with(loop, response_id), 30, "the case")

    def recorded() -> bool:
        rows = case_of(loop, response_id)["notifications"]
        return any(n["channel"] == "sms" and n["state"] == "failed" for n in rows)

    wait_for(recorded, 30, "the permanent failure to be recorded")
    detail = case_of(loop, response_id)
    sms_row = next(n for n in detail["notifications"] if n["channel"] == "sms")
    assert "21211" in sms_row["last_error"] and sms_row["attempts"] == 1
    wait_for(lambda: mail_for(loop, "marta@example.es", detail["id"]), 30, "the email despite the SMS failure")
    assert "notification_failed" in [e["kind"] for e in case_of(loop, response_id)["timeline"]]
    loop.twilio.state.script.pop(MARTA)


def test_a_response_whose_queue_message_was_lost_is_found_by_the_reconciler_and_alerted(loop: Loop):
    from npsloop.ingest.schemas import ResponseIn
    from npsloop.services.ingest import ingest_response
    from npsloop.worker.dispatch import CeleryDispatcher

    class LostMessage:
        def publish(self, message: object) -> None:
            pass  # the broker "accepted" it and then lost it (a flush, a failover)

    runtime = build_runtime(loop.settings, dispatcher=LostMessage())
    body = payload(score=4, touchpoint="checkout", customer={"id": "c-e2e-lost", "phone": "+34600111227"})
    now = runtime.clock()
    incoming = ResponseIn.model_validate(body).to_domain(integration="shop", received_at=now)
    response_id = ingest_response(uow=runtime.uow(), incoming=incoming, now=now).id
    runtime.engine.dispose()
    settle(loop)
    assert _cases_with(loop, response_id) == []  # nothing happened: the message is gone
    time.sleep(1.2)
    CeleryDispatcher(loop.settings).app.send_task("npsloop.reconcile", queue=loop.queue)  # what beat sends
    wait_for(lambda: _cases_with(loop, response_id), 30, "the reconciler to re-enqueue the response")
    case_id = case_of(loop, response_id)["id"]
    wait_for(lambda: sms_for(loop, DIEGO, case_id) and mail_for(loop, "diego@example.es", case_id), 30, "alerts")


def test_an_sms_reply_acknowledges_and_the_unanswered_case_escalates_to_the_supervisor_on_time(loop: Loop):
    from datetime import datetime

    from twilio.request_validator import RequestValidator

    from npsloop.services import directory
    from npsloop.worker.dispatch import CeleryDispatcher

    eva, sam = "+34611222555", "+34611222666"
    runtime = build_runtime(loop.settings, dispatcher=CeleryDispatcher(loop.settings))
    directory.add_team(uow=runtime.uow(), name="Express", touchpoints=["express"])
    directory.add_agent(uow=runtime.uow(), name="Eva", team="Express", phone=eva, email=None, language="en")
    directory.add_agent(uow=runtime.uow(), name="Sam", team="Express", phone=sam, email=None, role="supervisor")
    directory.set_schedule(
        uow=runtime.uow(),
        team="Express",
        sla={"normal": {"acknowledge": "1m"}},
        escalation=["0m supervisors sms"],
        now=runtime.clock(),
    )

    def open_case(customer: str) -> dict[str, object]:
        reply = post(loop, payload(score=1, touchpoint="express", customer={"id": customer}))
        wait_for(lambda: _cases_with(loop, reply.json()["id"]), 30, "the case")
        case = case_of(loop, reply.json()["id"])
        wait_for(lambda: sms_for(loop, eva, case["id"]), 30, "Eva's alert")
        return case

    answered = open_case("c-e2e-ack")
    form = {"From": eva, "To": "+15005550006", "Body": f"ACK {answered['id']}", "MessageSid": "SM" + "2" * 32}
    url = loop.settings.public_url.rstrip("/") + "/v1/twilio/inbound"
    signature = RequestValidator(loop.settings.twilio_auth_token.get_secret_value()).compute_signature(url, form)
    confirmation = loop.http.post("/v1/twilio/inbound", data=form, headers={"X-Twilio-Signature": signature})
    assert confirmation.status_code == 200
    assert f"npsloop: case #{answered['id']} is now acknowledged. Thank you." in confirmation.text
    assert case_of(loop, answered["responses"][0]["id"])["status"] == "acknowledged"

    unanswered = open_case("c-e2e-silent")
    due = datetime.fromisoformat(str(unanswered["acknowledge_due_at"]))
    time.sleep(max(0.0, (due - datetime.now(due.tzinfo)).total_seconds()) + 1.0)
    CeleryDispatcher(loop.settings).app.send_task("npsloop.sweep", queue=loop.queue)  # what beat sends each minute

    def escalations(case: dict[str, object]) -> list[twilio_server.Received]:
        return [m for m in loop.twilio.state.to(sam) if m.body.startswith(f"npsloop #{case['id']} ESCALATED")]

    wait_for(lambda: escalations(unanswered), 30, "the supervisor's escalation SMS")
    [escalation] = escalations(unanswered)
    assert "ESCALATED (acknowledge overdue" in escalation.body
    settle(loop)
    assert escalations(answered) == []  # the acknowledged case did not escalate
    assert len(escalations(unanswered)) == 1
    kinds = [e["kind"] for e in case_of(loop, unanswered["responses"][0]["id"])["timeline"]]
    assert "escalated" in kinds
    runtime.engine.dispose()


def test_a_typeform_webhook_alerts_the_agents_and_a_helpdesk_webhook_hears_of_the_case(loop: Loop):
    """A survey tool's own webhook in, over HTTP; the case out to a signed helpdesk webhook, sent by the
    Celery task beat schedules, received by a local server that checks the signature."""
    import copy
    import json

    from npsloop.ingest import signature
    from npsloop.ingest.adapters import typeform
    from npsloop.services import integrations, outbound
    from npsloop.worker.app import create_app as celery_app
    from tests.fixtures import survey_tools as docs
    from tests.support.http_sink import http_sink

    runtime = build_runtime(loop.settings)
    with http_sink() as helpdesk:
        now = runtime.clock()
        secret = integrations.add_integration(
            uow=runtime.uow(),
            egress=runtime.egress.policy,
            name="tf-" + uuid.uuid4().hex[:6],
            kind="typeform",
            config={"touchpoint": "delivery"},
            now=now,
        )
        desk = outbound.add_endpoint(
            uow=runtime.uow(),
            egress=runtime.egress.policy,
            name="desk-" + uuid.uuid4().hex[:6],
            kind="webhook",
            url=helpdesk.url,
            events=["opened"],
            now=now,
        )
        event = copy.deepcopy(docs.TYPEFORM)
        event["form_response"]["token"] = "tf-" + uuid.uuid4().hex
        event["form_response"]["hidden"]["user_id"] = "tf-user-" + uuid.uuid4().hex[:8]
        body = json.dumps(event).encode()
        name = secret.integration.name
        answer = loop.http.post(
            f"/v1/integrations/typeform/{name}",
            content=body,
            headers={typeform.HEADER: typeform.sign(secret.secret, body)},
        )
        assert answer.status_code == 202, answer.text
        response_id = answer.json()["id"]

        def opened() -> bool:
            try:
                return bool(case_of(loop, response_id))
            except AssertionError:
                return False

        wait_for(opened, 30, "the Typeform detractor's case")
        case = case_of(loop, response_id)
        wait_for(lambda: sms_for(loop, MARTA, case["id"]), 30, "Marta's SMS for the Typeform detractor")
        producer = celery_app(loop.settings)
        producer.send_task("npsloop.deliver_outbound", queue=loop.queue)
        wait_for(lambda: helpdesk.posts(), 30, "the helpdesk webhook")
        hit = helpdesk.posts()[0]
        assert signature.verify(
            hit.headers["npsloop-signature"], hit.body, {"d": [desk.secret]}, now=time.time(), tolerance=300
        )
        assert hit.json()["case"]["id"] == case["id"] and hit.json()["type"] == "case.opened"
    runtime.engine.dispose()
