"""NPS report figures against fixtures computed by hand, through the real pipeline on SQLite (the same
reports on PostgreSQL: tests/integration/test_reports_postgres.py)."""

import tracemalloc
from datetime import date

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.api.report_json import nps_report_json
from npsloop.domain.periods import Period
from npsloop.services.nps_report import NpsQuery, ReportLimits, nps_report
from npsloop.services.report_results import NpsSeries, Truncation
from npsloop.services.report_scope import ReportError
from tests.conftest import TOKEN, drain, ingest, madrid_schedule, seed_team
from tests.support.report_rows import many_groups


def answer(rt, score, when, **extra):
    ingest(rt, score=score, responded_at=when, **extra)


def nps(rt, **query):
    """The report as the API answers it, so the figures checked by hand are the ones clients read."""
    query.setdefault("period", Period.MONTH)
    return nps_report_json(nps_report(uow=rt.uow(), query=NpsQuery(**query), default_zone="UTC"))


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
    typed = nps_report(uow=runtime.uow(), query=NpsQuery(group_by="team", top=2, **span), default_zone="UTC")
    assert typed.truncated == Truncation(groups=3, shown=2) and typed.truncated.in_other == 1
    assert all(isinstance(s, NpsSeries) for s in typed.series) and typed.series[-1].other
    assert [p.period.label for p in typed.series[0].points] == ["2026-05"] and typed.series[0].total.responses == 3
    numbers = nps(runtime, group_by="attribute:seats", top=1, **span)  # a number kept as text on both databases
    assert [(s["group"], s["total"]["responses"]) for s in numbers["series"]] == [("3", 6)]
    with pytest.raises(ReportError, match="over the 100 figures"):
        nps_report(
            uow=runtime.uow(),
            query=NpsQuery(period=Period.DAY, group_by="team", **span),
            default_zone="UTC",
            limits=ReportLimits(groups=20, cells=100),
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
