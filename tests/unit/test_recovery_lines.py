"""The recovery follow-ups in `npsloop report loop`, as lines and as JSON (the figures of
tests/unit/test_recovery_report.py's docstring)."""

import json

from npsloop.cli.recovery_lines import recovery_line
from npsloop.domain.recovery_stats import RecoveryCounts
from npsloop.services.recovery_report import recovery_figures
from tests.unit.test_cli import cli  # noqa: F401  (the fixture)
from tests.unit.test_recovery_report import seed_spring

SPRING = ("report", "loop", "--from", "2026-03-01", "--to", "2026-04-30")


def _seed():
    from npsloop.bootstrap import get_runtime

    seed_spring(get_runtime())


def test_recovery_per_month_and_team_in_lines(cli):  # noqa: F811
    _seed()
    out = cli(*SPRING)
    assert "-- recovery follow-ups of resolved cases closed in the range, by month" in out
    lines = {line.split("  ")[0].strip(): line for line in out.splitlines()}
    assert "60.0% (3/5)" in lines["2026-03"] and "40.0% (2/5)" in lines["2026-03"]
    assert "2/1/1" in lines["2026-03"] and "50.0% (2/4)" in lines["2026-03"]
    assert "66.7% (4/6)" in lines["total"] and "33.3% (2/6)" in lines["total"]
    assert "80.0% (4/5)" in lines["team North"] and "0.0% (0/1)" in lines["team South"]
    assert "answered 75.0% (6/8) of those sent; confirmed by 50.0% (4/8) of those asked" in out


def test_an_empty_range_says_no_follow_ups_rather_than_zero(cli):  # noqa: F811
    out = cli("report", "loop", "--from", "2026-03-01", "--to", "2026-03-31")
    assert "2026-03              no follow-ups" in out and "total                no follow-ups" in out
    assert "0.0%" not in out


def test_recovery_by_week_for_one_team_as_json(cli):  # noqa: F811
    _seed()
    body = json.loads(cli(*SPRING, "--team", "South", "--period", "week", "--json"))["recovery"]
    assert body["period"] == "week" and [row["team"] for row in body["by_team"]] == ["South"]
    assert body["overall"]["total"]["requests"] == 2 and body["overall"]["total"]["reopen_rate"] == 100.0
    weeks = {p["label"]: p for p in body["overall"]["periods"]}
    assert weeks["2026-W12"]["not_solved"] == 1 and weeks["2026-W11"]["confirmed_rate"] is None
    assert body["denominators"]["recovered_rate"] == ["recovered", "new_scores"]
    cli(*SPRING, "--period", "fortnight", ok=False)


def test_follow_ups_none_of_which_went_say_so():
    assert recovery_line("2026-03", recovery_figures(RecoveryCounts(requests=2))).split() == [
        "2026-03",
        "2",
        "0",
        "none",
        "sent",
    ]
