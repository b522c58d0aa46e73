"""NPS scoring: the 0-10 answer, its category, and the net score of a sample."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from npsloop.domain.errors import InvalidScore

MIN_SCORE = 0
MAX_SCORE = 10
# Below this many responses the normal approximation behind the interval is too rough to steer by.
RELIABLE_SAMPLE = 30


class Category(StrEnum):
    DETRACTOR = "detractor"
    PASSIVE = "passive"
    PROMOTER = "promoter"


class SurveyType(StrEnum):
    TRANSACTIONAL = "transactional"
    RELATIONAL = "relational"


def classify(score: int) -> Category:
    """Bool is rejected explicitly: True would otherwise pass as the score 1."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise InvalidScore(f"score must be an integer, got {type(score).__name__}")
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise InvalidScore(f"score must be between {MIN_SCORE} and {MAX_SCORE}, got {score}")
    if score <= 6:
        return Category.DETRACTOR
    if score <= 8:
        return Category.PASSIVE
    return Category.PROMOTER


@dataclass(frozen=True)
class NpsSummary:
    promoters: int
    passives: int
    detractors: int

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """None for an empty sample: an NPS of 0 would be a claim the data cannot make."""
        if self.total == 0:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.total

    @property
    def margin_95(self) -> float | None:
        """Half-width of the 95% interval, from the variance of the three proportions."""
        if self.total == 0:
            return None
        n = self.total
        p, d = self.promoters / n, self.detractors / n
        variance = p + d - (p - d) ** 2
        return 100.0 * 1.96 * math.sqrt(variance / n)

    @property
    def interval_95(self) -> tuple[float, float] | None:
        """Clipped to the scale: an NPS cannot leave [-100, 100] whatever the approximation says."""
        score, margin = self.score, self.margin_95
        if score is None or margin is None:
            return None
        return max(-100.0, score - margin), min(100.0, score + margin)

    @property
    def reliable(self) -> bool:
        return self.total >= RELIABLE_SAMPLE

    def __add__(self, other: NpsSummary) -> NpsSummary:
        return NpsSummary(
            promoters=self.promoters + other.promoters,
            passives=self.passives + other.passives,
            detractors=self.detractors + other.detractors,
        )


def summarize(categories: Iterable[Category]) -> NpsSummary:
    counts = dict.fromkeys(Category, 0)
    for category in categories:
        counts[category] += 1
    return NpsSummary(
        promoters=counts[Category.PROMOTER],
        passives=counts[Category.PASSIVE],
        detractors=counts[Category.DETRACTOR],
    )
