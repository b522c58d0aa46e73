"""Responses as stored: looked up by id or by the sender's key, and the ones the reconciler and the
quarantine look for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from npsloop.domain.responses import Response, ResponseStatus
from npsloop.store import tables


def _insert_new(insert: Callable[[sa.Table], postgresql.Insert | sqlite.Insert]) -> sa.Executable:
    # Built once: its compiled form is cached, and each call passes only the row's values.
    return (
        insert(tables.responses)
        .on_conflict_do_nothing(index_elements=["integration", "external_id"])
        .returning(tables.responses.c.id)
    )


_INSERT_NEW = {"postgresql": _insert_new(postgresql.insert), "sqlite": _insert_new(sqlite.insert)}


class ResponseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, response: Response) -> None:
        self.session.add(response)

    def insert_new(self, response: Response) -> int | None:
        """Stores a response whose key is new in one statement (INSERT ... ON CONFLICT DO NOTHING RETURNING id),
        without a lookup first: nearly every delivery is a new response, and the lookup and the ORM's flush were
        most of the ingest transaction. None when the key exists (a retry, a newer version): the caller then reads
        and locks the stored row. The row is written from the mapped attributes, so it holds exactly what `add`
        would write; the object itself stays outside the session."""
        mapper = sa.inspect(Response)
        values = {
            prop.columns[0].key: value
            for prop in mapper.column_attrs
            if (value := getattr(response, prop.key)) is not None or prop.columns[0].nullable
        }
        values.pop("id", None)
        stmt = _INSERT_NEW[self.session.get_bind().dialect.name]
        new_id = self.session.execute(stmt, values).scalar_one_or_none()
        if new_id is not None:
            response.id = new_id
        return new_id

    def get(self, response_id: int, *, lock: bool = False) -> Response | None:
        """`lock` holds the row until the transaction ends, waiting for a worker that holds it (PostgreSQL):
        one response is processed by one worker at a time."""
        return self.session.get(Response, response_id, with_for_update=lock or None)

    def by_key(self, integration: str, external_id: str, *, lock: bool = False) -> Response | None:
        """`lock` holds the row until the transaction ends (PostgreSQL; SQLite writers take turns anyway), so
        that two versions of one response arriving at once are compared one after the other."""
        stmt = sa.select(Response).where(
            tables.responses.c.integration == integration, tables.responses.c.external_id == external_id
        )
        return self.session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()

    def claim_waiting(self, first: int | None, limit: int) -> list[Response]:
        """`first`, if it waits, and up to `limit` - 1 other responses waiting to be processed (received and never
        failed: a response that failed waits for its own task's backoff), oldest first, locked until the
        transaction ends. Rows another worker holds are skipped, not waited for (PostgreSQL; SQLite writers take
        turns anyway)."""
        c = tables.responses.c
        mine = sa.select(Response).where(c.id == first, c.status == ResponseStatus.RECEIVED)
        found = [] if first is None else list(self.session.scalars(mine.with_for_update(skip_locked=True)))
        room = limit - len(found)
        if room <= 0:
            return found
        others = (
            sa.select(Response)
            .where(c.status == ResponseStatus.RECEIVED, c.failures == 0, c.id != first)
            .order_by(c.received_at, c.id)
            .limit(room)
            .with_for_update(skip_locked=True)
        )
        return found + list(self.session.scalars(others))

    def for_case(self, case_id: int) -> list[Response]:
        stmt = sa.select(Response).where(tables.responses.c.case_id == case_id).order_by(tables.responses.c.id)
        return list(self.session.scalars(stmt))

    def unprocessed_since(self, before: datetime, limit: int) -> list[int]:
        c = tables.responses.c
        stmt = (
            sa.select(c.id)
            .where(c.status == ResponseStatus.RECEIVED, c.received_at < before)
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def quarantined(self, limit: int = 500) -> list[Response]:
        c = tables.responses.c
        stmt = sa.select(Response).where(c.status == ResponseStatus.QUARANTINED).order_by(c.id).limit(limit)
        return list(self.session.scalars(stmt))

    def scores(self, integration: str | None = None) -> list[int]:
        stmt = sa.select(tables.responses.c.score)
        if integration is not None:
            stmt = stmt.where(tables.responses.c.integration == integration)
        return list(self.session.scalars(stmt))
