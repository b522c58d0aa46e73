"""Signed traffic for fault tests: a fixed population of responses and the checks of what came out."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from npsloop.ingest import signature
from tests.conftest import SECRET
from tests.support.stack import AUTH, Stack

AGENTS = (("Marta", "+34611222333", "marta@example.es"), ("Tom", "+34611222334", "tom@example.com"))


def seed(stack: Stack) -> None:
    assert stack.http is not None
    assert stack.http.post("/v1/teams", json={"name": "Care", "default": True}, headers=AUTH).status_code == 201
    for name, phone, email in AGENTS:
        body = {"name": name, "team": "Care", "phone": phone, "email": email, "language": "en"}
        assert stack.http.post("/v1/agents", json=body, headers=AUTH).status_code == 201


def population(total: int, detractor_share: float, seed_value: int = 7) -> list[dict[str, Any]]:
    """Detractors are `detractor_share` of the total; one detractor customer in eight answers twice."""
    rng = random.Random(seed_value)
    detractors = int(total * detractor_share)
    repeaters = detractors // 8
    customers = [f"d{i}" for i in range(detractors - repeaters)]
    detractor_customers = customers + customers[:repeaters]
    bodies = []
    for i in range(total):
        is_detractor = i < detractors
        bodies.append(
            {
                "response_id": f"f-{i}",
                "score": rng.randint(0, 6) if is_detractor else rng.randint(7, 10),
                "comment": "x" * rng.randint(0, 200),
                "customer": {"id": detractor_customers[i] if is_detractor else f"p{i}", "phone": "+34600111222"},
                "responded_at": datetime.now(UTC).isoformat(),
            }
        )
    rng.shuffle(bodies)
    return bodies


@dataclass
class Posted:
    accepted: list[int]
    answers: Counter[int]
    # Each body's answers in order (by its response_id): what a test reads to tell a repeat the client caused
    # (a retry after a 503) from one it did not.
    histories: dict[str, list[int]] = field(default_factory=dict)


def what_waits(stack: Stack) -> str:
    """What the database's sessions and every thread of the stack (the API's in this process, the workers' and
    the beat's in theirs) were doing when the API did not answer in time: the evidence a hang leaves, for whoever
    reads the failure."""
    sessions = stack.query(
        "SELECT pid, application_name, client_port, state, wait_event_type, wait_event, now() - xact_start, "
        "now() - state_change, left(query, 160) "
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return "database sessions:\n" + "\n".join(map(str, sessions)) + "\n" + stack.stacks()


def post_all(
    stack: Stack, bodies: list[dict[str, Any]], threads: int = 4, retry_503: bool = True, pace: float = 0.0
) -> Posted:
    assert stack.http is not None
    answers: Counter[int] = Counter()
    accepted: list[int] = []
    histories: dict[str, list[int]] = {}

    def post(body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        history = histories.setdefault(str(body["response_id"]), [])
        for _ in range(200):
            headers = {
                "Content-Type": "application/json",
                signature.HEADER: signature.sign(raw, SECRET, int(time.time())),
            }
            try:
                reply = stack.http.post("/v1/responses", content=raw, headers=headers)  # type: ignore[union-attr]
            except httpx.TimeoutException as error:
                raise AssertionError(f"the API did not answer: {error}\n{what_waits(stack)}") from error
            answers[reply.status_code] += 1
            history.append(reply.status_code)
            if reply.status_code in (200, 202):
                accepted.append(reply.json()["id"])
                time.sleep(pace)
                return
            if reply.status_code == 503 and retry_503:
                assert reply.headers.get("Retry-After"), "a 503 must say when to come back"
                time.sleep(float(reply.headers.get("Retry-After", "1")) / 5)
                continue
            if reply.status_code == 429:
                # Fast posting from several tests in a row can empty the integration's shared bucket; a 429
                # stores nothing, and a client does what it says: waits Retry-After and sends again.
                assert reply.headers.get("Retry-After"), "a 429 must say when to come back"
                time.sleep(float(reply.headers["Retry-After"]))
                continue
            raise AssertionError(f"{reply.status_code}: {reply.text}")
        raise AssertionError("gave up posting")

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(post, bodies))
    return Posted(accepted=accepted, answers=answers, histories=histories)


def delivery_counts(stack: Stack) -> dict[str, int]:
    """Compares what each agent received at the servers with the cases in the database."""
    cases = [row[0] for row in stack.query("SELECT id FROM cases")]
    sms = Counter()
    for message in stack.twilio.state.messages:
        ref = message.body.split(":", 1)[0].removeprefix("npsloop #")
        sms[(ref, message.to)] += 1
    mail = Counter()
    for item in stack.smtp.mails:
        ref = str(item.message["Subject"]).split("]", 1)[0].removeprefix("[npsloop #")
        for to in item.to:
            mail[(ref, to)] += 1
    expected_sms = [(str(c), phone) for c in cases for _, phone, _ in AGENTS]
    expected_mail = [(str(c), email) for c in cases for _, _, email in AGENTS]
    return {
        "cases": len(cases),
        "sms_missing": sum(1 for key in expected_sms if sms[key] == 0),
        "sms_duplicates": sum(max(0, sms[key] - 1) for key in expected_sms),
        "sms_unexpected": sum(n for key, n in sms.items() if key not in set(expected_sms)),
        "email_missing": sum(1 for key in expected_mail if mail[key] == 0),
        "email_duplicates": sum(max(0, mail[key] - 1) for key in expected_mail),
        "email_unexpected": sum(n for key, n in mail.items() if key not in set(expected_mail)),
    }


def detractor_customers(bodies: list[dict[str, Any]]) -> set[str]:
    return {b["customer"]["id"] for b in bodies if b["score"] <= 6}
