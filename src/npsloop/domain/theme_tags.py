"""What the tagger says of one comment, as the rest of npsloop keeps and shows it: the themes it is about, each
with a polarity ("good product, terrible delivery" is product_quality positive and delivery negative) and the
model's confidence. Plain values, so routing rules, cases, reports and alerts read them without the model."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

MAX_TAGGED_CHARS = 2000  # a comment past this is tagged on its beginning: the cost of tagging stays bounded


class Polarity(enum.StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive"


@dataclass(frozen=True)
class ThemeTag:
    theme: str
    polarity: Polarity
    confidence: float  # 0-1: the model's probability that the comment is about this theme

    def to_dict(self) -> dict[str, Any]:
        return {"theme": self.theme, "polarity": self.polarity.value, "confidence": round(self.confidence, 3)}


def negative_themes(tags: tuple[ThemeTag, ...] | list[ThemeTag]) -> tuple[str, ...]:
    """The themes a customer complains about, most confident first: what an alert names and a rule matches."""
    ordered = sorted(tags, key=lambda tag: -tag.confidence)
    return tuple(tag.theme for tag in ordered if tag.polarity is Polarity.NEGATIVE)
