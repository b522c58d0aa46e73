"""The worker's processing path (Runtime.process): the alerts of a case it opens are sent by the same task right
after the processing commit, through the claim-before-send gate; only what must wait goes to the queue."""

from __future__ import annotations

from npsloop.services.casework import get_case
from tests.conftest import drain, ingest, seed_team


def test_the_alerts_of_a_new_case_are_sent_by_the_task_that_opened_it(runtime):
    seed_team(runtime)
    response_id = ingest(runtime, score=1)
    assert runtime.dispatcher.responses == [response_id]
    runtime.process(runtime.dispatcher.responses.pop())
    assert runtime.dispatcher.notifications == []  # nothing went through the queue
    assert len(runtime.transports["sms"].sent) == 1 and len(runtime.transports["email"].sent) == 2
    case = get_case(uow=runtime.uow(), case_id=1)
    assert sorted(n.state for n in case.notifications) == ["sent", "sent", "sent"]


def test_a_transient_failure_is_handed_to_the_send_task_which_retries_it(runtime):
    runtime.transports["sms"].script["+34611222333"] = ["transient"]
    seed_team(runtime)
    ingest(runtime, score=1)
    runtime.process(runtime.dispatcher.responses.pop())
    [queued] = runtime.dispatcher.notifications  # the SMS: its retry is the send task's job
    case = get_case(uow=runtime.uow(), case_id=1)
    sms = next(n for n in case.notifications if n.channel == "sms")
    assert queued == sms.id and sms.state == "pending" and sms.attempts == 1
    assert len(runtime.transports["email"].sent) == 2  # the other alerts went at once


def test_an_alert_the_task_cannot_send_is_queued_not_lost(runtime, monkeypatch):
    seed_team(runtime)
    ingest(runtime, score=1)

    def broken(notification_ids: list[int]) -> None:
        raise RuntimeError("the channel's client crashed")

    monkeypatch.setattr(runtime, "send_many", broken)
    runtime.process(runtime.dispatcher.responses.pop())
    assert len(runtime.dispatcher.notifications) == 3  # every alert handed to the send task
    monkeypatch.undo()
    drain(runtime)
    assert len(runtime.transports["sms"].sent) == 1 and len(runtime.transports["email"].sent) == 2


def test_running_the_task_again_sends_nothing_twice(runtime):
    seed_team(runtime)
    ingest(runtime, score=1)
    response_id = runtime.dispatcher.responses.pop()
    runtime.process(response_id)
    runtime.process(response_id)  # a redelivered task
    assert runtime.dispatcher.notifications == []
    assert len(runtime.transports["sms"].sent) == 1 and len(runtime.transports["email"].sent) == 2
