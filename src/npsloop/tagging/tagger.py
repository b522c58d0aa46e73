"""The comment tagger: which themes of the taxonomy a comment is about, each with a polarity and a confidence.

One model for Spanish and English together (word and character n-grams of the normalised text: character
n-grams carry typos, missing accents and the shared roots of "factura"/"invoice"-like words across languages),
one-vs-rest logistic regression for the themes and, per theme, a logistic regression for the polarity trained
on the comments that have that theme. Each theme's threshold is chosen by cross-validation on the training
data only, never on the evaluation set. Everything is seeded, so one training set gives one model."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from npsloop.domain.theme_tags import Polarity, TagResult, ThemeTag
from npsloop.domain.themes import DEFAULT_KEYS
from npsloop.tagging.features import Vectors, fitting_union
from npsloop.tagging.normalize import normalize

KNOWN_LANGUAGES = ("es", "en")
SEED_FILES = ("seed_es.jsonl", "seed_en.jsonl")
RANDOM_STATE = 14
FOLDS = 5
UNKNOWN_LANGUAGE_CONFIDENCE = 0.75  # for a language the model never saw, only tags it is this sure of
THRESHOLD_GRID = tuple(round(0.15 + 0.05 * i, 2) for i in range(14))  # 0.15 .. 0.80


@dataclass(frozen=True)
class Example:
    """One labelled comment: its text, language and {theme: polarity}."""

    text: str
    language: str
    themes: dict[str, Polarity]

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Example:
        themes = {item["theme"]: Polarity(item["polarity"]) for item in record.get("themes", [])}
        return cls(text=str(record["text"]), language=str(record.get("language") or ""), themes=themes)


def language_of(language: str | None) -> str | None:
    """ "es", "es-MX" and "ES" are Spanish; None for a language the model does not know."""
    base = (language or "").split("-")[0].split("_")[0].strip().lower()
    return base if base in KNOWN_LANGUAGES else None


def _classifier() -> LogisticRegression:
    """liblinear's dual form: with far more features than comments (tens of thousands of n-grams, a few thousand
    comments) it reaches the same weights as the primal in a fraction of the time, and fitting runs about seventy
    logistic regressions (ten themes, five threshold folds, the polarities)."""
    return LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear", dual=True, random_state=RANDOM_STATE)


def _best_threshold(truth: np.ndarray, scores: np.ndarray) -> float:
    """The threshold with the best F1 on out-of-fold scores; ties go to the higher (more precise) one."""
    best, best_f1 = 0.5, -1.0
    for threshold in THRESHOLD_GRID:
        predicted = scores >= threshold
        tp = float(np.sum(predicted & truth))
        f1 = 2 * tp / (float(np.sum(predicted)) + float(np.sum(truth))) if tp else 0.0
        if f1 >= best_f1:
            best, best_f1 = threshold, f1
    return best


@dataclass(frozen=True)
class Linear:
    """Logistic regressions over the same features, one per column, as one matrix: scoring a comment for every
    theme is then one sparse product instead of a scikit-learn call per theme (a tenth of the CPU)."""

    weights: np.ndarray  # features x columns
    bias: np.ndarray  # columns

    @classmethod
    def of(cls, models: Sequence[LogisticRegression | Polarity], width: int) -> Linear:
        """A constant polarity (every example of its theme had the same one) becomes zero weights and a bias
        whose sign is that polarity."""
        weights = np.zeros((width, len(models)))
        bias = np.zeros(len(models))
        for column, model in enumerate(models):
            if isinstance(model, Polarity):
                bias[column] = 1.0 if model is Polarity.POSITIVE else -1.0
            else:
                weights[:, column] = model.coef_[0]
                bias[column] = model.intercept_[0]
        return cls(weights, bias)

    def decision(self, matrix: Any) -> np.ndarray:
        """The log-odds of each row for each column, as LogisticRegression.decision_function gives them."""
        scores: np.ndarray = np.asarray(matrix @ self.weights)
        scores += self.bias
        return scores


class Tagger:
    """A fitted tagger. Build one with `Tagger.fit(examples)`; `default_tagger()` is the one fitted on the seed."""

    def __init__(
        self,
        features: Vectors,
        themes: Sequence[str],
        detectors: Linear,
        thresholds: Sequence[float],
        polarities: Linear,
    ) -> None:
        self._features = features
        self._themes = tuple(themes)
        self._detectors = detectors
        self._thresholds = np.array(thresholds)
        self._polarities = polarities

    @property
    def themes(self) -> tuple[str, ...]:
        return self._themes

    def parts(self) -> tuple[Vectors, tuple[str, ...], Linear, list[float], Linear]:
        """What the constructor took: for storing a fitted model (tagging.model_file)."""
        return self._features, self._themes, self._detectors, self._thresholds.tolist(), self._polarities

    @property
    def thresholds(self) -> dict[str, float]:
        return {theme: float(threshold) for theme, threshold in zip(self._themes, self._thresholds, strict=True)}

    @classmethod
    def fit(cls, examples: Sequence[Example], themes: Sequence[str] = DEFAULT_KEYS) -> Tagger:
        """Fit on labelled examples; a theme with fewer than two examples is left out (it is never tagged)."""
        texts = [normalize(example.text) for example in examples]
        labels = {theme: np.array([theme in example.themes for example in examples]) for theme in themes}
        labels = {theme: truth for theme, truth in labels.items() if 2 <= truth.sum() < len(truth)}
        features = fitting_union()
        matrix = features.fit_transform(texts)
        out_of_fold = _out_of_fold(texts, labels)
        detectors: list[LogisticRegression] = []
        thresholds: list[float] = []
        polarities: list[LogisticRegression | Polarity] = []
        for theme, truth in labels.items():
            detectors.append(_classifier().fit(matrix, truth))
            thresholds.append(_best_threshold(truth, out_of_fold[theme]))
            rows = np.flatnonzero(truth)
            signs = np.array([examples[int(row)].themes[theme] is Polarity.POSITIVE for row in rows])
            if signs.all() or not signs.any():
                polarities.append(Polarity.POSITIVE if signs.all() else Polarity.NEGATIVE)
            else:
                polarities.append(_classifier().fit(matrix[rows], signs))
        width = matrix.shape[1]
        return cls(
            Vectors.of(features), list(labels), Linear.of(detectors, width), thresholds, Linear.of(polarities, width)
        )

    def tag(self, text: str, language: str | None) -> TagResult:
        return self.tag_many([(text, language)])[0]

    def tag_many(self, comments: Iterable[tuple[str, str | None]]) -> list[TagResult]:
        """Tag comments in one pass through the model (cheaper per comment than one by one)."""
        pairs = list(comments)
        if not pairs:
            return []
        texts = [normalize(text) for text, _ in pairs]
        matrix = self._features.transform(texts)
        confidences = expit(self._detectors.decision(matrix))
        positive = self._polarities.decision(matrix) >= 0.0
        sure = np.maximum(self._thresholds, UNKNOWN_LANGUAGE_CONFIDENCE)
        results = []
        for row, (text, (_, language)) in enumerate(zip(texts, pairs, strict=True)):
            known = language_of(language) is not None
            found: list[int] = (
                np.flatnonzero(confidences[row] >= (self._thresholds if known else sure)).tolist() if text else []
            )
            tags = [
                ThemeTag(
                    self._themes[column],
                    Polarity.POSITIVE if positive[row, column] else Polarity.NEGATIVE,
                    float(confidences[row, column]),
                )
                for column in found
            ]
            tags.sort(key=lambda tag: -tag.confidence)
            results.append(TagResult(tuple(tags), known))
        return results


def _out_of_fold(texts: list[str], labels: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each text's score from a model (features included) fitted without it: honest scores to pick a threshold."""
    scores = {theme: np.zeros(len(texts)) for theme in labels}
    folds = KFold(n_splits=FOLDS, shuffle=True, random_state=RANDOM_STATE)
    for train, held in folds.split(texts):
        features = fitting_union()
        matrix = features.fit_transform([texts[i] for i in train])
        held_matrix = features.transform([texts[i] for i in held])
        for theme, truth in labels.items():
            if truth[train].any() and not truth[train].all():
                scores[theme][held] = _classifier().fit(matrix, truth[train]).predict_proba(held_matrix)[:, 1]
    return scores


def read_examples(lines: Iterable[str]) -> list[Example]:
    return [Example.from_dict(json.loads(line)) for line in lines if line.strip()]


def seed_examples() -> list[Example]:
    """The labelled comments shipped in the package: the default model's only knowledge."""
    folder = resources.files("npsloop.tagging")
    return [
        example
        for name in SEED_FILES
        for example in read_examples(folder.joinpath(name).read_text(encoding="utf-8").splitlines())
    ]


@cache
def default_tagger() -> Tagger:
    """The tagger fitted on the seed, once per process (a few seconds of CPU), then shared."""
    return Tagger.fit(seed_examples())
