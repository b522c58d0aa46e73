"""The risk that a detractor's case ends badly: closed not resolved or unreachable, escalated, or the customer a
detractor again within 90 days. A probability-like score (0-1) with the reasons a person can check.

Until an installation has enough closed cases to learn from, the score is a transparent rule: a sum of fixed
weights on the log-odds, turned into 0-1 by the logistic function. The weights (documented in the README):

    start                                   -1.6   (a score-6 detractor with nothing else: 0.17)
    each point below 6 (score 0: 6 points)  +0.25  ("score 0")
    each negative theme, at most 3          +0.3   ("themes: billing, wait_time")
    each earlier unresolved case, at most 3 +0.7   ("2 unresolved cases before")
    a detractor in the 90 days before       +0.9   ("repeat detractor")
    a high account tier                     +0.5   ("tier: enterprise")

Once it has, a logistic regression fitted on its own history (`RiskModel`) uses the same inputs as features,
and its reasons are the inputs that raise this case's log-odds most above an average case's.

A reason is a `RiskReason` (a code and its figure), worded in a person's language where it is shown; a case
stores each reason's `key` ("score:0", "themes:billing,wait_time", "repeat_detractor"), and cases stored when
reasons were English text ("score 0", "repeat detractor") are read by the same `RiskReason.parse`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from npsloop.domain.cases import Outcome
from npsloop.domain.errors import DomainError

DETRACTOR_MAX = 6  # the highest detractor score, as domain.scores.classify draws it
WINDOW = timedelta(days=90)  # "a detractor again" and "a detractor before" look this far
BAD_OUTCOMES = frozenset({Outcome.NOT_RESOLVED, Outcome.UNREACHABLE})
TIER_ATTRIBUTES = ("tier", "account_tier")
HIGH_TIERS = frozenset({"enterprise", "gold", "platinum", "premium", "vip", "key", "strategic"})
RULE_MODEL = "rules"
MAX_COUNTED = 3  # themes and earlier unresolved cases past this add nothing more
MAX_REASONS = 3  # what a learned model shows: its largest contributions
MIN_LIFT = 0.05  # on the log-odds: a contribution smaller than this is not worth a reason

START, PER_POINT, PER_THEME, PER_UNRESOLVED, REPEAT, HIGH_TIER = -1.6, 0.25, 0.3, 0.7, 0.9, 0.5
# Where a risk changes band: a person reads "high" and "low", not 0.68 and 0.71, so a re-assessment that stays in
# its band is not news for the timeline. 0.7 is the bound the routing rules' documentation suggests (risk: ">=0.7").
MEDIUM_FROM, HIGH_FROM = 0.4, 0.7


class NotEnoughHistory(DomainError):
    """Too few closed cases with a known ending (or all ending alike) to learn from: the rule stays."""


@dataclass(frozen=True)
class RiskInputs:
    """What is known of a case when it opens, and all that either model reads."""

    score: int
    themes: tuple[str, ...] = ()  # negative themes of the comment that opened it, most confident first
    unresolved_before: int = 0  # the customer's earlier cases closed not resolved or unreachable
    repeat_detractor: bool = False  # the customer was a detractor in the 90 days before
    tier: str | None = None  # the account tier attribute, casefolded


class InvalidRiskReason(ValueError):
    pass


class ReasonCode(StrEnum):
    """What raises a case's risk; each has the figure a person needs to check it, worded per language."""

    SCORE = "score"  # the detractor's score (score)
    THEMES = "themes"  # the negative themes of the comment (themes: theme keys, most confident first)
    UNRESOLVED = "unresolved_before"  # the customer's earlier cases that ended badly (count)
    REPEAT = "repeat_detractor"  # a detractor in the 90 days before
    TIER = "tier"  # a high account tier (tier)


@dataclass(frozen=True)
class RiskReason:
    """One reason, typed: `key` is its stable machine form (stored on the case, given by the API) and `parse`
    reads it back, as well as the English text reasons were stored as before they had codes."""

    code: ReasonCode
    score: int | None = None
    themes: tuple[str, ...] = ()
    count: int | None = None
    tier: str | None = None

    def __post_init__(self) -> None:
        given = {
            ReasonCode.SCORE: self.score is not None,
            ReasonCode.THEMES: bool(self.themes),
            ReasonCode.UNRESOLVED: self.count is not None,
            ReasonCode.TIER: bool(self.tier),
        }
        for code, present in given.items():
            if present != (self.code is code):
                raise InvalidRiskReason(f"a {self.code} reason {'has no' if present else 'needs'} {code}")

    @property
    def key(self) -> str:
        """The stored text: "score:0", "themes:billing,wait_time", "unresolved_before:2", "repeat_detractor",
        "tier:gold"."""
        match self.code:
            case ReasonCode.SCORE:
                return f"{self.code}:{self.score}"
            case ReasonCode.THEMES:
                return f"{self.code}:{','.join(self.themes)}"
            case ReasonCode.UNRESOLVED:
                return f"{self.code}:{self.count}"
            case ReasonCode.TIER:
                return f"{self.code}:{self.tier}"
            case ReasonCode.REPEAT:
                return self.code.value

    @classmethod
    def parse(cls, text: str) -> RiskReason:
        """A stored reason: a `key`, or the English text of cases stored before ("score 0", "themes: billing,
        wait_time", "theme: billing", "2 unresolved cases before", "repeat detractor", "tier: gold")."""
        for pattern, build in _READERS:
            found = pattern.fullmatch(text.strip())
            if found:
                try:
                    return build(found.group("value"))
                except ValueError as error:
                    raise InvalidRiskReason(f"unknown risk reason {text!r}") from error
        raise InvalidRiskReason(f"unknown risk reason {text!r}")


def _theme_list(text: str) -> RiskReason:
    return RiskReason(ReasonCode.THEMES, themes=tuple(t.strip() for t in text.split(",") if t.strip()))


# Keys first, then the English texts stored before reasons had codes; `value` is the figure each carries.
_READERS: tuple[tuple[re.Pattern[str], Callable[[str], RiskReason]], ...] = (
    (re.compile(r"score[: ](?P<value>\d+)"), lambda v: RiskReason(ReasonCode.SCORE, score=int(v))),
    (re.compile(r"themes?: ?(?P<value>.+)"), _theme_list),
    (re.compile(r"unresolved_before:(?P<value>\d+)"), lambda v: RiskReason(ReasonCode.UNRESOLVED, count=int(v))),
    (re.compile(r"(?P<value>\d+) unresolved cases? before"), lambda v: RiskReason(ReasonCode.UNRESOLVED, count=int(v))),
    (re.compile(r"(?P<value>repeat[_ ]detractor)"), lambda _: RiskReason(ReasonCode.REPEAT)),
    (re.compile(r"tier: ?(?P<value>.+)"), lambda v: RiskReason(ReasonCode.TIER, tier=v.strip())),
)


class RiskBand(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def band_of(score: float) -> RiskBand:
    if score >= HIGH_FROM:
        return RiskBand.HIGH
    return RiskBand.MEDIUM if score >= MEDIUM_FROM else RiskBand.LOW


@dataclass(frozen=True)
class Risk:
    score: float  # 0-1
    factors: tuple[RiskReason, ...]  # what raises it, largest first
    model: str  # RULE_MODEL, or the learned model's name

    @property
    def reasons(self) -> tuple[str, ...]:
        """The stored form, each factor's key: what a case's risk_reasons holds."""
        return tuple(reason.key for reason in self.factors)

    @property
    def band(self) -> RiskBand:
        return band_of(self.score)


def tier_of(attributes: Mapping[str, Any]) -> str | None:
    for key in TIER_ATTRIBUTES:
        value = attributes.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().casefold()[:40]
    return None


def ended_badly(*, outcome: str | None, escalated: bool, detractor_again: bool) -> bool:
    """What the risk predicts, as read from a case's history."""
    return outcome in BAD_OUTCOMES or escalated or detractor_again


def rule_risk(inputs: RiskInputs) -> Risk:
    """The fallback: fixed weights (the module's docstring), each factor that adds named, largest first."""
    parts = [(_gap(inputs) * PER_POINT, _reason("score_gap", inputs))]
    if inputs.themes:
        shown = inputs.themes[:MAX_COUNTED]
        parts.append((len(shown) * PER_THEME, RiskReason(ReasonCode.THEMES, themes=shown)))
    if inputs.unresolved_before:
        unresolved = min(inputs.unresolved_before, MAX_COUNTED)
        parts.append((unresolved * PER_UNRESOLVED, _reason("unresolved_before", inputs)))
    if inputs.repeat_detractor:
        parts.append((REPEAT, _reason("repeat_detractor", inputs)))
    if inputs.tier in HIGH_TIERS:
        parts.append((HIGH_TIER, _reason("high_tier", inputs)))
    logit = START + sum(weight for weight, _ in parts)
    reasons = tuple(reason for weight, reason in sorted(parts, key=lambda part: -part[0]) if weight > 0)
    return Risk(round(_sigmoid(logit), 4), reasons, RULE_MODEL)


def features(inputs: RiskInputs) -> dict[str, float]:
    """The learned model's inputs: the rule's factors as numbers, and one indicator per negative theme."""
    values = {
        "score_gap": _gap(inputs) / DETRACTOR_MAX,
        "unresolved_before": float(min(inputs.unresolved_before, MAX_COUNTED)),
        "repeat_detractor": float(inputs.repeat_detractor),
        "high_tier": float(inputs.tier in HIGH_TIERS),
    }
    values.update({f"theme:{theme}": 1.0 for theme in inputs.themes})
    return values


@dataclass(frozen=True)
class RiskModel:
    """A fitted logistic regression, as plain numbers: its intercept, a coefficient per feature, and each
    feature's mean over the cases it learned from (what "above an average case" is measured against)."""

    name: str
    intercept: float
    coefficients: Mapping[str, float]
    means: Mapping[str, float]

    def assess(self, inputs: RiskInputs) -> Risk:
        values = features(inputs)
        logit = self.intercept + sum(coef * values.get(name, 0.0) for name, coef in self.coefficients.items())
        # A reason is something this case has more of than the average case, which the model says raises risk
        # (never the absence of something: "no billing complaint" explains nobody's risk).
        lifts = sorted(
            (
                (coef * (values.get(name, 0.0) - self.means.get(name, 0.0)), name)
                for name, coef in self.coefficients.items()
                if coef > 0 and values.get(name, 0.0) > self.means.get(name, 0.0)
            ),
            reverse=True,
        )
        reasons = tuple(_reason(name, inputs) for lift, name in lifts[:MAX_REASONS] if lift > MIN_LIFT)
        return Risk(round(_sigmoid(logit), 4), reasons, self.name)

    def to_dict(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "coefficients": dict(self.coefficients), "means": dict(self.means)}

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> RiskModel:
        return cls(name, float(data["intercept"]), dict(data["coefficients"]), dict(data["means"]))


def _reason(feature: str, inputs: RiskInputs) -> RiskReason:
    """The reason a feature stands for (a learned model's features are the rule's factors and "theme:<key>")."""
    match feature:
        case "score_gap":
            return RiskReason(ReasonCode.SCORE, score=inputs.score)
        case "unresolved_before":
            return RiskReason(ReasonCode.UNRESOLVED, count=inputs.unresolved_before)
        case "repeat_detractor":
            return RiskReason(ReasonCode.REPEAT)
        case "high_tier":
            return RiskReason(ReasonCode.TIER, tier=inputs.tier)
    return RiskReason(ReasonCode.THEMES, themes=(feature.removeprefix("theme:"),))


def _gap(inputs: RiskInputs) -> float:
    return float(min(max(DETRACTOR_MAX - inputs.score, 0), DETRACTOR_MAX))


def _sigmoid(logit: float) -> float:
    return 1 / (1 + math.exp(-max(min(logit, 30.0), -30.0)))
