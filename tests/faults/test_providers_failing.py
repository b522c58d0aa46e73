"""The SMS and email providers misbehave in every documented way. Transient errors are retried with
exponential backoff and jitter, a 429's Retry-After is honoured, permanent errors are recorded with their
reason and fail over to the other channel, nothing is retried forever, and what fails every attempt lands in
the dead-letter list, from which `npsloop dead-letters retry` sends it once the provider is back."""

from __future__ import annotations

import json

from tests.conftest import payload
from tests.support.stack import AUTH, Stack, wait_for
from tests.support.traffic import post_all

AGENTS = {
    "Ana": ("+34611000001", "ana@example.es"),
    "Bea": ("+34611000002", "bea@example.es"),
    "Cris": ("+34611000003", "cris@example.es"),
    "Dani": ("+34611000004", "dani@example.es"),
}


def notifications(stack: Stack) -> dict[tuple[str, str], tuple[str, int, str | None]]:
    rows = stack.query(
        "SELECT a.name, n.channel, n.state, n.attempts, n.last_error"
        " FROM notifications n JOIN agents a ON a.id = n.agent_id"
    )
    return {(name, channel): (state, attempts, error) for name, channel, state, attempts, error in rows}


def test_failing_providers_are_retried_recorded_failed_over_and_dead_lettered(stack_factory, report):
    stack = stack_factory(NPSLOOP_MAX_SEND_ATTEMPTS="5").start(workers=1, beat=True)
    assert stack.http.post("/v1/teams", json={"name": "Care", "default": True}, headers=AUTH).status_code == 201
    for name, (phone, email) in AGENTS.items():
        body = {"name": name, "team": "Care", "phone": phone, "email": email}
        assert stack.http.post("/v1/agents", json=body, headers=AUTH).status_code == 201
    twilio, smtp = stack.twilio.state, stack.smtp
    twilio.script.update(
        {
            AGENTS["Ana"][0]: ["error", "throttle", "slow", "ok"],
            AGENTS["Bea"][0]: ["invalid"],
            AGENTS["Cris"][0]: ["unsubscribed"],
            AGENTS["Dani"][0]: ["error"],
        }
    )
    smtp.script.update(
        {
            AGENTS["Ana"][1]: ["451 4.3.0 try again later", "drop", "ok"],
            AGENTS["Cris"][1]: ["550 5.1.1 no such user"],
            AGENTS["Dani"][1]: ["drop"],
        }
    )
    post_all(stack, [payload(score=1, customer={"id": "c-providers"})], threads=1)
    stack.wait_settled(timeout=120)
    rows = notifications(stack)

    # Transient errors, retried until delivered, once.
    assert rows[("Ana", "sms")][:2] == ("sent", 4) and rows[("Ana", "email")][:2] == ("sent", 3)
    assert len(twilio.to(AGENTS["Ana"][0])) == 1 and len(smtp.to(AGENTS["Ana"][1])) == 1
    ana = [when for to, when, _ in twilio.log if to == AGENTS["Ana"][0]]
    throttled_gap = ana[2] - ana[1]
    assert throttled_gap >= 1.9  # the 429 asked for 2 s

    # Permanent errors: recorded with the provider's reason, not retried, and the other channel carries it.
    assert rows[("Bea", "sms")][:2] == ("failed", 1) and "21211" in rows[("Bea", "sms")][2]
    assert rows[("Bea", "email")][0] == "sent"
    assert rows[("Cris", "sms")][:2] == ("failed", 1) and "21610" in rows[("Cris", "sms")][2]
    assert rows[("Cris", "email")][:2] == ("failed", 1) and "550" in rows[("Cris", "email")][2]
    failovers = [note for (note,) in stack.query("SELECT note FROM case_events WHERE kind = 'failover' ORDER BY id")]
    assert sum(f.startswith("sms failed; email carries the alert (") for f in failovers) >= 2  # Bea, Cris
    assert "email failed; sms carries the alert (failed)" in failovers  # Cris: both channels refused for good

    # Nothing retried forever: Dani's channels stop after the last attempt, with growing, jittered gaps.
    assert rows[("Dani", "sms")][:2] == ("dead", 5) and rows[("Dani", "email")][:2] == ("dead", 5)
    dani = [when for to, when, _ in twilio.log if to == AGENTS["Dani"][0]]
    gaps = [b - a for a, b in zip(dani, dani[1:], strict=False)]
    # Lower bounds only (the backoff cannot be faster than its floor); how slow a loaded machine is, is not tested.
    assert len(dani) == 5 and gaps[-1] > gaps[0] and all(g >= 0.1 for g in gaps)

    listed = json.loads(stack.cli("dead-letters", "list", "--json"))
    dead = {(row["kind"], row["state"], row["channel"]) for row in listed if row["kind"] == "notification"}
    assert ("notification", "dead", "sms") in dead and ("notification", "dead", "email") in dead
    assert ("notification", "failed", "sms") in dead  # permanent failures are listed too

    twilio.script[AGENTS["Dani"][0]] = ["ok"]
    smtp.script[AGENTS["Dani"][1]] = ["ok"]
    assert "replayed 2 notifications" in stack.cli("dead-letters", "retry")
    wait_for(lambda: twilio.to(AGENTS["Dani"][0]) and smtp.to(AGENTS["Dani"][1]), 60, "the replayed alerts")
    stack.wait_settled(timeout=60)
    assert len(twilio.to(AGENTS["Dani"][0])) == 1 and len(smtp.to(AGENTS["Dani"][1])) == 1
    report.update(
        ana_sms_attempt_gaps=[round(b - a, 2) for a, b in zip(ana, ana[1:], strict=False)],
        dani_sms_attempt_gaps=[round(g, 2) for g in gaps],
        states={f"{k[0]}/{k[1]}": v[0] for k, v in notifications(stack).items()},
    )
