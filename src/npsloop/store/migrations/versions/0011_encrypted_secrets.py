"""secrets encrypted at rest

Integration secrets (and the previous one during a rotation), the credentials among an integration's
settings, and outbound endpoints' URLs and signing secrets become Fernet tokens: the columns widen to Text
and the rows already there are encrypted in this transaction, with the keys `npsloop db upgrade` passes
(NPSLOOP_SECRET_KEY, or the embedded key file). With rows to encrypt and no key, the upgrade stops and says
so rather than leave secrets in clear under a schema that promises otherwise. Downgrading decrypts them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 17:30:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from npsloop.domain.integrations import is_credential
from npsloop.store.keyring import SETTING, Keyring, KeyringError

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

integrations = sa.table(
    "integrations",
    sa.column("id", sa.Integer),
    sa.column("secret", sa.Text),
    sa.column("previous_secret", sa.Text),
    sa.column("config", sa.JSON),
)
endpoints = sa.table(
    "outbound_endpoints", sa.column("id", sa.Integer), sa.column("url", sa.Text), sa.column("secret", sa.Text)
)

WIDENED = {"integrations": {"secret": 500, "previous_secret": 500}, "outbound_endpoints": {"url": 2000, "secret": 200}}
NOT_NULL = {("integrations", "secret"), ("outbound_endpoints", "url")}


def upgrade() -> None:
    keyring = _keyring("encrypt")  # before any change: without the key, the database is left as it was
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, length in columns.items():
                batch.alter_column(
                    column,
                    existing_type=sa.String(length),
                    type_=sa.Text(),
                    existing_nullable=(table, column) not in NOT_NULL,
                )
    if keyring is not None:
        _convert(keyring, encrypting=True)


def downgrade() -> None:
    keyring = _keyring("decrypt")
    if keyring is not None:
        _convert(keyring, encrypting=False)
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, length in columns.items():
                batch.alter_column(
                    column,
                    existing_type=sa.Text(),
                    type_=sa.String(length),
                    existing_nullable=(table, column) not in NOT_NULL,
                )


def _keyring(verb: str) -> Keyring | None:
    """The caller's keys; None when there is nothing to convert. Rows and no key: stop, and say what to set."""
    bind = op.get_bind()
    rows = sum(bind.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in (integrations, endpoints))
    if rows == 0:
        return None
    keyring: Keyring | None = context.config.attributes.get("keyring")
    if keyring is None:
        raise KeyringError(
            f"migration 0011 must {verb} the secrets of {rows} integration(s) and outbound endpoint(s) and needs "
            f"the key: set {SETTING} (`npsloop secrets generate-key` makes one) and run `npsloop db upgrade` again"
        )
    return keyring


def _convert(keyring: Keyring, *, encrypting: bool) -> None:
    bind = op.get_bind()
    convert = keyring.encrypt if encrypting else keyring.decrypt

    def each(value: str | None) -> str | None:
        return None if value is None else convert(value)

    def settings(config: dict[str, Any]) -> dict[str, Any]:
        if encrypting:
            return {k: keyring.encrypt(json.dumps(v)) if is_credential(k) else v for k, v in config.items()}
        return {k: json.loads(keyring.decrypt(v)) if is_credential(k) else v for k, v in config.items()}

    for row in bind.execute(sa.select(integrations)).all():
        bind.execute(
            integrations.update()
            .where(integrations.c.id == row.id)
            .values(secret=convert(row.secret), previous_secret=each(row.previous_secret), config=settings(row.config))
        )
    for row in bind.execute(sa.select(endpoints)).all():
        bind.execute(
            endpoints.update().where(endpoints.c.id == row.id).values(url=convert(row.url), secret=each(row.secret))
        )
