"""The themes of each response's comment (table response_themes), read by response and by case."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.responses import ResponseStatus
from npsloop.domain.theme_tags import Polarity, ThemeTag
from npsloop.store import tables


class TagRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace(self, response_id: int, tags: Iterable[ThemeTag], *, first: bool = False) -> None:
        """A comment read again (it changed, or a new model read it) keeps only what it was found to say now.
        `first`: it was never read, so there is nothing to replace (a statement saved for most responses)."""
        if not first:
            self.session.execute(
                sa.delete(tables.response_themes).where(tables.response_themes.c.response_id == response_id)
            )
        rows = [
            {
                "response_id": response_id,
                "theme": tag.theme,
                "polarity": tag.polarity.value,
                "confidence": tag.confidence,
            }
            for tag in tags
        ]
        if rows:
            self.session.execute(sa.insert(tables.response_themes), rows)

    def of_responses(self, response_ids: Sequence[int]) -> dict[int, tuple[ThemeTag, ...]]:
        """Most confident first; a response with no tags is absent."""
        if not response_ids:
            return {}
        t = tables.response_themes.c
        rows = self.session.execute(
            sa.select(t.response_id, t.theme, t.polarity, t.confidence)
            .where(t.response_id.in_(list(response_ids)))
            .order_by(t.response_id, t.confidence.desc(), t.theme)
        )
        found: dict[int, list[ThemeTag]] = {}
        for row in rows:
            found.setdefault(row.response_id, []).append(ThemeTag(row.theme, Polarity(row.polarity), row.confidence))
        return {response_id: tuple(tags) for response_id, tags in found.items()}

    def of_case(self, case_id: int) -> tuple[ThemeTag, ...]:
        """The themes of every response the case holds, each once: its most confident tag."""
        return self.of_cases([case_id]).get(case_id, ())

    def of_cases(self, case_ids: Sequence[int]) -> dict[int, tuple[ThemeTag, ...]]:
        """of_case for a page of cases in one query (a list of 200 cases asked one by one took a second on
        SQLite); a case with no tags is absent."""
        if not case_ids:
            return {}
        r, t = tables.responses.c, tables.response_themes.c
        rows = self.session.execute(
            sa.select(r.case_id, t.theme, t.polarity, t.confidence)
            .select_from(tables.response_themes.join(tables.responses, r.id == t.response_id))
            .where(r.case_id.in_(list(case_ids)))
            .order_by(t.response_id)  # a tie between two responses' tags goes to the earlier, whatever the plan
        )
        best: dict[int, dict[str, ThemeTag]] = {}
        for row in rows:
            tags = best.setdefault(row.case_id, {})
            if row.theme not in tags or row.confidence > tags[row.theme].confidence:
                tags[row.theme] = ThemeTag(row.theme, Polarity(row.polarity), row.confidence)
        return {
            case_id: tuple(sorted(tags.values(), key=lambda tag: (-tag.confidence, tag.theme)))
            for case_id, tags in best.items()
        }

    def untagged_since(self, before: datetime, limit: int) -> list[int]:
        """Commented responses whose comment no model has read yet (a lost task, an upgrade, a history load)."""
        r = tables.responses.c
        stmt = (
            sa.select(r.id)
            .where(
                r.theme_state.is_(None),
                r.comment.is_not(None),
                r.status == ResponseStatus.PROCESSED,
                r.received_at < before,
            )
            .order_by(r.received_at)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def commented_since(self, since: datetime, after_id: int, limit: int) -> list[int]:
        """Processed responses with a comment received from `since` on, by id past `after_id`: the next batch of a
        re-tagging, keyset-paged so each batch is one short transaction whatever the history's size."""
        r = tables.responses.c
        stmt = sa.select(r.id).where(self._commented_since(since), r.id > after_id).order_by(r.id).limit(limit)
        return list(self.session.scalars(stmt))

    def count_commented_since(self, since: datetime) -> int:
        r = tables.responses.c
        return int(self.session.scalar(sa.select(sa.func.count(r.id)).where(self._commented_since(since))) or 0)

    @staticmethod
    def _commented_since(since: datetime) -> sa.ColumnElement[bool]:
        r = tables.responses.c
        return sa.and_(r.comment.is_not(None), r.status == ResponseStatus.PROCESSED, r.received_at >= since)
