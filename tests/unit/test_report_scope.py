"""What a report covers: the refused teams and ranges, the default range, and the one "today" in the zone reports
are kept in."""

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.domain.errors import UnknownTeam
from npsloop.domain.periods import Period
from npsloop.services.loop_report import loop_report
from npsloop.services.report_scope import ReportError, default_range, report_range, report_today
from tests.conftest import TOKEN, at, seed_team
from tests.unit.test_nps_report import nps


def test_unknown_teams_and_groupings_are_refused(runtime):
    with pytest.raises(UnknownTeam):
        nps(runtime, first=date(2026, 1, 1), last=date(2026, 1, 2), team="Nope")
    with pytest.raises(ReportError):
        nps(runtime, first=date(2026, 1, 1), last=date(2026, 1, 2), group_by="colour")
    for first, last in [(date(1, 1, 1), date(2026, 1, 1)), (date(2026, 1, 1), date(9999, 12, 31))]:
        with pytest.raises(ReportError):
            nps(runtime, first=first, last=last)
        with pytest.raises(ReportError):
            loop_report(uow=runtime.uow(), first=first, last=last, team=None, default_zone="UTC", now=first)


def test_default_range_is_the_last_twelve_periods():
    assert default_range(date(2026, 11, 22), Period.MONTH) == (date(2025, 12, 1), date(2026, 11, 22))
    assert default_range(date(2026, 11, 22), Period.QUARTER, 4) == (date(2026, 1, 1), date(2026, 11, 22))
    assert default_range(date(2026, 11, 22), Period.DAY, 1) == (date(2026, 11, 22), date(2026, 11, 22))


def test_report_today_and_the_default_range_are_taken_in_the_report_zone_at_midnight():
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Madrid, still 31 December in Bogotá
    assert report_today(late, "Europe/Madrid") == date(2027, 1, 1)
    assert report_today(late, "America/Bogota") == date(2026, 12, 31)
    assert report_range(late, "Europe/Madrid", Period.MONTH) == (date(2026, 2, 1), date(2027, 1, 1))
    assert report_range(late, "America/Bogota", Period.MONTH) == (date(2026, 1, 1), date(2026, 12, 31))
    asked = report_range(late, "Europe/Madrid", Period.MONTH, first=date(2026, 6, 1))
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
