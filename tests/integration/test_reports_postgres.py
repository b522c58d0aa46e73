"""The report, export and access checks of tests/unit, run again on real PostgreSQL: its JSON operators,
time arithmetic and NULL handling in unique indexes differ from SQLite's."""

import pytest
import sqlalchemy as sa

from npsloop.services import targets
from tests.unit import (
    test_auth,
    test_casework,
    test_exports,
    test_loop_report,
    test_nps_report,
    test_targets,
    test_tokens,
)

CHECKS = [
    test_nps_report.test_months_by_hand_empty_all_promoters_all_detractors_and_one_response,
    test_nps_report.test_the_first_period_is_compared_with_the_one_before_the_range,
    test_nps_report.test_a_teams_months_are_its_own_local_months,
    test_nps_report.test_split_by_survey_type_touchpoint_attribute_and_team,
    test_targets.test_progress_towards_the_years_target,
    test_nps_report.test_a_thousand_groups_over_a_thousand_days_stay_bounded_and_other_adds_up,
    test_nps_report.test_a_report_by_team_folds_the_least_answered_teams_into_other,
    test_nps_report.test_nps_by_theme_counts_a_response_in_each_of_its_themes_and_the_untagged_as_none,
    test_casework.test_cases_are_found_by_a_theme_their_customer_complains_of_and_carry_their_themes,
    test_loop_report.test_loop_closure_in_wall_and_business_time,
    test_loop_report.test_loop_closure_counts_only_cases_opened_in_the_range,
    test_exports.test_csv_neutralises_formulas_but_keeps_phone_numbers,
    test_exports.test_json_exports_are_valid_arrays_and_follow_the_filters,
    test_tokens.test_only_the_hash_is_stored_and_the_secret_authenticates,
    test_tokens.test_expired_and_revoked_tokens_are_refused,
    test_auth.test_an_agent_cannot_reach_another_teams_cases,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_the_same_figures_on_postgresql(pg_runtime, check):
    check(pg_runtime)


def test_one_company_target_a_year_even_with_a_null_team(pg_runtime):
    now = pg_runtime.clock()
    targets.set_target(uow=pg_runtime.uow(), year=2026, nps=10, team=None, actor="a", now=now)
    targets.set_target(uow=pg_runtime.uow(), year=2026, nps=20, team=None, actor="b", now=now)
    with pg_runtime.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT year, nps FROM nps_targets")).all() == [(2026, 20.0)]
        with pytest.raises(sa.exc.IntegrityError):
            connection.execute(
                sa.text("INSERT INTO nps_targets (year, nps, set_by, set_at) VALUES (2026, 5, 'x', now())")
            )
