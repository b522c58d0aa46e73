"""The one-statement INSERT of a new response writes exactly the row the ORM would, on SQLite and PostgreSQL,
and leaves a stored key alone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from npsloop.ingest.schemas import ResponseIn
from npsloop.store import tables
from tests.conftest import payload


@pytest.fixture(params=["sqlite", "postgresql"])
def rt(request):
    return request.getfixturevalue("runtime" if request.param == "sqlite" else "pg_runtime")


def incoming(rt, external_id: str, **overrides):
    fields = {
        "comment": "<b>Late</b> again",
        "customer": {"id": "c-1", "name": "Ana", "email": "ana@example.com", "phone": "+34600111222"},
        "attributes": {"tier": "gold", "visits": 3},
    }
    body = payload(response_id=external_id, **(fields | overrides))
    return ResponseIn.model_validate(body).to_domain(integration="shop", received_at=rt.clock())


def row(rt, external_id: str) -> dict[str, object]:
    with rt.engine.connect() as connection:
        found = connection.execute(
            sa.select(tables.responses).where(tables.responses.c.external_id == external_id)
        ).one()
    return {k: v for k, v in found._mapping.items() if k not in ("id", "external_id")}


def test_a_new_key_is_inserted_as_the_orm_would_write_it(rt):
    by_orm, by_insert = incoming(rt, "by-orm"), incoming(rt, "by-insert")
    by_insert.responded_at, by_insert.received_at = by_orm.responded_at, by_orm.received_at
    with rt.uow() as uow:
        uow.responses.add(by_orm)
        uow.flush()
        new_id = uow.responses.insert_new(by_insert)
        uow.commit()
    assert new_id is not None and by_insert.id == new_id != by_orm.id
    assert row(rt, "by-insert") == row(rt, "by-orm")


def test_a_stored_key_is_refused_and_left_as_it_was(rt):
    first = incoming(rt, "once")
    with rt.uow() as uow:
        assert uow.responses.insert_new(first) is not None
        uow.commit()
    before = row(rt, "once")
    again = incoming(rt, "once", score=10, comment="all good now")
    with rt.uow() as uow:
        assert uow.responses.insert_new(again) is None
        uow.commit()
    assert again.id is None
    assert row(rt, "once") == before
