"""Loading routing rules (all or nothing) and reading them back."""

from __future__ import annotations

from datetime import datetime

from npsloop.domain.rules import Rule, RuleError, check_rules
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.themes import Taxonomy
from npsloop.services.unit_of_work import UnitOfWork


def rule_themes(*, uow: UnitOfWork) -> frozenset[str]:
    """The theme keys a rule may match on: the taxonomy's active ones (a retired theme is tagged no more)."""
    with uow:
        return _active_keys(uow)


def load_routing(*, uow: UnitOfWork, rules: list[Rule], now: datetime) -> int:
    """Replaces the rules in one transaction: a file with one mistake changes nothing."""
    check_rules(rules)
    with uow:
        check_rules(rules, themes=_active_keys(uow))  # the taxonomy may have changed since the file was read
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


def _active_keys(uow: UnitOfWork) -> frozenset[str]:
    taxonomy = Taxonomy(uow.themes.stored() or DEFAULT_TAXONOMY.themes)
    return frozenset(theme.key for theme in taxonomy.active)
