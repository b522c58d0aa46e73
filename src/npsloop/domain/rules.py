"""Routing rules: which team follows a response up, how urgently, or whether it opens a case at all.
First match wins; the last rule matches everything, so nothing falls through unrouted. Besides what the response
says (score, touchpoint, language, attributes), a rule may match on the themes the customer complains about
(`themes: [billing]`: any of them among the comment's negative tags) and on the case's risk of ending badly
(`risk: ">=0.7"`), both computed in the worker before routing."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from npsloop.domain.errors import DomainError
from npsloop.domain.numbers import decimal
from npsloop.domain.responses import Response


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class RuleError(DomainError, ValueError):
    """A rule that cannot be used; `line` points into the file it came from, when there is one. `key`: the key
    at fault, as a path from the rule (("priority",), ("match", "score")), for a reader that knows the line each
    key is on (ingest.rules_yaml) to point at it rather than at the rule's first line."""

    def __init__(self, message: str, line: int | None = None, key: tuple[str, ...] = ()) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.message, self.line, self.key = message, line, key


_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
# An operator then a number from 0 to 1 with at most four decimals: ">=0.7", "< .25", "<=1".
_RISK = re.compile(r"(>=|<=|>|<)\s*((?:0|1)?(?:\.[0-9]{1,4})?)")


@dataclass(frozen=True)
class RiskBound:
    """A comparison against a case's risk (0-1). A response with no risk (not a detractor) never meets one."""

    comparison: str
    value: float

    def accepts(self, risk: float | None) -> bool:
        return risk is not None and _COMPARISONS[self.comparison](risk, self.value)

    def __str__(self) -> str:
        return f"{self.comparison}{self.value:g}"


@dataclass(frozen=True)
class Match:
    touchpoints: frozenset[str] = frozenset()
    survey_types: frozenset[str] = frozenset()
    score_min: int = 0
    score_max: int = 10
    languages: frozenset[str] = frozenset()
    attributes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    themes: frozenset[str] = frozenset()
    risk: RiskBound | None = None

    @property
    def is_catch_all(self) -> bool:
        return self == Match()

    def accepts(self, response: Response, themes: Collection[str] = (), risk: float | None = None) -> bool:
        """`themes`: the comment's negative themes; `risk`: the risk of the case it would open, if any."""
        if self.themes and self.themes.isdisjoint(themes):
            return False
        if self.risk is not None and not self.risk.accepts(risk):
            return False
        if not self.score_min <= response.score <= self.score_max:
            return False
        if self.touchpoints and (response.touchpoint or "").strip().casefold() not in self.touchpoints:
            return False
        if self.survey_types and response.survey_type not in self.survey_types:
            return False
        if self.languages and (response.language or "").split("-")[0].lower() not in self.languages:
            return False
        return all(
            key in response.attributes and str(response.attributes[key]).casefold() in allowed
            for key, allowed in self.attributes.items()
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.touchpoints:
            out["touchpoint"] = sorted(self.touchpoints)
        if self.survey_types:
            out["survey_type"] = sorted(self.survey_types)
        if (self.score_min, self.score_max) != (0, 10):
            out["score"] = f"{self.score_min}-{self.score_max}"
        if self.languages:
            out["language"] = sorted(self.languages)
        if self.attributes:
            out["attributes"] = {k: sorted(v) for k, v in sorted(self.attributes.items())}
        if self.themes:
            out["themes"] = sorted(self.themes)
        if self.risk is not None:
            out["risk"] = str(self.risk)
        return out


@dataclass(frozen=True)
class Rule:
    name: str
    match: Match
    team: str | None
    priority: Priority = Priority.NORMAL
    open_case: bool = True
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.match.to_dict():
            out["match"] = self.match.to_dict()
        if self.open_case:
            out["team"] = self.team
            out["priority"] = self.priority.value
        else:
            out["open_case"] = False
        return out


def route(
    rules: Sequence[Rule], response: Response, themes: Collection[str] = (), risk: float | None = None
) -> Rule | None:
    """`themes`: the negative themes of the response's comment; `risk`: of the case it would open (else None)."""
    return next((rule for rule in rules if rule.match.accepts(response, themes, risk)), None)


def parse_rule(raw: Mapping[str, Any], line: int | None, position: int, themes: Collection[str] | None = None) -> Rule:
    """One rule from its plain form (as YAML gives it), with a message per mistake that names the line.
    `themes`: the taxonomy's keys a rule may name (None: not checked, as when reading stored rules back)."""
    known = {"name", "match", "team", "priority", "open_case"}
    unknown = sorted(set(raw) - known - {"__line__"})
    if unknown:
        raise RuleError(f"unknown key {unknown[0]!r} (a rule has {', '.join(sorted(known))})", line, (unknown[0],))
    name = str(raw.get("name") or f"rule {position}")
    open_case = raw.get("open_case", True)
    if not isinstance(open_case, bool):
        raise RuleError(f"rule {name!r}: open_case must be true or false", line, ("open_case",))
    team = raw.get("team")
    if open_case and not (isinstance(team, str) and team.strip()):
        raise RuleError(f"rule {name!r}: say which team follows it up (team: ...), or open_case: false", line)
    try:
        priority = Priority(str(raw.get("priority", "normal")).lower())
    except ValueError:
        raise RuleError(
            f"rule {name!r}: priority must be one of {', '.join(p.value for p in Priority)}", line, ("priority",)
        ) from None
    match = _parse_match(raw.get("match") or {}, name, line, themes)
    return Rule(
        name=name,
        match=match,
        team=team.strip() if open_case and isinstance(team, str) else None,
        priority=priority,
        open_case=open_case,
        line=line,
    )


def check_rules(rules: Sequence[Rule], themes: Collection[str] | None = None) -> None:
    """`themes`: the taxonomy's keys, when the rules are about to be put in force."""
    if not rules:
        raise RuleError("no rules: at least a default rule (one with no match) is needed")
    if not rules[-1].match.is_catch_all:
        raise RuleError(f"the last rule ({rules[-1].name!r}) must be the default: a rule with no match", rules[-1].line)
    for rule in rules[:-1]:
        if rule.match.is_catch_all:
            raise RuleError(f"rule {rule.name!r} matches everything, so the rules after it never apply", rule.line)
    if themes is not None:
        for rule in rules:
            _check_themes(rule.match.themes, themes, rule.name, rule.line)


def _parse_match(raw: Any, name: str, line: int | None, themes: Collection[str] | None) -> Match:
    if not isinstance(raw, Mapping):
        raise RuleError(f"rule {name!r}: match must be a mapping", line)
    line = raw.get("__line__", line)
    known = {"touchpoint", "survey_type", "score", "language", "attributes", "themes", "risk"}
    unknown = sorted(set(raw) - known - {"__line__"})
    if unknown:
        raise RuleError(
            f"rule {name!r}: cannot match on {unknown[0]!r} (use {', '.join(sorted(known))})",
            line,
            ("match", unknown[0]),
        )
    survey_types = _words(raw.get("survey_type"), name, "survey_type", line)
    if survey_types - {"transactional", "relational"}:
        raise RuleError(f"rule {name!r}: survey_type is transactional or relational", line, ("match", "survey_type"))
    score_min, score_max = _score_range(raw.get("score"), name, line)
    attributes_raw = raw.get("attributes") or {}
    if not isinstance(attributes_raw, Mapping):
        raise RuleError(
            f"rule {name!r}: attributes must map a key to a value or a list of values", line, ("match", "attributes")
        )
    attributes = {
        str(key): _words(value, name, f"attributes.{key}", line)
        for key, value in attributes_raw.items()
        if key != "__line__"
    }
    wanted = _words(raw.get("themes"), name, "themes", line)
    if themes is not None:
        _check_themes(wanted, themes, name, line, ("match", "themes"))
    return Match(
        touchpoints=_words(raw.get("touchpoint"), name, "touchpoint", line),
        survey_types=survey_types,
        score_min=score_min,
        score_max=score_max,
        languages=frozenset(w.split("-")[0] for w in _words(raw.get("language"), name, "language", line)),
        attributes=attributes,
        themes=wanted,
        risk=_risk_bound(raw.get("risk"), name, line),
    )


def _words(value: Any, name: str, key: str, line: int | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str | int | float) and not isinstance(item, bool) for item in items):
        raise RuleError(f"rule {name!r}: {key} must be a value or a list of values", line, ("match", *key.split(".")))
    return frozenset(str(item).strip().casefold() for item in items)


def _score_range(value: Any, name: str, line: int | None) -> tuple[int, int]:
    if value is None:
        return 0, 10
    if isinstance(value, int) and not isinstance(value, bool):
        low = high = value
    else:
        text = str(value).replace(" ", "")
        low_text, sep, high_text = text.partition("-")
        low_number, high_number = decimal(low_text, max_digits=2), decimal(high_text, max_digits=2)
        if not sep or low_number is None or high_number is None:
            raise RuleError(f"rule {name!r}: score must be a number or a range like 0-6", line, ("match", "score"))
        low, high = low_number, high_number
    if not 0 <= low <= high <= 10:
        raise RuleError(f"rule {name!r}: score range must lie within 0-10, low to high", line, ("match", "score"))
    return low, high


def _check_themes(
    wanted: frozenset[str], known: Collection[str], name: str, line: int | None, key: tuple[str, ...] = ()
) -> None:
    unknown = sorted(wanted - set(known))
    if unknown:
        raise RuleError(
            f"rule {name!r}: no theme {unknown[0][:40]!r} in the taxonomy (themes are {', '.join(sorted(known))})",
            line,
            key,
        )


def _risk_bound(value: Any, name: str, line: int | None) -> RiskBound | None:
    if value is None:
        return None
    found = _RISK.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None or found.group(2) in ("", "."):
        raise RuleError(
            f'rule {name!r}: risk must be a comparison with a number from 0 to 1, like ">=0.7"', line, ("match", "risk")
        )
    number = float(found.group(2))
    if number > 1:
        raise RuleError(f"rule {name!r}: risk is a number from 0 to 1", line, ("match", "risk"))
    return RiskBound(found.group(1), number)
