"""Every log line of every process, at DEBUG, through a run with good and bad requests and failing
providers: no token, webhook secret, Twilio auth token, SMTP password, full phone number or full email
address appears, and no error answer echoes a credential back."""

from __future__ import annotations

import io
import json
import logging
import time

from npsloop.ingest import signature
from npsloop.logs import JsonFormatter
from tests.conftest import SECRET, SECRET_KEY, TOKEN, payload
from tests.support.stack import AUTH, Stack
from tests.support.traffic import AGENTS, post_all, seed

CUSTOMERS = [("+34600999001", "lucia.martinez@example.es"), ("+447911123456", "oliver.hughes@example.co.uk")]


def test_no_secret_or_personal_data_reaches_any_log(stack_factory, report):
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        stack: Stack = stack_factory(NPSLOOP_LOG_LEVEL="DEBUG").start(workers=1, beat=True)
        seed(stack)
        stack.twilio.state.script[AGENTS[1][1]] = ["invalid"]  # a provider error that quotes the number
        stack.smtp.script[AGENTS[1][2]] = [f"550 5.1.1 <{AGENTS[1][2]}>: no such user"]
        bodies = [
            payload(score=1, customer={"id": f"c{i}", "phone": phone, "email": email, "name": "Lucía"})
            for i, (phone, email) in enumerate(CUSTOMERS)
        ]
        post_all(stack, bodies, threads=1)
        answers = hostile_requests(stack)
        stack.wait_settled(timeout=120)
        stack.cli("dead-letters", "list")
        time.sleep(1.0)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    logs = captured.getvalue() + "\n" + stack.tail_logs(chars=10_000_000)
    forbidden = {
        "api token": TOKEN,
        "webhook secret": SECRET,
        "secret key": SECRET_KEY,
        "twilio auth token": stack.twilio.state.auth_token,
        "smtp password": Stack.SMTP_PASSWORD,
        **{f"customer phone {p}": p for p, _ in CUSTOMERS},
        **{f"customer email {e}": e for _, e in CUSTOMERS},
        **{f"agent phone {a[1]}": a[1] for a in AGENTS},
        **{f"agent email {a[2]}": a[2] for a in AGENTS},
    }
    leaks = sorted(name for name, value in forbidden.items() if value in logs)
    report.update(log_bytes=len(logs), values_scanned=len(forbidden), leaks=leaks)
    assert len(logs) > 10_000  # the scan read real, verbose logs
    assert '"notification sent"' in logs and "notification failed" in logs
    assert leaks == []
    echoed = sorted(name for name, value in forbidden.items() for answer in answers if value in answer)
    assert echoed == []


def hostile_requests(stack: Stack) -> list[str]:
    """Requests that fail on credentials; their answers must not repeat what was presented."""
    assert stack.http is not None
    raw = json.dumps(payload()).encode()
    wrong = signature.sign(raw, "not-" + SECRET, int(time.time()))
    presented_secret_header = f"t={int(time.time())},v1={SECRET}"
    answers = [
        stack.http.post(
            "/v1/responses", content=raw, headers={"Content-Type": "application/json", signature.HEADER: wrong}
        ).text,
        stack.http.post(
            "/v1/responses",
            content=raw,
            headers={"Content-Type": "application/json", signature.HEADER: presented_secret_header},
        ).text,
        stack.http.get("/v1/cases", headers={"Authorization": f"Bearer {TOKEN}x"}).text,
        stack.http.get("/v1/cases", headers={"Authorization": f"Basic {TOKEN}"}).text,
        stack.http.get("/v1/cases", headers=AUTH).text[:0],  # a good answer may hold customer data; not scanned
    ]
    return answers
