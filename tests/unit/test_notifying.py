from npsloop.services.casework import get_case
from npsloop.services.notifying import SendStatus
from tests.conftest import ingest, seed_team


def open_case(rt, **agent):
    seed_team(rt, agents=(("Marta", agent.get("phone", "+34611222333"), None, "es"),))
    response_id = ingest(rt, score=2)
    rt.dispatcher.responses.clear()
    from npsloop.services.processing import handle_response

    [notification_id] = handle_response(uow=rt.uow(), response_id=response_id, now=rt.clock())
    return notification_id


def send(rt, notification_id):
    return rt.send(notification_id)


def notification(rt, notification_id):
    with rt.uow() as uow:
        return uow.notifications.get(notification_id)


def test_a_sent_notification_is_never_sent_again(runtime):
    nid = open_case(runtime)
    assert send(runtime, nid).status is SendStatus.SENT
    assert send(runtime, nid).status is SendStatus.SKIPPED
    assert len(runtime.transports["sms"].sent) == 1
    row = notification(runtime, nid)
    assert row.state == "sent" and row.provider_id == "fake-1" and row.attempts == 1


def test_a_claimed_notification_is_not_sent_by_a_second_worker(runtime):
    nid = open_case(runtime)
    with runtime.uow() as uow:
        assert uow.notifications.claim(nid, now=runtime.clock())
        uow.commit()
    assert send(runtime, nid).status is SendStatus.SKIPPED
    assert runtime.transports["sms"].sent == []


def test_a_transient_failure_is_retried_with_backoff_and_then_delivered(runtime):
    runtime.transports["sms"].script["+34611222333"] = ["transient", "transient", "ok"]
    nid = open_case(runtime)
    first = send(runtime, nid)
    assert first.status is SendStatus.RETRY and first.retry_in > 0
    row = notification(runtime, nid)
    assert row.state == "pending" and row.next_attempt_at > row.claimed_at
    assert "503" in row.last_error
    import time

    time.sleep(0.06)
    assert send(runtime, nid).status is SendStatus.RETRY
    time.sleep(0.06)
    assert send(runtime, nid).status is SendStatus.SENT
    assert notification(runtime, nid).attempts == 3


def test_a_notification_that_is_not_yet_due_is_not_sent_early(runtime):
    runtime.policy = type(runtime.policy)(max_attempts=5, base_seconds=60, cap_seconds=60)
    runtime.transports["sms"].script["+34611222333"] = ["transient", "ok"]
    nid = open_case(runtime)
    assert send(runtime, nid).status is SendStatus.RETRY
    assert send(runtime, nid).status is SendStatus.SKIPPED
    assert runtime.transports["sms"].sent == []


def test_a_permanent_failure_is_recorded_once_and_not_retried(runtime):
    runtime.transports["sms"].script["+34611222333"] = ["permanent"]
    nid = open_case(runtime)
    assert send(runtime, nid).status is SendStatus.FAILED
    assert send(runtime, nid).status is SendStatus.SKIPPED
    row = notification(runtime, nid)
    assert row.state == "failed" and "invalid" in row.last_error
    assert runtime.transports["sms"].calls["+34611222333"] == 1
    view = get_case(uow=runtime.uow(), case_id=row.case_id)
    assert view.events[-1].kind == "notification_failed"


def test_transient_failures_stop_after_the_last_attempt(runtime):
    import time

    runtime.transports["sms"].script["+34611222333"] = ["transient"]
    nid = open_case(runtime)
    results = []
    for _ in range(runtime.policy.max_attempts + 2):
        results.append(send(runtime, nid).status)
        time.sleep(0.06)
    assert results.count(SendStatus.RETRY) == runtime.policy.max_attempts - 1
    assert SendStatus.DEAD in results
    assert runtime.transports["sms"].calls["+34611222333"] == runtime.policy.max_attempts
    assert notification(runtime, nid).state == "dead"
