"""Why customers are unhappy, in NPS points: the arithmetic of the monthly review and the Why page.

A theme's **points at stake** are how much NPS would rise if the detractors whose comment holds that theme
(negative) had been passives instead: NPS = 100 * (promoters - detractors) / responses, so turning those
detractors into passives adds 100 * (detractors with the theme) / (all responses) and changes nothing else.
A detractor whose comment names two themes counts once for each, so points of different themes overlap
and do not add up to the whole gap. Pure, so every figure can be checked against numbers worked by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from npsloop.domain.text import without_accents


def points_at_stake(detractors_with_theme: int, responses: int) -> float | None:
    """None for a period with no responses: no score to raise."""
    if responses <= 0:
        return None
    return 100.0 * detractors_with_theme / responses


def share(part: int, whole: int) -> float | None:
    """Percent of `whole`; None when there is no whole to share."""
    if whole <= 0:
        return None
    return 100.0 * part / whole


@dataclass(frozen=True)
class ThemeStanding:
    """One theme among one period's detractors."""

    theme: str
    detractors: int  # detractors whose comment holds the theme (negative), each once
    share: float | None  # percent of all the period's detractors
    points_at_stake: float | None


def standings(by_theme: Mapping[str, int], *, detractors: int, responses: int) -> list[ThemeStanding]:
    """Themes by how many detractors name them, most first (then by key, so ties read the same every time)."""
    rows = [
        ThemeStanding(theme, count, share(count, detractors), points_at_stake(count, responses))
        for theme, count in by_theme.items()
        if count > 0
    ]
    return sorted(rows, key=lambda row: (-row.detractors, row.theme))


@dataclass(frozen=True)
class ThemeMove:
    """How a theme's share of detractors changed between two months, in percentage points."""

    theme: str
    share_before: float | None
    share_now: float | None
    change: float


def movers(now: Iterable[ThemeStanding], before: Iterable[ThemeStanding], limit: int) -> list[ThemeMove]:
    """The themes whose share of detractors moved most, up or down. A theme absent from a month has a share
    of 0 there when that month had detractors; when a month had none, no change can be said and the theme
    is left out (a first month of data does not make every theme "rise")."""
    current = {row.theme: row.share for row in now}
    previous = {row.theme: row.share for row in before}
    had_now = any(value is not None for value in current.values())
    had_before = any(value is not None for value in previous.values())
    if not (had_now and had_before):
        return []
    moves = []
    for theme in sorted(current.keys() | previous.keys()):
        was, is_ = previous.get(theme) or 0.0, current.get(theme) or 0.0
        if was != is_:
            moves.append(ThemeMove(theme, previous.get(theme, 0.0), current.get(theme, 0.0), is_ - was))
    return sorted(moves, key=lambda move: (-abs(move.change), move.theme))[:limit]


def pareto(rows: Iterable[ThemeStanding]) -> list[tuple[ThemeStanding, float]]:
    """Each theme with the running total of its detractors' mentions, as a percent of all mentions (not of
    detractors: a detractor naming two themes is two mentions), so the last one reads 100."""
    ordered = sorted(rows, key=lambda row: (-row.detractors, row.theme))
    mentions = sum(row.detractors for row in ordered)
    running, out = 0, []
    for row in ordered:
        running += row.detractors
        out.append((row, 100.0 * running / mentions))
    return out


# Masking ---------------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven digits or more, spaces, dots, dashes and brackets allowed between them, a leading + too: phone
# numbers written any way a customer types them (also account numbers, which are masked just as well).
_PHONE = re.compile(r"\+?\(?\d(?:[\s.\-()]*\d){6,}")
_WORD = re.compile(r"\w+")
EMAIL_MASK, PHONE_MASK, NAME_MASK = "[email]", "[phone]", "[name]"


def masked(text: str, names: Iterable[str | None] = ()) -> str:
    """A comment fit to show in a review: email addresses, phone numbers and the words of the given names
    (the customer's own) replaced by placeholders. Names are matched whole-word, without regard to case or
    accents ("gomez" is "Gómez"); words under three letters are left, since "de" or "la" are not names."""
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _PHONE.sub(PHONE_MASK, text)
    hidden = {_folded(word) for name in names if name for word in _WORD.findall(name) if len(word) >= 3}
    if not hidden:
        return text
    return _WORD.sub(lambda m: NAME_MASK if _folded(m.group(0)) in hidden else m.group(0), text)


def _folded(word: str) -> str:
    return without_accents(word.casefold())
