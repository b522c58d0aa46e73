"""The recovery follow-ups in the monthly review: the service, its JSON (API and `--json`), its lines and its
email, with the figures of tests/unit/test_recovery_report.py's docstring (March: North and South; April: North)."""

import json
from dataclasses import asdict
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.api.report_json import recovery_figures_json
from npsloop.notify.render import Renderer
from npsloop.services import review
from npsloop.services.review_email import email_context
from tests.conftest import TOKEN, seed_team
from tests.support.recovery_rows import UNANSWERED, YES, team_ids, write_followups
from tests.unit.test_cli import cli  # noqa: F401  (the fixture)
from tests.unit.test_recovery_report import seed_spring


def month_review(rt, month, zone="UTC"):
    return review.monthly_review(uow=rt.uow(), month=month, default_zone=zone, now=datetime(2026, 5, 1, tzinfo=UTC))


def test_the_months_follow_ups_for_the_company_and_each_team(runtime):
    seed_spring(runtime)
    seed_team(runtime, "West", touchpoints=("web",), default=False, agents=())
    lines = {line.team: line.figures for line in month_review(runtime, date(2026, 3, 1)).recovery}
    assert list(lines) == [None, "North", "South", "West"]
    company, north, south, west = lines.values()
    assert (company.requests, company.sent, company.answered, company.confirmed, company.reopened) == (8, 7, 5, 3, 2)
    assert (company.confirmed_rate, company.reopen_rate, company.recovered_rate) == (60.0, 40.0, 50.0)
    assert (north.confirmed_rate, north.reopen_rate, north.recovered) == (75.0, 25.0, 2)
    assert (south.confirmed_rate, south.reopen_rate) == (0.0, 100.0)
    assert west.requests == 0 and west.confirmed_rate is None and west.new_scores.nps is None
    april = {line.team: line.figures for line in month_review(runtime, date(2026, 4, 1)).recovery}
    assert april[None].requests == 1 and april["South"].requests == 0


def test_the_month_is_the_report_zones_month(runtime):
    seed_team(runtime, "North")
    north = team_ids(runtime.engine)["North"]
    write_followups(runtime.engine, north, datetime(2026, 2, 28, 23, 30, tzinfo=UTC), [YES])  # 1 March in Madrid
    write_followups(runtime.engine, north, datetime(2026, 3, 31, 22, 30, tzinfo=UTC), [UNANSWERED])  # 1 April
    madrid = month_review(runtime, date(2026, 3, 1), zone="Europe/Madrid").recovery[0].figures
    assert (madrid.requests, madrid.confirmed) == (1, 1)
    utc = month_review(runtime, date(2026, 3, 1)).recovery[0].figures
    assert (utc.requests, utc.confirmed) == (1, 0)


def test_the_reviews_json_has_the_loop_reports_shape_and_its_denominators(runtime):
    seed_spring(runtime)
    found = month_review(runtime, date(2026, 3, 1))
    body = TestClient(create_app(runtime)).get(
        "/v1/reports/review?month=2026-03", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert body.status_code == 200
    recovery = body.json()["recovery"]
    assert recovery == [{"team": line.team, **recovery_figures_json(line.figures)} for line in found.recovery]
    assert [line["team"] for line in recovery] == [None, "North", "South"]
    assert recovery[0]["new_scores"]["detractors"] == 2 and recovery[0]["confirmed_rate"] == 60.0
    assert body.json()["recovery_denominators"]["confirmed_of_sent"] == ["confirmed", "sent"]
    assert review.review_dict(found)["recovery"][1] == {"team": "North", **asdict(found.recovery[1].figures)}


def test_the_review_on_the_command_line(cli):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    seed_spring(get_runtime())
    out = cli("report", "review", "--month", "2026-03")
    assert "-- recovery follow-ups of resolved cases closed in the month" in out
    lines = {line.split("  ")[0].strip(): line for line in out.splitlines()}
    assert "60.0% (3/5)" in lines["(company)"] and "75.0% (3/4)" in lines["North"]
    assert "0.0% (0/1)" in lines["South"]
    empty = cli("report", "review", "--month", "2026-01")
    assert "(company)            no follow-ups" in empty
    body = json.loads(cli("report", "review", "--month", "2026-03", "--json"))
    assert body["recovery"][0]["reopened"] == 2


def test_the_review_email_tells_the_companys_recovery_in_both_languages(runtime):
    seed_spring(runtime)
    renderer = Renderer()
    march = email_context(month_review(runtime, date(2026, 3, 1)), "en", "https://nps.example.com")
    english = renderer.email("monthly_review", "en", march)
    said = (
        "Recovery: 7 follow-ups sent, 5 answered; 60.0% confirmed solved (3 of 5 yes-or-no answers), 40.0% reopened "
        "(2 of 5 answers), 2 of 4 new scores from detractors now passives or promoters."
    )
    assert said in english.text
    assert "<strong>60.0%</strong> confirmed solved (3 of 5 yes-or-no answers)" in english.html
    spanish = renderer.email("monthly_review", "es", march)
    assert "Recuperación: 7 seguimientos enviados, 5 respondidos; 60.0% confirmaron la solución" in spanish.text
    january = email_context(month_review(runtime, date(2026, 1, 1)), "es", "https://nps.example.com")
    assert january["recovery"] is None
    assert (
        "Recuperación: sin seguimientos de casos resueltos cerrados en el mes."
        in renderer.email("monthly_review", "es", january).text
    )
