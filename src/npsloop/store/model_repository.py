"""Tagger models trained on the installation's labels (table tagger_models): every version with its scores, and
which one is active. Reading the active id is one indexed row, cheap enough to do for every response."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from npsloop.services.records import StoredModel
from npsloop.store import tables
from npsloop.store.database import rows_changed


class ModelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def active_id(self) -> int | None:
        t = tables.tagger_models.c
        return self.session.scalar(sa.select(t.id).where(t.active.is_(True)))

    def data(self, model_id: int) -> tuple[str, bytes] | None:
        """The model's name and its bytes (megabytes: read only when a process has not loaded it yet)."""
        t = tables.tagger_models.c
        row = self.session.execute(sa.select(t.name, t.data).where(t.id == model_id)).first()
        return (row.name, bytes(row.data)) if row else None

    def add(
        self, *, name: str, created_at: datetime, trained_on: int, score_before: float, score_after: float, data: bytes
    ) -> int:
        """Stored inactive; `activate` switches it on."""
        stmt = sa.insert(tables.tagger_models).values(
            name=name,
            created_at=created_at,
            trained_on=trained_on,
            score_before=score_before,
            score_after=score_after,
            active=False,
            data=data,
        )
        return int(self.session.execute(stmt.returning(tables.tagger_models.c.id)).scalar_one())

    def activate(self, model_id: int | None) -> None:
        """Only `model_id` active afterwards (None: none, so the default tags). The old one is switched off
        first: the partial unique index allows one active row at a time, statement by statement."""
        t = tables.tagger_models.c
        self.session.execute(sa.update(tables.tagger_models).where(t.active.is_(True)).values(active=False))
        if model_id is not None:
            self.session.execute(sa.update(tables.tagger_models).where(t.id == model_id).values(active=True))

    def listed(self, limit: int = 20) -> list[StoredModel]:
        """Newest first."""
        t = tables.tagger_models.c
        stmt = (
            sa.select(t.id, t.name, t.created_at, t.trained_on, t.score_before, t.score_after, t.active)
            .order_by(t.id.desc())
            .limit(limit)
        )
        return [StoredModel(**row._mapping) for row in self.session.execute(stmt)]

    def by_name(self, name: str) -> StoredModel | None:
        t = tables.tagger_models.c
        stmt = sa.select(t.id, t.name, t.created_at, t.trained_on, t.score_before, t.score_after, t.active)
        row = self.session.execute(stmt.where(t.name == name)).first()
        return StoredModel(**row._mapping) if row else None

    def prune(self, keep: int) -> int:
        """Deletes the inactive models past the `keep` newest (each is megabytes); the active one always stays."""
        t = tables.tagger_models.c
        kept = sa.select(t.id).order_by(t.id.desc()).limit(keep).scalar_subquery()
        stmt = sa.delete(tables.tagger_models).where(t.active.is_(False), t.id.not_in(kept))
        result = self.session.execute(stmt)
        return rows_changed(result)
