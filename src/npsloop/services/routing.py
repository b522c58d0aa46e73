"""Loading routing rules (all or nothing) and reading them back."""

from __future__ import annotations

from datetime import datetime

from npsloop.domain.audit import Change, EntityKind
from npsloop.domain.rules import Rule, RuleError, check_rules
from npsloop.domain.theme_defaults import DEFAULT_TAXONOMY
from npsloop.domain.themes import Taxonomy
from npsloop.ingest.rules_yaml import load_rules as read_rules
from npsloop.services.audit import SYSTEM, record
from npsloop.services.audit_states import rules_state
from npsloop.services.unit_of_work import UnitOfWork


def rule_themes(*, uow: UnitOfWork) -> frozenset[str]:
    """The theme keys a rule may match on: the taxonomy's active ones (a retired theme is tagged no more)."""
    with uow:
        return _active_keys(uow)


def load_routing(*, uow: UnitOfWork, rules: list[Rule], now: datetime, actor: str = SYSTEM) -> int:
    """Replaces the rules in one transaction: a file with one mistake changes nothing."""
    check_rules(rules)
    with uow:
        check_rules(rules, themes=_active_keys(uow))  # the taxonomy may have changed since the file was read
        resolved = resolve_teams(uow, rules)
        before = rules_state(uow.routing.rules())
        uow.routing.replace(resolved, now)
        uow.routing.bump_version()
        change = Change(EntityKind.ROUTING, "load", "rules", before=before, after=rules_state(rules))
        record(uow, change, actor=actor, now=now)
        uow.commit()
    return len(rules)


def load_routing_yaml(*, uow: UnitOfWork, text: str, now: datetime, actor: str = SYSTEM) -> list[Rule]:
    """The rules of a YAML text put in force (all or nothing), as `npsloop routing load` and the dashboard do:
    RuleError names the line of the first mistake, and then nothing changed."""
    rules = read_rules(text, rule_themes(uow=uow))
    load_routing(uow=uow, rules=rules, now=now, actor=actor)
    return rules


def resolve_teams(uow: UnitOfWork, rules: list[Rule]) -> list[tuple[Rule, int | None]]:
    """Inside an open unit of work: each rule with the id of the team it names (None: it opens no case)."""
    resolved = []
    for rule in rules:
        team_id = None
        if rule.open_case:
            team = uow.directory.team_named(rule.team or "")
            if team is None:
                raise RuleError(f"rule {rule.name!r}: no team named {rule.team!r}", rule.line)
            team_id = team.id
        resolved.append((rule, team_id))
    return resolved


def current_rules(*, uow: UnitOfWork) -> list[Rule]:
    with uow:
        return uow.routing.rules()


def _active_keys(uow: UnitOfWork) -> frozenset[str]:
    taxonomy = Taxonomy(uow.themes.stored() or DEFAULT_TAXONOMY.themes)
    return frozenset(theme.key for theme in taxonomy.active)
