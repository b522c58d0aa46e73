"""The recovery figures of tests/unit/test_recovery_report.py and the review's, run again on real PostgreSQL:
its booleans, its CASE over instants with time zones and its SUM of an empty group differ from SQLite's."""

import pytest

from tests.unit import test_recovery_report, test_review_recovery

CHECKS = [
    test_recovery_report.test_recovery_per_month_and_team_by_hand,
    test_recovery_report.test_narrowed_to_one_team_another_teams_follow_ups_never_count,
    test_recovery_report.test_a_follow_up_counts_in_the_period_of_its_closure_in_the_report_zone,
    test_recovery_report.test_a_period_without_follow_ups_says_so_rather_than_zero,
    test_recovery_report.test_the_database_counts_as_the_domain_defines,
    test_review_recovery.test_the_months_follow_ups_for_the_company_and_each_team,
    test_review_recovery.test_the_month_is_the_report_zones_month,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_the_same_recovery_figures_on_postgresql(pg_runtime, check):
    check(pg_runtime)
