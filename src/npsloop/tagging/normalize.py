"""Text normalisation before the tagger sees a comment: customers write "PÉSIMO", "pesimo" and "pesimooo" for the
same word, and an emoji often carries the whole sentiment, so case, accents and elongations are folded and
emoji become word tokens the model can weigh ("emo_pos", "emo_neg") instead of being dropped."""

from __future__ import annotations

import re
import unicodedata

from npsloop.domain.text import without_accents

POSITIVE_EMOJI = frozenset("😀😃😄😁😊🙂😍🥰😘👍👌👏🙌💯⭐🌟❤💙💚✅🎉😎🤩")
NEGATIVE_EMOJI = frozenset("😠😡🤬😤😞😒😕🙁☹😢😭😩😫👎💩🤮🤢😑😐🙄❌💔😖😣")
ELONGATION = re.compile(r"(\w)\1{2,}")  # three or more of one letter: "muuuy" -> "muy", "sooo" -> "so"
SPACES = re.compile(r"\s+")


def _emoji_token(char: str) -> str:
    if char in POSITIVE_EMOJI:
        return " emo_pos "
    if char in NEGATIVE_EMOJI:
        return " emo_neg "
    if unicodedata.category(char) == "So":
        return " emo_other "
    return char


def normalize(text: str) -> str:
    """Lower case, no accents (ñ becomes n, as customers without a Spanish keyboard write it), elongations cut to
    one letter, emoji as sentiment tokens, whitespace collapsed."""
    folded = "".join(_emoji_token(char) for char in text.lower())
    stripped = without_accents(folded)
    return SPACES.sub(" ", ELONGATION.sub(r"\1", stripped)).strip()
