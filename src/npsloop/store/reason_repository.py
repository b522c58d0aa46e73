"""The reason themes agents record at closure (table case_reasons), and the labelled comments they make."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.services.records import LABELS_PAGE, LabelledComment
from npsloop.store import tables


class ReasonRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_case(self, case_id: int) -> tuple[str, ...]:
        """In key order: reasons have no rank, and a stable order keeps timelines and exports comparable."""
        r = tables.case_reasons.c
        stmt = sa.select(r.theme).where(r.case_id == case_id).order_by(r.theme)
        return tuple(self.session.scalars(stmt))

    def replace(self, case_id: int, themes: Iterable[str]) -> None:
        """A case closed again after a reopen keeps only the reasons its last closure gave."""
        r = tables.case_reasons
        self.session.execute(sa.delete(r).where(r.c.case_id == case_id))
        rows = [{"case_id": case_id, "theme": theme} for theme in sorted(set(themes))]
        if rows:
            self.session.execute(sa.insert(r), rows)

    def labelled_comments(self, since: datetime | None = None, limit: int = LABELS_PAGE) -> list[LabelledComment]:
        """Closed cases with reasons, oldest closure first, each with the first comment of the case that is not
        erased (the one that opened it, as a rule): what the customer wrote before anyone called them."""
        c, reasons, r = tables.cases.c, tables.case_reasons.c, tables.responses.c
        labelled = sa.exists().where(reasons.case_id == c.id)
        stmt = sa.select(c.id, c.closed_at).where(c.closed_at.is_not(None), c.erased_at.is_(None), labelled)
        if since is not None:
            stmt = stmt.where(c.closed_at >= since)
        # The chosen cases as a subquery rather than a list of ids: tens of thousands of bound ids exceed what
        # SQLite takes in one statement. Each statement reads the window again, so a case that left it in between
        # (erased meanwhile) is skipped below rather than half read.
        picked = stmt.order_by(c.closed_at, c.id).limit(limit).subquery()
        chosen = sa.select(picked).order_by(picked.c.closed_at, picked.c.id)
        closed = {row.id: row.closed_at for row in self.session.execute(chosen)}
        if not closed:
            return []
        themes: dict[int, list[str]] = {}
        given = sa.select(reasons.case_id, reasons.theme).join(picked, picked.c.id == reasons.case_id)
        for case_id, theme in self.session.execute(given.order_by(reasons.theme)):
            themes.setdefault(case_id, []).append(theme)
        first: dict[int, tuple[str, str | None]] = {}
        commented = (
            sa.select(r.case_id, r.comment, r.language)
            .join(picked, picked.c.id == r.case_id)
            .where(r.comment.is_not(None), r.comment != "", r.erased_at.is_(None))
            .order_by(r.received_at.desc(), r.id.desc())
        )
        for case_id, comment, language in self.session.execute(commented):
            first[case_id] = (comment, language)  # the earliest is the last written
        return [
            LabelledComment(case_id, closed_at, *first[case_id], tuple(themes[case_id]))
            for case_id, closed_at in closed.items()
            if case_id in first and case_id in themes
        ]
