"""Case events out to Slack, Microsoft Teams and signed webhooks, received by a local HTTP server: the Block
Kit message with its button, the Teams Adaptive Card valid against its schema, the webhook's signature
checked as a receiver would, retries with backoff until a 2xx, a delivery given up on after the last
attempt, and the delivery log."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from npsloop.domain.cases import Action, Outcome
from npsloop.domain.outbound import MAX_ATTEMPTS, InvalidEndpoint
from npsloop.domain.theme_tags import Polarity, ThemeTag
from npsloop.egress.client import Egress
from npsloop.egress.policy import Policy
from npsloop.ingest import signature
from npsloop.services import outbound
from npsloop.services.casework import act_on_case
from tests.conftest import LOOPBACK, at, drain, ingest, seed_team
from tests.support.http_sink import http_sink
from tests.support.slow_server import Answer, slow_server


def add_endpoint(rt, **given):
    return outbound.add_endpoint(uow=rt.uow(), egress=rt.egress.policy, now=rt.clock(), **given)


def deliver_due(rt, **given) -> int:
    return outbound.deliver_due(uow=rt.uow(), now=rt.clock(), post=rt.post_outbound, **given)


def case_id(rt) -> int:
    with rt.uow() as uow:
        response = uow.responses.get(1)
        return response.case_id


def test_slack_and_a_signed_webhook_receive_each_case_event(runtime):
    seed_team(runtime)
    with http_sink() as slack, http_sink() as helpdesk:
        add_endpoint(runtime, name="team-slack", kind="slack", url=slack.url)
        secret = add_endpoint(runtime, name="zendesk", kind="webhook", url=helpdesk.url).secret
        ingest(runtime, comment="Nobody came", customer={"id": "c-1", "name": "Ana Gómez", "phone": "+34600111222"})
        drain(runtime)
        cid = case_id(runtime)
        with runtime.uow() as uow:
            themes = [ThemeTag("delivery", Polarity.NEGATIVE, 0.9), ThemeTag("staff_attitude", Polarity.POSITIVE, 0.6)]
            uow.tags.replace(1, themes)
            uow.commit()
        act_on_case(uow=runtime.uow(), case_id=cid, action=Action.ACKNOWLEDGE, actor="Marta", now=runtime.clock())
        act_on_case(uow=runtime.uow(), case_id=cid, action=Action.CONTACT, actor="Marta", now=runtime.clock())
        act_on_case(
            uow=runtime.uow(),
            case_id=cid,
            action=Action.CLOSE,
            actor="Marta",
            now=runtime.clock(),
            outcome=Outcome.RESOLVED,
        )
        assert deliver_due(runtime, public_url="https://nps.example.com") == 8

        kinds = [hit.headers["npsloop-event"] for hit in helpdesk.posts()]
        assert kinds == ["case.opened", "case.acknowledged", "case.contacted", "case.closed"]
        for hit in helpdesk.posts():
            # The receiver's check: the same code npsloop's own inbound webhooks use.
            assert (
                signature.verify(
                    hit.headers["npsloop-signature"], hit.body, {"npsloop": [secret]}, now=time.time(), tolerance=300
                )
                == "npsloop"
            )
            assert hit.json()["id"] == int(hit.headers["npsloop-delivery"])
        opened = helpdesk.posts()[0].json()
        assert opened["case"]["customer"] == {"id": "c-1", "name": "Ana Gómez", "email": None, "phone": "+34600111222"}
        assert opened["case"]["opening_response"]["comment"] == "Nobody came"
        assert opened["case"]["url"] == f"https://nps.example.com/ui/cases/{cid}"
        assert helpdesk.posts()[-1].json()["case"]["outcome"] == "resolved"
        assert opened["case"]["themes"] == [
            {"theme": "delivery", "polarity": "negative", "confidence": 0.9},
            {"theme": "staff_attitude", "polarity": "positive", "confidence": 0.6},
        ]

        message = slack.posts()[0].json()
        assert "npsloop-signature" not in slack.posts()[0].headers
        assert message["blocks"][0]["text"]["text"] == f"Case #{cid} opened"
        case_button, queue_button = message["blocks"][-1]["elements"]
        assert (case_button["type"], case_button["url"]) == ("button", f"https://nps.example.com/ui/cases/{cid}")
        assert queue_button["url"] == "https://nps.example.com/ui/cases"
        assert "+34600111222" not in slack.posts()[0].body.decode()  # a channel is no place for the phone
        assert {"type": "mrkdwn", "text": "*Complains of*\ndelivery"} in message["blocks"][1]["fields"]
        # Nothing is sent twice: every delivery is recorded as delivered.
        assert deliver_due(runtime, public_url="https://x") == 0
        log = outbound.deliveries(uow=runtime.uow())
        assert {row["status"] for row in log} == {"delivered"} and len(log) == 8


def test_failures_are_retried_with_backoff_then_given_up_and_can_be_redelivered(runtime):
    seed_team(runtime)
    with http_sink() as helpdesk:
        helpdesk.statuses = [500, 503, 200]
        add_endpoint(runtime, name="crm", kind="webhook", url=helpdesk.url, events=["opened"])
        ingest(runtime)
        drain(runtime)
        send = lambda: deliver_due(runtime, public_url="https://x")  # noqa: E731
        assert send() == 1
        assert send() == 0  # not due again before its backoff
        at(runtime, runtime.clock() + timedelta(seconds=16))
        assert send() == 1
        at(runtime, runtime.clock() + timedelta(seconds=31))
        assert send() == 1
        row = outbound.deliveries(uow=runtime.uow())[0]
        assert (row["status"], row["attempts"], row["last_status_code"]) == ("delivered", 3, 200)
        assert len({hit.headers["npsloop-delivery"] for hit in helpdesk.posts()}) == 1  # one id across retries

        helpdesk.statuses = [410]
        ingest(runtime, customer={"id": "other", "name": "Bo"})
        drain(runtime)
        for _ in range(MAX_ATTEMPTS):
            send()
            at(runtime, runtime.clock() + timedelta(hours=1, seconds=1))
        failed = outbound.deliveries(uow=runtime.uow(), status="failed")
        assert len(failed) == 1 and failed[0]["attempts"] == MAX_ATTEMPTS and failed[0]["last_status_code"] == 410
        helpdesk.statuses = [200]
        outbound.redeliver(uow=runtime.uow(), delivery_id=failed[0]["id"], now=runtime.clock())
        assert send() == 1
        assert outbound.deliveries(uow=runtime.uow(), status="failed") == []
        outbound.remove_endpoint(uow=runtime.uow(), name="crm")
        assert outbound.deliveries(uow=runtime.uow()) == []  # the log goes with its endpoint


def test_an_unreachable_endpoint_is_a_retry_not_a_crash(runtime):
    seed_team(runtime)
    add_endpoint(runtime, name="gone", kind="webhook", url="http://127.0.0.1:9/hook")
    ingest(runtime)
    drain(runtime)
    assert deliver_due(runtime, public_url="https://x") == 1
    row = outbound.deliveries(uow=runtime.uow())[0]
    assert row["status"] == "pending" and row["attempts"] == 1 and "ConnectError" in row["last_error"]


def test_endpoints_are_checked_and_only_wanted_events_are_queued(runtime):
    with pytest.raises(InvalidEndpoint, match="events are some of"):
        add_endpoint(runtime, name="x", kind="slack", url="https://h", events=["bogus"])
    with pytest.raises(InvalidEndpoint, match="http"):
        add_endpoint(runtime, name="x", kind="slack", url="ftp://h")
    seed_team(runtime)
    add_endpoint(runtime, name="closures", kind="slack", url="https://h", events=["closed"])
    ingest(runtime)
    drain(runtime)
    assert outbound.deliveries(uow=runtime.uow()) == []  # an opening is not a closure


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.example.com/x", "must be https"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[fd00:ec2::254]/", "unique-local"),
        ("https://127.0.0.1:8080/", "loopback"),
        ("https://192.168.1.20/hook", "private"),
        ("https://[::]/", "unspecified"),
    ],
)
def test_a_url_npsloop_may_not_reach_is_refused_when_added(runtime, url, says):
    with pytest.raises(InvalidEndpoint, match=f"url: .*{says}"):
        outbound.add_endpoint(
            uow=runtime.uow(), egress=Policy.parse(""), name="x", kind="webhook", url=url, now=runtime.clock()
        )


def test_a_receiver_trickling_its_answer_is_a_failed_attempt_at_the_deadline(runtime):
    seed_team(runtime)
    runtime.egress = Egress(Policy.parse(LOOPBACK), deadline_seconds=1, max_bytes=4096, concurrency=2)
    with slow_server(Answer(size=100, chunk=1, every=0.5)) as desk:
        add_endpoint(runtime, name="desk", kind="webhook", url=desk.url, events=["opened"])
        ingest(runtime)
        drain(runtime)
        assert deliver_due(runtime, public_url="https://x") == 1
    row = outbound.deliveries(uow=runtime.uow())[0]
    assert (row["status"], row["attempts"]) == ("pending", 1) and "did not answer within 1 s" in row["last_error"]


def test_the_cli_adds_lists_and_shows_the_delivery_log(tmp_path, monkeypatch):
    monkeypatch.setenv("NPSLOOP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NPSLOOP_EGRESS_ALLOW", raising=False)
    from npsloop.bootstrap import get_runtime
    from npsloop.cli import main
    from npsloop.settings import get_settings
    from npsloop.store import migrate

    get_settings.cache_clear()
    get_runtime.cache_clear()
    migrate.upgrade(get_settings().resolved_database_url)
    try:
        runner = CliRunner()
        added = runner.invoke(main, ["webhooks", "add", "--name", "desk", "--kind", "webhook", "--url", "https://desk"])
        assert added.exit_code == 0 and added.stdout.strip().startswith("whsec_")
        assert "desk" in runner.invoke(main, ["webhooks", "list"]).output
        assert runner.invoke(main, ["webhooks", "deliveries", "--json"]).output.strip() == "[]"
        again = runner.invoke(main, ["webhooks", "add", "--name", "desk", "--kind", "slack", "--url", "https://d"])
        assert again.exit_code == 1 and "exists" in again.output
        metadata = ["webhooks", "add", "--name", "m", "--kind", "webhook", "--url", "https://169.254.169.254/latest"]
        refused = runner.invoke(main, metadata)
        assert refused.exit_code == 1 and "url: 169.254.169.254 is a link-local address" in refused.output
        assert runner.invoke(main, ["webhooks", "remove", "desk"]).exit_code == 0
        assert "no delivery 7" in runner.invoke(main, ["webhooks", "redeliver", "7"]).output
    finally:
        get_runtime().engine.dispose()
        get_runtime.cache_clear()
        get_settings.cache_clear()


def test_an_escalation_recorded_by_any_service_is_queued_in_its_own_transaction(runtime):
    from npsloop.domain.cases import EventKind

    seed_team(runtime)
    add_endpoint(runtime, name="esc", kind="slack", url="https://h", events=["escalated"])
    ingest(runtime)
    drain(runtime)
    cid = case_id(runtime)
    with runtime.uow() as uow:
        case = uow.cases.get(cid)
        case.record(EventKind.ESCALATED, at=runtime.clock(), note="no acknowledgement in 15 min")
        # Rolled back: the delivery written by the flush goes with it.
        uow.flush()
    assert outbound.deliveries(uow=runtime.uow()) == []
    with runtime.uow() as uow:
        uow.cases.get(cid).record(EventKind.ESCALATED, at=runtime.clock(), note="no acknowledgement in 15 min")
        uow.commit()
    assert [row["event_kind"] for row in outbound.deliveries(uow=runtime.uow())] == ["escalated"]


def test_a_run_past_its_budget_releases_what_it_did_not_reach(runtime):
    """So that a slow endpoint cannot keep a run going past its lease, when another sender could claim and
    send again what this one has not reached yet."""
    seed_team(runtime)
    with http_sink() as helpdesk:
        add_endpoint(runtime, name="desk", kind="webhook", url=helpdesk.url, events=["opened"])
        for n in range(3):
            ingest(runtime, customer={"id": f"b-{n}", "name": "Ana"})
        drain(runtime)

        def send() -> int:
            return deliver_due(runtime, public_url="https://x", budget_seconds=0)

        assert [send(), send(), send(), send()] == [1, 1, 1, 0]
        ids = [hit.headers["npsloop-delivery"] for hit in helpdesk.posts()]
        assert len(ids) == len(set(ids)) == 3


def test_the_cli_never_prints_a_slack_webhook_url_after_adding_it(tmp_path, monkeypatch):
    monkeypatch.setenv("NPSLOOP_DATA_DIR", str(tmp_path))
    from npsloop.bootstrap import get_runtime
    from npsloop.cli import main
    from npsloop.settings import get_settings
    from npsloop.store import migrate

    get_settings.cache_clear()
    get_runtime.cache_clear()
    migrate.upgrade(get_settings().resolved_database_url)
    slack = "https://hooks.slack.com/services/T0001/B0001/XyZ7sEcReT"
    try:
        runner = CliRunner()
        assert (
            runner.invoke(main, ["webhooks", "add", "--name", "team", "--kind", "slack", "--url", slack]).exit_code == 0
        )
        listed = (
            runner.invoke(main, ["webhooks", "list"]).output
            + runner.invoke(main, ["webhooks", "list", "--json"]).output
        )
        assert "XyZ7sEcReT" not in listed and "https://hooks.slack.com/***" in listed
    finally:
        get_runtime().engine.dispose()
        get_runtime.cache_clear()
        get_settings.cache_clear()


TEAMS_PATH = "/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sig=TeAmSsIgX"


def test_a_teams_channel_gets_a_valid_card_retried_with_backoff_through_500_and_429(runtime, caplog):
    from tests.unit.test_teams_card import VALIDATOR

    seed_team(runtime)
    with http_sink() as teams:
        teams.statuses = [500, 429, 200]
        add_endpoint(runtime, name="teams-ch", kind="teams", url=teams.url + TEAMS_PATH, events=["opened"])
        ingest(
            runtime,
            comment="[Sign in](https://evil.example) **now** <at>Marta</at> or call +34600111222",
            customer={"id": "c-1", "name": "Ana Gómez", "phone": "+34600111222", "email": "ana@example.com"},
        )
        drain(runtime)
        send = lambda: deliver_due(runtime, public_url="https://nps.example.com")  # noqa: E731
        assert send() == 1
        first = outbound.deliveries(uow=runtime.uow())[0]
        assert (first["status"], first["attempts"], first["last_status_code"]) == ("pending", 1, 500)
        assert first["last_error"] == '{"ok": false}'  # the start of the far side's answer
        assert send() == 0  # not due again before its backoff
        at(runtime, runtime.clock() + timedelta(seconds=16))
        assert send() == 1
        second = outbound.deliveries(uow=runtime.uow())[0]
        assert (second["status"], second["attempts"], second["last_status_code"]) == ("pending", 2, 429)
        assert send() == 0
        at(runtime, runtime.clock() + timedelta(seconds=31))
        assert send() == 1
        row = outbound.deliveries(uow=runtime.uow())[0]
        assert (row["status"], row["attempts"], row["last_status_code"], row["last_error"]) == (
            "delivered",
            3,
            200,
            None,
        )
        assert deliver_due(runtime, public_url="https://x") == 0  # delivered is never sent again

        hits = teams.posts()
        assert len(hits) == 3 and len({hit.body for hit in hits}) == 1  # the same card each attempt
        assert hits[0].path == TEAMS_PATH  # the Workflows URL as given, its signature query included
        assert hits[0].headers["content-type"] == "application/json"
        assert "npsloop-signature" not in hits[0].headers  # the URL is the credential, as for Slack
        body = hits[0].json()
        assert body["type"] == "message"
        (attachment,) = body["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = attachment["content"]
        assert list(VALIDATOR.iter_errors(card)) == []
        cid = case_id(runtime)
        assert card["body"][0]["text"] == f"Case #{cid} opened"
        assert card["actions"][0]["url"] == f"https://nps.example.com/ui/cases/{cid}"
        sent = hits[0].body.decode()
        for personal in ("+34600111222", "ana@example.com", "Ana", "Gómez", "](https://evil", "**now**", "<at>"):
            assert personal not in sent
    # The Workflows URL is a secret: not in the log lines of the failed attempts, nor in clear in the database.
    assert "TeAmSsIgX" not in caplog.text and "outbound delivery failed" in caplog.text
    database = sa.make_url(runtime.settings.resolved_database_url).database or ""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        stored = connection.execute("SELECT name, url FROM outbound_endpoints").fetchall()
    assert stored[0][0] == "teams-ch" and "TeAmSsIgX" not in stored[0][1] and "127.0.0.1" not in stored[0][1]


def test_every_case_event_reaches_teams_as_a_valid_card(runtime):
    from tests.unit.test_teams_card import VALIDATOR

    seed_team(runtime)
    with http_sink() as teams:
        teams.statuses = [202]  # what a Workflows trigger answers: the flow run is started, the card posted after
        add_endpoint(runtime, name="teams-all", kind="teams", url=teams.url + TEAMS_PATH)
        ingest(runtime, comment="Nobody came")
        drain(runtime)
        cid = case_id(runtime)
        with runtime.uow() as uow:
            uow.tags.replace(1, [ThemeTag("delivery", Polarity.NEGATIVE, 0.9)])
            uow.commit()
        for action in (Action.ACKNOWLEDGE, Action.CONTACT):
            act_on_case(uow=runtime.uow(), case_id=cid, action=action, actor="Marta", now=runtime.clock())
        act_on_case(
            uow=runtime.uow(),
            case_id=cid,
            action=Action.CLOSE,
            actor="Marta",
            now=runtime.clock(),
            outcome=Outcome.RESOLVED,
        )
        assert deliver_due(runtime, public_url="https://nps.example.com") == 4
        cards = [hit.json()["attachments"][0]["content"] for hit in teams.posts()]
    assert [card["body"][0]["text"] for card in cards] == [
        f"Case #{cid} {what}" for what in ("opened", "acknowledged", "customer contacted", "closed")
    ]
    for card in cards:
        assert list(VALIDATOR.iter_errors(card)) == []
    assert {"title": "Complains of", "value": "delivery"} in cards[-1]["body"][1]["facts"]
    assert {"title": "By", "value": "Marta"} in cards[-1]["body"][1]["facts"]
    assert {row["status"] for row in outbound.deliveries(uow=runtime.uow())} == {"delivered"}


def test_a_teams_endpoint_trickling_or_flooding_its_answer_is_a_failed_attempt_with_a_short_error(runtime):
    seed_team(runtime)
    runtime.egress = Egress(Policy.parse(LOOPBACK), deadline_seconds=1, max_bytes=4096, concurrency=2)
    with slow_server(Answer(size=100, chunk=1, every=0.5)) as slow:
        add_endpoint(runtime, name="slow-teams", kind="teams", url=slow.url + TEAMS_PATH, events=["opened"])
        ingest(runtime)
        drain(runtime)
        assert deliver_due(runtime, public_url="https://x") == 1
    row = outbound.deliveries(uow=runtime.uow())[0]
    assert (row["status"], row["attempts"]) == ("pending", 1) and "did not answer within 1 s" in row["last_error"]
    assert "TeAmSsIgX" not in row["last_error"]
    outbound.remove_endpoint(uow=runtime.uow(), name="slow-teams")

    with slow_server(Answer(status=500, size=150 * 1024 * 1024, chunk=64 * 1024, every=0)) as flood:
        add_endpoint(runtime, name="flood-teams", kind="teams", url=flood.url + TEAMS_PATH, events=["opened"])
        ingest(runtime, customer={"id": "other", "name": "Bo"})
        drain(runtime)
        assert deliver_due(runtime, public_url="https://x") == 1
    row = outbound.deliveries(uow=runtime.uow())[0]
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, 500)
    assert 0 < len(row["last_error"]) <= 500 and set(row["last_error"]) == {"7"}


def test_the_cli_adds_a_teams_endpoint_and_never_prints_its_url_again(tmp_path, monkeypatch):
    monkeypatch.setenv("NPSLOOP_DATA_DIR", str(tmp_path))
    from npsloop.bootstrap import get_runtime
    from npsloop.cli import main
    from npsloop.settings import get_settings
    from npsloop.store import migrate

    get_settings.cache_clear()
    get_runtime.cache_clear()
    migrate.upgrade(get_settings().resolved_database_url)
    teams = "https://prod-12.westeurope.logic.azure.com:443" + TEAMS_PATH
    try:
        runner = CliRunner()
        added = runner.invoke(main, ["webhooks", "add", "--name", "ops", "--kind", "teams", "--url", teams])
        assert added.exit_code == 0 and "(teams)" in added.output
        assert added.stdout.strip() == ""  # no signing secret: the URL is the credential
        listed = (
            runner.invoke(main, ["webhooks", "list"]).output
            + runner.invoke(main, ["webhooks", "list", "--json"]).output
        )
        assert "TeAmSsIgX" not in listed and "https://prod-12.westeurope.logic.azure.com:443/***" in listed
        plain = runner.invoke(main, ["webhooks", "add", "--name", "p", "--kind", "teams", "--url", "http://x.example/"])
        assert plain.exit_code == 1 and "must be https" in plain.output
        unknown = runner.invoke(main, ["webhooks", "add", "--name", "m", "--kind", "msteams", "--url", teams])
        assert unknown.exit_code == 2 and "teams" in unknown.output
    finally:
        get_runtime().engine.dispose()
        get_runtime.cache_clear()
        get_settings.cache_clear()
