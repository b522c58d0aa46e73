"""Reads routing rules from YAML, keeping each mapping's line number so every error can point at it."""

from __future__ import annotations

from typing import Any

import yaml

from npsloop.domain.rules import Rule, RuleError, check_rules, parse_rule


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers where each mapping started (1-based), under the key __line__."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def load_rules(text: str) -> list[Rule]:
    try:
        document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise RuleError(
            f"not valid YAML: {getattr(error, 'problem', error)}", mark.line + 1 if mark else None
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RuleError("the file must hold a list under 'rules:'", 1)
    rules = []
    for position, raw in enumerate(document["rules"], start=1):
        if not isinstance(raw, dict):
            raise RuleError(f"rule {position} must be a mapping (name, match, team, priority)", document["__line__"])
        rules.append(parse_rule(raw, raw.get("__line__"), position))
    check_rules(rules)
    return rules


def dump_rules(rules: list[Rule]) -> str:
    return yaml.safe_dump({"rules": [rule.to_dict() for rule in rules]}, sort_keys=False, allow_unicode=True)
