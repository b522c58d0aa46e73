"""The migrations build exactly the schema the code declares, on PostgreSQL and on SQLite, and go down."""

from __future__ import annotations

import pytest
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


def _plaintext_secrets_at_0010(url: str) -> dict[str, str]:
    """A database as 0010 left it: secrets in clear, as every installation before 0011 has them."""
    from datetime import datetime

    migrate.upgrade(url, "0010")
    made = {"secret": "sm-secret-4f1e", "previous": "sm-old-9a2c", "token": "sm-token-77d0", "slack": "T1/B1/c0ffee"}
    integrations = sa.table(
        "integrations",
        *(sa.column(c) for c in ("name", "kind", "secret", "previous_secret", "created_at")),
        sa.column("config", sa.JSON),
    )
    endpoints = sa.table(
        "outbound_endpoints",
        *(sa.column(c) for c in ("name", "kind", "url", "created_at")),
        sa.column("events", sa.JSON),
    )
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            integrations.insert().values(
                name="sm",
                kind="surveymonkey",
                secret=made["secret"],
                previous_secret=made["previous"],
                config={"api_key": "k", "access_token": made["token"], "score_question": "111"},
                created_at=datetime(2026, 1, 1),
            )
        )
        connection.execute(
            endpoints.insert().values(
                name="team",
                kind="slack",
                url=f"https://hooks.slack.com/services/{made['slack']}",
                events=["opened"],
                created_at=datetime(2026, 1, 1),
            )
        )
    engine.dispose()
    return made


def _raw(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [
            *connection.execute(sa.text("SELECT * FROM integrations")),
            *connection.execute(sa.text("SELECT * FROM outbound_endpoints")),
        ]
    engine.dispose()
    return repr(rows)


def _migrating_encrypts_existing_secrets_and_downgrading_decrypts_them(url: str) -> None:
    import pytest

    from npsloop.services import integrations, outbound
    from npsloop.store.database import make_engine
    from npsloop.store.keyring import Keyring, KeyringError
    from npsloop.store.mapping import start_mappers
    from npsloop.store.uow import SqlUnitOfWork, session_factory
    from tests.conftest import FakeDispatcher

    made = _plaintext_secrets_at_0010(url)
    with pytest.raises(KeyringError) as refused:  # rows to encrypt and no key: stop, and say what to set
        migrate.upgrade(url)
    assert "NPSLOOP_SECRET_KEY" in str(refused.value) and "2 integration(s)" in str(refused.value)
    assert all(value in _raw(url) for value in made.values())  # left as it was

    keyring = Keyring.parse(Keyring.generate())
    migrate.upgrade(url, keyring=keyring)
    assert not any(value in _raw(url) for value in made.values())
    assert differences(url) == []
    start_mappers()
    engine = make_engine(url, keyring=keyring)
    sessions = session_factory(engine)
    (found,) = integrations.list_integrations(uow=SqlUnitOfWork(sessions, FakeDispatcher()))
    assert (found.secret, found.previous_secret, found.config["access_token"]) == (
        made["secret"],
        made["previous"],
        made["token"],
    )
    assert outbound.list_endpoints(uow=SqlUnitOfWork(sessions, FakeDispatcher()))[0].url.endswith(made["slack"])
    engine.dispose()

    migrate.downgrade(url, "0010", keyring=keyring)
    assert all(value in _raw(url) for value in made.values())


def test_existing_secrets_are_encrypted_by_the_migration_on_sqlite(tmp_path):
    _migrating_encrypts_existing_secrets_and_downgrading_decrypts_them(f"sqlite:///{tmp_path / 'm.db'}")


def test_existing_secrets_are_encrypted_by_the_migration_on_postgres(pg_url):
    import uuid

    from npsloop.store.database import normalize_url
    from tests.support.services import ADMIN_URL

    admin = sa.create_engine(normalize_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = "npsloop_m11_" + uuid.uuid4().hex[:8]
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        _migrating_encrypts_existing_secrets_and_downgrading_decrypts_them(pg_url.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_theme_tables_come_and_go_with_0013(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url, "0012")
    migrate.upgrade(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT id, version FROM themes_version")).all() == [(1, 0)]
        assert connection.execute(sa.text("SELECT count(*) FROM themes")).scalar_one() == 0  # the default applies
    migrate.downgrade(url, "0012")
    assert not {"themes", "themes_version"} & set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_the_tagger_models_come_and_go_with_0016_and_one_at_most_is_active(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url, "0015")
    migrate.upgrade(url, "0016")
    engine = sa.create_engine(url)
    row = "INSERT INTO tagger_models (name, created_at, trained_on, score_before, score_after, active, data) VALUES "
    with engine.begin() as connection:
        connection.execute(sa.text(row + "('a', '2026-12-01 00:00:00', 40, 0.2, 0.4, 1, x'00')"))
        connection.execute(sa.text(row + "('b', '2026-12-01 00:00:00', 40, 0.2, 0.1, 0, x'00')"))
    with engine.begin() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.execute(sa.text("UPDATE tagger_models SET active = 1 WHERE name = 'b'"))
    migrate.downgrade(url, "0015")
    assert "tagger_models" not in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_one_active_tagger_model_is_a_partial_unique_index_on_postgres(pg_url):
    engine = sa.create_engine(pg_url)
    with engine.connect() as connection:
        definition = connection.execute(
            sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_tagger_models_active'")
        ).scalar_one()
    engine.dispose()
    assert "UNIQUE" in definition and "WHERE active" in definition
