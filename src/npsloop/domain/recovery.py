"""The recovery follow-up to a customer whose case was closed as resolved: whether to ask, how often, and when
the customer's country allows a service message to reach them."""

from __future__ import annotations

from enum import StrEnum


class RecoveryPolicy(StrEnum):
    """A team's choice: never ask, ask every customer whose case closed resolved, or only detractors whose
    response named one of the team's recovery themes."""

    OFF = "off"
    ASK = "ask"
    THEMES = "themes"


class RecoveryState(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its due time (the customer's contact window)
    SENT = "sent"  # the message went; the link waits for an answer until it expires
    ANSWERED = "answered"
    SKIPPED = "skipped"  # nothing sent: opted out, no way to reach them, or asked within the quiet period
    FAILED = "failed"  # the channel refused it for good
    EXPIRED = "expired"  # the link expired unanswered
