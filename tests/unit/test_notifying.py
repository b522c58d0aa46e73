from npsloop.services.casework import get_case
from npsloop.services.notifying import SendStatus, send_notification
from tests.conftest import drain, ingest, process, seed_team


def open_case(rt, **agent):
    seed_team(rt, agents=(("Marta", agent.get("phone", "+34611222333"), None, "es"),))
    response_id = ingest(rt, score=2)
    rt.dispatcher.responses.clear()
    [notification_id] = process(rt, response_id)
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
    early = send(runtime, nid)  # a timer that fires before the attempt is due is told to come back
    assert early.status is SendStatus.RETRY and 0 < early.retry_in <= 60.1
    assert runtime.transports["sms"].sent == [] and runtime.transports["sms"].calls["+34611222333"] == 1


def test_a_permanent_failure_is_recorded_once_and_not_retried(runtime):
    runtime.transports["sms"].script["+34611222333"] = ["permanent"]
    nid = open_case(runtime)
    assert send(runtime, nid).status is SendStatus.FAILED
    assert send(runtime, nid).status is SendStatus.SKIPPED
    row = notification(runtime, nid)
    assert row.state == "failed" and "invalid" in row.last_error
    assert runtime.transports["sms"].calls["+34611222333"] == 1
    view = get_case(uow=runtime.uow(), case_id=row.case_id)
    assert [e.kind for e in view.events[-2:]] == ["notification_failed", "failover"]
    assert "no other channel" in view.events[-1].note


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


def test_a_permanent_sms_failure_fails_over_to_email_created_for_the_purpose(runtime):
    runtime.transports["sms"].script["+34611222333"] = ["permanent"]
    nid = open_case(runtime)
    with runtime.uow() as uow:  # the agent got an email address after the case was opened
        uow.directory.agent_named("Marta").email = "marta@example.es"
        uow.commit()
    result = send(runtime, nid)
    [follow_up] = runtime.dispatcher.notifications  # the fail-over's email, queued when its failure committed
    assert result.status is SendStatus.FAILED
    assert send(runtime, follow_up).status is SendStatus.SENT
    [mail] = runtime.transports["email"].sent
    assert mail.to == "marta@example.es"
    events = get_case(uow=runtime.uow(), case_id=notification(runtime, nid).case_id).events
    failover = next(e for e in events if e.kind == "failover")
    assert failover.note == "sms failed; email carries the alert (pending)"


def test_when_both_channels_exist_the_failover_names_the_one_already_carrying_the_alert(runtime):
    runtime.transports["sms"].script["+34611222333"] = ["permanent"]
    seed_team(runtime, agents=(("Marta", "+34611222333", "marta@example.es", "es"),))
    ingest(runtime, score=2)
    drain(runtime)
    failover = [e for e in all_events(runtime) if e.kind == "failover"]
    assert len(failover) == 1 and failover[0].note.startswith("sms failed; email carries the alert")
    assert len(runtime.transports["email"].sent) == 1  # no second email: the existing one is the failover


def test_a_recorded_send_survives_a_short_database_outage_without_a_resend(runtime, monkeypatch):
    from npsloop.services.unit_of_work import StoreUnavailable
    from npsloop.store.uow import SqlUnitOfWork

    nid = open_case(runtime)
    real_commit = SqlUnitOfWork.commit
    outages = iter([True, True])

    def flaky_commit(self):
        if runtime.transports["sms"].sent and next(outages, False):  # down just after the provider call
            raise StoreUnavailable("connection refused")
        real_commit(self)

    pauses = []
    monkeypatch.setattr(SqlUnitOfWork, "commit", flaky_commit)
    result = send_notification(
        uow=runtime.uow(),
        transports=runtime.transports,
        renderer=runtime.renderer,
        policy=runtime.policy,
        notification_id=nid,
        now=runtime.clock(),
        public_url="http://x",
        pause=pauses.append,
    )
    monkeypatch.undo()
    assert result.status is SendStatus.SENT and pauses == [0.5, 1.0]
    assert notification(runtime, nid).state == "sent"
    assert len(runtime.transports["sms"].sent) == 1


def test_a_missing_notification_is_reported_as_such(runtime):
    import pytest

    from npsloop.services.notifying import NotificationNotFound

    with pytest.raises(NotificationNotFound):
        send(runtime, 4242)


def all_events(rt):
    from npsloop.services.records import CaseFilter

    with rt.uow() as uow:
        [case] = uow.cases.search(CaseFilter(), limit=10, offset=0)[0]
    return get_case(uow=rt.uow(), case_id=case.id).events


def test_the_new_case_alert_names_the_negative_themes_in_the_agents_language(runtime):
    from npsloop.domain.theme_tags import Polarity, ThemeTag

    nid = open_case(runtime)
    with runtime.uow() as uow:
        case_id = uow.notifications.get(nid).case_id
        [response] = uow.responses.for_case(case_id)
        tags = [
            ThemeTag("wait_time", Polarity.NEGATIVE, 0.7),
            ThemeTag("billing", Polarity.NEGATIVE, 0.9),
            ThemeTag("staff_attitude", Polarity.POSITIVE, 0.95),  # praise is no reason to call
        ]
        uow.tags.replace(response.id, tags)
        uow.commit()
    assert send(runtime, nid).status is SendStatus.SENT
    [sms] = runtime.transports["sms"].sent
    assert "Temas: Facturacion" in sms.text  # GSM-7 kept: the accent of our own word goes
    assert "Trato" not in sms.text
