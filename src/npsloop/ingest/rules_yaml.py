"""Reads routing rules from YAML, keeping each mapping's line number so every error can point at it."""

from __future__ import annotations

from collections.abc import Collection

import yaml

from npsloop.domain.rules import Rule, RuleError, check_rules, parse_rule
from npsloop.ingest.yaml_lines import LINE, YamlError, read_yaml


def load_rules(text: str, themes: Collection[str] | None = None) -> list[Rule]:
    """`themes`: the taxonomy's keys, so a rule naming another theme is refused on its own line."""
    try:
        document = read_yaml(text)
    except YamlError as error:
        raise RuleError(error.message, error.line) from None
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RuleError("the file must hold a list under 'rules:'", 1)
    rules = []
    for position, raw in enumerate(document["rules"], start=1):
        if not isinstance(raw, dict):
            raise RuleError(f"rule {position} must be a mapping (name, match, team, priority)", document[LINE])
        rules.append(parse_rule(raw, raw.get(LINE), position, themes))
    check_rules(rules)
    return rules


def dump_rules(rules: list[Rule]) -> str:
    text: str = yaml.safe_dump({"rules": [rule.to_dict() for rule in rules]}, sort_keys=False, allow_unicode=True)
    return text
