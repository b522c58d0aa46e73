"""Scoring a tagger against labelled comments: precision, recall and F1 per theme and language, macro-F1 per
language, and how often the polarity is right on the themes found correctly. Used by `npsloop themes evaluate`
and benchmarks/themes.py, so both report the same arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from npsloop.tagging.tagger import Example, Tagger, language_of

UNKNOWN = "other"  # the row for comments in languages the tagger does not know


@dataclass
class Counts:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 0.0

    @property
    def recall(self) -> float:
        relevant = self.true_positive + self.false_negative
        return self.true_positive / relevant if relevant else 0.0

    @property
    def f1(self) -> float:
        total = 2 * self.true_positive + self.false_positive + self.false_negative
        return 2 * self.true_positive / total if total else 0.0

    @property
    def seen(self) -> bool:
        """Whether the theme occurs in the labels or the predictions at all (else it has no F1 to average)."""
        return self.true_positive + self.false_positive + self.false_negative > 0


@dataclass
class LanguageScore:
    comments: int = 0
    themes: dict[str, Counts] = field(default_factory=dict)
    polarity_right: int = 0
    polarity_checked: int = 0

    @property
    def macro_f1(self) -> float:
        """The mean F1 over the themes that occur in this language's labels or predictions."""
        scores = [counts.f1 for counts in self.themes.values() if counts.seen]
        return sum(scores) / len(scores) if scores else 0.0

    @property
    def polarity_accuracy(self) -> float:
        return self.polarity_right / self.polarity_checked if self.polarity_checked else 0.0


def evaluate(tagger: Tagger, examples: Sequence[Example]) -> dict[str, LanguageScore]:
    """Scores per language ("es", "en", and "other" for the rest), in that order."""
    results = tagger.tag_many((example.text, example.language) for example in examples)
    scores: dict[str, LanguageScore] = {}
    for example, result in zip(examples, results, strict=True):
        score = scores.setdefault(language_of(example.language) or UNKNOWN, LanguageScore())
        score.comments += 1
        predicted = {tag.theme: tag.polarity for tag in result.tags}
        for theme in sorted(set(tagger.themes) | set(example.themes) | set(predicted)):
            counts = score.themes.setdefault(theme, Counts())
            if theme in predicted and theme in example.themes:
                counts.true_positive += 1
                score.polarity_checked += 1
                score.polarity_right += predicted[theme] is example.themes[theme]
            elif theme in predicted:
                counts.false_positive += 1
            elif theme in example.themes:
                counts.false_negative += 1
    order = {"es": 0, "en": 1, UNKNOWN: 3}
    return dict(sorted(scores.items(), key=lambda item: (order.get(item[0], 2), item[0])))


def report_lines(scores: dict[str, LanguageScore]) -> list[str]:
    """The scores as a plain-text table."""
    lines = []
    for language, score in scores.items():
        lines.append(
            f"{language}: {score.comments} comments, macro-F1 {score.macro_f1:.3f}, polarity accuracy "
            f"{score.polarity_accuracy:.3f} ({score.polarity_right}/{score.polarity_checked} themes found correctly)"
        )
        lines.append(f"  {'theme':<18} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
        for theme, counts in score.themes.items():
            if counts.seen:
                support = counts.true_positive + counts.false_negative
                lines.append(
                    f"  {theme:<18} {counts.precision:>9.3f} {counts.recall:>7.3f} {counts.f1:>6.3f} {support:>8}"
                )
    return lines
