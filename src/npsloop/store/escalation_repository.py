"""Escalation steps fired: one row per (case, step), so each step of a chain happens once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.orm import Session

from npsloop.store import tables


class EscalationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, case_id: int, step: str, now: datetime) -> bool:
        """True for exactly one caller per (case, step), whatever runs concurrently."""
        try:
            with self.session.begin_nested():
                self.session.execute(sa.insert(tables.escalations).values(case_id=case_id, step=step, fired_at=now))
        except exc.IntegrityError:
            return False
        return True
