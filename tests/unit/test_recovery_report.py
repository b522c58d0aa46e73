"""Recovery in the loop report: follow-ups of resolved closures per period and team, against figures worked out by
hand (again on PostgreSQL: tests/integration/test_recovery_report_postgres.py).

March 2026, North (closed on the 10th): a promoter's yes, a passive's yes, a yes without a score, a "no" scored 2
    that reopened the case, one sent and unanswered, one skipped: 6 requests, 5 sent, 4 answered, 3 yes of 4
    (75%), 3 yes of 5 sent (60%), 1 reopened of 4 answered (25%), new scores 1 / 1 / 1: 2 of 3 recovered.
March 2026, South (the 20th): a "no" that reopened, one unanswered.
April 2026, North (the 2nd): a promoter's yes.
"""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.api.report_json import loop_report_json
from npsloop.domain.errors import UnknownTeam
from npsloop.domain.periods import Period, PeriodError
from npsloop.domain.recovery import read_answer
from npsloop.domain.recovery_stats import Followup, count
from npsloop.services.loop_report import loop_report
from npsloop.services.recovery_answers import answer_recovery
from npsloop.services.recovery_report import recovery_figures
from tests.conftest import TOKEN, madrid_schedule, seed_team
from tests.support.recovery import asking_team, close_resolved, customer, requests_of
from tests.support.recovery_rows import (
    NO_REOPENED,
    SKIPPED,
    UNANSWERED,
    YES,
    YES_PASSIVE,
    YES_PROMOTER,
    team_ids,
    write_followups,
)

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 30)


def seed_spring(rt):
    seed_team(rt, "North")
    seed_team(rt, "South", touchpoints=("store",), default=False, agents=())
    ids = team_ids(rt.engine)
    write_followups(
        rt.engine,
        ids["North"],
        datetime(2026, 3, 10, 12, tzinfo=UTC),
        [YES_PROMOTER, YES_PASSIVE, YES, NO_REOPENED, UNANSWERED, SKIPPED],
    )
    write_followups(rt.engine, ids["South"], datetime(2026, 3, 20, 12, tzinfo=UTC), [NO_REOPENED, UNANSWERED])
    write_followups(rt.engine, ids["North"], datetime(2026, 4, 2, 12, tzinfo=UTC), [YES_PROMOTER])


def report(rt, first=MARCH, last=APRIL, team=None, zone="UTC", period=Period.MONTH):
    return loop_report(
        uow=rt.uow(), first=first, last=last, team=team, default_zone=zone, now=datetime(2026, 5, 1, tzinfo=UTC),
        period=period,
    )  # fmt: skip


def _counts(figures):
    f = figures
    return (f.requests, f.sent, f.answered, f.confirmed, f.not_solved, f.reopened)


def _shares(figures):
    f = figures
    return (f.response_rate, f.confirmed_rate, f.confirmed_of_sent, f.reopen_rate, f.recovered_rate)


def test_recovery_per_month_and_team_by_hand(runtime):
    seed_spring(runtime)
    found = report(runtime).recovery
    assert found.period is Period.MONTH
    march, april = found.overall.points
    assert (march.period.label, april.period.label) == ("2026-03", "2026-04")
    assert _counts(march.figures) == (8, 7, 5, 3, 2, 2)
    assert _shares(march.figures) == (71.4, 60.0, 42.9, 40.0, 50.0)
    new = march.figures.new_scores
    assert (new.detractors, new.passives, new.promoters, new.nps) == (2, 1, 1, -25.0)
    assert _counts(april.figures) == (1, 1, 1, 1, 0, 0) and april.figures.confirmed_rate == 100.0
    total = found.overall.total
    assert _counts(total) == (9, 8, 6, 4, 2, 2)
    assert _shares(total) == (75.0, 66.7, 50.0, 33.3, 60.0)
    assert total.recovered == 3 and total.new_scores.responses == 5
    assert [row.team for row in found.by_team] == ["North", "South"]
    north, south = found.by_team
    assert _counts(north.total) == (7, 6, 5, 4, 1, 1) and _shares(north.total) == (83.3, 80.0, 66.7, 20.0, 75.0)
    assert [_counts(p.figures) for p in north.points] == [(6, 5, 4, 3, 1, 1), (1, 1, 1, 1, 0, 0)]
    assert _counts(south.total) == (2, 2, 1, 0, 1, 1) and south.total.confirmed_rate == 0.0
    assert south.points[1].figures.requests == 0 and south.points[1].figures.confirmed_rate is None


def test_narrowed_to_one_team_another_teams_follow_ups_never_count(runtime):
    seed_spring(runtime)
    found = report(runtime, team="South").recovery
    assert [row.team for row in found.by_team] == ["South"]
    assert _counts(found.overall.total) == (2, 2, 1, 0, 1, 1)
    assert found.overall.total.new_scores.detractors == 1 and found.overall.total.new_scores.promoters == 0
    with pytest.raises(UnknownTeam):
        report(runtime, team="Nobody")


def test_a_follow_up_counts_in_the_period_of_its_closure_in_the_report_zone(runtime):
    seed_team(runtime, "North")
    north = team_ids(runtime.engine)["North"]
    # Madrid is UTC+1 until 29 March 2026, UTC+2 after.
    for moment in (
        datetime(2026, 2, 28, 22, 59, tzinfo=UTC),  # 23:59 on 28 February in Madrid: before the range
        datetime(2026, 2, 28, 23, 0, tzinfo=UTC),  # midnight, 1 March: the range's first instant
        datetime(2026, 3, 31, 21, 59, tzinfo=UTC),  # 23:59 on 31 March
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),  # midnight, 1 April
        datetime(2026, 4, 30, 22, 0, tzinfo=UTC),  # midnight, 1 May: after the range
    ):
        write_followups(runtime.engine, north, moment, [YES])
    found = report(runtime, zone="Europe/Madrid").recovery
    march, april = found.overall.points
    assert march.period.start == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert april.period.end == datetime(2026, 4, 30, 22, tzinfo=UTC)
    assert (march.figures.requests, april.figures.requests) == (2, 1)
    # In UTC the same closures fall otherwise: 28 February's two are out, both of 31 March's are in March, and
    # 30 April 22:00 is in April.
    utc = report(runtime).recovery.overall.points
    assert (utc[0].figures.requests, utc[1].figures.requests) == (2, 1)
    assert utc[1].period.end == datetime(2026, 5, 1, tzinfo=UTC)


def test_a_teams_report_counts_in_the_teams_own_zone(runtime):
    seed_team(runtime, "North")
    madrid_schedule(runtime, "North")
    write_followups(runtime.engine, team_ids(runtime.engine)["North"], datetime(2026, 3, 31, 22, 30, tzinfo=UTC), [YES])
    whole, team = report(runtime), report(runtime, team="North")
    assert [p.figures.requests for p in whole.recovery.overall.points] == [1, 0]  # 31 March in UTC
    assert [p.figures.requests for p in team.recovery.overall.points] == [0, 1]  # 1 April in Madrid
    assert team.timezone == "Europe/Madrid"


def test_periods_are_cut_at_the_ends_of_the_range(runtime):
    seed_spring(runtime)
    found = report(runtime, first=date(2026, 3, 15), last=date(2026, 4, 2)).recovery
    march, april = found.overall.points
    assert march.period.start == datetime(2026, 3, 15, tzinfo=UTC) and april.period.end == datetime(
        2026, 4, 3, tzinfo=UTC
    )
    assert march.figures.requests == 2  # South's, on the 20th; North's of the 10th are before the range
    assert april.figures.requests == 1  # North's, closed at noon on the range's last day
    weeks = report(runtime, period=Period.WEEK).recovery.overall.points
    assert weeks[0].period.label == "2026-W09" and weeks[0].period.start == datetime(2026, 3, 1, tzinfo=UTC)
    assert sum(p.figures.requests for p in weeks) == 9
    with pytest.raises(PeriodError):
        report(runtime, first=date(2000, 1, 1), period=Period.DAY)  # over a thousand periods


def test_a_period_without_follow_ups_says_so_rather_than_zero(runtime):
    seed_team(runtime, "North")
    found = report(runtime)
    assert found.recovery.by_team == ()
    for figures in [p.figures for p in found.recovery.overall.points] + [found.recovery.overall.total]:
        assert figures.requests == figures.sent == figures.answered == 0
        assert all(share is None for share in _shares(figures))
        assert figures.new_scores.nps is None and figures.new_scores.ci95_low is None
    as_json = loop_report_json(found)["recovery"]
    assert as_json["overall"]["total"]["confirmed_rate"] is None
    assert as_json["overall"]["periods"][0]["reopen_rate"] is None


def test_the_database_counts_as_the_domain_defines(runtime):
    seed_team(runtime, "North")
    draw = random.Random(16)
    followups = []
    for _ in range(120):
        sent = draw.random() < 0.85
        answered = sent and draw.random() < 0.6
        followups.append(
            Followup(
                sent=sent,
                answered=answered,
                solved=draw.choice([True, False, None]) if answered else None,
                new_score=draw.choice([None, *range(11)]) if answered else None,
                reopened=answered and draw.random() < 0.3,
            )
        )
    write_followups(runtime.engine, team_ids(runtime.engine)["North"], datetime(2026, 4, 9, tzinfo=UTC), followups)
    assert report(runtime).recovery.overall.total == recovery_figures(count(followups))


def test_recovery_in_the_loop_reports_json_and_over_http(runtime):
    seed_spring(runtime)
    client = TestClient(create_app(runtime))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    answer = client.get("/v1/reports/loop?from=2026-03-01&to=2026-04-30&period=week", headers=auth)
    assert answer.status_code == 200
    body = answer.json()["recovery"]
    assert body["period"] == "week"
    assert body["denominators"]["reopen_rate"] == ["reopened", "answered"]
    assert body["denominators"]["confirmed_rate"] == ["confirmed", "answered_yes_no"]
    total = body["overall"]["total"]
    assert (total["sent"], total["answered"], total["confirmed"], total["confirmed_rate"]) == (8, 6, 4, 66.7)
    assert total["new_scores"]["promoters"] == 2 and total["recovered"] == 3
    assert [row["team"] for row in body["by_team"]] == ["North", "South"]
    assert body["overall"]["periods"][1]["label"] == "2026-W10"
    monthly = client.get("/v1/reports/loop?from=2026-03-01&to=2026-04-30&team=South", headers=auth).json()
    assert [row["team"] for row in monthly["recovery"]["by_team"]] == ["South"]
    assert monthly["recovery"]["overall"]["periods"][0]["label"] == "2026-03"
    refused = client.get("/v1/reports/loop?period=fortnight", headers=auth)
    assert refused.status_code == 422
    too_many = client.get("/v1/reports/loop?from=1990-01-01&to=2026-04-30&period=day", headers=auth)
    assert too_many.status_code == 422


def test_follow_ups_the_recovery_service_sent_and_recorded_are_counted_as_they_happened(runtime):
    asking_team(runtime)
    wednesday = datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("America/Bogota"))  # inside the customers' window
    cases = [close_resolved(runtime, customer(), wednesday + timedelta(minutes=i)) for i in range(3)]
    assert runtime.run_recovery().sent == 3
    unhappy, happy, silent = (requests_of(runtime, case_id)[0].id for case_id in cases)
    later = wednesday + timedelta(hours=2)
    answer_recovery(uow=runtime.uow(), request_id=unhappy, answer=read_answer("no", "4", None), now=later)
    answer_recovery(uow=runtime.uow(), request_id=happy, answer=read_answer("yes", "9", "gracias"), now=later)
    found = report(runtime, first=date(2026, 12, 1), last=date(2026, 12, 31), zone="America/Bogota").recovery
    total = found.overall.total
    assert _counts(total) == (3, 3, 2, 1, 1, 1)
    assert (total.confirmed_rate, total.reopen_rate, total.response_rate) == (50.0, 50.0, 66.7)
    assert (total.new_scores.detractors, total.new_scores.promoters, total.recovered) == (1, 1, 1)
    assert [row.team for row in found.by_team] == ["Logistics"]
