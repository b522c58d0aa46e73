"""The migrations build exactly the schema the code declares, on PostgreSQL and on SQLite, and go down."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from npsloop.store import migrate
from npsloop.store.tables import metadata


def differences(url: str) -> list[object]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    return diff


def test_postgres_schema_from_migrations_matches_the_tables(pg_url):
    assert differences(pg_url) == []


def test_sqlite_schema_from_migrations_matches_the_tables_and_downgrades(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    assert differences(url) == []
    migrate.downgrade(url, "base")
    engine = sa.create_engine(url)
    assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()


def test_the_open_case_rule_is_a_partial_unique_index_on_postgres(pg_url):
    engine = sa.create_engine(pg_url)
    with engine.connect() as connection:
        definition = connection.execute(
            sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_cases_open_customer'")
        ).scalar_one()
    engine.dispose()
    assert "UNIQUE" in definition and "status" in definition and "closed" in definition
