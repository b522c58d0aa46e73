"""Recovery follow-ups written straight into their table, each on a closed case of its own: the reports are under
test, not the follow-up that records them (services.recovery). A follow-up is a domain Followup plus when and for
which team its closure was."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import count

import sqlalchemy as sa

from npsloop.domain.cases import CaseStatus, Outcome
from npsloop.domain.recovery import RecoveryState
from npsloop.domain.recovery_stats import Followup
from npsloop.store import tables

_keys = count(1)


def team_ids(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: id_ for id_, name in connection.execute(sa.select(tables.teams.c.id, tables.teams.c.name))}


def _state(one: Followup) -> RecoveryState:
    if one.answered:
        return RecoveryState.ANSWERED
    return RecoveryState.SENT if one.sent else RecoveryState.SKIPPED


def write_followups(engine: sa.Engine, team_id: int | None, closed_at: datetime, followups: Iterable[Followup]) -> None:
    """One resolved case closed at `closed_at` per follow-up, and the follow-up itself."""
    with engine.begin() as connection:
        for one in followups:
            key = f"customer-{next(_keys)}"
            case_id = connection.execute(
                tables.cases.insert().values(
                    customer_key=key,
                    team_id=team_id,
                    status=CaseStatus.CLOSED,
                    outcome=Outcome.RESOLVED,
                    opened_at=closed_at - timedelta(days=2),
                    closed_at=closed_at,
                )
            ).inserted_primary_key[0]
            sent_at = closed_at + timedelta(hours=1) if one.sent else None
            connection.execute(
                tables.recovery_requests.insert().values(
                    case_id=case_id,
                    team_id=team_id,
                    customer_key=key,
                    closed_at=closed_at,
                    channel="email",
                    language="es",
                    state=_state(one),
                    due_at=closed_at,
                    sent_at=sent_at,
                    answered_at=closed_at + timedelta(hours=5) if one.answered else None,
                    solved=one.solved,
                    new_score=one.new_score,
                    reopened=one.reopened,
                    created_at=closed_at,
                )
            )


YES_PROMOTER = Followup(sent=True, answered=True, solved=True, new_score=10)
YES_PASSIVE = Followup(sent=True, answered=True, solved=True, new_score=8)
YES = Followup(sent=True, answered=True, solved=True)
NO_REOPENED = Followup(sent=True, answered=True, solved=False, new_score=2, reopened=True)
UNANSWERED = Followup(sent=True)
SKIPPED = Followup()
