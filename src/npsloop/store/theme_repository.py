"""The stored reason taxonomy and its version. No rows means the default (in the code) applies."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.domain.themes import Localized, Taxonomy, Theme
from npsloop.store import tables


class ThemeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def stored(self) -> tuple[Theme, ...]:
        t = tables.themes.c
        rows = self.session.execute(sa.select(tables.themes).order_by(t.position))
        return tuple(
            Theme(
                key=row.key,
                name=Localized(es=row.name_es, en=row.name_en),
                description=Localized(es=row.description_es, en=row.description_en),
                retired=row.retired,
            )
            for row in rows
        )

    def version(self, *, for_update: bool = False) -> int:
        """With `for_update`, the row stays locked to the end of the transaction, so two loads at once take
        turns rather than interleave their deletes and inserts."""
        v = tables.themes_version.c
        stmt = sa.select(v.version).where(v.id == 1)
        return int(self.session.scalar(stmt.with_for_update() if for_update else stmt) or 0)

    def replace(self, taxonomy: Taxonomy, now: datetime) -> int:
        """Stores `taxonomy` in place of the current one and returns the new version."""
        self.session.execute(sa.delete(tables.themes))
        self.session.execute(
            sa.insert(tables.themes),
            [
                {
                    "key": theme.key,
                    "position": position,
                    "name_es": theme.name.es,
                    "name_en": theme.name.en,
                    "description_es": theme.description.es,
                    "description_en": theme.description.en,
                    "retired": theme.retired,
                }
                for position, theme in enumerate(taxonomy.themes, start=1)
            ],
        )
        v = tables.themes_version.c
        self.session.execute(
            sa.update(tables.themes_version).where(v.id == 1).values(version=v.version + 1, changed_at=now)
        )
        return self.version()
