"""Loop-closure figures against fixtures computed by hand, in wall and business time (again on PostgreSQL:
tests/integration/test_reports_postgres.py)."""

from datetime import UTC, date, datetime

from npsloop.api.report_json import loop_report_json
from npsloop.domain.cases import Action, Outcome
from npsloop.services import casework
from npsloop.services.loop_report import loop_report
from npsloop.services.report_results import BacklogRow
from tests.conftest import at, drain, ingest, madrid_schedule, seed_team


def _open_case(rt, moment, **extra):
    at(rt, moment)
    ingest(rt, score=2, responded_at=moment.isoformat(), **extra)
    drain(rt)


def _act(rt, case_id, action, moment, outcome=None):
    casework.act_on_case(uow=rt.uow(), case_id=case_id, action=action, actor="Marta", now=moment, outcome=outcome)


def test_loop_closure_in_wall_and_business_time(runtime):
    seed_team(runtime)
    madrid_schedule(runtime)  # weekdays 09:00-17:00 Madrid; in March 2026 Madrid is UTC+1
    monday_4pm = datetime(2026, 3, 2, 15, tzinfo=UTC)  # 16:00 Madrid
    _open_case(runtime, monday_4pm, customer={"id": "c-1", "name": "Ana"})
    _act(runtime, 1, Action.ACKNOWLEDGE, datetime(2026, 3, 3, 9, tzinfo=UTC))  # Tue 10:00: 2 h business, 18 h wall
    _act(runtime, 1, Action.CONTACT, datetime(2026, 3, 3, 10, tzinfo=UTC))  # 3 h business
    _act(runtime, 1, Action.CLOSE, datetime(2026, 3, 3, 11, tzinfo=UTC), Outcome.RESOLVED)  # 4 h business
    # Same customer, a detractor again 20 days later: a re-contact. Left open.
    _open_case(runtime, datetime(2026, 3, 23, 10, tzinfo=UTC), customer={"id": "c-1", "name": "Ana"})
    now = datetime(2026, 3, 24, 10, tzinfo=UTC)
    found = loop_report(
        uow=runtime.uow(), first=date(2026, 3, 1), last=date(2026, 3, 31), team=None, default_zone="UTC", now=now
    )
    overall = found.overall
    assert (overall.opened, overall.acknowledged, overall.closed) == (2, 1, 1)
    assert overall.closed_by_outcome["resolved"] == 1
    ack = overall.time_to.acknowledge
    assert ack.wall.median_seconds == 18 * 3600
    assert ack.business.median_seconds == 2 * 3600
    assert overall.time_to.close.business.median_seconds == 4 * 3600
    assert overall.recontacted == 1 and overall.recontact_rate == 50.0
    assert [row.name for row in found.by_team] == ["Logistics"]
    assert found.by_agent[0].name == "Marta" and found.by_agent[0].figures.closed == 1
    assert found.backlog.open == 1 and found.backlog.by_age["1d_3d"] == 1
    assert found.backlog.by_team == (BacklogRow(name="Logistics", open=1, by_age=found.backlog.by_age),)
    as_json = loop_report_json(found)  # the shape the API and `npsloop report loop --json` answer
    assert as_json["by_team"][0]["team"] == "Logistics" and as_json["by_agent"][0]["agent"] == "Marta"
    assert as_json["overall"]["time_to"]["acknowledge"]["wall"] == {
        "count": 1,
        "median_seconds": 18 * 3600,
        "p90_seconds": 18 * 3600,
    }
    assert as_json["backlog"]["by_team"] == [{"name": "Logistics", "open": 1, "by_age": as_json["backlog"]["by_age"]}]


def test_loop_closure_counts_only_cases_opened_in_the_range(runtime):
    seed_team(runtime)
    _open_case(runtime, datetime(2026, 2, 27, 10, tzinfo=UTC))
    _open_case(runtime, datetime(2026, 3, 2, 10, tzinfo=UTC))
    found = loop_report(
        uow=runtime.uow(), first=date(2026, 3, 1), last=date(2026, 3, 31), team="Logistics", default_zone="UTC",
        now=datetime(2026, 3, 3, tzinfo=UTC),
    )  # fmt: skip
    assert found.overall.opened == 1
    assert found.backlog.open == 2  # the backlog is everything open now
