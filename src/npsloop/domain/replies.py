"""What an agent may text back to an alert, in English or Spanish: "OK", "ACK 1234", "1234 contacted",
"1234 closed resolved", "vale", "1234 contactado", "1234 cerrado no resuelto". Parsing is forgiving about
order, case and punctuation, and strict about meaning: anything else is "not understood", never a guess."""

from __future__ import annotations

import re
from dataclasses import dataclass

from npsloop.domain.cases import Action, Outcome
from npsloop.domain.errors import DomainError
from npsloop.domain.numbers import MAX_ROW_ID
from npsloop.domain.text import without_accents

ACKNOWLEDGE = {"ok", "ack", "acknowledge", "acknowledged", "yes", "seen", "vale", "si", "recibido", "visto", "confirmo"}
CONTACT = {"contacted", "contact", "called", "contactado", "llamado", "hablado", "contacte", "llame"}
CLOSE = {"closed", "close", "done", "cerrado", "cerrar", "cierro"}
OUTCOMES = [
    (("not", "resolved"), Outcome.NOT_RESOLVED),
    (("no", "resuelto"), Outcome.NOT_RESOLVED),
    (("unresolved",), Outcome.NOT_RESOLVED),
    (("resolved",), Outcome.RESOLVED),
    (("resuelto",), Outcome.RESOLVED),
    (("unreachable",), Outcome.UNREACHABLE),
    (("ilocalizable",), Outcome.UNREACHABLE),
    (("no", "contesta"), Outcome.UNREACHABLE),
]


class NotUnderstood(DomainError):
    pass


@dataclass(frozen=True)
class Reply:
    action: Action
    case_id: int | None
    outcome: Outcome | None = None


def parse_reply(text: str) -> Reply:
    words = _words(text)
    numbers = [w for w in words if w.isdigit()]
    if len(numbers) > 1:
        raise NotUnderstood("more than one case number")
    case_id = _case_number(numbers[0]) if numbers else None
    verbs = [w for w in words if not w.isdigit()]
    if not verbs:
        raise NotUnderstood("no action")
    head = verbs[0]
    if head in ACKNOWLEDGE and len(verbs) == 1:
        return Reply(Action.ACKNOWLEDGE, case_id)
    if head in CONTACT and len(verbs) == 1:
        return Reply(Action.CONTACT, case_id)
    if head in CLOSE:
        outcome = _outcome(tuple(verbs[1:]))
        if outcome is None:
            raise NotUnderstood("closing needs an outcome: resolved, not resolved or unreachable")
        return Reply(Action.CLOSE, case_id, outcome)
    raise NotUnderstood(f"unknown action {head!r}")


def _outcome(rest: tuple[str, ...]) -> Outcome | None:
    for words, outcome in OUTCOMES:
        if rest == words:
            return outcome
    return None


def _case_number(word: str) -> int:
    """Any decimal digits (NFKD has made "²" a 2), up to what a case number can be: 20 digits is no case."""
    if len(word) > len(str(MAX_ROW_ID)) or int(word) > MAX_ROW_ID:
        raise NotUnderstood("no case has that number")
    return int(word)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+|\d+", without_accents(text.casefold()))
