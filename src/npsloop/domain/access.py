"""Who may do what. A role is a fixed set of permissions so that the check at every endpoint is one lookup,
and an agent's reach is narrowed to the teams they belong to rather than trusted to the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from npsloop.domain.directory import Agent


class Role(StrEnum):
    INTEGRATION = "integration"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(StrEnum):
    PUSH_RESPONSES = "responses:push"
    READ_CASES = "cases:read"
    ACT_ON_CASES = "cases:act"
    ASSIGN_CASES = "cases:assign"
    READ_REPORTS = "reports:read"
    EXPORT = "export"
    SET_TARGETS = "targets:write"
    READ_DIRECTORY = "directory:read"
    WRITE_DIRECTORY = "directory:write"
    MANAGE_TOKENS = "tokens:manage"
    WRITE_THEMES = "themes:write"  # the reason taxonomy: what every comment is tagged with, installation-wide
    # Routing rules: trying a sample on them (nothing stored) is a supervisor's, for their teams; changing them
    # is the admin's.
    PREVIEW_ROUTING = "routing:preview"
    WRITE_ROUTING = "routing:write"
    # Data-protection requests about one customer (GDPR art. 15 and 17, Colombia's Ley 1581): the admin's alone.
    CUSTOMERS_EXPORT = "customers:export"
    CUSTOMERS_ERASE = "customers:erase"
    # The audit trail of administrative changes: an admin reads all of it, a supervisor the changes to teams and
    # their people (services.audit.scoped).
    READ_AUDIT = "audit:read"
    # Dead letters (alerts that failed every attempt, quarantined payloads): a supervisor lists and retries their
    # teams' alerts; the admin everything (services.deadletters.reach_of).
    RETRY_DEAD_LETTERS = "deadletters:retry"


_SUPERVISOR = frozenset(
    {
        Permission.READ_CASES,
        Permission.ACT_ON_CASES,
        Permission.ASSIGN_CASES,
        Permission.READ_REPORTS,
        Permission.EXPORT,
        Permission.SET_TARGETS,
        Permission.READ_DIRECTORY,
        Permission.READ_AUDIT,
        Permission.PREVIEW_ROUTING,
        Permission.RETRY_DEAD_LETTERS,
    }
)

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.INTEGRATION: frozenset({Permission.PUSH_RESPONSES}),
    Role.AGENT: frozenset({Permission.READ_CASES, Permission.ACT_ON_CASES}),
    Role.SUPERVISOR: _SUPERVISOR,
    # The admin runs the installation: everything a supervisor does, plus the directory, routing and tokens.
    Role.ADMIN: frozenset(Permission),
}


class AccessDenied(Exception):
    """Authenticated, but the role does not allow this; the API answers 403."""


@dataclass(frozen=True)
class Principal:
    """The caller behind a token. `actor` is the name the audit trail records for what they do."""

    name: str
    role: Role
    agent_id: int | None = None
    team_ids: frozenset[int] = field(default_factory=frozenset)
    token_id: int | None = None

    @property
    def actor(self) -> str:
        return self.name

    def can(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise AccessDenied(f"the {self.role.value} role may not {permission.value}")

    @property
    def sees_all_teams(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    def may_see_team(self, team_id: int | None) -> bool:
        return self.sees_all_teams or (team_id is not None and team_id in self.team_ids)


# An agent who acts without a token (an SMS reply, a link in an alert email) is held to the role their place in
# the directory gives them: a team's supervisors and heads oversee every team, as a supervisor's token does.
DIRECTORY_ROLES = {"agent": Role.AGENT, "supervisor": Role.SUPERVISOR, "head": Role.SUPERVISOR}


def agent_principal(agent: Agent) -> Principal:
    """The principal behind an agent's own channel (their phone, their alert email): the same reach as an
    agent-bound token, so a reply or a link can do nothing their token could not."""
    assert agent.id is not None
    return Principal(
        name=agent.name,
        role=DIRECTORY_ROLES.get(agent.role, Role.AGENT),
        agent_id=agent.id,
        team_ids=frozenset({agent.team_id}),
    )


@dataclass(eq=False)
class ApiToken:
    """A stored token: only the hash of the secret is kept, so a leaked database grants nothing."""

    name: str
    role: str
    token_hash: str
    prefix: str
    created_at: datetime
    agent_id: int | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    id: int | None = None

    def is_active(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"
