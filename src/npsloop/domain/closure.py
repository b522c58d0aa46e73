"""What an agent says when closing a case: why the customer was unhappy (reason themes, keys of the taxonomy in
force) and what was done about it (an action code from the installation's list, and a short note). Every door
(API, dashboard, SMS reply, CLI) hands its closure to the one check here, through the case's state machine, so
a team that requires reasons gets them whichever way its agents close. Reasons are labels the tagger learns
from: an unknown key is refused rather than dropped, and nothing is recorded that the agent did not say."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from npsloop.domain.errors import DomainError

MAX_ACTION_NOTE = 500
MAX_ACTION_CODE = 40
DEFAULT_ACTIONS = ("refund", "replacement", "callback", "explanation", "process_fix")


class InvalidClosure(DomainError):
    """A closure the rules refuse, naming the field at fault: reasons, action_code or action_note."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ReasonsRequired(InvalidClosure):
    """The team wants to know why before a case is closed; the doors that cannot ask (an email link) say where
    to close it instead."""

    def __init__(self) -> None:
        super().__init__("reasons", "this team requires at least one reason theme to close a case")


@dataclass(frozen=True)
class Closure:
    reasons: tuple[str, ...] = ()
    action_code: str | None = None
    action_note: str | None = None

    @property
    def empty(self) -> bool:
        return not self.reasons and self.action_code is None and not self.action_note

    def to_data(self) -> dict[str, Any]:
        """What the closing event of the timeline keeps."""
        data: dict[str, Any] = {"reasons": list(self.reasons)}
        if self.action_code is not None:
            data["action_code"] = self.action_code
        if self.action_note:
            data["action_note"] = self.action_note
        return data


@dataclass(frozen=True)
class ClosureRules:
    """What a closure may say on this case: the active theme keys, the configured action codes, and whether the
    case's team requires a reason."""

    themes: frozenset[str]
    actions: tuple[str, ...] = ()
    reasons_required: bool = False

    @classmethod
    def of(cls, themes: Iterable[str], actions: Iterable[str], *, reasons_required: bool) -> ClosureRules:
        return cls(frozenset(themes), tuple(actions), reasons_required)

    def check(self, closure: Closure) -> Closure:
        """The closure as recorded (each reason once, in the order given; the note trimmed), or InvalidClosure."""
        reasons = tuple(dict.fromkeys(closure.reasons))
        for key in reasons:
            if key not in self.themes:
                raise InvalidClosure("reasons", f"no active theme {key[:MAX_ACTION_CODE]!r} (unknown, or retired)")
        if self.reasons_required and not reasons:
            raise ReasonsRequired()
        code = closure.action_code
        if code is not None and code not in self.actions:
            known = ", ".join(self.actions) or "none configured"
            raise InvalidClosure("action_code", f"no action code {code[:MAX_ACTION_CODE]!r} (known: {known})")
        note = (closure.action_note or "").strip() or None
        if note is not None and len(note) > MAX_ACTION_NOTE:
            raise InvalidClosure("action_note", f"the action note is at most {MAX_ACTION_NOTE} characters")
        return Closure(reasons, code, note)
