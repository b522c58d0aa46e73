"""What the recovery follow-ups of a set of resolved closures came to: how many were sent and answered, how many
customers confirmed their problem was solved, how many answers reopened the case, and the new scores given.
Pure counting and shares, so each figure can be checked against follow-ups written out by hand.

Each share names its denominator (DENOMINATORS), and is None, never 0%, when that denominator is zero: a period
without follow-ups has no confirmation rate. Every case opens on a detractor's response (0-6), so the customer
of every follow-up was a detractor: a new score of 7-8 is a detractor who became a passive, 9-10 a promoter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from npsloop.domain.scores import Category, NpsSummary, classify

# Each share, and the counts it is taken over: part / whole.
DENOMINATORS: dict[str, tuple[str, str]] = {
    "response_rate": ("answered", "sent"),
    "confirmed_rate": ("confirmed", "answered_yes_no"),
    "confirmed_of_sent": ("confirmed", "sent"),
    "reopen_rate": ("reopened", "answered"),
    "recovered_rate": ("recovered", "new_scores"),
}


@dataclass(frozen=True)
class Followup:
    """One follow-up as the report reads it (a recovery request), whatever became of it."""

    sent: bool = False
    answered: bool = False
    solved: bool | None = None  # the customer's yes or no; None when not answered (or answered without one)
    new_score: int | None = None
    reopened: bool = False


@dataclass(frozen=True)
class RecoveryCounts:
    """The follow-ups of the resolved closures in one period (and team), counted."""

    requests: int = 0  # every follow-up decided for those closures: scheduled, sent, answered, skipped, ...
    sent: int = 0  # the message went (sent_at set)
    answered: int = 0  # the customer answered the link
    confirmed: int = 0  # answered "yes, it is solved"
    not_solved: int = 0  # answered "no"
    reopened: int = 0  # answered, and the answer reopened the case (a "no" or a new score 0-6)
    new_detractors: int = 0  # new scores 0-6
    new_passives: int = 0  # 7-8: detractors who became passives
    new_promoters: int = 0  # 9-10: detractors who became promoters

    def __add__(self, other: RecoveryCounts) -> RecoveryCounts:
        return RecoveryCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def answered_yes_no(self) -> int:
        """The answers that said yes or no: the confirmation rate's denominator."""
        return self.confirmed + self.not_solved

    @property
    def new_scores(self) -> int:
        return self.new_detractors + self.new_passives + self.new_promoters

    @property
    def recovered(self) -> int:
        """Detractors whose new score made them passives or promoters."""
        return self.new_passives + self.new_promoters

    @property
    def new_nps(self) -> NpsSummary:
        """The new scores as an NPS count, for the interval every NPS figure carries."""
        return NpsSummary(promoters=self.new_promoters, passives=self.new_passives, detractors=self.new_detractors)

    def share(self, name: str) -> float | None:
        """A share of DENOMINATORS in percent, rounded to a tenth as the loop figures are; None over nothing."""
        part, whole = DENOMINATORS[name]
        return share(getattr(self, part), getattr(self, whole))


def share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


EMPTY = RecoveryCounts()


def count(followups: Iterable[Followup]) -> RecoveryCounts:
    """The counts of follow-ups read one by one (the database counts them with a GROUP BY; this is its
    definition, which the tests hold the query to)."""
    total = EMPTY
    for one in followups:
        answered = one.answered
        category = classify(one.new_score) if answered and one.new_score is not None else None
        total += RecoveryCounts(
            requests=1,
            sent=int(one.sent),
            answered=int(answered),
            confirmed=int(answered and one.solved is True),
            not_solved=int(answered and one.solved is False),
            reopened=int(answered and one.reopened),
            new_detractors=int(category is Category.DETRACTOR),
            new_passives=int(category is Category.PASSIVE),
            new_promoters=int(category is Category.PROMOTER),
        )
    return total
