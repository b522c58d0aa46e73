"""Text as customers and agents type it: the same word with or without its accents ("facturación",
"facturacion"; "sí", "si"; ñ as n on a keyboard without it) must read as one."""

from __future__ import annotations

import unicodedata


def without_accents(text: str) -> str:
    """Decomposes (NFKD, which also turns "²" into "2" and ligatures into letters) and drops the combining
    marks; case is the caller's to fold first, with the folding it needs."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
