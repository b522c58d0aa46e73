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
        try:
            rules.append(parse_rule(raw, raw.get(LINE), position, themes))
        except RuleError as error:
            raise _on_its_line(error, text, position) from None
    check_rules(rules)
    return rules


def _on_its_line(error: RuleError, text: str, position: int) -> RuleError:
    """The error with the line of the key at fault ("priority: asap" four lines into its rule), when it names
    one: the document is composed again, only on this path, and only once read_yaml has accepted it (no alias,
    no excess depth), so composing it costs what reading it did."""
    node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    node = _value(node, "rules")
    if not isinstance(node, yaml.SequenceNode) or len(node.value) < position:
        return error
    node, line = node.value[position - 1], None
    for part in error.key:
        found = next(((k, v) for k, v in _pairs(node) if k.value == part), None)
        if found is None:
            break
        line, node = found[0].start_mark.line + 1, found[1]
    return RuleError(error.message, line, error.key) if line else error


def _pairs(node: yaml.Node | None) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    return next((v for k, v in _pairs(node) if k.value == key), None)


def dump_rules(rules: list[Rule]) -> str:
    text: str = yaml.safe_dump({"rules": [rule.to_dict() for rule in rules]}, sort_keys=False, allow_unicode=True)
    return text
