import time

import pytest
from click.testing import CliRunner

from npsloop.domain.access import AccessDenied, Principal, Role
from npsloop.services.deadletters import (
    EVERYTHING,
    Reach,
    UnknownDeadLetter,
    list_dead_letters,
    quarantine_task,
    reach_of,
    record_processing_failure,
    retry_dead_letters,
)
from tests.conftest import drain, ingest, process, seed_team


def exhaust(runtime):
    runtime.transports["sms"].script["+34611222333"] = ["transient"]
    seed_team(runtime, agents=(("Marta", "+34611222333", None, "es"),))
    ingest(runtime, score=1)
    for nid in process(runtime, runtime.dispatcher.responses.pop()):
        for _ in range(runtime.policy.max_attempts):
            runtime.send(nid)
            time.sleep(0.06)
    return nid


def test_a_notification_that_failed_every_attempt_is_listed_and_replayed(runtime):
    nid = exhaust(runtime)
    dead = list_dead_letters(uow=runtime.uow())
    assert [(n.id, n.state) for n in dead.notifications] == [(nid, "dead")]
    runtime.transports["sms"].script.clear()
    replayed = retry_dead_letters(uow=runtime.uow(), now=runtime.clock(), actor="ops")
    assert replayed.notifications == 1 and runtime.dispatcher.notifications == [nid]
    drain(runtime)
    assert list_dead_letters(uow=runtime.uow()).total == 0
    assert len(runtime.transports["sms"].sent) == 1


def test_permanent_failures_are_listed_but_only_replayed_when_asked(runtime):
    runtime.transports["sms"].script["+34611222333"] = ["permanent"]
    seed_team(runtime, agents=(("Marta", "+34611222333", None, "es"),))
    ingest(runtime, score=1)
    drain(runtime)
    assert [n.state for n in list_dead_letters(uow=runtime.uow()).notifications] == ["failed"]
    kwargs = {"uow": runtime.uow(), "now": runtime.clock(), "actor": "ops"}
    assert retry_dead_letters(**kwargs).notifications == 0
    assert retry_dead_letters(**{**kwargs, "uow": runtime.uow()}, include_failed=True).notifications == 1


def test_a_response_that_keeps_failing_is_quarantined_at_the_limit_and_replayable(runtime):
    response_id = ingest(runtime, score=1)
    for attempt in range(1, 4):
        quarantined = record_processing_failure(
            uow=runtime.uow(), response_id=response_id, error=f"boom {attempt}", now=runtime.clock(), limit=3
        )
        assert quarantined is (attempt == 3)
    [held] = list_dead_letters(uow=runtime.uow()).responses
    assert held.status == "quarantined" and held.last_error == "boom 3"
    runtime.dispatcher.responses.clear()
    retry_dead_letters(uow=runtime.uow(), now=runtime.clock(), actor="ops")
    assert runtime.dispatcher.responses == [response_id]


def test_quarantined_tasks_with_an_id_are_replayed_and_garbage_is_not(runtime):
    for payload in ('["17"]', '["not-an-id"]', "{broken"):
        quarantine_task(
            uow=runtime.uow(),
            task="npsloop.process_response",
            payload=payload,
            error="x",
            attempts=1,
            now=runtime.clock(),
        )
    assert len(list_dead_letters(uow=runtime.uow()).tasks) == 3
    replayed = retry_dead_letters(uow=runtime.uow(), now=runtime.clock(), actor="ops")
    assert replayed.tasks == 1 and runtime.dispatcher.responses == [17]
    assert list_dead_letters(uow=runtime.uow()).tasks == []  # each is replayed once, then leaves the list


def test_the_cli_lists_and_retries(tmp_path, monkeypatch):
    from npsloop.bootstrap import get_runtime
    from npsloop.cli import main
    from npsloop.settings import get_settings
    from npsloop.store import migrate
    from tests.conftest import FakeDispatcher

    monkeypatch.setenv("NPSLOOP_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    get_runtime.cache_clear()
    try:
        migrate.upgrade(get_settings().resolved_database_url)
        rt = get_runtime()
        rt.dispatcher = FakeDispatcher()
        quarantine_task(
            uow=rt.uow(), task="npsloop.send_notification", payload='["5"]', error="gone", attempts=3, now=rt.clock()
        )
        listing = CliRunner().invoke(main, ["dead-letters", "list"])
        assert "npsloop.send_notification" in listing.output and "1 dead letters" in listing.output
        retried = CliRunner().invoke(main, ["dead-letters", "retry"])
        assert "replayed 0 notifications, 0 responses, 1 tasks" in retried.output
        assert rt.dispatcher.notifications == [5]
        unknown = CliRunner().invoke(main, ["dead-letters", "retry", "--notification", "5"])
        assert unknown.exit_code == 1 and "no dead letter 5" in unknown.output  # one alone, as the dashboard retries
    finally:
        get_runtime().engine.dispose()
        get_runtime.cache_clear()
        get_settings.cache_clear()


def test_each_role_reaches_its_own_dead_letters():
    assert reach_of(Principal(name="root", role=Role.ADMIN)) == EVERYTHING
    assert reach_of(Principal(name="sofia", role=Role.SUPERVISOR)) == Reach(teams=None, untied=False)
    bound = Principal(name="marta", role=Role.SUPERVISOR, agent_id=1, team_ids=frozenset({7}))
    assert reach_of(bound) == Reach(teams=frozenset({7}), untied=False)
    with pytest.raises(AccessDenied):
        reach_of(Principal(name="tom", role=Role.AGENT, agent_id=2, team_ids=frozenset({7})))


def test_a_reach_lists_and_retries_its_teams_alerts_only_and_one_named_outside_it_is_unknown(runtime):
    runtime.transports["sms"].script = {"+34611222333": ["permanent"], "+34622333444": ["permanent"]}
    seed_team(runtime, agents=(("Marta", "+34611222333", None, "es"),))
    seed_team(
        runtime, "Billing", touchpoints=("billing",), default=False, agents=(("Bea", "+34622333444", None, "es"),)
    )
    ingest(runtime, score=1, touchpoint="delivery")
    ingest(runtime, score=1, touchpoint="billing")
    drain(runtime)
    held = ingest(runtime, score=1)
    for _ in range(3):
        record_processing_failure(uow=runtime.uow(), response_id=held, error="boom", now=runtime.clock(), limit=3)
    with runtime.uow() as uow:
        logistics = uow.directory.team_named("Logistics").id
    reach = Reach(teams=frozenset({logistics}), untied=False)
    [mine] = list_dead_letters(uow=runtime.uow(), reach=reach).notifications
    seen = list_dead_letters(uow=runtime.uow(), reach=reach)
    assert seen.responses == [] and seen.tasks == []
    [other] = [n for n in list_dead_letters(uow=runtime.uow()).notifications if n.id != mine.id]
    kwargs = {"now": runtime.clock(), "actor": "marta", "reach": reach}
    with pytest.raises(UnknownDeadLetter):
        retry_dead_letters(uow=runtime.uow(), notification_id=other.id, **kwargs)
    runtime.dispatcher.notifications.clear()
    runtime.dispatcher.responses.clear()
    done = retry_dead_letters(uow=runtime.uow(), include_failed=True, **kwargs)
    assert (done.notifications, done.responses, done.tasks) == (1, 0, 0)
    assert runtime.dispatcher.notifications == [mine.id] and runtime.dispatcher.responses == []
    assert [n.id for n in list_dead_letters(uow=runtime.uow()).notifications] == [other.id]
    assert [r.id for r in list_dead_letters(uow=runtime.uow()).responses] == [held]
