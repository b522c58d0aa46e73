"""The audit trail of administrative changes: who changed what, when, and the thing before and after.

A change is recorded by the service that makes it, in the transaction that makes it, so every door (the CLI, the
API, the dashboard) is covered by the same line and a change that fails records nothing. Before and after are
plain JSON values; a secret is never one of them (SECRET stands where one is kept, ROTATED where one changed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

SECRET = "[secret]"  # noqa: S105  (a marker where a secret is kept: its value is never recorded)
ROTATED = "rotated"  # where a secret was replaced by a new one
MAX_ACTOR = 200
MAX_NAME = 200


class EntityKind(StrEnum):
    TEAM = "team"
    AGENT = "agent"
    ROUTING = "routing"
    INTEGRATION = "integration"
    ENDPOINT = "endpoint"
    DELIVERY = "delivery"
    TOKEN = "token"  # noqa: S105  (the kind, not a token)
    THEMES = "themes"
    TARGET = "target"
    DEAD_LETTERS = "dead_letters"
    CUSTOMER = "customer"


# What a supervisor may read of the trail: changes to the teams they oversee and to their people. Installation-wide
# changes (secrets, tokens, rules, erasures) are the admin's alone.
TEAM_KINDS = frozenset({EntityKind.TEAM, EntityKind.AGENT, EntityKind.TARGET})


@dataclass(frozen=True)
class Change:
    """What a service records: the thing changed, the action, and its state before and after (None: it did not
    exist before, or does not after)."""

    kind: EntityKind
    action: str  # "add", "remove", "schedule", "duty", "rotate", ...
    name: str
    entity_id: int | None = None
    team_id: int | None = None  # the team it belongs to, when it belongs to one
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


@dataclass(frozen=True)
class AuditEntry:
    """A recorded change, as the trail lists it."""

    id: int
    at: datetime
    actor: str
    kind: str
    action: str
    name: str
    entity_id: int | None
    team_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def differences(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for each field that changed, in a stable order; a field absent on one side is
        None there."""
        before, after = self.before or {}, self.after or {}
        keys = list(before) + [key for key in after if key not in before]
        return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to list. `team_kinds_only`: only changes to teams and their people (a supervisor's view)."""

    actor: str | None = None
    kind: EntityKind | None = None
    team_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    team_kinds_only: bool = False


def clipped(text: str, limit: int) -> str:
    """Names and actors are kept whole up to a limit; a longer one (an OS user, a token name) is cut, not refused:
    the change itself was allowed, and its record must not fail it."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
