"""How well a risk score foretold what happened: AUC (does a case that ended badly get a higher score than one
that did not?) and calibration (of the cases given about 0.7, did about 70% end badly?), measured on the newest
cases after learning from the older ones, as the model will be used: on cases that come after it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from npsloop.domain.risk import RiskInputs


@dataclass(frozen=True)
class Example:
    """One closed case as learning sees it: when it opened, what was known then, and how it ended."""

    at: datetime
    inputs: RiskInputs
    ended_badly: bool


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    predicted: float  # mean score of the cases in the bin
    observed: float  # share of them that ended badly


def time_split(examples: Sequence[Example], test_share: float = 0.25) -> tuple[list[Example], list[Example]]:
    """The older part to learn from, the newer to test on: nothing learned comes after what is tested."""
    ordered = sorted(examples, key=lambda example: example.at)
    cut = len(ordered) - max(1, round(len(ordered) * test_share)) if ordered else 0
    return ordered[:cut], ordered[cut:]


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """The chance that a random bad case scores above a random good one (ties count half): the Mann-Whitney
    statistic, from average ranks. None when the sample holds only one kind of case."""
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        for i in order[start : end + 1]:
            ranks[i] = (start + end) / 2 + 1
        start = end + 1
    positive_ranks = sum(rank for rank, label in zip(ranks, labels, strict=True) if label)
    return (positive_ranks - positives * (positives + 1) / 2) / (positives * negatives)


def calibration(scores: Sequence[float], labels: Sequence[bool], bins: int = 5) -> list[CalibrationBin]:
    """Equal-width bins over 0-1; empty bins are left out."""
    out = []
    for index in range(bins):
        low, high = index / bins, (index + 1) / bins
        inside = [
            (score, label)
            for score, label in zip(scores, labels, strict=True)
            if low <= score < high or (index == bins - 1 and score == high)
        ]
        if inside:
            out.append(
                CalibrationBin(
                    low=low,
                    high=high,
                    count=len(inside),
                    predicted=sum(score for score, _ in inside) / len(inside),
                    observed=sum(label for _, label in inside) / len(inside),
                )
            )
    return out
