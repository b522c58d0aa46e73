"""The right to disconnect with every real part (uvicorn, Celery on Redis, PostgreSQL, the twilio SDK against the
Twilio-compatible server): an agent outside their hours is not alerted while the on-call one is; the held alert
is on the timeline, and goes once, through the queue, when the agent's hours change to cover the present."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import payload
from tests.e2e.test_closed_loop import AUTH, Loop, case_of, loop, post, sms_for, wait_for  # noqa: F401

ANA, LUIS = "+34611000111", "+34611000222"


def elsewhere_in_the_week() -> str:
    """One hour on a weekday that is neither today nor tomorrow (UTC): the present is outside it, for a while."""
    day = (datetime.now(UTC) + timedelta(days=3)).strftime("%a").lower()
    return f"{day} 03:00-04:00"


def test_an_agent_outside_their_hours_waits_and_is_alerted_once_when_their_hours_cover_the_present(loop: Loop):  # noqa: F811
    hours = elsewhere_in_the_week()
    assert (
        loop.http.post("/v1/teams", json={"name": "Nights", "touchpoints": ["night"]}, headers=AUTH).status_code == 201
    )
    for name, phone, on_call in (("Ana", ANA, False), ("Luis", LUIS, True)):
        agent = {"name": name, "team": "Nights", "phone": phone, "language": "es", "hours": hours, "on_call": on_call}
        assert loop.http.post("/v1/agents", json=agent, headers=AUTH).status_code == 201, name
    reply = post(loop, payload(score=1, touchpoint="night", customer={"id": "c-night-1", "phone": "+34600999888"}))
    assert reply.status_code == 202
    case_id: object = None

    def luis_alerted() -> bool:
        nonlocal case_id
        try:
            case_id = case_of(loop, reply.json()["id"])["id"]
        except AssertionError:
            return False
        return bool(sms_for(loop, LUIS, case_id))

    wait_for(luis_alerted, 30, "the on-call agent's SMS")
    wait_for(
        lambda: any(e["kind"] == "alert_held" for e in case_of(loop, reply.json()["id"])["timeline"]),
        15,
        "the held alert on the timeline",
    )
    assert sms_for(loop, ANA, case_id) == []
    held = [e for e in case_of(loop, reply.json()["id"])["timeline"] if e["kind"] == "alert_held"]
    assert len(held) == 1 and "Ana is outside their working hours" in held[0]["note"]

    answer = loop.http.put(
        "/v1/agents/Ana/hours", json={"hours": "mon-sun 00:00-24:00", "on_call": False}, headers=AUTH
    )
    assert answer.status_code == 200 and answer.json()["hours"].startswith("mon 00:00-24:00")
    wait_for(lambda: sms_for(loop, ANA, case_id), 30, "the held SMS once the agent's hours cover the present")
    wait_for(
        lambda: all(n["state"] == "sent" for n in case_of(loop, reply.json()["id"])["notifications"]),
        15,
        "every alert recorded as sent",
    )
    assert len(sms_for(loop, ANA, case_id)) == 1 and len(sms_for(loop, LUIS, case_id)) == 1
