"""The variables of the WhatsApp alert template, sent outside the agent's 24-hour window when free text is refused.
The template is the installation's own (created in Twilio's Content Template Builder and approved by WhatsApp),
one per language; npsloop fills it in this order, the same for every alert:

    {{1}} what happened ("Caso nuevo", "Reminder: contact", ...)   {{2}} the case number (for "ACK 1234"); a
          digest's case numbers, comma separated
    {{3}} the score, 0-10          {{4}} the themes, comma separated   {{5}} the customer's comment, shortened

WhatsApp refuses a variable that is empty or holds a newline, a tab or more than four spaces in a row, and a
template longer than 1,024 characters: each value is one line, never empty ("-"), and cut to its limit."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from npsloop.domain.notifications import AlertEvent, AlertKind

COMMENT_LIMIT = 300
THEMES_LIMIT = 120
CASES_LIMIT = 100
EMPTY = "-"

HEADLINES = {
    "es": {
        AlertEvent.CASE_OPENED: "Caso nuevo",
        AlertEvent.REMINDER: "Recordatorio",
        AlertEvent.ESCALATION: "Escalamiento",
        AlertEvent.ASSIGNED: "Caso asignado",
        AlertEvent.DIGEST: "Casos nuevos",
        AlertEvent.REOPENED: "Caso reabierto por el cliente",
    },
    "en": {
        AlertEvent.CASE_OPENED: "New case",
        AlertEvent.REMINDER: "Reminder",
        AlertEvent.ESCALATION: "Escalation",
        AlertEvent.ASSIGNED: "Case assigned",
        AlertEvent.DIGEST: "New cases",
        AlertEvent.REOPENED: "Case reopened by the customer",
    },
}
DEADLINES = {
    "es": {"acknowledge": "confirmar", "contact": "contactar", "close": "cerrar"},
    "en": {"acknowledge": "acknowledge", "contact": "contact", "close": "close"},
}
_SPACES = re.compile(r"\s+")


def template_variables(
    alert: AlertKind,
    *,
    case_id: int | None,
    carried: Sequence[int] = (),
    score: int | None,
    themes: tuple[str, ...],
    comment: str | None,
    language: str,
) -> tuple[str, ...]:
    lang = language.split("-")[0] if language.split("-")[0] in HEADLINES else "en"
    headline = HEADLINES[lang][alert.event]
    if alert.deadline is not None:
        headline += f": {DEADLINES[lang][alert.deadline.value]}"
    return (
        headline,
        _case_ref(case_id, carried),
        str(score) if score is not None else EMPTY,
        one_line(", ".join(themes), THEMES_LIMIT),
        one_line(comment or "", COMMENT_LIMIT),
    )


def _case_ref(case_id: int | None, carried: Sequence[int]) -> str:
    """The case number; for a digest, the numbers of the cases it carries."""
    if carried:
        return one_line(", ".join(str(number) for number in carried), CASES_LIMIT)
    return str(case_id) if case_id is not None else EMPTY


def one_line(text: str, limit: int) -> str:
    """What WhatsApp accepts in a template variable: no control or format characters, no newline or tab, single
    spaces, at most `limit` characters (cut with an ellipsis), and never empty."""
    flat = _SPACES.sub(" ", "".join(_visible(ch) for ch in text)).strip()
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat or EMPTY


def _visible(ch: str) -> str:
    """Separators and control characters become a space; invisible format characters go, except the joiner
    that holds an emoji sequence together."""
    category = unicodedata.category(ch)
    if category in ("Cc", "Zs", "Zl", "Zp"):
        return " "
    if category[0] == "C":
        return ch if ch == "\u200d" else ""
    return ch
