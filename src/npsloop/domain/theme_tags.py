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


class TagState(enum.StrEnum):
    """What tagging made of a response (NULL in the store: not tagged yet)."""

    TAGGED = "tagged"  # the model read it: zero or more themes (none means it is about none of them)
    UNKNOWN = "unknown"  # a language the model does not know and nothing it was sure of: could not tell
    NO_COMMENT = "none"  # nothing to read


@dataclass(frozen=True)
class TagResult:
    """The tags of one comment. `language_known` is False when the comment's language is not one the model was
    trained on (or was not given): then only tags the model is very sure of are returned, and an empty result
    means "could not tell", not "about nothing"."""

    tags: tuple[ThemeTag, ...]
    language_known: bool

    @property
    def themes(self) -> tuple[str, ...]:
        return tuple(tag.theme for tag in self.tags)

    @property
    def state(self) -> TagState:
        return TagState.TAGGED if self.tags or self.language_known else TagState.UNKNOWN


def negative_themes(tags: tuple[ThemeTag, ...] | list[ThemeTag]) -> tuple[str, ...]:
    """The themes a customer complains about, most confident first: what an alert names and a rule matches."""
    ordered = sorted(tags, key=lambda tag: -tag.confidence)
    return tuple(tag.theme for tag in ordered if tag.polarity is Polarity.NEGATIVE)
