from datetime import timedelta

from npsloop.services.casework import get_case
from npsloop.services.reconcile import reconcile
from tests.conftest import drain, ingest, process, seed_team


def run(rt, later=timedelta(minutes=5)):
    return reconcile(uow=rt.uow(), now=rt.clock() + later, stuck_after=timedelta(seconds=60))


def test_a_response_the_broker_lost_is_enqueued_again(runtime):
    response_id = ingest(runtime, score=2)
    runtime.dispatcher.responses.clear()  # the broker lost it
    assert run(runtime, later=timedelta(seconds=10)).responses == 0  # not stuck yet
    assert run(runtime).responses == 1
    assert runtime.dispatcher.responses == [response_id]


def test_a_notification_whose_task_was_lost_is_enqueued_again(runtime):
    seed_team(runtime)
    ingest(runtime, score=2)
    pending = process(runtime, runtime.dispatcher.responses.pop())  # taken off the queue: as lost
    assert run(runtime).notifications == len(pending)
    assert sorted(runtime.dispatcher.notifications) == sorted(pending)


def test_a_send_that_was_claimed_and_never_recorded_is_retried_and_flagged(runtime):
    seed_team(runtime, agents=(("Marta", "+34611222333", None, "es"),))
    ingest(runtime, score=2)
    [nid] = process(runtime, runtime.dispatcher.responses.pop())
    with runtime.uow() as uow:  # a worker claimed it and died
        uow.notifications.claim(nid, now=runtime.clock())
        uow.commit()
    report = run(runtime)
    assert report.reopened_sends == 1 and runtime.dispatcher.notifications == [nid]
    drain(runtime)
    with runtime.uow() as uow:
        row = uow.notifications.get(nid)
    assert row.state == "sent"
    assert "notification_resent" in [e.kind for e in get_case(uow=runtime.uow(), case_id=row.case_id).events]


def test_nothing_is_done_when_nothing_is_stuck(runtime):
    seed_team(runtime)
    ingest(runtime, score=2)
    drain(runtime)
    report = run(runtime)
    assert (report.responses, report.notifications, report.reopened_sends) == (0, 0, 0)
