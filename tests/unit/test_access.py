"""Roles are fixed permission sets; an agent's reach is their own team."""

from datetime import UTC, datetime, timedelta

import pytest

from npsloop.domain.access import AccessDenied, ApiToken, Permission, Principal, Role

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.INTEGRATION, {Permission.PUSH_RESPONSES}),
        (Role.AGENT, {Permission.READ_CASES, Permission.ACT_ON_CASES}),
        (
            Role.SUPERVISOR,
            {
                Permission.READ_CASES,
                Permission.ACT_ON_CASES,
                Permission.ASSIGN_CASES,
                Permission.READ_REPORTS,
                Permission.EXPORT,
                Permission.SET_TARGETS,
                Permission.READ_DIRECTORY,
                Permission.PREVIEW_ROUTING,
                Permission.READ_AUDIT,
                Permission.RETRY_DEAD_LETTERS,  # of their teams' alerts (services.deadletters.reach_of)
            },
        ),
        (Role.ADMIN, set(Permission)),
    ],
)
def test_each_role_carries_exactly_its_permissions(role, allowed):
    who = Principal(name="x", role=role)
    assert {p for p in Permission if who.can(p)} == allowed
    for denied in set(Permission) - allowed:
        with pytest.raises(AccessDenied):
            who.require(denied)


def test_an_agent_sees_only_their_teams_and_a_supervisor_sees_all():
    agent = Principal(name="Marta", role=Role.AGENT, agent_id=1, team_ids=frozenset({3}))
    assert agent.may_see_team(3) and not agent.may_see_team(4) and not agent.may_see_team(None)
    assert Principal(name="s", role=Role.SUPERVISOR).may_see_team(None)


def test_a_token_is_active_until_it_expires_or_is_revoked():
    token = ApiToken(name="t", role="agent", token_hash="h", prefix="npl_", created_at=NOW)
    assert token.is_active(NOW) and token.status(NOW) == "active"
    token.expires_at = NOW + timedelta(days=1)
    assert token.is_active(NOW + timedelta(hours=23)) and not token.is_active(NOW + timedelta(days=1))
    assert token.status(NOW + timedelta(days=2)) == "expired"
    token.revoked_at = NOW
    assert not token.is_active(NOW) and token.status(NOW) == "revoked"
