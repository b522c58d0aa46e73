import dataclasses

from npsloop.services.casework import get_case
from npsloop.services.notifying import SendStatus, send_notifications
from tests.conftest import drain, ingest, process, seed_team


def open_case(rt, **agent):
    seed_team(rt, agents=(("Marta", agent.get("phone", "+34611222333"), None, "es"),))
    # A customer name in GSM-7: an SMS is UCS-2 whatever our own words say once the customer's hold a character
    # outside it, and what the alerts here are checked for is our words.
    response_id = ingest(rt, score=2, customer={"id": "c-1", "name": "Ana Gomez", "phone": "+34600111222"})
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
    sending = dataclasses.replace(runtime.sending(), pause=pauses.append)
    [result] = send_notifications(uow=runtime.uow(), sending=sending, notification_ids=[nid])
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


def open_case_for_two_agents(rt):
    seed_team(rt)
    ingest(rt, score=2)
    notification_ids = process(rt, rt.dispatcher.responses.pop())
    assert len(notification_ids) == 3
    return notification_ids


def test_a_new_cases_alerts_are_claimed_in_one_transaction_and_recorded_in_another(runtime, monkeypatch):
    from npsloop.store.uow import SqlUnitOfWork

    notification_ids = open_case_for_two_agents(runtime)
    commits = []
    real_commit = SqlUnitOfWork.commit

    def counted(self):
        commits.append(len(runtime.transports["sms"].sent) + len(runtime.transports["email"].sent))
        real_commit(self)

    monkeypatch.setattr(SqlUnitOfWork, "commit", counted)
    results = runtime.send_many(notification_ids)
    assert [r.status for r in results] == [SendStatus.SENT] * 3
    assert commits == [0, 3]  # the claim before any provider call, the record after all three (one case)
    states = {notification(runtime, nid).state for nid in notification_ids}
    assert states == {"sent"}
    events = [e for e in all_events(runtime) if e.kind == "notified"]
    assert len(events) == 3


class Killed(BaseException):
    """What a worker sees of a SIGKILL: nothing it could catch or record."""


def test_a_worker_killed_on_the_second_case_of_a_batch_leaves_the_first_case_recorded(runtime):
    import pytest

    first = open_case_for_two_agents(runtime)
    ingest(runtime, score=3, customer={"id": "another", "phone": "+34600000002"})
    second = process(runtime, runtime.dispatcher.responses.pop())
    with runtime.uow() as uow:
        second_case = uow.notifications.get(second[0]).case_id
    sms = runtime.transports["sms"]
    real_send = sms.send

    def dies_on_the_second_case(message):
        if f"#{second_case}" in message.text:
            raise Killed
        return real_send(message)

    sms.send = dies_on_the_second_case
    with pytest.raises(Killed):
        runtime.send_many(first + second)
    # The first case's alerts were sent and recorded before the second case's provider call: only the second
    # case's alerts stay `sending`, for the reconciler to resend (the window the README names).
    assert {notification(runtime, nid).state for nid in first} == {"sent"}
    assert {notification(runtime, nid).state for nid in second} == {"sending"}


def test_one_alert_failing_in_a_batch_keeps_its_own_outcome(runtime):
    runtime.transports["sms"].script["+34611222333"] = ["permanent"]
    notification_ids = open_case_for_two_agents(runtime)
    results = runtime.send_many(notification_ids)
    pairs = zip(notification_ids, results, strict=True)
    by_channel = {notification(runtime, nid).channel: result.status for nid, result in pairs}
    assert by_channel["sms"] is SendStatus.FAILED
    assert [r.status for r in results].count(SendStatus.SENT) == 2
    assert len(runtime.transports["email"].sent) == 2


def test_an_unexpected_provider_error_does_not_stop_the_other_alerts_and_is_raised_after_they_are_recorded(
    runtime, monkeypatch
):
    import pytest

    notification_ids = open_case_for_two_agents(runtime)
    sms = runtime.transports["sms"]

    def crash(message):
        raise RuntimeError("the SMS client crashed")

    monkeypatch.setattr(sms, "send", crash)
    with pytest.raises(RuntimeError, match="crashed"):
        runtime.send_many(notification_ids)
    states = sorted((notification(runtime, nid).channel, notification(runtime, nid).state) for nid in notification_ids)
    # the SMS stays claimed: nobody knows whether the provider took it, so the reconciler decides (a marked resend)
    assert states == [("email", "sent"), ("email", "sent"), ("sms", "sending")]
    assert len(runtime.transports["email"].sent) == 2


def test_a_batch_with_a_missing_notification_claims_nothing(runtime):
    import pytest

    from npsloop.services.notifying import NotificationNotFound

    notification_ids = open_case_for_two_agents(runtime)
    with pytest.raises(NotificationNotFound):
        runtime.send_many([*notification_ids, 4242])
    assert {notification(runtime, nid).state for nid in notification_ids} == {"pending"}


def test_a_reminder_names_the_negative_themes_too(runtime):
    from npsloop.domain.notifications import AlertKind, Notification
    from npsloop.domain.theme_tags import Polarity, ThemeTag

    nid = open_case(runtime)
    assert send(runtime, nid).status is SendStatus.SENT
    with runtime.uow() as uow:
        case_id = uow.notifications.get(nid).case_id
        [response] = uow.responses.for_case(case_id)
        uow.tags.replace(response.id, [ThemeTag("delivery", Polarity.NEGATIVE, 0.8)])
        reminder = Notification(
            case_id=case_id,
            agent_id=1,
            channel="sms",
            kind=AlertKind.reminder("contact").key,
            created_at=runtime.clock(),
        )
        uow.notifications.add(reminder)
        uow.commit()
        reminder_id = reminder.id
    assert send(runtime, reminder_id).status is SendStatus.SENT
    assert "Temas: Entrega" in runtime.transports["sms"].sent[-1].text


def test_a_retry_in_a_batch_backs_off_from_its_own_failure_not_from_the_claim(runtime, monkeypatch):
    from datetime import timedelta

    notification_ids = open_case_for_two_agents(runtime)
    moment = {"now": runtime.clock()}
    claimed_at = moment["now"]
    runtime.clock = lambda: moment["now"]
    sms = runtime.transports["sms"]
    answer = sms.send

    def slow(message):
        moment["now"] += timedelta(seconds=30)  # a provider that took 30 s to answer, before Tom's email
        return answer(message)

    monkeypatch.setattr(sms, "send", slow)
    runtime.transports["email"].script["tom@example.com"] = ["transient"]
    results = runtime.send_many(notification_ids)
    [tom] = [nid for nid in notification_ids if notification(runtime, nid).agent_id == 2]
    assert results[notification_ids.index(tom)].status is SendStatus.RETRY
    row = notification(runtime, tom)
    assert row.next_attempt_at.replace(tzinfo=claimed_at.tzinfo) > claimed_at + timedelta(seconds=30)
