"""Which of two versions of one response is the newer, so that a late, retried or replayed delivery never
rewrites history.

Survey tools retry out of order, and most of their signatures carry no time (Delighted, Typeform,
SurveyMonkey), so a captured request can be sent again at any moment. Each delivery therefore says which
version of the response it holds, as precisely as its sender can: a counter the sender keeps (`version` on
/v1/responses), else the sender's own clock for that version (Delighted's and Formbricks' `updated_at`,
SurveyMonkey's `date_modified`, `updated_at` on /v1/responses), else the time the customer answered. A
delivery older than the stored version changes nothing; one the keys cannot order loses if it would take
information away (see `responses.Response.absorb`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Order(StrEnum):
    OLDER = "older"
    SAME = "same"
    NEWER = "newer"


def _order(older: bool, newer: bool) -> Order:
    return Order.OLDER if older else Order.NEWER if newer else Order.SAME


@dataclass(frozen=True)
class Version:
    sequence: int | None
    at: datetime | None
    responded_at: datetime

    def against(self, stored: Version) -> Order:
        """The most precise key both versions carry decides: a counter, else the sender's clock, else the time
        of the answer. A counter is never weighed against a clock."""
        if self.sequence is not None and stored.sequence is not None:
            return _order(self.sequence < stored.sequence, self.sequence > stored.sequence)
        if self.at is not None and stored.at is not None:
            return _order(self.at < stored.at, self.at > stored.at)
        return _order(self.responded_at < stored.responded_at, self.responded_at > stored.responded_at)
