"""SMS length arithmetic. A single character outside GSM-7 (á, í, ó, ú, an emoji) switches the whole
message to UCS-2 and cuts a segment from 153 to 67 characters, so the budget is computed, not guessed."""

from __future__ import annotations

import re
import unicodedata

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
MAX_SEGMENTS = 2

# Look-alikes that would force UCS-2 for nothing: typographic quotes and dashes, odd spaces.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u200b": "",
        "\ufeff": "",
    }
)
_SPACES = re.compile(r"[ \t\r\n\v\f]+")


def normalize(text: str) -> str:
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text).translate(_PLAIN))
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def units(text: str) -> tuple[int, str]:
    """Length in the encoding's own units: septets (extension characters take two) or UTF-16 code units."""
    if is_gsm7(text):
        return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text), "gsm7"
    return len(text.encode("utf-16-le")) // 2, "ucs2"


def segments(text: str) -> int:
    length, encoding = units(text)
    single, multi = (160, 153) if encoding == "gsm7" else (70, 67)
    if length <= single:
        return 1
    return -(-length // multi)


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return segments(text) <= max_segments
