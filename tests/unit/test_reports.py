"""Report figures against fixtures computed by hand, through the real pipeline on SQLite (the same
reports on PostgreSQL: tests/integration/test_reports_postgres.py)."""

import tracemalloc
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.cases import Action, Outcome
from npsloop.domain.errors import UnknownTeam
from npsloop.domain.periods import Period
from npsloop.services import casework, reports
from npsloop.services.reports import NpsQuery, ReportError
from tests.conftest import TOKEN, at, drain, ingest, madrid_schedule, seed_team
from tests.support.report_rows import many_groups


def answer(rt, score, when, **extra):
    ingest(rt, score=score, responded_at=when, **extra)


def nps(rt, **query):
    query.setdefault("period", Period.MONTH)
    return reports.nps_report(uow=rt.uow(), query=NpsQuery(**query), default_zone="UTC")


def test_months_by_hand_empty_all_promoters_all_detractors_and_one_response(runtime):
    seed_team(runtime)
    for score in (9, 10, 10):  # January: all promoters, +100
        answer(runtime, score, "2026-01-10T12:00:00+00:00")
    # February: no responses at all
    for score in (0, 3, 6, 6):  # March: all detractors, -100
        answer(runtime, score, "2026-03-10T12:00:00+00:00")
    answer(runtime, 8, "2026-04-10T12:00:00+00:00")  # April: one passive, 0
    drain(runtime)
    found = nps(runtime, first=date(2026, 1, 1), last=date(2026, 4, 30))
    (series,) = found["series"]
    rows = {p["label"]: p for p in series["periods"]}
    assert list(rows) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert (rows["2026-01"]["nps"], rows["2026-01"]["promoters"], rows["2026-01"]["responses"]) == (100.0, 3, 3)
    assert rows["2026-02"]["responses"] == 0 and rows["2026-02"]["nps"] is None and rows["2026-02"]["change"] is None
    assert rows["2026-03"]["nps"] == -100.0 and rows["2026-03"]["change"] is None  # no February to compare with
    assert rows["2026-04"]["nps"] == 0.0 and rows["2026-04"]["change"] == 100.0
    assert rows["2026-04"]["ci95_low"] == rows["2026-04"]["ci95_high"] == 0.0
    assert not rows["2026-01"]["reliable"]
    total = series["total"]
    # 3 promoters, 1 passive, 4 detractors of 8: (3 - 4) / 8 = -12.5
    assert (total["responses"], total["promoters"], total["passives"], total["detractors"]) == (8, 3, 1, 4)
    assert total["nps"] == -12.5
    # variance = .375 + .5 - (-.125)^2 = .859375; margin = 196 * sqrt(.859375 / 8) = 64.24
    assert total["margin_95"] == 64.2


def test_the_first_period_is_compared_with_the_one_before_the_range(runtime):
    seed_team(runtime)
    answer(runtime, 10, "2025-12-20T12:00:00+00:00")
    answer(runtime, 0, "2026-01-20T12:00:00+00:00")
    drain(runtime)
    (series,) = nps(runtime, first=date(2026, 1, 1), last=date(2026, 1, 31))["series"]
    assert [p["label"] for p in series["periods"]] == ["2026-01"]
    assert series["periods"][0]["change"] == -200.0
    assert series["total"]["responses"] == 1  # December is not counted in the range


def test_a_teams_months_are_its_own_local_months(runtime):
    seed_team(runtime)
    madrid_schedule(runtime)
    answer(runtime, 10, "2026-03-31T22:30:00+00:00")  # 00:30 on 1 April in Madrid
    drain(runtime)
    in_madrid = nps(runtime, first=date(2026, 3, 1), last=date(2026, 4, 30), team="Logistics")
    assert in_madrid["timezone"] == "Europe/Madrid"
    assert [p["responses"] for p in in_madrid["series"][0]["periods"]] == [0, 1]
    in_utc = nps(runtime, first=date(2026, 3, 1), last=date(2026, 4, 30))
    assert [p["responses"] for p in in_utc["series"][0]["periods"]] == [1, 0]
    override = nps(runtime, first=date(2026, 3, 1), last=date(2026, 4, 30), team="Logistics", timezone="UTC")
    assert [p["responses"] for p in override["series"][0]["periods"]] == [1, 0]


def test_split_by_survey_type_touchpoint_attribute_and_team(runtime):
    seed_team(runtime)
    seed_team(runtime, name="Billing", touchpoints=("invoice",), default=False, agents=(("Bea", None, "b@x.es", "es"),))
    when = "2026-05-05T12:00:00+00:00"
    answer(runtime, 10, when, survey_type="relational", touchpoint="invoice", attributes={"plan": "pro", "seats": 3})
    answer(runtime, 2, when, survey_type="transactional", touchpoint="delivery", attributes={"plan": "pro"})
    answer(runtime, 9, when, survey_type="transactional", touchpoint="delivery", attributes={"plan": "free"})
    drain(runtime)
    span = {"first": date(2026, 5, 1), "last": date(2026, 5, 31)}

    def totals(group_by, **extra):
        found = nps(runtime, group_by=group_by, **span, **extra)
        return {s["group"]: (s["total"]["responses"], s["total"]["nps"]) for s in found["series"]}

    assert totals("survey_type") == {"relational": (1, 100.0), "transactional": (2, 0.0)}
    assert totals("touchpoint") == {"delivery": (2, 0.0), "invoice": (1, 100.0)}
    assert totals("attribute:plan") == {"free": (1, 100.0), "pro": (2, 0.0)}
    assert totals("attribute:seats") == {"3": (1, 100.0), None: (2, 0.0)}  # numbers group as text
    assert totals("team") == {"Logistics": (2, 0.0), "Billing": (1, 100.0), None: (0, None)}
    assert totals(None, attribute=("plan", "pro")) == {None: (2, 0.0)}
    assert totals(None, survey_type="relational") == {None: (1, 100.0)}


def test_progress_towards_the_years_target(runtime):
    seed_team(runtime)
    at(runtime, datetime(2026, 3, 15, tzinfo=UTC))
    for score, when in [(10, "2026-01-05"), (10, "2026-02-05"), (5, "2026-03-05")]:
        answer(runtime, score, f"{when}T12:00:00+00:00")
    drain(runtime)
    reports.set_target(uow=runtime.uow(), year=2026, nps=50, team=None, actor="s", now=runtime.clock())
    reports.set_target(uow=runtime.uow(), year=2026, nps=30, team=None, actor="s", now=runtime.clock())  # replaces
    reports.set_target(uow=runtime.uow(), year=2026, nps=90, team="Logistics", actor="s", now=runtime.clock())
    company = nps(runtime, first=date(2026, 3, 1), last=date(2026, 3, 31))["target"]
    # year to date: 2 promoters, 1 detractor of 3 = +33.3, over the 30 target
    assert (company["nps"], company["year_to_date"]["nps"], company["gap"], company["met"]) == (30, 33.3, 3.3, True)
    team = nps(runtime, first=date(2026, 3, 1), last=date(2026, 3, 31), team="Logistics")["target"]
    assert (team["nps"], team["gap"], team["met"]) == (90, -56.7, False)
    assert nps(runtime, first=date(2025, 1, 1), last=date(2025, 12, 31))["target"] is None
    assert len(reports.list_targets(uow=runtime.uow())) == 2
    with pytest.raises(ReportError):
        reports.set_target(uow=runtime.uow(), year=2026, nps=101, team=None, actor="s", now=runtime.clock())


def test_unknown_teams_and_groupings_are_refused(runtime):
    with pytest.raises(UnknownTeam):
        nps(runtime, first=date(2026, 1, 1), last=date(2026, 1, 2), team="Nope")
    with pytest.raises(ReportError):
        nps(runtime, first=date(2026, 1, 1), last=date(2026, 1, 2), group_by="colour")
    for first, last in [(date(1, 1, 1), date(2026, 1, 1)), (date(2026, 1, 1), date(9999, 12, 31))]:
        with pytest.raises(ReportError):
            nps(runtime, first=first, last=last)
        with pytest.raises(ReportError):
            reports.loop_report(uow=runtime.uow(), first=first, last=last, team=None, default_zone="UTC", now=first)


def _open_case(rt, moment, **extra):
    at(rt, moment)
    answer(rt, 2, moment.isoformat(), **extra)
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
    found = reports.loop_report(
        uow=runtime.uow(), first=date(2026, 3, 1), last=date(2026, 3, 31), team=None, default_zone="UTC", now=now
    )
    overall = found["overall"]
    assert (overall["opened"], overall["acknowledged"], overall["closed"]) == (2, 1, 1)
    assert overall["closed_by_outcome"]["resolved"] == 1
    ack = overall["time_to"]["acknowledge"]
    assert ack["wall"]["median_seconds"] == 18 * 3600
    assert ack["business"]["median_seconds"] == 2 * 3600
    assert overall["time_to"]["close"]["business"]["median_seconds"] == 4 * 3600
    assert overall["recontacted"] == 1 and overall["recontact_rate"] == 50.0
    assert [row["team"] for row in found["by_team"]] == ["Logistics"]
    assert found["by_agent"][0]["agent"] == "Marta" and found["by_agent"][0]["closed"] == 1
    assert found["backlog"]["open"] == 1 and found["backlog"]["by_age"]["1d_3d"] == 1
    assert found["backlog"]["by_team"] == [{"name": "Logistics", "open": 1, "by_age": found["backlog"]["by_age"]}]


def test_loop_closure_counts_only_cases_opened_in_the_range(runtime):
    seed_team(runtime)
    _open_case(runtime, datetime(2026, 2, 27, 10, tzinfo=UTC))
    _open_case(runtime, datetime(2026, 3, 2, 10, tzinfo=UTC))
    found = reports.loop_report(
        uow=runtime.uow(), first=date(2026, 3, 1), last=date(2026, 3, 31), team="Logistics", default_zone="UTC",
        now=datetime(2026, 3, 3, tzinfo=UTC),
    )  # fmt: skip
    assert found["overall"]["opened"] == 1
    assert found["backlog"]["open"] == 2  # the backlog is everything open now


def test_default_range_is_the_last_twelve_periods():
    assert reports.default_range(date(2026, 11, 22), Period.MONTH) == (date(2025, 12, 1), date(2026, 11, 22))
    assert reports.default_range(date(2026, 11, 22), Period.QUARTER, 4) == (date(2026, 1, 1), date(2026, 11, 22))
    assert reports.default_range(date(2026, 11, 22), Period.DAY, 1) == (date(2026, 11, 22), date(2026, 11, 22))


def test_a_thousand_groups_over_a_thousand_days_stay_bounded_and_other_adds_up(runtime):
    """The attack: group_by=attribute:order with 1,000 distinct values, day by day over 999 days, answered
    241 MB (a million figures) and grew the API by over a gigabyte. Now the most answered groups are shown and
    the rest summed as one "other" series, and a report over the figures limit is refused before it is read."""
    first, last = date(2024, 3, 8), date(2026, 12, 1)
    total = many_groups(runtime.engine, values=1000, days=(last - first).days + 1, first=first)
    client = TestClient(create_app(runtime))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    url = f"/v1/reports/nps?period=day&from={first}&to={last}&group_by=attribute:order"
    tracemalloc.start()
    try:
        refused = client.get(url, headers=auth)
        answer = client.get(url + "&top=9", headers=auth)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.status_code == 422, len(refused.content)
    assert refused.json()["errors"][0]["field"] == "period"
    assert answer.status_code == 200
    found = answer.json()
    assert len(answer.content) < 4_000_000  # was 241 MB
    assert peak < 40_000_000, peak  # was over 1 GB (15 MB measured)
    assert found["truncated"] == {"groups": 1000, "shown": 9, "in_other": 991}
    *shown, other = found["series"]
    assert [s["other"] for s in found["series"]] == [False] * 9 + [True] and other["group"] == "(other)"
    assert {f"o-{i:04d}" for i in range(5)} <= {s["group"] for s in shown}  # the most answered are kept
    assert sum(s["total"]["responses"] for s in found["series"]) == total
    whole = client.get(f"/v1/reports/nps?period=day&from={first}&to={last}", headers=auth).json()["series"][0]
    for index, period in enumerate(whole["periods"]):
        for figure in ("responses", "promoters", "passives", "detractors"):
            assert sum(s["periods"][index][figure] for s in found["series"]) == period[figure]
    assert client.get(url + "&top=21", headers=auth).json()["errors"][0]["field"] == "top"


def test_a_report_by_team_folds_the_least_answered_teams_into_other(runtime):
    seed_team(runtime)
    seed_team(runtime, name="Billing", touchpoints=("invoice",), default=False, agents=())
    seed_team(runtime, name="Returns", touchpoints=("return",), default=False, agents=())
    when = "2026-05-05T12:00:00+00:00"
    for score, touchpoint, times in [(10, "delivery", 3), (0, "invoice", 2), (9, "return", 1)]:
        for _ in range(times):
            answer(runtime, score, when, touchpoint=touchpoint, attributes={"seats": 3})
    drain(runtime)
    span = {"first": date(2026, 5, 1), "last": date(2026, 5, 31)}
    found = nps(runtime, group_by="team", top=2, **span)
    assert [(s["group"], s["other"], s["total"]["responses"]) for s in found["series"]] == [
        ("Logistics", False, 3),
        ("Billing", False, 2),
        ("(other)", True, 1),
    ]
    assert found["truncated"] == {"groups": 3, "shown": 2, "in_other": 1}
    assert nps(runtime, group_by="team", **span)["truncated"] is None
    numbers = nps(runtime, group_by="attribute:seats", top=1, **span)  # a number kept as text on both databases
    assert [(s["group"], s["total"]["responses"]) for s in numbers["series"]] == [("3", 6)]
    with pytest.raises(ReportError, match="over the 100 figures"):
        reports.nps_report(
            uow=runtime.uow(),
            query=NpsQuery(period=Period.DAY, group_by="team", **span),
            default_zone="UTC",
            limits=reports.ReportLimits(groups=20, cells=100),
        )


def _themed(rt, score, themes, **extra):
    """A January answer whose comment names `themes` ({key: polarity}), whatever the model made of it."""
    from npsloop.domain.theme_tags import Polarity, ThemeTag

    response_id = ingest(rt, score=score, responded_at="2026-01-15T12:00:00+00:00", **extra)
    drain(rt)
    with rt.uow() as uow:
        uow.tags.replace(response_id, [ThemeTag(key, Polarity(p), 0.8) for key, p in themes.items()])
        uow.commit()


def _by_theme(found):
    return {s["group"]: (s["total"]["responses"], s["total"]["nps"]) for s in found["series"]}


def test_nps_by_theme_counts_a_response_in_each_of_its_themes_and_the_untagged_as_none(runtime):
    seed_team(runtime)
    seed_team(runtime, name="Store", touchpoints=("checkout",), default=False, agents=())
    _themed(runtime, 0, {"billing": "negative", "delivery": "negative"})
    _themed(runtime, 10, {"delivery": "positive"})
    _themed(runtime, 8, {"billing": "negative"})
    _themed(runtime, 3, {})
    _themed(runtime, 9, {}, comment=None)
    _themed(runtime, 2, {"price": "negative"})
    _themed(runtime, 1, {"price": "negative", "effort": "negative"})
    _themed(runtime, 0, {"billing": "negative"}, touchpoint="checkout")  # the Store team's
    january = {"first": date(2026, 1, 1), "last": date(2026, 1, 31)}
    found = nps(runtime, group_by="theme", team="Logistics", **january)
    # billing: 0 and 8 (one detractor, one passive) = -50; delivery: 0 and 10 = 0; effort: 1 = -100;
    # price: 2 and 1 = -100; (none): 3 and 9 = 0
    assert _by_theme(found) == {
        "billing": (2, -50.0),
        "delivery": (2, 0.0),
        "effort": (1, -100.0),
        "price": (2, -100.0),
        "(none)": (2, 0.0),
    }
    assert [s["group"] for s in found["series"]][-1] == "(none)"
    assert found["overlapping"] is True and found["truncated"] is None
    assert _by_theme(nps(runtime, group_by="theme", **january))["billing"] == (3, -66.7)  # every team
    top = nps(runtime, group_by="theme", team="Logistics", top=2, **january)
    # kept: billing and delivery (2 each, first by key among the ties); "other" holds price, effort and none,
    # and the answer naming price and effort is one response there: 3, 9, 2 and 1 = (1 - 3) / 4 = -50
    assert _by_theme(top) == {"billing": (2, -50.0), "delivery": (2, 0.0), "(other)": (4, -50.0)}
    assert top["truncated"] == {"groups": 5, "shown": 2, "in_other": 3}
    assert nps(runtime, group_by="touchpoint", **january)["overlapping"] is False
    url = "/v1/reports/nps?group_by=theme&team=Logistics&from=2026-01-01&to=2026-01-31&top=2"
    answer = TestClient(create_app(runtime)).get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and _by_theme(answer.json()) == _by_theme(top)


def test_report_today_and_the_default_range_are_taken_in_the_report_zone_at_midnight():
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Madrid, still 31 December in Bogotá
    assert reports.report_today(late, "Europe/Madrid") == date(2027, 1, 1)
    assert reports.report_today(late, "America/Bogota") == date(2026, 12, 31)
    assert reports.report_range(late, "Europe/Madrid", Period.MONTH) == (date(2026, 2, 1), date(2027, 1, 1))
    assert reports.report_range(late, "America/Bogota", Period.MONTH) == (date(2026, 1, 1), date(2026, 12, 31))
    asked = reports.report_range(late, "Europe/Madrid", Period.MONTH, first=date(2026, 6, 1))
    assert asked == (date(2026, 6, 1), date(2027, 1, 1))


def test_the_api_and_the_dashboard_show_the_same_year_at_the_boundary(runtime):
    seed_team(runtime)
    runtime.settings.report_timezone = "Europe/Madrid"
    at(runtime, datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    with TestClient(create_app(runtime), follow_redirects=False) as client:
        nps = client.get("/v1/reports/nps", headers={"Authorization": f"Bearer {TOKEN}"}).json()
        assert nps["to"] == "2027-01-01"
        assert client.post("/ui/login", data={"token": TOKEN, "next": "/ui/reports"}).status_code == 303
        page = client.get("/ui/reports").text
    assert 'name="year" value="2027"' in page  # the dashboard once took today in UTC: 2026
