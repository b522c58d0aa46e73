"""Targets set, replaced and listed, and the NPS report's progress towards them (again on PostgreSQL:
tests/integration/test_reports_postgres.py)."""

from datetime import UTC, date, datetime

import pytest

from npsloop.services.report_scope import ReportError
from npsloop.services.targets import list_targets, set_target
from tests.conftest import at, drain, seed_team
from tests.unit.test_nps_report import answer, nps


def test_progress_towards_the_years_target(runtime):
    seed_team(runtime)
    at(runtime, datetime(2026, 3, 15, tzinfo=UTC))
    for score, when in [(10, "2026-01-05"), (10, "2026-02-05"), (5, "2026-03-05")]:
        answer(runtime, score, f"{when}T12:00:00+00:00")
    drain(runtime)
    set_target(uow=runtime.uow(), year=2026, nps=50, team=None, actor="s", now=runtime.clock())
    set_target(uow=runtime.uow(), year=2026, nps=30, team=None, actor="s", now=runtime.clock())  # replaces
    set_target(uow=runtime.uow(), year=2026, nps=90, team="Logistics", actor="s", now=runtime.clock())
    company = nps(runtime, first=date(2026, 3, 1), last=date(2026, 3, 31))["target"]
    # year to date: 2 promoters, 1 detractor of 3 = +33.3, over the 30 target
    assert (company["nps"], company["year_to_date"]["nps"], company["gap"], company["met"]) == (30, 33.3, 3.3, True)
    team = nps(runtime, first=date(2026, 3, 1), last=date(2026, 3, 31), team="Logistics")["target"]
    assert (team["nps"], team["gap"], team["met"]) == (90, -56.7, False)
    assert nps(runtime, first=date(2025, 1, 1), last=date(2025, 12, 31))["target"] is None
    assert len(list_targets(uow=runtime.uow())) == 2
    with pytest.raises(ReportError):
        set_target(uow=runtime.uow(), year=2026, nps=101, team=None, actor="s", now=runtime.clock())
