"""What an agent may text back to an alert, in English or Spanish: "OK", "ACK 1234", "1234 contacted",
"1234 closed resolved", "vale", "1234 contactado", "1234 cerrado no resuelto". A closure may name its reason
themes after the outcome, by key or by name in either language ("1234 cerrado resuelto facturación, entrega",
"1234 closed resolved billing"). Parsing is forgiving about order, case, accents and punctuation, and strict
about meaning: anything else is "not understood", never a guess; an unknown theme is named back to the agent."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from npsloop.domain.cases import Action, Outcome
from npsloop.domain.errors import DomainError
from npsloop.domain.numbers import MAX_ROW_ID
from npsloop.domain.text import without_accents
from npsloop.domain.themes import LANGUAGES, Theme

ACKNOWLEDGE = {"ok", "ack", "acknowledge", "acknowledged", "yes", "seen", "vale", "si", "recibido", "visto", "confirmo"}
CONTACT = {"contacted", "contact", "called", "contactado", "llamado", "hablado", "contacte", "llame"}
CLOSE = {"closed", "close", "done", "cerrado", "cerrar", "cierro"}
OUTCOMES: list[tuple[tuple[str, ...], Outcome]] = [
    (("not", "resolved"), Outcome.NOT_RESOLVED),
    (("no", "resuelto"), Outcome.NOT_RESOLVED),
    (("unresolved",), Outcome.NOT_RESOLVED),
    (("resolved",), Outcome.RESOLVED),
    (("resuelto",), Outcome.RESOLVED),
    (("unreachable",), Outcome.UNREACHABLE),
    (("ilocalizable",), Outcome.UNREACHABLE),
    (("no", "contesta"), Outcome.UNREACHABLE),
]
JOINERS = {"y", "e", "and"}  # "facturación y entrega": words between themes, not themes


class NotUnderstood(DomainError):
    pass


class UnknownTheme(NotUnderstood):
    """Words after the outcome that name no active theme: the agent is told which, and what the themes are."""

    def __init__(self, words: str) -> None:
        super().__init__(f"no theme {words!r}")
        self.words = words


@dataclass(frozen=True)
class Reply:
    action: Action
    case_id: int | None
    outcome: Outcome | None = None
    reasons: tuple[str, ...] = ()  # theme keys, in the order the agent gave them


def parse_reply(text: str, themes: Sequence[Theme] = ()) -> Reply:
    """`themes`: the active themes, whose keys and names (es, en) a closure may give as its reasons."""
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
        rest = tuple(verbs[1:])
        for phrase, outcome in OUTCOMES:  # a longer outcome is listed before its last word alone
            if rest[: len(phrase)] == phrase:
                return Reply(Action.CLOSE, case_id, outcome, _themes(rest[len(phrase) :], themes))
        raise NotUnderstood("closing needs an outcome: resolved, not resolved or unreachable")
    raise NotUnderstood(f"unknown action {head!r}")


def _themes(words: tuple[str, ...], themes: Sequence[Theme]) -> tuple[str, ...]:
    """The theme keys the words name, each phrase matched whole and the longest first ("calidad del producto"
    before any shorter name), or UnknownTheme quoting the words that name nothing."""
    phrases: dict[tuple[str, ...], str] = {}
    for theme in themes:
        phrases[tuple(theme.key.split("_"))] = theme.key
        for language in LANGUAGES:
            phrases.setdefault(tuple(_words(theme.name.in_language(language))), theme.key)
    longest = max((len(phrase) for phrase in phrases), default=0)
    found: list[str] = []
    at = 0
    while at < len(words):
        if words[at] in JOINERS:
            at += 1
            continue
        size = next((n for n in range(longest, 0, -1) if words[at : at + n] in phrases), 0)
        if size == 0:
            raise UnknownTheme(" ".join(words[at:])[:40])
        found.append(phrases[words[at : at + size]])
        at += size
    return tuple(dict.fromkeys(found))


def _case_number(word: str) -> int:
    """Any decimal digits (NFKD has made "²" a 2), up to what a case number can be: 20 digits is no case."""
    if len(word) > len(str(MAX_ROW_ID)) or int(word) > MAX_ROW_ID:
        raise NotUnderstood("no case has that number")
    return int(word)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+|\d+", without_accents(text.casefold()))
