"""Loading routing rules (all or nothing) and reading them back."""

from __future__ import annotations

from datetime import datetime

from npsloop.domain.rules import Rule, RuleError, check_rules
from npsloop.store.uow import UnitOfWork


def load_routing(*, uow: UnitOfWork, rules: list[Rule], now: datetime) -> int:
    """Replaces the rules in one transaction: a file with one mistake changes nothing."""
    check_rules(rules)
    with uow:
        resolved = []
        for rule in rules:
            team_id = None
            if rule.open_case:
                team = uow.directory.team_named(rule.team or "")
                if team is None:
                    raise RuleError(f"rule {rule.name!r}: no team named {rule.team!r}", rule.line)
                team_id = team.id
            resolved.append((rule, team_id))
        uow.routing.replace(resolved, now)
        uow.routing.bump_version()
        uow.commit()
    return len(rules)


def current_rules(*, uow: UnitOfWork) -> list[Rule]:
    with uow:
        return uow.routing.rules()
