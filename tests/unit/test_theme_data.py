"""The labelled comments the theme tagger learns from and is judged on are well formed and kept apart.

The seed files ship in the package as the tagger's default knowledge; the evaluation set lives in
benchmarks/ and must never leak into the seed, or the published macro-F1 would be a score on lines
the model has memorised. These tests fail if a seed line (or a light rewording of one) is copied into
the evaluation set.
"""

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from npsloop.domain.themes import DEFAULT_KEYS

EVAL_FILE = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "themes_eval.jsonl"
SEED_FILES = {"es": "seed_es.jsonl", "en": "seed_en.jsonl"}

THEMES = set(DEFAULT_KEYS)  # the data is labelled with the default taxonomy's fixed keys
POLARITIES = {"negative", "positive"}
INDUSTRIES = {
    "construction_materials",
    "b2b_messaging",
    "telecom",
    "bank",
    "ecommerce",
    "utilities",
}
MAIN_LANGUAGES = {"es", "en"}
OTHER_LANGUAGES = {"pt", "fr", "de", "it"}
FIELDS = {"id", "text", "language", "industry", "score", "themes"}

EVAL_MIN_PER_LANGUAGE = 200
EVAL_MIN_OTHER_LANGUAGES = 15
EVAL_MIN_PER_THEME = 25
SEED_MIN_PER_LANGUAGE = 500
SEED_MIN_PER_THEME = 40
EVAL_MIN_PER_INDUSTRY = 25
SEED_MIN_PER_INDUSTRY = 60
NEAR_DUPLICATE_JACCARD = 0.5


def read_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def eval_rows() -> list[dict[str, Any]]:
    return read_lines(EVAL_FILE.read_text(encoding="utf-8"))


def seed_rows(language: str) -> list[dict[str, Any]]:
    package = resources.files("npsloop.tagging")
    return read_lines(package.joinpath(SEED_FILES[language]).read_text(encoding="utf-8"))


def all_seed_rows() -> list[dict[str, Any]]:
    return [row for language in SEED_FILES for row in seed_rows(language)]


def normalise(text: str) -> list[str]:
    """Words of a text with case, accents, punctuation and emoji removed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.findall(r"[a-z0-9]+", bare)


def text_key(text: str) -> str:
    """What two texts must share to count as the same comment: their words, or for a comment of
    emoji and punctuation only, its symbols."""
    return " ".join(normalise(text)) or "".join(text.split())


def trigrams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def theme_counts(rows: list[dict[str, Any]]) -> Counter[str]:
    return Counter(theme["theme"] for row in rows for theme in row["themes"])


def schema_errors(row: dict[str, Any], languages: set[str], prefix: str) -> Iterator[str]:
    if set(row) != FIELDS:
        yield f"fields {sorted(row)}"
        return
    if not isinstance(row["text"], str) or not row["text"].strip():
        yield "empty text"
    if row["language"] not in languages:
        yield f"language {row['language']!r}"
    if not re.fullmatch(rf"{prefix}-{re.escape(str(row['language']))}-\d{{4}}", str(row["id"])):
        yield f"id {row['id']!r} does not match {prefix}-<language>-NNNN"
    if row["industry"] not in INDUSTRIES:
        yield f"industry {row['industry']!r}"
    score = row["score"]
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 10:
        yield f"score {score!r}"
    if not isinstance(row["themes"], list):
        yield "themes is not a list"
        return
    for theme in row["themes"]:
        if not isinstance(theme, dict) or set(theme) != {"theme", "polarity"}:
            yield f"theme entry {theme!r}"
        elif theme["theme"] not in THEMES or theme["polarity"] not in POLARITIES:
            yield f"theme {theme['theme']!r} / polarity {theme['polarity']!r}"
    keys = [theme.get("theme") for theme in row["themes"] if isinstance(theme, dict)]
    if len(keys) != len(set(keys)):
        yield "a theme is listed twice"


@pytest.mark.parametrize(
    ("name", "rows", "languages", "prefix"),
    [
        ("eval", eval_rows, MAIN_LANGUAGES | OTHER_LANGUAGES, "eval"),
        ("seed_es", lambda: seed_rows("es"), {"es"}, "seed"),
        ("seed_en", lambda: seed_rows("en"), {"en"}, "seed"),
    ],
)
def test_every_line_follows_the_schema(name, rows, languages, prefix):
    errors = [f"{name} {row.get('id')}: {error}" for row in rows() for error in schema_errors(row, languages, prefix)]
    assert not errors, "\n".join(errors[:20])


def test_ids_are_unique_across_all_files():
    ids = Counter(row["id"] for row in eval_rows() + all_seed_rows())
    assert not [key for key, count in ids.items() if count > 1]


@pytest.mark.parametrize("source", ["eval", "seed"])
def test_each_comment_appears_once_in_its_set(source):
    rows = eval_rows() if source == "eval" else all_seed_rows()
    keys = Counter(text_key(row["text"]) for row in rows)
    assert not [key for key, count in keys.items() if count > 1]


def test_evaluation_set_has_enough_comments_per_language_and_theme():
    rows = eval_rows()
    languages = Counter(row["language"] for row in rows)
    for language in MAIN_LANGUAGES:
        assert languages[language] >= EVAL_MIN_PER_LANGUAGE, language
        counts = theme_counts([row for row in rows if row["language"] == language])
        short = {t: counts[t] for t in THEMES if counts[t] < EVAL_MIN_PER_THEME}
        assert not short, f"{language}: {short}"
    others = sum(languages[language] for language in OTHER_LANGUAGES)
    assert others >= EVAL_MIN_OTHER_LANGUAGES


@pytest.mark.parametrize("language", sorted(MAIN_LANGUAGES))
def test_every_industry_is_represented_in_both_sets(language):
    for rows, minimum in ((eval_rows(), EVAL_MIN_PER_INDUSTRY), (seed_rows(language), SEED_MIN_PER_INDUSTRY)):
        industries = Counter(row["industry"] for row in rows if row["language"] == language)
        short = {i: industries[i] for i in INDUSTRIES if industries[i] < minimum}
        assert not short, short


@pytest.mark.parametrize("language", sorted(SEED_FILES))
def test_seed_has_enough_comments_per_theme(language):
    rows = seed_rows(language)
    assert len(rows) >= SEED_MIN_PER_LANGUAGE
    counts = theme_counts(rows)
    short = {t: counts[t] for t in THEMES if counts[t] < SEED_MIN_PER_THEME}
    assert not short, short


@pytest.mark.parametrize("source", ["eval", "seed"])
@pytest.mark.parametrize("language", sorted(MAIN_LANGUAGES))
def test_every_theme_appears_with_both_polarities(source, language):
    rows = eval_rows() if source == "eval" else seed_rows(language)
    pairs = {
        (theme["theme"], theme["polarity"]) for row in rows if row["language"] == language for theme in row["themes"]
    }
    missing = {(t, p) for t in THEMES for p in POLARITIES} - pairs
    assert not missing, sorted(missing)


@pytest.mark.parametrize("source", ["eval", "seed"])
def test_some_comments_carry_no_theme_and_scores_span_the_scale(source):
    rows = eval_rows() if source == "eval" else all_seed_rows()
    assert sum(1 for row in rows if not row["themes"]) >= 0.05 * len(rows)
    scores = Counter(row["score"] for row in rows)
    assert all(scores[score] for score in range(11))


def near_duplicates(candidates: list[dict[str, Any]], reference: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs (candidate id, reference id) whose texts are equal once normalised, or share over
    half their word trigrams (Jaccard)."""
    exact: dict[str, str] = {}
    grams: dict[str, set[tuple[str, ...]]] = {}
    index: dict[tuple[str, ...], set[str]] = {}
    for row in reference:
        words = normalise(row["text"])
        exact.setdefault(text_key(row["text"]), row["id"])
        grams[row["id"]] = trigrams(words)
        for gram in grams[row["id"]]:
            index.setdefault(gram, set()).add(row["id"])
    found = []
    for row in candidates:
        words = normalise(row["text"])
        if text_key(row["text"]) in exact:
            found.append((row["id"], exact[text_key(row["text"])]))
            continue
        mine = trigrams(words)
        for other in set().union(*(index.get(gram, set()) for gram in mine)):
            theirs = grams[other]
            if len(mine & theirs) / len(mine | theirs) > NEAR_DUPLICATE_JACCARD:
                found.append((row["id"], other))
    return found


def test_no_evaluation_comment_repeats_a_seed_comment():
    pairs = near_duplicates(eval_rows(), all_seed_rows())
    assert not pairs, pairs[:20]


def test_the_leak_check_catches_a_copied_or_reworded_seed_line():
    seed = [row for row in all_seed_rows() if len(normalise(row["text"])) >= 6][:50]
    copied = {**seed[10], "id": "eval-es-9999"}
    reworded = {**seed[20], "id": "eval-en-9999", "text": seed[20]["text"].upper() + "!!"}
    assert near_duplicates([copied, reworded], seed) == [
        ("eval-es-9999", seed[10]["id"]),
        ("eval-en-9999", seed[20]["id"]),
    ]
    text = "the delivery came three days late and nobody called to tell us why"
    longer = {"id": "x", "text": text + " at all"}
    assert near_duplicates([longer], [{"id": "y", "text": text}]) == [("x", "y")]
