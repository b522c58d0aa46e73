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
and its reasons are the inputs that raise this case's log-odds most above an average case's."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
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


@dataclass(frozen=True)
class Risk:
    score: float  # 0-1
    reasons: tuple[str, ...]  # short, for a person: "score 0", "repeat detractor"
    model: str  # RULE_MODEL, or the learned model's name


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
    parts = [(_gap(inputs) * PER_POINT, f"score {inputs.score}")]
    if inputs.themes:
        shown = inputs.themes[:MAX_COUNTED]
        parts.append((len(shown) * PER_THEME, "themes: " + ", ".join(shown)))
    unresolved = min(inputs.unresolved_before, MAX_COUNTED)
    parts.append((unresolved * PER_UNRESOLVED, _unresolved(inputs.unresolved_before)))
    parts.append((REPEAT if inputs.repeat_detractor else 0.0, "repeat detractor"))
    parts.append((HIGH_TIER if inputs.tier in HIGH_TIERS else 0.0, f"tier: {inputs.tier}"))
    logit = START + sum(weight for weight, _ in parts)
    reasons = tuple(text for weight, text in sorted(parts, key=lambda part: -part[0]) if weight > 0)
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
        reasons = tuple(_label(name, inputs) for lift, name in lifts[:MAX_REASONS] if lift > MIN_LIFT)
        return Risk(round(_sigmoid(logit), 4), reasons, self.name)

    def to_dict(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "coefficients": dict(self.coefficients), "means": dict(self.means)}

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> RiskModel:
        return cls(name, float(data["intercept"]), dict(data["coefficients"]), dict(data["means"]))


def _label(feature: str, inputs: RiskInputs) -> str:
    labels = {
        "score_gap": f"score {inputs.score}",
        "unresolved_before": _unresolved(inputs.unresolved_before),
        "repeat_detractor": "repeat detractor",
        "high_tier": f"tier: {inputs.tier}",
    }
    return labels.get(feature, feature.replace("theme:", "theme: "))


def _unresolved(count: int) -> str:
    return f"{count} unresolved case{'' if count == 1 else 's'} before"


def _gap(inputs: RiskInputs) -> float:
    return float(min(max(DETRACTOR_MAX - inputs.score, 0), DETRACTOR_MAX))


def _sigmoid(logit: float) -> float:
    return 1 / (1 + math.exp(-max(min(logit, 30.0), -30.0)))
