"""The monthly review on SQLite, against the two months of tests/support/review_rows.py worked by hand:

November: 8 promoters, 4 passives, 8 detractors of 20: NPS 0 (October +20: change -20).
    transactional 4 / 4 / 8 of 16: -25; relational 4 promoters: +100.
    Year to date (October and November): 13 / 6 / 11 of 30: +6.7, against a target of +10: gap -3.3.
    Themes among the 8 detractors: billing 5 (62.5 %, 25 points at stake = 100 * 5 / 20), wait_time 3
    (37.5 %, 15 points), delivery 1 (12.5 %, 5 points); product_quality is only praised, so it is absent.
October's 3 detractors: billing 2 (66.7 %), wait_time 1 (33.3 %). Movers: delivery +12.5, then billing
    -4.2 and wait_time +4.2.
"""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.access import AccessDenied, Principal, Role
from npsloop.services import review, tokens
from npsloop.services.report_scope import ReportError
from tests.conftest import TOKEN
from tests.support.review_rows import seeded_runtime


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """Built once: every test here only reads."""
    with seeded_runtime(tmp_path_factory.mktemp("review")) as rt:
        yield rt


def month_review(rt, month=date(2026, 11, 1), **extra):
    return review.monthly_review(uow=rt.uow(), month=month, default_zone="UTC", now=rt.clock(), **extra)


def test_nps_against_the_target_company_and_team_by_survey_type(seeded):
    found = month_review(seeded, month=date(2026, 11, 17))
    assert found.label == "2026-11"
    company, logistics = found.nps
    assert (company.team, logistics.team) == (None, "Logistics")
    assert (company.month.promoters, company.month.passives, company.month.detractors) == (8, 4, 8)
    assert company.month.score == 0.0 and company.change == -20.0
    assert company.transactional.score == -25.0 and company.transactional.total == 16
    assert company.relational.score == 100.0 and company.relational.total == 4
    assert company.year_to_date.total == 30
    assert company.target == 10 and company.gap == pytest.approx(100 * 2 / 30 - 10)
    assert logistics.month == company.month and logistics.target is None and logistics.gap is None


def test_top_themes_among_detractors_with_share_and_points_at_stake(seeded):
    found = month_review(seeded)
    assert (found.responses, found.detractors) == (20, 8)
    assert [(t.theme, t.detractors, t.share, t.points_at_stake) for t in found.top_themes] == [
        ("billing", 5, 62.5, 25.0),
        ("wait_time", 3, 37.5, 15.0),
        ("delivery", 1, 12.5, 5.0),
    ]
    assert found.name("billing", "es") == "Facturación" and found.name("billing", "en") == "Billing"


def test_the_themes_that_moved_most_since_the_month_before(seeded):
    moves = month_review(seeded).movers
    assert (moves[0].theme, moves[0].share_before, moves[0].share_now, moves[0].change) == ("delivery", 0.0, 12.5, 12.5)
    assert {move.theme for move in moves[1:]} == {"billing", "wait_time"}
    assert {round(move.change, 1) for move in moves[1:]} == {-4.2, 4.2}


def test_loop_closure_of_the_months_cases(seeded):
    company = month_review(seeded).loop[0]
    assert company.team is None and company.opened == 8 and company.contacted == 0
    assert company.contacted_within_sla is None and company.median_contact_seconds is None


def test_the_reasons_agents_recorded_and_the_actions_they_took(seeded):
    found = month_review(seeded)
    assert [(t.key, t.cases) for t in found.reasons] == [("billing", 2), ("wait_time", 1)]
    assert [(t.key, t.cases) for t in found.actions] == [("refund", 2)]
    assert month_review(seeded, month=date(2026, 10, 1)).reasons == []


def test_the_open_cases_most_at_risk_come_riskiest_first(seeded):
    riskiest = month_review(seeded).riskiest
    assert 0 < len(riskiest) <= 5
    risks = [row.risk for row in riskiest]
    assert risks == sorted(risks, reverse=True) and all(0 <= risk <= 1 for risk in risks)
    assert all(row.team == "Logistics" and row.reasons for row in riskiest)


def test_representative_comments_are_masked(seeded):
    found = month_review(seeded)
    billing = [c for c in found.comments if c.theme == "billing"]
    assert len(billing) == 3  # at most three a theme
    assert {c.theme for c in found.comments} == {"billing", "wait_time", "delivery"}
    assert billing[0].text == "Soy [name] [name], me cobraron dos veces. Llamen al [phone] o [email]"
    every = " ".join(c.text for c in found.comments)
    for personal in ("Ana", "Gómez", "600", "@", "correo"):
        assert personal not in every


def test_a_review_needs_the_right_to_read_reports_and_a_real_month(seeded):
    agent = Principal(name="marta", role=Role.AGENT)
    with pytest.raises(AccessDenied):
        month_review(seeded, viewer=agent)
    assert month_review(seeded, viewer=Principal(name="sup", role=Role.SUPERVISOR)).responses == 20
    with pytest.raises(ReportError) as error:
        review.month_of("2026-13")
    assert error.value.field == "month"
    assert review.month_of("2026-02") == date(2026, 2, 1)


def test_a_month_without_responses_has_no_themes_and_no_movers(seeded):
    found = month_review(seeded, month=date(2027, 1, 1))
    assert found.responses == 0 and found.top_themes == [] and found.movers == [] and found.comments == []
    assert found.nps[0].month.score is None


def test_top_themes_over_a_range_for_the_demo(seeded):
    rows = review.top_themes(uow=seeded.uow(), since=date(2026, 10, 1), until=date(2026, 11, 30), default_zone="UTC")
    # 30 responses, 11 detractors: billing 7 (23.3 points), wait_time 4 (13.3), delivery 1 (3.3)
    assert [(t.theme, t.detractors) for t in rows] == [("billing", 7), ("wait_time", 4), ("delivery", 1)]
    assert rows[0].points_at_stake == pytest.approx(100 * 7 / 30)
    assert rows[0].share == pytest.approx(100 * 7 / 11)


def test_the_review_over_http_with_its_422_and_403(seeded):
    client = TestClient(create_app(seeded))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    found = client.get("/v1/reports/review?month=2026-11", headers=auth)
    assert found.status_code == 200
    body = found.json()
    assert body["month"] == "2026-11" and body["nps"][0]["month"]["nps"] == 0.0 and body["nps"][0]["gap"] == -3.3
    assert body["top_themes"][0] == {
        "theme": "billing",
        "name": {"es": "Facturación", "en": "Billing"},
        "detractors": 5,
        "share": 62.5,
        "points_at_stake": 25.0,
    }
    assert "Ana" not in found.text and "600" not in found.text
    for bad in ("2026-13", "nov", "2026-1x"):
        refused = client.get(f"/v1/reports/review?month={bad}", headers=auth)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "month"
    agent = tokens.create_token(uow=seeded.uow(), name="m-review", role=Role.AGENT, agent="Marta", now=seeded.clock())
    assert client.get("/v1/reports/review", headers={"Authorization": f"Bearer {agent.secret}"}).status_code == 403
    assert client.get("/v1/reports/review").status_code == 401


def test_a_team_in_its_own_zone_counts_its_own_months(seeded):
    from npsloop.services import directory
    from npsloop.store import tables

    directory.add_team(uow=seeded.uow(), name="Bogotá", touchpoints=["store"], is_default=False)
    with seeded.uow() as uow:
        team = uow.directory.require_team("Bogotá")
        team.timezone = "America/Bogota"
        at = datetime(2027, 3, 1, 3, tzinfo=UTC)  # 28 February, 22:00 in Bogotá
        uow.session.execute(
            sa.insert(tables.responses).values(
                integration="shop", external_id="r-bogota", score=10, survey_type="relational", customer_id="c-b",
                responded_at=at, received_at=at, attributes={}, status="processed", team_id=team.id,
            )
        )  # fmt: skip
        uow.commit()
    february = {line.team: line for line in month_review(seeded, month=date(2027, 2, 1)).nps}
    march = {line.team: line for line in month_review(seeded, month=date(2027, 3, 1)).nps}
    assert february["Bogotá"].month.total == 1 and february[None].month.total == 0
    assert march["Bogotá"].month.total == 0 and march[None].month.total == 1
    assert march["Bogotá"].year_to_date.total == 1  # its year holds its February
